package simulator_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// Tests of the cmdlets that drive real devices over EAS, on simtest.

// TestAdminOverEAS drives real devices: a device quarantined by the
// organization's default shows as Quarantined/Global, an approval shows at
// once and lets it sync, and after Remove-MobileDevice its next request
// starts a partnership that the allow list still allows.
func TestAdminOverEAS(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine", "AdminMailRecipients": "admin@contoso.com"})

	d := env.Device("alice", "QUAR1", eas.Version141).Provision()
	out := env.Cmdlet("Get-MobileDevice", map[string]any{"ResultSize": "Unlimited", "Filter": "DeviceAccessState -eq 'Quarantined'"})
	if len(out) != 1 || out[0]["DeviceId"] != "QUAR1" || out[0]["DeviceAccessStateReason"] != "Global" || out[0]["DeviceModel"] != "iPhone15C2" || out[0]["DeviceOS"] != simtest.DeviceInfo().Set.OS {
		t.Fatalf("quarantined: %v", out)
	}
	identity := out[0]["Identity"].(string)
	// Exchange Server's Identity: the canonical name (ADObjectId.ToString).
	if identity != `contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§QUAR1` {
		t.Errorf("Identity %s", identity)
	}
	inbox := d.FolderSync()["Inbox"].ServerId
	sync := func(key string) *eas.SyncCollection {
		t.Helper()
		var resp eas.SyncResponse
		d.CallOK(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: key, CollectionId: inbox}}}}, &resp)
		if resp.Collections == nil || len(resp.Collections.Collection) == 0 {
			return nil
		}
		return &resp.Collections.Collection[0]
	}
	col := sync("0")
	col = sync(col.SyncKey)
	if col == nil || len(col.Commands) != 1 {
		t.Fatalf("quarantined Sync: %+v", col)
	}

	// Approval, the agent's way.
	env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "QUAR1"}})
	if got := env.AccessState(identity); got != "Allowed/Individual" {
		t.Errorf("approved: %s", got)
	}
	col = sync(col.SyncKey)
	if col == nil || len(col.Commands) < 4 {
		t.Fatalf("approved Sync: %+v", col)
	}
	if got := env.AccessState(identity); got != "Allowed/Individual" {
		t.Errorf("after Sync: %s", got)
	}
	st := env.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Identity": identity})[0]
	if st["LastSuccessSync"] == nil || st["IsRemoteWipeSupported"] != true || st["ClientVersion"] != "14.1" {
		t.Errorf("statistics: %v", st)
	}

	// Removal: a new partnership, still allowed by the list.
	env.Cmdlet("Remove-MobileDevice", map[string]any{"Identity": identity, "Confirm": false})
	var ae *adminapi.Error
	if err := env.Admin.Run(context.Background(), "Get-MobileDevice", map[string]any{"Identity": identity}, nil); !errors.As(err, &ae) || ae.HTTPStatus != http.StatusNotFound || ae.Category != "ManagementObjectNotFound" {
		t.Fatalf("Get-MobileDevice of a removed device: %v", err)
	}
	env.Clock.Advance(time.Minute)
	d2 := env.Device("alice", "QUAR1", eas.Version141).Provision()
	d2.FolderSync()
	if got := env.AccessState(identity); got != "Allowed/Individual" {
		t.Errorf("new partnership: %s", got)
	}
	if g := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": identity})[0]["FirstSyncTime"]; g != "2026-11-23T09:01:00.0000000Z" {
		t.Errorf("new partnership's FirstSyncTime %v", g)
	}
}

// A device provisioned under the default policy gets 144 at its next
// command once the policy changes, and provisions again.
func TestPolicyCmdletsReprovision(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	dev := env.Device("alice", "POLICY1", eas.Version141).Provision()
	status := func() int {
		t.Helper()
		resp, b := dev.Post(eas.CommandFolderSync, mustMarshal(t, &eas.FolderSyncRequest{SyncKey: "0"}))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("FolderSync: HTTP %d", resp.StatusCode)
		}
		var r eas.FolderSyncResponse
		if err := wbxml.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	if s := status(); s != 1 {
		t.Fatalf("before: status %d", s)
	}
	env.Cmdlet("Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default", "PasswordEnabled": true, "MinPasswordLength": 6})
	if s := status(); s != 144 {
		t.Fatalf("after Set: status %d, want 144", s)
	}
	dev.Provision()
	if s := status(); s != 1 {
		t.Fatalf("after provisioning again: status %d", s)
	}
	// Another policy made the default: the device is under it now.
	env.Cmdlet("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Corp", "IsDefault": true})
	if s := status(); s != 144 {
		t.Fatalf("after a new default: status %d, want 144", s)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := wbxml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
