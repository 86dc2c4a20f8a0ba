package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
)

// run runs `easlab ARGS` (this test binary as easlab) to its end and
// returns its output.
func run1(t *testing.T, args ...string) (string, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), "EASLAB_TEST_AS=easlab")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// wantRefused checks that a command exited non-zero saying want.
func wantRefused(t *testing.T, what, out string, err error, want string) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("%s: exit %v, want a non-zero exit\n%s", what, err, out)
	}
	if !strings.Contains(out, want) {
		t.Errorf("%s: the output does not say %q:\n%s", what, want, out)
	}
}

// serve --data refuses a directory it cannot use, says why, and leaves
// the database as it was.
func TestServeDataRefusals(t *testing.T) {
	t.Run("locked", func(t *testing.T) {
		dir := t.TempDir()
		p, err := startServe(t, "--data", dir, "--listen", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer p.stop()
		before := readBytes(t, filepath.Join(dir, "easlab.db"))
		out, err := run1(t, "serve", "--data", dir, "--listen", "127.0.0.1:0")
		wantRefused(t, "a second serve on the same directory", out, err, "is in use by process")
		if after := readBytes(t, filepath.Join(dir, "easlab.db")); !bytes.Equal(before, after) {
			t.Error("the refused serve changed the first one's database")
		}
		// The first server still answers.
		var org []struct{ DefaultAccessLevel string }
		if err := (&adminapi.Client{URL: p.base}).Run(context.Background(), "Get-ActiveSyncOrganizationSettings", nil, &org); err != nil && strings.Contains(err.Error(), "connection refused") {
			t.Errorf("the first server died: %v", err)
		}
	})
	for _, c := range []struct {
		name, want string
		make       func(t *testing.T, path string)
	}{
		{"not a database", "is not a SQLite database", func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("garbage, not SQLite\n"), 300), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"newer schema", "has schema version 99, this easlab knows up to version", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range []string{"PRAGMA application_id = 1161909068", "CREATE TABLE org (id INTEGER PRIMARY KEY, data)", "PRAGMA user_version = 99"} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(q, err)
				}
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "easlab.db")
			c.make(t, path)
			before := readBytes(t, path)
			out, err := run1(t, "serve", "--data", dir, "--listen", "127.0.0.1:0")
			wantRefused(t, "serve on "+c.name, out, err, c.want)
			if !strings.Contains(out, "--data") {
				t.Errorf("the refusal does not name --data:\n%s", out)
			}
			if after := readBytes(t, path); !bytes.Equal(before, after) {
				t.Errorf("the refused serve changed the file (%d bytes, now %d)", len(before), len(after))
			}
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Error("the refused serve left a WAL file next to the database")
			}
		})
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A data directory goes through a state file into another one, and a
// running server's state into serve --state: the organization's settings,
// allow lists and devices (which carry on with their keys) come along.
func TestStateRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four servers")
	}
	const token = "rt-token"
	ctx := context.Background()
	tmp := t.TempDir()
	a, b, file := filepath.Join(tmp, "a"), filepath.Join(tmp, "b"), filepath.Join(tmp, "state.json")

	p, err := startServe(t, "--data", a, "--listen", "127.0.0.1:0", "--admin-token", token)
	if err != nil {
		t.Fatal(err)
	}
	admin := &adminapi.Client{URL: p.base, Token: token}
	prof, _ := clients.ProfileByName(clients.IPhone)
	d := clients.New(prof, clients.Options{BaseURL: p.base + "/Microsoft-Server-ActiveSync", User: "alice@contoso.com", Password: "Passw0rd!", Seed: 42})
	for _, c := range []struct {
		cmdlet string
		params map[string]any
	}{
		{"Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"}},
		{"Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"ROUNDTRIP1", d.DeviceID}}}},
	} {
		if err := admin.Run(ctx, c.cmdlet, c.params, nil); err != nil {
			p.stop()
			t.Fatal(err)
		}
	}
	if err := d.Setup(ctx); err != nil {
		p.stop()
		t.Fatal(err)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("serve did not exit cleanly on SIGTERM: %v\n%s", err, p.stderr.String())
	}

	if out, err := run1(t, "state", "export", "--data", a, file); err != nil {
		t.Fatalf("state export --data: %v\n%s", err, out)
	}
	if out, err := run1(t, "state", "import", "--data", b, file); err != nil {
		t.Fatalf("state import --data: %v\n%s", err, out)
	}
	out, err := run1(t, "state", "import", "--data", b, file)
	wantRefused(t, "state import into a directory that holds an organization", out, err, "import only into an empty store")

	p, err = startServe(t, "--data", b, "--listen", "127.0.0.1:0", "--admin-token", token)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	admin = &adminapi.Client{URL: p.base, Token: token}
	var org []struct{ DefaultAccessLevel string }
	if err := admin.Run(ctx, "Get-ActiveSyncOrganizationSettings", nil, &org); err != nil || len(org) != 1 || org[0].DefaultAccessLevel != "Quarantine" {
		t.Errorf("the imported organization's DefaultAccessLevel is %v (%v), want Quarantine", org, err)
	}
	var cas []struct{ ActiveSyncAllowedDeviceIDs []string }
	if err := admin.Run(ctx, "Get-CASMailbox", map[string]any{"Identity": "alice"}, &cas); err != nil || len(cas) != 1 ||
		!slices.Contains(cas[0].ActiveSyncAllowedDeviceIDs, "ROUNDTRIP1") || !slices.Contains(cas[0].ActiveSyncAllowedDeviceIDs, d.DeviceID) {
		t.Errorf("alice's imported allow list is %v (%v), want ROUNDTRIP1 and %s", cas, err, d.DeviceID)
	}
	devsB := deviceIDs(t, admin)
	if !slices.Contains(devsB, d.DeviceID) {
		t.Errorf("Get-MobileDevice on the imported directory lists %v, not the device %s", devsB, d.DeviceID)
	}
	// The device carries on against the new server with its keys.
	moved, err := clients.Restore(d.State(), clients.Options{BaseURL: p.base + "/Microsoft-Server-ActiveSync", User: "alice@contoso.com", Password: "Passw0rd!"})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := moved.FolderByType(eas.FolderTypeInbox)
	before := moved.SyncKey(in.ServerId)
	if _, err := moved.Sync(ctx, in.ServerId); err != nil {
		t.Errorf("the device cannot sync on the imported directory: %v", err)
	}
	for _, e := range moved.Transcript().Entries() {
		if e.Command == eas.CommandProvision {
			t.Errorf("the device had to provision again on the imported directory (its policy key was lost)")
			break
		}
	}
	if len(moved.Items(in.ServerId)) == 0 || before == "" {
		t.Errorf("the device lost its Inbox on the imported directory (key %q, %d items)", before, len(moved.Items(in.ServerId)))
	}
	usersB := userAddrs(t, admin)

	// export --url of the running server, then serve --state from it.
	file2 := filepath.Join(tmp, "live.json")
	if out, err := run1(t, "state", "export", "--url", p.base, "--token", token, file2); err != nil {
		t.Fatalf("state export --url: %v\n%s", err, out)
	}
	out, err = run1(t, "state", "export", "--url", p.base, "--token", "wrong", filepath.Join(tmp, "no.json"))
	wantRefused(t, "state export --url with a wrong token", out, err, "/api/state")
	if _, err := os.Stat(filepath.Join(tmp, "no.json")); err == nil {
		t.Error("a refused export left a file")
	}
	q, err := startServe(t, "--state", file2, "--listen", "127.0.0.1:0", "--admin-token", token)
	if err != nil {
		t.Fatal(err)
	}
	defer q.stop()
	adminQ := &adminapi.Client{URL: q.base, Token: token}
	if got := userAddrs(t, adminQ); !slices.Equal(got, usersB) {
		t.Errorf("serve --state has the users %v, the server it was exported from %v", got, usersB)
	}
	if got := deviceIDs(t, adminQ); !slices.Equal(got, devsB) {
		t.Errorf("serve --state has the devices %v, the server it was exported from %v", got, devsB)
	}
}

func deviceIDs(t *testing.T, admin *adminapi.Client) []string {
	t.Helper()
	var devs []struct{ DeviceId string }
	if err := admin.Run(context.Background(), "Get-MobileDevice", map[string]any{"ResultSize": "Unlimited"}, &devs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range devs {
		ids = append(ids, d.DeviceId)
	}
	slices.Sort(ids)
	return ids
}

func userAddrs(t *testing.T, admin *adminapi.Client) []string {
	t.Helper()
	var mbx []struct{ PrimarySmtpAddress string }
	if err := admin.Run(context.Background(), "Get-Mailbox", map[string]any{"ResultSize": "Unlimited"}, &mbx); err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, m := range mbx {
		addrs = append(addrs, m.PrimarySmtpAddress)
	}
	slices.Sort(addrs)
	return addrs
}
