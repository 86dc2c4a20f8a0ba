package simulator_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// TestRestartKeepsState restarts the server over its store, as `easlab
// serve --data` restarts after kill -9, and checks that what was
// acknowledged before is there after: the organization's settings and
// rules, the allow list, a custom policy, the device with its policy key
// and sync keys (it carries on: no re-provision, no item sent twice or
// lost), a pending wipe, and the event log with its ids.
func TestRestartKeepsState(t *testing.T) {
	for _, kind := range []string{"memory", "sqlite"} {
		t.Run(kind, func(t *testing.T) { testRestart(t, kind) })
	}
}

func testRestart(t *testing.T, kind string) {
	env := simtest.NewWithStore(t, simulator.Options{ErrorResponseDelay: -1}, simtest.NewDurable(t, kind))
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine", "AdminMailRecipients": "admin@contoso.com"})
	env.Cmdlet("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "WindowsMail", "Characteristic": "DeviceType", "AccessLevel": "Block"})
	env.Cmdlet("New-MobileDeviceMailboxPolicy", map[string]any{"Name": "Strict", "PasswordEnabled": true, "MinPasswordLength": 6})
	env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "KEEP1"}})

	d := env.Device("alice", "KEEP1", eas.Version141).Provision()
	var fs eas.FolderSyncResponse
	d.CallOK(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
	inbox := ""
	for _, f := range fs.Changes.Add {
		if f.Type == eas.FolderTypeInbox {
			inbox = f.ServerId
		}
	}
	syncAll := func(key string) (string, []string) {
		t.Helper()
		var adds []string
		for {
			col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox, WindowSize: 100})
			if col == nil {
				return key, adds
			}
			if col.Status != 1 {
				t.Fatalf("Sync with key %s: status %d", key, col.Status)
			}
			for _, c := range col.Commands {
				if c.Kind == eas.SyncAdd {
					adds = append(adds, c.ServerId)
				}
			}
			key = col.SyncKey
			if !col.MoreAvailable {
				return key, adds
			}
		}
	}
	key := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox}).SyncKey
	key, before := syncAll(key)
	if len(before) == 0 {
		t.Fatalf("the device got no mail before the restart")
	}
	env.Deliver("alice", "Delivered before the restart")
	env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "bob", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "WIPE1"}})
	env.Device("bob", "WIPE1", eas.Version141).Provision()
	wipeID := `Bob Kelly\ExchangeActiveSyncDevices\iPhone§WIPE1`
	env.Cmdlet("Clear-MobileDevice", map[string]any{"Identity": wipeID, "Confirm": false})
	wipeBefore := env.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Identity": wipeID})[0]
	lastEvent, _ := env.Events().Since(0)
	if len(lastEvent) == 0 {
		t.Fatalf("no events before the restart")
	}
	lastID := lastEvent[len(lastEvent)-1].ID

	env.Restart()

	if got := env.Cmdlet("Get-ActiveSyncOrganizationSettings", nil)[0]["DefaultAccessLevel"]; got != "Quarantine" {
		t.Errorf("after the restart DefaultAccessLevel is %v, want Quarantine", got)
	}
	if got := env.Cmdlet("Get-ActiveSyncDeviceAccessRule", nil); len(got) != 1 || got[0]["QueryString"] != "WindowsMail" {
		t.Errorf("after the restart the rules are %v", got)
	}
	if got := env.Cmdlet("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Strict"}); len(got) != 1 || got[0]["MinPasswordLength"] != float64(6) {
		t.Errorf("after the restart policy Strict is %v", got)
	}
	if got := env.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]["ActiveSyncAllowedDeviceIDs"]; !strings.Contains(strings.ToUpper(toString(got)), "KEEP1") {
		t.Errorf("after the restart alice's allow list is %v", got)
	}
	wipeAfter := env.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Identity": wipeID})[0]
	for _, p := range []string{"Status", "DeviceWipeRequestTime", "LastDeviceWipeRequestor", "DevicePolicyApplied", "FirstSyncTime"} {
		if toString(wipeAfter[p]) != toString(wipeBefore[p]) || wipeAfter[p] == nil && p != "DevicePolicyApplied" {
			t.Errorf("after the restart the pending wipe's %s is %v, before it %v", p, wipeAfter[p], wipeBefore[p])
		}
	}
	// The device carries on with its keys.
	var fs2 eas.FolderSyncResponse
	if resp := d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: fs.SyncKey}, &fs2); resp.StatusCode != http.StatusOK || fs2.Status != 1 {
		t.Fatalf("FolderSync with the key held before the restart: HTTP %d, status %d", resp.StatusCode, fs2.Status)
	}
	_, after := syncAll(key)
	if len(after) != 1 {
		t.Fatalf("Sync with the key held before the restart sent %d adds (%v), want the one mail delivered before it", len(after), after)
	}
	for _, id := range before {
		if id == after[0] {
			t.Fatalf("item %s was sent twice", id)
		}
	}
	// The organization's default still decides: a new device is quarantined.
	env.Device("alice", "NEW1", eas.Version141).Provision()
	if got := env.AccessState(`Alice Wilber\ExchangeActiveSyncDevices\iPhone§NEW1`); got != "Quarantined/Global" {
		t.Errorf("a new device after the restart is %s, want Quarantined/Global", got)
	}
	// Events go on from the last id, and the old ones are there.
	events, _ := env.Events().Since(lastID - 1)
	if len(events) < 2 || events[0].ID != lastID || events[1].ID != lastID+1 {
		t.Fatalf("events after the restart: %+v, want %d then %d", events, lastID, lastID+1)
	}
	// An SSE client resumes with Last-Event-ID.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.URL+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+simtest.AdminToken)
	req.Header.Set("Last-Event-ID", strconv.FormatUint(lastID-1, 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			if id != strconv.FormatUint(lastID, 10) {
				t.Errorf("SSE resumed after %d with event %s, want %d", lastID-1, id, lastID)
			}
			break
		}
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var s []string
		for _, x := range v {
			s = append(s, toString(x))
		}
		return strings.Join(s, " ")
	}
	return ""
}

// TestStoreWriteFailureIsNotAcknowledged: while the store cannot be
// written, a request that changes the mailbox is answered 503 rather than
// acknowledged; once it can, the device's next request is served and what
// was held in memory is written, so a restart still has it.
func TestStoreWriteFailureIsNotAcknowledged(t *testing.T) {
	st := simtest.NewDurable(t, "sqlite")
	env := simtest.NewWithStore(t, simulator.Options{ErrorResponseDelay: -1}, st)
	d := env.Device("alice", "DISK1", eas.Version141).Provision()
	var fs eas.FolderSyncResponse
	d.CallOK(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)

	st.FailWrites(errors.New("disk full"))
	resp := d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("FolderSync while the store cannot be written: HTTP %d, want 503", resp.StatusCode)
	}
	st.FailWrites(nil)
	var again eas.FolderSyncResponse
	d.CallOK(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &again)
	if again.Status != 1 {
		t.Fatalf("FolderSync once the store works again: status %d", again.Status)
	}
	env.Restart()
	var after eas.FolderSyncResponse
	if resp := d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: again.SyncKey}, &after); resp.StatusCode != http.StatusOK || after.Status != 1 {
		t.Fatalf("FolderSync with the key acknowledged after the failure, after a restart: HTTP %d, status %d", resp.StatusCode, after.Status)
	}
}

// TestStoreWriteFailureFailsTheCmdlet: a cmdlet whose change cannot be
// written is answered 503 (WriteError); once the store works, the change
// is written and a restart has it.
func TestStoreWriteFailureFailsTheCmdlet(t *testing.T) {
	st := simtest.NewDurable(t, "sqlite")
	env := simtest.NewWithStore(t, simulator.Options{}, st)
	st.FailWrites(errors.New("disk full"))
	env.CmdletFails("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Block"}, http.StatusServiceUnavailable, "WriteError")
	env.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "LATER1"}}, http.StatusServiceUnavailable, "WriteError")
	st.FailWrites(nil)
	env.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})
	env.Restart()
	if got := env.Cmdlet("Get-ActiveSyncOrganizationSettings", nil)[0]["DefaultAccessLevel"]; got != "Block" {
		t.Errorf("after the store came back and a restart, DefaultAccessLevel is %v, want Block", got)
	}
	if got := toString(env.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]["ActiveSyncAllowedDeviceIDs"]); !strings.Contains(got, "LATER1") {
		t.Errorf("after the store came back and a restart, alice's allow list is %q", got)
	}
}

// TestSyncIsOneStoreTransaction: a Sync that brings new mail, and one
// that brings nothing, each commit at most two store transactions (the
// issue's bound; the design gives one: the partnership and its new sync
// state at the request's end).
func TestSyncIsOneStoreTransaction(t *testing.T) {
	st := simtest.NewDurable(t, "sqlite")
	env := simtest.NewWithStore(t, simulator.Options{ErrorResponseDelay: -1}, st)
	d := env.Device("alice", "COUNT1", eas.Version161).Provision()
	var fs eas.FolderSyncResponse
	d.CallOK(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
	inbox, _ := env.Mailbox("alice").FolderByType(eas.FolderTypeInbox)
	key := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox.ServerID}).SyncKey
	for _, deliver := range []bool{true, false} {
		if deliver {
			env.Deliver("alice", "Counted")
		}
		before := st.Updates()
		col := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox.ServerID, WindowSize: 100})
		n := st.Updates() - before
		t.Logf("a Sync (new mail: %v): %d store transactions", deliver, n)
		if n > 2 {
			t.Errorf("a Sync (new mail: %v) committed %d store transactions, want at most 2", deliver, n)
		}
		if col != nil {
			key = col.SyncKey
		}
	}
}
