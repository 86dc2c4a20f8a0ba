package harness

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// An Env starts from a state file exported from a running simulator (GET
// /api/state): the file's device is there, in the state the file gives
// it; a file that cannot be read fails the setup saying which and why.
func TestEnvFromStateFile(t *testing.T) {
	ctx := context.Background()
	sim := simtest.New(t, simulator.Options{})
	p, _ := clients.ProfileByName(clients.IPhone)
	d := clients.New(p, clients.Options{BaseURL: sim.EASURL, User: Alice, Password: demo.Password, Seed: 9})
	if err := d.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sim.Admin.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": "bob", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "FROMSTATE1"}}, nil); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, sim.URL+"/api/state", nil)
	req.Header.Set("Authorization", "Bearer "+sim.Admin.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/state: %s %s", resp.Status, body)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "case.json")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}

	e, err := newEnv(Config{}, 5, FromStateFile(path))
	if err != nil {
		t.Fatalf("an Env from the state file: %v", err)
	}
	defer e.Close()
	devs, err := e.Admin.Devices(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range devs {
		if m.DeviceId == d.DeviceID {
			found = true
			if m.DeviceAccessState != "Allowed" {
				t.Errorf("the file's device %s is %s in the Env, want Allowed as in the file", d.DeviceID, m.DeviceAccessState)
			}
		}
	}
	if !found {
		t.Errorf("the Env from the state file lists alice's devices %+v, not the file's %s", devs, d.DeviceID)
	}
	cas, err := e.Admin.CASMailbox(ctx, "bob")
	if err != nil || !strings.Contains(strings.Join(cas.ActiveSyncAllowedDeviceIDs, " "), "FROMSTATE1") {
		t.Errorf("bob's allow list in the Env is %v (%v), want FROMSTATE1 from the file", cas.ActiveSyncAllowedDeviceIDs, err)
	}

	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte("{not a state file"), 0o644)
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "missing.json: no such file or directory"},
		{garbage, "harness: state file " + garbage},
	} {
		if e, err := newEnv(Config{}, 6, FromStateFile(c.path)); err == nil {
			e.Close()
			t.Errorf("an Env from %s started", c.path)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("an Env from %s fails with %q, want it to say %q", c.path, err, c.want)
		}
	}
}
