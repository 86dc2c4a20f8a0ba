package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/easlab/easlab/internal/lockedbuf"
)

// TestMFACommands: easlab mfa serve takes a product's push and keeps it
// pending; list shows it; approve decides it, as the product then reads
// on the contract's GET; a second decision and an unknown push are
// refused with the provider's reason.
func TestMFACommands(t *testing.T) {
	people, err := mfaPeople(context.Background(), "", "", "")
	if err != nil || len(people) == 0 {
		t.Fatalf("the demo organization's people: %v %v", people, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var printed lockedbuf.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serveMFA(ctx, &printed, "127.0.0.1:0", people, ready) }()
	url := <-ready

	body := `{"user": "alice@contoso.com", "displayName": "Alice Wilber", "device": {"id": "ApplF17ABC", "type": "iPhone", "model": "iPhone15C2"}}`
	resp, err := http.Post(url+"/v1/push", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ PushID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.PushID == "" {
		t.Fatalf("POST /v1/push: HTTP %d %+v", resp.StatusCode, created)
	}

	out, err := run(t, nil, "mfa", "list", "--url", url)
	if err != nil || !bytes.Contains(out, []byte(created.PushID)) || !bytes.Contains(out, []byte("pending")) || !bytes.Contains(out, []byte("ApplF17ABC")) {
		t.Fatalf("mfa list: %v\n%s", err, out)
	}
	t.Setenv("EASLAB_MFA_URL", url)
	if out, err := run(t, nil, "mfa", "approve", created.PushID); err != nil || !bytes.Contains(out, []byte("approved")) {
		t.Fatalf("mfa approve: %v\n%s", err, out)
	}
	resp, err = http.Get(url + "/v1/push/" + created.PushID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte(`"approved"`)) {
		t.Fatalf("the product reads %s", b)
	}
	if _, err := run(t, nil, "mfa", "deny", created.PushID); err == nil || !strings.Contains(err.Error(), "already approved") {
		t.Errorf("a second decision: %v", err)
	}
	if _, err := run(t, nil, "mfa", "deny", "nope"); err == nil || !strings.Contains(err.Error(), "unknown push") {
		t.Errorf("an unknown push: %v", err)
	}
	if !strings.Contains(printed.String(), "push "+created.PushID+": alice@contoso.com") {
		t.Errorf("serve did not print the push:\n%s", printed.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
	if _, err := run(t, nil, "mfa", "list", "--url", url); err == nil || !strings.Contains(err.Error(), "is easlab mfa serve running?") {
		t.Errorf("list with no provider: %v", err)
	}
}

// TestMFAPeopleFromOrgFile: with --org, the provider knows that file's
// users; a bad file is refused with its path.
func TestMFAPeopleFromOrgFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "org.yaml")
	os.WriteFile(path, []byte("organization: {domain: fabrikam.com}\nusers:\n  - {alias: katie, displayName: Katie Jordan, password: p}\n"), 0o600)
	people, err := mfaPeople(context.Background(), "", "", path)
	if err != nil || len(people) != 1 || people[0].DisplayName != "Katie Jordan" || !strings.HasSuffix(people[0].UPN, "@fabrikam.com") {
		t.Fatalf("people of an org file: %+v %v", people, err)
	}
	if _, err := mfaPeople(context.Background(), "", "", path+".missing"); err == nil || !strings.Contains(err.Error(), "--org") {
		t.Errorf("a missing org file: %v", err)
	}
}
