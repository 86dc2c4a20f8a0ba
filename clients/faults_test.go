package clients_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
)

// postFault posts a fault to the simulator's /api/faults and returns the
// HTTP status and body.
func (e *env) postFault(t *testing.T, spec string) (int, string) {
	t.Helper()
	base := strings.TrimSuffix(e.url, "/Microsoft-Server-ActiveSync")
	req, _ := http.NewRequest(http.MethodPost, base+"/api/faults", strings.NewReader(spec))
	req.Header.Set("Authorization", "Bearer "+e.srv.AdminToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// fault posts a fault that must be accepted.
func (e *env) fault(t *testing.T, spec string) {
	t.Helper()
	if code, body := e.postFault(t, spec); code != http.StatusCreated {
		t.Fatalf("POST /api/faults %s: %d %s", spec, code, body)
	}
}

// Each injected fault reaches the device as Exchange would send it, for
// the requests it matches only, as many times as asked.
func TestInjectedFaults(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 90)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)

	// 503 with Retry-After, twice, for Sync only.
	e.fault(t, `{"match": {"command": "Sync", "user": "alice"}, "action": {"httpStatus": 503, "retryAfter": 30}, "count": 2}`)
	for i := 0; i < 2; i++ {
		_, err := d.Sync(c, in.ServerId)
		var se *clients.ServerError
		if !errors.As(err, &se) || se.HTTPStatus != 503 || se.RetryAfter != 30*time.Second {
			t.Fatalf("Sync %d under a 503 fault: %v", i, err)
		}
	}
	if _, err := d.Sync(c, in.ServerId); err != nil {
		t.Fatalf("the fault outlived its count: %v", err)
	}

	// An EAS status in the body: 111 ServerErrorRetryLater.
	e.fault(t, `{"match": {"command": "FolderSync", "deviceId": "`+d.DeviceID+`"}, "action": {"status": 111}, "count": 1}`)
	err := d.FolderSync(c)
	var se *clients.ServerError
	if !errors.As(err, &se) || se.Status != 111 || se.HTTPStatus != 200 {
		t.Fatalf("FolderSync under a status fault: %v", err)
	}

	// A dropped connection: the device sees a transport error.
	e.fault(t, `{"match": {"command": "Sync"}, "action": {"drop": true}, "count": 1}`)
	if _, err := d.Sync(c, in.ServerId); err == nil || errors.As(err, &se) {
		t.Fatalf("Sync under a drop fault: %v", err)
	}

	// A Ping cut in the middle of its heartbeat (latency on the simulator's
	// clock, then the drop).
	e.fault(t, `{"match": {"command": "Ping"}, "action": {"latency": "5m", "drop": true}, "count": 1}`)
	done := make(chan error, 1)
	go func() { _, err := d.Ping(c, []string{in.ServerId}); done <- err }()
	if err := e.clk.BlockUntil(c, 1); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(5 * time.Minute)
	if err := <-done; err == nil {
		t.Fatal("a cut Ping returned no error")
	}

	// A 451 redirect: the device moves to the named URL and goes on.
	e.fault(t, `{"match": {"command": "Sync"}, "action": {"redirect": "`+e.url+`"}, "count": 1}`)
	if _, err := d.Sync(c, in.ServerId); err != nil {
		t.Fatalf("Sync after a 451: %v\n%s", err, d.Transcript())
	}
	if !bytes.Contains([]byte(d.Transcript().String()), []byte("451")) {
		t.Error("the transcript shows no 451")
	}

	// Another user's requests are untouched.
	e.fault(t, `{"match": {"user": "bob"}, "action": {"httpStatus": 500}}`)
	if _, err := d.Sync(c, in.ServerId); err != nil {
		t.Fatalf("a fault for bob hit alice: %v", err)
	}
}

// Admin API faults: a slow or failing cmdlet, and bad fault definitions.
func TestInjectedCmdletFaults(t *testing.T) {
	e := newEnv(t)
	base := strings.TrimSuffix(e.url, "/Microsoft-Server-ActiveSync")
	e.fault(t, `{"match": {"cmdlet": "Get-MobileDevice"}, "action": {"httpStatus": 503, "retryAfter": 5}, "count": 1}`)
	admin := adminapi.Client{URL: base, Token: e.srv.AdminToken()}
	// The 2010 alias matches the fault on the 2013 name.
	var ae *adminapi.Error
	if err := admin.Run(context.Background(), "Get-ActiveSyncDevice", nil, nil); !errors.As(err, &ae) || ae.HTTPStatus != 503 || ae.Category != "ResourceUnavailable" {
		t.Fatalf("cmdlet under a fault: %v", err)
	}
	if err := admin.Run(context.Background(), "Get-ActiveSyncDevice", nil, nil); err != nil {
		t.Fatalf("cmdlet after the fault: %v", err)
	}
	for _, bad := range []string{
		`{"match": {}, "action": {}}`,
		`{"match": {"command": "Nope"}, "action": {"httpStatus": 500}}`,
		`{"match": {}, "action": {"httpStatus": 200}}`,
		`{"match": {}, "action": {"httpStatus": 500, "drop": true}}`,
		`{"match": {}, "action": {"httpStatus": 500}, "probability": 0.5}`,
		`{"match": {"cmdlet": "Get-Mailbox"}, "action": {"status": 110}}`,
		`{"match": {"user": "nobody"}, "action": {"httpStatus": 500}}`,
		`{"match": {}, "action": {"latency": "soon"}}`,
		`{"unknown": 1}`,
	} {
		if code, body := e.postFault(t, bad); code != 400 && code != 404 {
			t.Errorf("fault %s accepted: %d %s", bad, code, body)
		}
	}
}
