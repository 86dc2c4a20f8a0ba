package mfaagent

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// The Remote PowerShell transport runs the agent's cmdlets with the
// parameters the agent gives the admin API and decodes their output into
// the same shapes.
func TestPowerShellTransport(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := NewPowerShell(env.URL+"/PowerShell/", "admin", demo.Password)
	defer ps.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ps.Run(ctx, "Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"}, nil); err != nil {
		t.Fatal(err)
	}
	var org struct{ DefaultAccessLevel string }
	if err := ps.Run(ctx, "Get-ActiveSyncOrganizationSettings", nil, &org); err != nil || org.DefaultAccessLevel != "Quarantine" {
		t.Fatalf("one object into a struct: %+v %v", org, err)
	}
	env.Device("alice", "PSQUAR1", eas.Version141).Provision()
	var devs []Device
	if err := ps.Run(ctx, "Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'", "ResultSize": "Unlimited"}, &devs); err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].DeviceId != "PSQUAR1" || devs[0].DeviceAccessState != "Quarantined" || devs[0].UserPrincipalName != "alice@contoso.com" {
		t.Fatalf("quarantined devices: %+v", devs)
	}
	if err := ps.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": "alice@contoso.com", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "PSQUAR1"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := ps.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": "bob@contoso.com", "ActiveSyncBlockedDeviceIDs": []string{"X1", "X2"}}, nil); err != nil {
		t.Fatal(err)
	}
	var cas []struct{ ActiveSyncAllowedDeviceIDs, ActiveSyncBlockedDeviceIDs []string }
	if err := ps.Run(ctx, "Get-CASMailbox", map[string]any{"Identity": "alice@contoso.com"}, &cas); err != nil || len(cas) != 1 || strings.Join(cas[0].ActiveSyncAllowedDeviceIDs, ",") != "PSQUAR1" {
		t.Fatalf("alice's allow list: %+v %v", cas, err)
	}
	if err := ps.Run(ctx, "Get-CASMailbox", map[string]any{"Identity": "bob@contoso.com"}, &cas); err != nil || len(cas) != 1 || strings.Join(cas[0].ActiveSyncBlockedDeviceIDs, ",") != "X1,X2" {
		t.Fatalf("bob's block list: %+v %v", cas, err)
	}
	err := ps.Run(ctx, "Get-MobileDevice", map[string]any{"Identity": "nosuchdevice"}, &devs)
	var ce *CmdletError
	if !errors.As(err, &ce) || !strings.Contains(ce.Record.FullyQualifiedErrorID, "ManagementObjectNotFoundException") {
		t.Fatalf("an unknown device: want the cmdlet's error, got %v", err)
	}
	// A session that went away is replaced at the next cmdlet.
	ps.mu.Lock()
	ps.session.Close(ctx)
	ps.mu.Unlock()
	if err := ps.Run(ctx, "Get-ActiveSyncOrganizationSettings", nil, &org); err != nil {
		t.Fatalf("after the session ended: %v", err)
	}
	// alice has no management role: her session is refused.
	if err := NewPowerShell(env.URL+"/PowerShell/", "alice", demo.Password).Run(ctx, "Get-Mailbox", nil, nil); err == nil || !strings.Contains(err.Error(), "management roles") {
		t.Fatalf("alice: %v", err)
	}
}
