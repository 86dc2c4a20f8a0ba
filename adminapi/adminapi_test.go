package adminapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

func TestClientAgainstTheSimulator(t *testing.T) {
	dir, err := demo.NewDirectory(demo.Password, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := simulator.New(simulator.Options{Directory: dir, AdminToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx := context.Background()
	c := adminapi.Client{URL: hs.URL + "/", Token: "tok"}

	var mbx []struct{ UserPrincipalName, DisplayName string }
	if err := c.Run(ctx, "Get-Mailbox", map[string]any{"Identity": "alice"}, &mbx); err != nil || len(mbx) != 1 || mbx[0].DisplayName != "Alice Wilber" {
		t.Fatalf("Get-Mailbox: %v %+v", err, mbx)
	}
	if err := c.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "ApplABC"}}, nil); err != nil {
		t.Fatal(err)
	}
	// A Set- that changes nothing warns, as PowerShell does.
	r, err := c.Call(ctx, "Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "ApplABC"}})
	if err != nil || len(r.Warnings) != 1 {
		t.Errorf("no-op Set-CASMailbox: %v %q", err, r.Warnings)
	}
	var e *adminapi.Error
	err = c.Run(ctx, "Get-Mailbox", map[string]any{"Identity": "nobody"}, &mbx)
	if !errors.As(err, &e) || e.Category != "ManagementObjectNotFound" || e.HTTPStatus != http.StatusNotFound || e.Cmdlet != "Get-Mailbox" {
		t.Errorf("unknown mailbox: %v", err)
	}
	bad := adminapi.Client{URL: hs.URL, Token: "wrong"}
	if err := bad.Run(ctx, "Get-Mailbox", nil, nil); !errors.As(err, &e) || e.HTTPStatus != http.StatusUnauthorized {
		t.Errorf("wrong token: %v", err)
	}
	notAPI := adminapi.Client{URL: hs.URL + "/healthz-nope"}
	if err := notAPI.Run(ctx, "Get-Mailbox", nil, nil); err == nil {
		t.Error("a server that is not the admin API gave no error")
	}
}
