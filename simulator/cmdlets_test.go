package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// ids returns the DeviceId (or DeviceID) of each object.
func ids(out []map[string]any) string {
	var s []string
	for _, o := range out {
		if id, ok := o["DeviceId"]; ok {
			s = append(s, fmt.Sprint(id))
		} else {
			s = append(s, fmt.Sprint(o["DeviceID"]))
		}
	}
	return strings.Join(s, " ")
}

// strs converts a JSON array to strings.
func strs(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// stateOf returns "State/Reason" of a device by Get-MobileDevice.
func (e *adminEnv) stateOf(identity string) string {
	e.tb.Helper()
	out := e.ok("Get-MobileDevice", map[string]any{"Identity": identity})
	if len(out) != 1 {
		e.tb.Fatalf("Get-MobileDevice %s: %v", identity, out)
	}
	return fmt.Sprint(out[0]["DeviceAccessState"], "/", out[0]["DeviceAccessStateReason"])
}

func TestGetMobileDevice(t *testing.T) {
	e := newAdminEnv(t)
	alice, bob := e.mailbox("alice"), e.mailbox("bob")
	addDevice(t, alice, quarantined("IPH1", "iPhone"))
	addDevice(t, alice, withState(quarantined("AAA9", "iPad"), DeviceAccessStateAllowed, DeviceAccessStateReasonIndividual))
	addDevice(t, bob, quarantined("BOB1", "iPhone"))
	shared := withState(quarantined("SHARED", "Android"), DeviceAccessStateBlocked, DeviceAccessStateReasonDeviceRule)
	shared.DeviceAccessControlRule = "Android (DeviceType)"
	addDevice(t, alice, shared)
	addDevice(t, bob, shared)

	// Every partnership, by mailbox alias then DeviceId.
	out := e.ok("Get-MobileDevice", nil)
	if got := ids(out); got != "AAA9 IPH1 SHARED BOB1 SHARED" {
		t.Fatalf("all: %s", got)
	}

	// The object, with Exchange's names and spellings.
	o := e.ok("Get-MobileDevice", map[string]any{"Identity": `alice\ExchangeActiveSyncDevices\iPhone§IPH1`})[0]
	want := map[string]any{
		"FriendlyName": "Work phone", "DeviceId": "IPH1", "DeviceImei": "356938035643809", "DeviceMobileOperator": "Contoso Mobile",
		"DeviceOS": "iOS 18.1", "DeviceOSLanguage": "en-us", "DeviceTelephoneNumber": "********0123", "DeviceType": "iPhone",
		"DeviceUserAgent": "Apple-iPhone15C2/2201.1", "DeviceModel": "iPhone15C2", "FirstSyncTime": "2026-11-23T09:00:00Z",
		"UserDisplayName": "contoso.com/Users/Alice Wilber", "UserPrincipalName": "alice@contoso.com",
		"DeviceAccessState": "Quarantined", "DeviceAccessStateReason": "Global", "DeviceAccessControlRule": nil,
		"ClientVersion": "16.1", "ClientType": "EAS", "IsManaged": false, "Name": "iPhone§IPH1",
		"Identity": `alice\ExchangeActiveSyncDevices\iPhone§IPH1`, "WhenCreatedUTC": "2026-11-23T09:00:00Z",
		"DistinguishedName": "CN=iPhone§IPH1,CN=ExchangeActiveSyncDevices,CN=Alice Wilber,CN=Users,DC=contoso,DC=com",
	}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("%s = %#v, want %#v", k, o[k], v)
		}
	}
	guid := o["Guid"].(string)
	if parseGuid(guid) != guid {
		t.Errorf("Guid %q", guid)
	}
	if o := e.ok("Get-MobileDevice", map[string]any{"Mailbox": "alice", "Filter": "DeviceId -eq 'SHARED'"})[0]; o["DeviceAccessControlRule"] != "Android (DeviceType)" || o["DeviceAccessState"] != "Blocked" {
		t.Errorf("rule: %v", o)
	}

	// Identity forms.
	for _, id := range []string{
		`alice\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`ALICE\exchangeactivesyncdevices\IPHONE§iph1`,
		`alice@contoso.com\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`CONTOSO\alice\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§IPH1`,
		guid, "{" + strings.ToUpper(guid) + "}",
		"iPhone§IPH1", "IPH1", "iph1",
	} {
		if out := e.ok("Get-MobileDevice", map[string]any{"Identity": id}); ids(out) != "IPH1" || out[0]["Guid"] != guid {
			t.Errorf("Identity %s: %v", id, ids(out))
		}
	}
	// The Guid is stable.
	if again := e.ok("Get-MobileDevice", map[string]any{"Identity": "IPH1"})[0]["Guid"]; again != guid {
		t.Errorf("Guid changed: %v, %v", guid, again)
	}
	for _, id := range []string{"NOPE", `alice\ExchangeActiveSyncDevices\iPad§IPH1`, `nobody\ExchangeActiveSyncDevices\iPhone§IPH1`, `bob\ExchangeActiveSyncDevices\iPhone§IPH1`, `alice\ExchangeActiveSyncDevices\IPH1`} {
		er := e.fail("Get-MobileDevice", map[string]any{"Identity": id}, http.StatusNotFound, "ManagementObjectNotFound")
		if want := "The operation couldn't be performed because object '" + id + "' couldn't be found on 'DC01.contoso.com'."; er.Message != want {
			t.Errorf("%s: %q", id, er.Message)
		}
	}
	er := e.fail("Get-MobileDevice", map[string]any{"Identity": "SHARED"}, http.StatusBadRequest, "ManagementObjectAmbiguous")
	if er.Message != "The operation couldn't be performed because 'SHARED' matches multiple entries." {
		t.Errorf("ambiguous: %q", er.Message)
	}
	e.ok("Get-MobileDevice", map[string]any{"Identity": `bob\ExchangeActiveSyncDevices\Android§SHARED`})

	// -Mailbox, in any of its forms.
	for _, mb := range []string{"bob", "bob@contoso.com", "Bob Kelly", "contoso.com/Users/Bob Kelly", "CONTOSO\\bob"} {
		if got := ids(e.ok("Get-MobileDevice", map[string]any{"Mailbox": mb})); got != "BOB1 SHARED" {
			t.Errorf("Mailbox %s: %s", mb, got)
		}
	}
	e.fail("Get-MobileDevice", map[string]any{"Mailbox": "nobody"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.fail("Get-MobileDevice", map[string]any{"Mailbox": "bob", "Identity": "BOB1"}, http.StatusBadRequest, "InvalidArgument")

	// -Filter, alone, with -Mailbox and with -Identity.
	if got := ids(e.ok("Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'", "ResultSize": "Unlimited"})); got != "IPH1 BOB1" {
		t.Errorf("Quarantined: %s", got)
	}
	if got := ids(e.ok("Get-MobileDevice", map[string]any{"Mailbox": "alice", "Filter": "DeviceType -like 'i*'"})); got != "AAA9 IPH1" {
		t.Errorf("Mailbox and Filter: %s", got)
	}
	if got := ids(e.ok("Get-MobileDevice", map[string]any{"Identity": "IPH1", "Filter": "DeviceAccessState -eq 'Allowed'"})); got != "" {
		t.Errorf("Identity and Filter: %s", got)
	}
	if got := ids(e.ok("Get-MobileDevice", map[string]any{"Filter": nil})); got != "AAA9 IPH1 SHARED BOB1 SHARED" {
		t.Errorf("null Filter: %s", got)
	}
	er = e.fail("Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq"}, http.StatusBadRequest, "InvalidArgument")
	if er.Position != 22 || !strings.Contains(er.Message, `Invalid filter syntax. For a description of the filter parameter syntax see the command help.`) || !strings.Contains(er.Message, `"DeviceAccessState -eq" at position 22.`) {
		t.Errorf("bad filter: %+v", er)
	}
	er = e.fail("Get-MobileDevice", map[string]any{"Filter": "Mailbox -eq 'alice'"}, http.StatusBadRequest, "InvalidArgument")
	if er.Position != 1 || !strings.Contains(er.Message, `"Mailbox" is not a recognized filterable property.`) {
		t.Errorf("unknown property: %+v", er)
	}

	// -ResultSize.
	if got := ids(e.ok("Get-MobileDevice", map[string]any{"ResultSize": 2})); got != "AAA9 IPH1" {
		t.Errorf("ResultSize 2: %s", got)
	}
	if r := e.run("Get-MobileDevice", map[string]any{"ResultSize": "3"}); ids(r.Output) != "AAA9 IPH1 SHARED" || r.Warnings != nil {
		t.Errorf("ResultSize \"3\": %s", r.Raw)
	}

	// Client-type switches: every partnership here is ActiveSync.
	if out := e.ok("Get-MobileDevice", map[string]any{"OWAforDevices": true}); len(out) != 0 {
		t.Errorf("OWAforDevices: %s", ids(out))
	}
	if out := e.ok("Get-MobileDevice", map[string]any{"ActiveSync": true, "RestApi": true}); len(out) != 5 {
		t.Errorf("ActiveSync: %s", ids(out))
	}
}

func TestGetMobileDeviceResultSize(t *testing.T) {
	e := newAdminEnv(t)
	mb := e.mailbox("bob")
	for i := range 1001 {
		addDevice(t, mb, quarantined(fmt.Sprintf("D%04d", i), "iPhone"))
	}
	r := e.run("Get-MobileDevice", nil)
	if len(r.Output) != 1000 || len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], "By default, only the first 1000 items are returned.") {
		t.Fatalf("default: %d objects, warnings %q", len(r.Output), r.Warnings)
	}
	if r.Output[999]["DeviceId"] != "D0999" {
		t.Errorf("last %v", r.Output[999]["DeviceId"])
	}
	if r := e.run("Get-MobileDevice", map[string]any{"ResultSize": "Unlimited"}); len(r.Output) != 1001 || r.Warnings != nil {
		t.Errorf("Unlimited: %d objects, warnings %q", len(r.Output), r.Warnings)
	}
	if r := e.run("Get-MobileDevice", map[string]any{"ResultSize": 1000}); len(r.Output) != 1000 || r.Warnings != nil {
		t.Errorf("ResultSize 1000: %d objects, warnings %q", len(r.Output), r.Warnings)
	}
	if r := e.run("Get-MobileDevice", map[string]any{"ResultSize": "unlimited", "Filter": "DeviceId -like 'D1*'"}); len(r.Output) != 1 {
		t.Errorf("filtered: %d objects", len(r.Output))
	}
}

func TestGetMobileDeviceStatistics(t *testing.T) {
	e := newAdminEnv(t)
	d := quarantined("IPH1", "iPhone")
	d.RecoveryPassword = "1234-5678"
	d.PolicyKey = 42
	d.LastPolicyUpdate = adminStart.Add(2 * time.Minute)
	d.LastSuccessSync = adminStart.Add(3 * time.Minute)
	d.ping = &pingState{heartbeat: 480 * time.Second}
	d.collections = map[string]*syncState{"1": nil, "5": nil}
	addDevice(t, e.mailbox("alice"), d)
	addDevice(t, e.mailbox("alice"), quarantined("AND1", "Android"))

	out := e.ok("Get-MobileDeviceStatistics", map[string]any{"Mailbox": "alice"})
	if ids(out) != "AND1 IPH1" {
		t.Fatalf("Mailbox: %s", ids(out))
	}
	o := out[1]
	want := map[string]any{
		"DeviceID": "IPH1", "DeviceType": "iPhone", "FirstSyncTime": "2026-11-23T09:00:00Z", "LastPolicyUpdateTime": "2026-11-23T09:02:00Z",
		"LastSyncAttemptTime": "2026-11-23T09:01:00Z", "LastSuccessSync": "2026-11-23T09:03:00Z", "DeviceWipeSentTime": nil,
		"DeviceWipeRequestTime": nil, "DeviceWipeAckTime": nil, "LastPingHeartbeat": 480.0, "RecoveryPassword": "********",
		"DeviceModel": "iPhone15C2", "DeviceFriendlyName": "Work phone", "DevicePhoneNumber": "********0123",
		"Identity": `alice\ExchangeActiveSyncDevices\iPhone§IPH1`, "IsRemoteWipeSupported": true, "Status": "DeviceOk", "StatusNote": "",
		"DeviceAccessState": "Quarantined", "DeviceAccessStateReason": "Global", "DevicePolicyApplied": "Default",
		"DevicePolicyApplicationStatus": "AppliedInFull", "ClientVersion": "16.1", "NumberOfFoldersSynced": 2.0, "ClientType": "EAS",
	}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("%s = %#v, want %#v", k, o[k], v)
		}
	}
	if out[0]["RecoveryPassword"] != nil || out[0]["LastPingHeartbeat"] != nil || out[0]["DevicePolicyApplicationStatus"] != "Unknown" {
		t.Errorf("AND1: %v", out[0])
	}
	// The Guid is the device's, as Get-MobileDevice shows it.
	if g := e.ok("Get-MobileDevice", map[string]any{"Identity": "IPH1"})[0]["Guid"]; o["Guid"] != g {
		t.Errorf("Guid %v, Get-MobileDevice %v", o["Guid"], g)
	}
	o = e.ok("Get-MobileDeviceStatistics", map[string]any{"Identity": `alice\ExchangeActiveSyncDevices\iPhone§IPH1`, "ShowRecoveryPassword": true})[0]
	if o["RecoveryPassword"] != "1234-5678" {
		t.Errorf("ShowRecoveryPassword: %v", o["RecoveryPassword"])
	}
	if out := e.ok("Get-MobileDeviceStatistics", map[string]any{"Mailbox": "bob"}); len(out) != 0 {
		t.Errorf("bob: %v", out)
	}
	er := e.fail("Get-MobileDeviceStatistics", nil, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, "missing mandatory parameters: Identity") {
		t.Errorf("no identity: %s", er.Message)
	}
	e.fail("Get-MobileDeviceStatistics", map[string]any{"Identity": "IPH1", "Mailbox": "alice"}, http.StatusBadRequest, "InvalidArgument")
	e.fail("Get-MobileDeviceStatistics", map[string]any{"Identity": "NOPE"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.fail("Get-MobileDeviceStatistics", map[string]any{"Identity": "IPH1", "GetMailboxLog": true}, http.StatusBadRequest, "InvalidArgument")
}

func TestWipeStatus(t *testing.T) {
	at := adminStart
	for _, tc := range []struct {
		req, sent, ack time.Time
		supported      bool
		want           string
	}{
		{time.Time{}, time.Time{}, time.Time{}, true, "DeviceOk"},
		{at, time.Time{}, time.Time{}, true, "DeviceWipePending"},
		{at, at, time.Time{}, true, "DeviceWipePending"},
		{at, at, time.Time{}, false, "DeviceBlocked"},
		{at, at, at, true, "DeviceWipeSucceeded"},
		{time.Time{}, time.Time{}, at, false, "DeviceWipeSucceeded"},
	} {
		if got := wipeStatus(tc.req, tc.sent, tc.ack, tc.supported); got != tc.want {
			t.Errorf("%+v: %s", tc, got)
		}
	}
}

func TestSetCASMailboxLists(t *testing.T) {
	e := newAdminEnv(t)
	lists := func() (allowed, blocked []string) {
		t.Helper()
		o := e.ok("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]
		return strs(o["ActiveSyncAllowedDeviceIDs"]), strs(o["ActiveSyncBlockedDeviceIDs"])
	}
	expect := func(step string, allowed, blocked []string) {
		t.Helper()
		a, b := lists()
		if !slices.Equal(a, allowed) || !slices.Equal(b, blocked) {
			t.Errorf("%s: allowed %q blocked %q, want %q %q", step, a, b, allowed, blocked)
		}
	}
	set := func(params map[string]any) adminReply {
		t.Helper()
		params["Identity"] = "alice"
		r := e.run("Set-CASMailbox", params)
		if r.Status != http.StatusOK {
			t.Fatalf("Set-CASMailbox %v: %s", params, r.Raw)
		}
		return r
	}

	expect("initially", []string{}, []string{})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"A1", "A2"}}})
	expect("Add", []string{"A1", "A2"}, []string{})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": map[string]any{"add": "A3", "Remove": "a1"}})
	expect("Add and Remove", []string{"A2", "A3"}, []string{})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": map[string]any{"+": "a2", "-": "NOTTHERE"}})
	expect("present and absent values", []string{"A2", "A3"}, []string{})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "X", "Remove": "X"}})
	expect("added and removed", []string{"A2", "A3"}, []string{})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": []string{"R1", "R2"}})
	expect("replace", []string{"R1", "R2"}, []string{})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": "S1"})
	expect("single value", []string{"S1"}, []string{})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": nil})
	expect("null", []string{}, []string{})
	er := e.fail("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": []string{"D", "d"}}, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, `The value "d" is already present in the collection.`) {
		t.Errorf("duplicate: %s", er.Message)
	}

	// A conflicting ID is silently dropped from the list not given...
	set(map[string]any{"ActiveSyncBlockedDeviceIDs": []string{"B1", "B2"}, "ActiveSyncAllowedDeviceIDs": []string{"A1"}})
	expect("both", []string{"A1"}, []string{"B1", "B2"})
	set(map[string]any{"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "b1"}})
	expect("allow a blocked ID", []string{"A1", "b1"}, []string{"B2"})
	set(map[string]any{"ActiveSyncBlockedDeviceIDs": map[string]any{"Add": "A1"}})
	expect("block an allowed ID", []string{"b1"}, []string{"B2", "A1"})
	// ...but is an error when both lists are given, and nothing changes.
	er = e.fail("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": false,
		"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "Z"}, "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": "z"}}, http.StatusBadRequest, "InvalidData")
	if er.Message != "The device ID 'Z' can't be in both the ActiveSyncAllowedDeviceIDs and the ActiveSyncBlockedDeviceIDs lists." || er.Cmdlet != "Set-CASMailbox" {
		t.Errorf("both lists: %+v", er)
	}
	e.fail("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "B2"}, "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": "Y"}}, http.StatusBadRequest, "InvalidData")
	expect("after the errors", []string{"b1"}, []string{"B2", "A1"})
	if o := e.ok("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]; o["ActiveSyncEnabled"] != true {
		t.Error("a failed Set-CASMailbox changed ActiveSyncEnabled")
	}

	// A Set- that changes nothing warns.
	r := set(map[string]any{"ActiveSyncBlockedDeviceIDs": map[string]any{"Add": "b2"}})
	if len(r.Warnings) != 1 || r.Warnings[0] != "The command completed successfully but no settings of 'alice' have been modified." {
		t.Errorf("no change: %q", r.Warnings)
	}
	e.fail("Set-CASMailbox", map[string]any{"Identity": "nobody", "ActiveSyncEnabled": false}, http.StatusNotFound, "ManagementObjectNotFound")
}

func TestSetCASMailboxRewritesDevices(t *testing.T) {
	e := newAdminEnv(t)
	alice := e.mailbox("alice")
	addDevice(t, alice, quarantined("QUAR1", "iPhone"))
	addDevice(t, alice, quarantined("QUAR2", "iPhone"))
	addDevice(t, alice, withState(quarantined("RULE1", "Android"), DeviceAccessStateBlocked, DeviceAccessStateReasonDeviceRule))
	addDevice(t, e.mailbox("bob"), quarantined("QUAR1", "iPhone"))

	// Approval, as an MFA agent does it: visible at once, before the
	// device's next request.
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice@contoso.com", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"quar1"}}})
	if got := e.stateOf(`alice\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Allowed/Individual" {
		t.Errorf("approved: %s", got)
	}
	if got := e.stateOf("QUAR2"); got != "Quarantined/Global" {
		t.Errorf("unlisted device: %s", got)
	}
	if got := e.stateOf(`bob\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Quarantined/Global" {
		t.Errorf("another user's device with the same ID: %s", got)
	}
	if got := ids(e.ok("Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'"})); got != "QUAR2 QUAR1" {
		t.Errorf("still quarantined: %s", got)
	}

	// Denial: blocking moves the ID out of the allow list.
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": []string{"QUAR1", "RULE1"}}})
	if got := e.stateOf(`alice\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Blocked/Individual" {
		t.Errorf("blocked: %s", got)
	}
	if got := e.stateOf("RULE1"); got != "Blocked/Individual" {
		t.Errorf("blocked over a rule: %s", got)
	}

	// Dropped from the lists: devices that were Individual become
	// Unknown/Unknown; others keep their state.
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncBlockedDeviceIDs": nil})
	if got := e.stateOf(`alice\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Unknown/Unknown" {
		t.Errorf("unlisted: %s", got)
	}
	if got := e.stateOf("QUAR2"); got != "Quarantined/Global" {
		t.Errorf("QUAR2: %s", got)
	}
	// ActiveSyncEnabled alone does not touch the devices.
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": "QUAR2"})
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": false})
	if got := e.stateOf("QUAR2"); got != "Allowed/Individual" {
		t.Errorf("QUAR2 after ActiveSyncEnabled: %s", got)
	}
	if o := e.ok("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]; o["ActiveSyncEnabled"] != false || o["HasActiveSyncDevicePartnership"] != true {
		t.Errorf("Get-CASMailbox: %v", o)
	}
}

func TestGetMailboxAndCASMailbox(t *testing.T) {
	e := newAdminEnv(t)
	o := e.ok("Get-Mailbox", map[string]any{"Identity": "alice"})[0]
	want := map[string]any{
		"Identity": "alice", "Name": "Alice Wilber", "Alias": "alice", "DisplayName": "Alice Wilber",
		"UserPrincipalName": "alice@contoso.com", "PrimarySmtpAddress": "alice@contoso.com", "RecipientTypeDetails": "UserMailbox",
		"DistinguishedName": "CN=Alice Wilber,CN=Users,DC=contoso,DC=com",
	}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("%s = %#v, want %#v", k, o[k], v)
		}
	}
	if !slices.Equal(strs(o["EmailAddresses"]), []string{"SMTP:alice@contoso.com"}) {
		t.Errorf("EmailAddresses %v", o["EmailAddresses"])
	}
	guid, xguid := o["Guid"].(string), o["ExchangeGuid"].(string)
	if parseGuid(guid) != guid || parseGuid(xguid) != xguid || guid == xguid {
		t.Errorf("Guid %q ExchangeGuid %q", guid, xguid)
	}
	if bob := e.ok("Get-Mailbox", map[string]any{"Identity": "bob"})[0]; bob["Guid"] == guid {
		t.Error("two mailboxes share a Guid")
	}
	// The Guid is stable per user, across servers of the same organization.
	if again := newAdminEnv(t).ok("Get-Mailbox", map[string]any{"Identity": "alice"})[0]; again["Guid"] != guid || again["ExchangeGuid"] != xguid {
		t.Errorf("Guid not stable: %v", again)
	}
	for _, id := range []string{"alice@contoso.com", "ALICE", "CONTOSO\\alice", "Alice Wilber", "contoso.com/Users/Alice Wilber", guid, xguid, "{" + guid + "}"} {
		if out := e.ok("Get-Mailbox", map[string]any{"Identity": id}); len(out) != 1 || out[0]["Alias"] != "alice" {
			t.Errorf("Identity %s: %v", id, out)
		}
	}
	e.fail("Get-Mailbox", map[string]any{"Identity": "carol"}, http.StatusNotFound, "ManagementObjectNotFound")

	// Every mailbox, by alias; filters; result size.
	if out := e.ok("Get-Mailbox", nil); len(out) != 3 || out[0]["Alias"] != "admin" {
		t.Errorf("all: %v", out)
	}
	if out := e.ok("Get-Mailbox", map[string]any{"Filter": "DisplayName -like '*Kelly'"}); len(out) != 1 || out[0]["Alias"] != "bob" {
		t.Errorf("Filter: %v", out)
	}
	if out := e.ok("Get-Mailbox", map[string]any{"Filter": "EmailAddresses -eq 'smtp:admin@contoso.com'"}); len(out) != 1 {
		t.Errorf("EmailAddresses filter: %v", out)
	}
	if out := e.ok("Get-Mailbox", map[string]any{"ResultSize": 1}); len(out) != 1 {
		t.Errorf("ResultSize: %v", out)
	}
	e.fail("Get-Mailbox", map[string]any{"Filter": "ActiveSyncEnabled -eq $false"}, http.StatusBadRequest, "InvalidArgument")

	o = e.ok("Get-CASMailbox", map[string]any{"Identity": "bob"})[0]
	if o["ActiveSyncEnabled"] != true || o["ActiveSyncMailboxPolicy"] != "Default" || o["HasActiveSyncDevicePartnership"] != false || o["Identity"] != "bob" {
		t.Errorf("Get-CASMailbox: %v", o)
	}
	e.ok("Set-CASMailbox", map[string]any{"Identity": "bob", "ActiveSyncEnabled": false})
	if out := e.ok("Get-CASMailbox", map[string]any{"Filter": "ActiveSyncEnabled -eq $false"}); len(out) != 1 || out[0]["Identity"] != "bob" {
		t.Errorf("CAS filter: %v", out)
	}
}

func TestOrganizationSettings(t *testing.T) {
	e := newAdminEnv(t)
	get := func() map[string]any {
		t.Helper()
		return e.ok("Get-ActiveSyncOrganizationSettings", nil)[0]
	}
	o := get()
	if o["Identity"] != "Mobile Mailbox Settings" || o["DefaultAccessLevel"] != "Allow" || len(strs(o["AdminMailRecipients"])) != 0 || o["UserMailInsert"] != nil {
		t.Errorf("defaults: %v", o)
	}
	e.ok("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "quarantine", "AdminMailRecipients": []string{"admin@contoso.com"},
		"UserMailInsert": "Approve at https://mfa.contoso.com", "OtaNotificationMailInsert": "Welcome"})
	o = get()
	if o["DefaultAccessLevel"] != "Quarantine" || !slices.Equal(strs(o["AdminMailRecipients"]), []string{"admin@contoso.com"}) ||
		o["UserMailInsert"] != "Approve at https://mfa.contoso.com" || o["OtaNotificationMailInsert"] != "Welcome" {
		t.Errorf("after Set: %v", o)
	}
	if got := e.srv.Directory().OrganizationSettings(); got.DefaultAccessLevel != DeviceAccessLevelQuarantine || got.UserMailInsert != "Approve at https://mfa.contoso.com" {
		t.Errorf("directory: %+v", got)
	}
	e.ok("Set-ActiveSyncOrganizationSettings", map[string]any{"Identity": "Mobile Mailbox Settings", "AdminMailRecipients": map[string]any{"Add": "sec@contoso.com", "Remove": "ADMIN@contoso.com"}})
	if got := strs(get()["AdminMailRecipients"]); !slices.Equal(got, []string{"sec@contoso.com"}) {
		t.Errorf("Add/Remove: %v", got)
	}
	e.ok("Set-ActiveSyncOrganizationSettings", map[string]any{"AdminMailRecipients": nil, "UserMailInsert": nil, "DefaultAccessLevel": 1})
	if o := get(); len(strs(o["AdminMailRecipients"])) != 0 || o["UserMailInsert"] != nil || o["DefaultAccessLevel"] != "Block" {
		t.Errorf("cleared: %v", o)
	}
	// UserMailInsert up to 256 characters.
	e.ok("Set-ActiveSyncOrganizationSettings", map[string]any{"UserMailInsert": strings.Repeat("é", 256)})
	er := e.fail("Set-ActiveSyncOrganizationSettings", map[string]any{"UserMailInsert": strings.Repeat("x", 257)}, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, "The maximum length is 256 and the length of the value provided is 257.") {
		t.Errorf("long insert: %s", er.Message)
	}
	e.fail("Set-ActiveSyncOrganizationSettings", map[string]any{"OtaNotificationMailInsert": strings.Repeat("x", 300)}, http.StatusBadRequest, "InvalidArgument")
	er = e.fail("Set-ActiveSyncOrganizationSettings", map[string]any{"AdminMailRecipients": map[string]any{"Add": "not an address"}}, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, `The email address "not an address" isn't correct.`) {
		t.Errorf("bad address: %s", er.Message)
	}
	r := e.run("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Block"})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "no settings of 'Mobile Mailbox Settings' have been modified") {
		t.Errorf("no change: %s", r.Raw)
	}
	e.fail("Get-ActiveSyncOrganizationSettings", map[string]any{"Identity": "Other"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.fail("Set-ActiveSyncOrganizationSettings", map[string]any{"AllowRMSSupportForUnenlightenedApps": true}, http.StatusBadRequest, "InvalidArgument")
}

func TestDeviceAccessRules(t *testing.T) {
	e := newAdminEnv(t)
	out := e.ok("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "iPhone", "Characteristic": "devicetype", "AccessLevel": "Allow"})
	r := out[0]
	if r["Name"] != "iPhone (DeviceType)" || r["Identity"] != "iPhone (DeviceType)" || r["QueryString"] != "iPhone" || r["Characteristic"] != "DeviceType" || r["AccessLevel"] != "Allow" {
		t.Errorf("New: %v", r)
	}
	guid := r["Guid"].(string)
	if parseGuid(guid) != guid {
		t.Errorf("Guid %q", guid)
	}
	e.ok("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "iOS 6.1 10B145", "Characteristic": "DeviceOS", "AccessLevel": "Block"})
	if rules := e.srv.Directory().DeviceAccessRules(); len(rules) != 2 || rules[0].Guid != guid {
		t.Errorf("directory: %+v", rules)
	}

	er := e.fail("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "IPHONE", "Characteristic": "DeviceType", "AccessLevel": "Block"}, http.StatusConflict, "ADObjectAlreadyExists")
	if !strings.Contains(er.Message, "already exists") || !strings.Contains(er.Message, "CN=IPHONE (DeviceType),CN=Mobile Mailbox Settings") {
		t.Errorf("duplicate: %s", er.Message)
	}
	e.fail("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "x", "Characteristic": "Color", "AccessLevel": "Block"}, http.StatusBadRequest, "InvalidArgument")

	if out := e.ok("Get-ActiveSyncDeviceAccessRule", nil); len(out) != 2 {
		t.Errorf("Get: %v", out)
	}
	for _, id := range []string{"iphone (devicetype)", guid} {
		if out := e.ok("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": id}); len(out) != 1 || out[0]["Name"] != "iPhone (DeviceType)" {
			t.Errorf("Get %s: %v", id, out)
		}
	}
	e.fail("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "nope"}, http.StatusNotFound, "ManagementObjectNotFound")

	e.ok("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "iPhone (DeviceType)", "AccessLevel": "Quarantine"})
	if out := e.ok("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": guid}); out[0]["AccessLevel"] != "Quarantine" {
		t.Errorf("Set: %v", out)
	}
	if res := e.run("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": guid, "AccessLevel": "Quarantine"}); len(res.Warnings) != 1 {
		t.Errorf("Set without change: %s", res.Raw)
	}
	// Only AccessLevel can change.
	e.fail("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": guid, "QueryString": "iPad"}, http.StatusBadRequest, "InvalidArgument")
	e.fail("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "nope", "AccessLevel": "Allow"}, http.StatusNotFound, "ManagementObjectNotFound")

	e.ok("Remove-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "iPhone (DeviceType)", "Confirm": false})
	e.fail("Remove-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "iPhone (DeviceType)"}, http.StatusNotFound, "ManagementObjectNotFound")
	if out := e.ok("Get-ActiveSyncDeviceAccessRule", nil); len(out) != 1 || out[0]["Characteristic"] != "DeviceOS" {
		t.Errorf("after Remove: %v", out)
	}
	// A rule stored without a Guid gets a stable one.
	e.srv.Directory().AddDeviceAccessRule(NewDeviceAccessRule("Outlook", DeviceAccessCharacteristicDeviceModel, DeviceAccessLevelAllow))
	g1 := e.ok("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "Outlook (DeviceModel)"})[0]["Guid"]
	if g2 := e.ok("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": g1})[0]["Guid"]; g1 != g2 {
		t.Errorf("derived Guid %v %v", g1, g2)
	}
}

func TestRemoveMobileDevice(t *testing.T) {
	e := newAdminEnv(t)
	addDevice(t, e.mailbox("alice"), quarantined("IPH1", "iPhone"))
	addDevice(t, e.mailbox("alice"), quarantined("IPH2", "iPhone"))
	e.ok("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "IPH1"}})
	for _, name := range []string{"Remove-MobileDevice", "Remove-ActiveSyncDevice"} {
		id := map[string]string{"Remove-MobileDevice": `alice\ExchangeActiveSyncDevices\iPhone§IPH1`, "Remove-ActiveSyncDevice": "IPH2"}[name]
		if r := e.run(name, map[string]any{"Identity": id, "Confirm": false}); r.Status != http.StatusOK || len(r.Output) != 0 {
			t.Fatalf("%s: %s", name, r.Raw)
		}
		e.fail("Get-MobileDevice", map[string]any{"Identity": id}, http.StatusNotFound, "ManagementObjectNotFound")
		e.fail(name, map[string]any{"Identity": id}, http.StatusNotFound, "ManagementObjectNotFound")
	}
	if out := e.ok("Get-MobileDevice", map[string]any{"Mailbox": "alice"}); len(out) != 0 {
		t.Errorf("left: %s", ids(out))
	}
	// The allow list keeps the ID.
	if got := strs(e.ok("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]["ActiveSyncAllowedDeviceIDs"]); !slices.Equal(got, []string{"IPH1"}) {
		t.Errorf("allow list: %v", got)
	}
}

// BenchmarkGetMobileDeviceFilter is the agent's poll over a large
// organization: 100,000 partnerships in 1,000 mailboxes, 1 in 100
// quarantined.
func BenchmarkGetMobileDeviceFilter(b *testing.B) {
	e := newAdminEnv(b, func(o *Options) { o.DemoUsers = 1000 })
	for u := 1; u <= 1000; u++ {
		mb := e.mailbox(fmt.Sprintf("user%05d", u))
		for i := range 100 {
			d := withState(quarantined(fmt.Sprintf("DEV%05d%03d", u, i), "iPhone"), DeviceAccessStateAllowed, DeviceAccessStateReasonIndividual)
			if i == u%100 {
				d.DeviceAccessState, d.DeviceAccessStateReason = DeviceAccessStateQuarantined, DeviceAccessStateReasonGlobal
			}
			addDevice(b, mb, d)
		}
	}
	params := map[string]any{"ResultSize": "Unlimited", "Filter": "DeviceAccessState -eq 'Quarantined'"}
	if out := e.ok("Get-MobileDevice", params); len(out) != 1000 {
		b.Fatalf("%d quarantined", len(out))
	}
	// The loop reads the reply without decoding it: the figure is the
	// server's and the transport's, not the test client's.
	body, _ := json.Marshal(map[string]any{"cmdlet": "Get-MobileDevice", "parameters": params})
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/api/cmdlet", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n < 1000*900 {
			b.Fatalf("HTTP %d, %d bytes", resp.StatusCode, n)
		}
	}
}

// TestAdminConcurrent runs cmdlets alongside each other and alongside
// partnerships being created, for the race detector.
func TestAdminConcurrent(t *testing.T) {
	e := newAdminEnv(t)
	alice := e.mailbox("alice")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			addDevice(t, alice, quarantined(fmt.Sprintf("C%03d", i), "iPhone"))
		}
	}()
	errs := make(chan string, 4)
	run := func(f func(i int) adminReply) {
		go func() {
			for i := range 25 {
				if r := f(i); r.Status != http.StatusOK {
					errs <- r.Raw
					return
				}
			}
			errs <- ""
		}()
	}
	run(func(i int) adminReply {
		return e.run("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": fmt.Sprintf("C%03d", i)}})
	})
	run(func(int) adminReply {
		return e.run("Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'", "ResultSize": "Unlimited"})
	})
	run(func(int) adminReply { return e.run("Get-MobileDeviceStatistics", map[string]any{"Mailbox": "alice"}) })
	run(func(i int) adminReply {
		return e.run("Set-ActiveSyncOrganizationSettings", map[string]any{"AdminMailRecipients": map[string]any{"Add": fmt.Sprintf("a%d@contoso.com", i)}})
	})
	for range 4 {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
	<-done
	if got := strs(e.ok("Get-ActiveSyncOrganizationSettings", nil)[0]["AdminMailRecipients"]); len(got) != 25 {
		t.Errorf("%d recipients", len(got))
	}
}
