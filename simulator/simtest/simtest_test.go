package simtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

func TestEnv(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	if env.Clock == nil || !env.Clock.Now().Equal(simtest.Start) {
		t.Fatalf("clock %v", env.Clock)
	}
	if env.Server.AdminToken() != simtest.AdminToken {
		t.Fatalf("token %q", env.Server.AdminToken())
	}

	d := env.Device("alice", "SIMTEST1", eas.Version161)
	d.Provision()
	if !d.HasKey || d.PolicyKey == 0 {
		t.Fatalf("policy key %d", d.PolicyKey)
	}
	inbox := d.FolderSync()["Inbox"].ServerId
	env.Deliver("alice", "Hello from simtest")
	col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
	col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
	if col == nil || len(col.Commands) == 0 {
		t.Fatalf("Sync brought nothing")
	}

	out := env.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": "alice"})
	if len(out) != 1 || out[0]["DeviceId"] != "SIMTEST1" {
		t.Fatalf("Get-MobileDevice: %v", out)
	}
	var ae *adminapi.Error
	if err := env.Admin.Run(context.Background(), "Get-MobileDevice", map[string]any{"Identity": "nope"}, nil); !errors.As(err, &ae) || ae.Category != "ManagementObjectNotFound" {
		t.Fatalf("Get-MobileDevice nope: %v", err)
	}
	if evs, _ := env.Events().Since(0); len(evs) == 0 {
		t.Fatalf("no events")
	}
}
