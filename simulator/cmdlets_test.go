package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/simtest"
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

func TestGetMobileDevice(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	alice, bob := e.Mailbox("alice"), e.Mailbox("bob")
	alice.AddDeviceForTest(quarantined("IPH1", "iPhone"))
	alice.AddDeviceForTest(withState(quarantined("AAA9", "iPad"), access.Allowed, access.ReasonIndividual))
	bob.AddDeviceForTest(quarantined("BOB1", "iPhone"))
	shared := withState(quarantined("SHARED", "Android"), access.Blocked, access.ReasonDeviceRule)
	shared.DeviceAccessControlRule = "Android (DeviceType)"
	alice.AddDeviceForTest(shared)
	bob.AddDeviceForTest(shared)

	// Every partnership, by mailbox alias then DeviceId.
	out := e.Cmdlet("Get-MobileDevice", nil)
	if got := ids(out); got != "AAA9 IPH1 SHARED BOB1 SHARED" {
		t.Fatalf("all: %s", got)
	}

	// The object, with Exchange's names and spellings.
	o := e.Cmdlet("Get-MobileDevice", map[string]any{"Identity": `contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§IPH1`})[0]
	want := map[string]any{
		"FriendlyName": "Work phone", "DeviceId": "IPH1", "DeviceImei": "356938035643809", "DeviceMobileOperator": "Contoso Mobile",
		"DeviceOS": "iOS 18.1", "DeviceOSLanguage": "en-us", "DeviceTelephoneNumber": "********0123", "DeviceType": "iPhone",
		"DeviceUserAgent": "Apple-iPhone15C2/2201.1", "DeviceModel": "iPhone15C2", "FirstSyncTime": "2026-11-23T09:00:00.0000000Z",
		"UserDisplayName": "contoso.com/Users/Alice Wilber", "UserPrincipalName": "alice@contoso.com",
		"DeviceAccessState": "Quarantined", "DeviceAccessStateReason": "Global", "DeviceAccessControlRule": nil,
		"ClientVersion": "16.1", "ClientType": "EAS", "IsManaged": false, "Name": "iPhone§IPH1",
		// On premises the Identity is the canonical name (ADObjectId.ToString
		// of an object outside a tenant, Exchange 2013 CU23), and times are
		// .NET's round-trip form: seven fractional digits, WhenCreated in
		// the server's local time (UTC here, so "+00:00").
		"Identity":       `contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§IPH1`,
		"WhenCreatedUTC": "2026-11-23T09:00:00.0000000Z", "WhenCreated": "2026-11-23T09:00:00.0000000+00:00",
		"WhenChangedUTC": "2026-11-23T09:00:00.0000000Z", "WhenChanged": "2026-11-23T09:00:00.0000000+00:00",
		"DistinguishedName": "CN=iPhone§IPH1,CN=ExchangeActiveSyncDevices,CN=Alice Wilber,CN=Users,DC=contoso,DC=com",
	}
	for k, v := range want {
		if o[k] != v {
			t.Errorf("%s = %#v, want %#v", k, o[k], v)
		}
	}
	guid := o["Guid"].(string)
	if simulator.ParseGuid(guid) != guid {
		t.Errorf("Guid %q", guid)
	}
	if o := e.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": "alice", "Filter": "DeviceId -eq 'SHARED'"})[0]; o["DeviceAccessControlRule"] != "Android (DeviceType)" || o["DeviceAccessState"] != "Blocked" {
		t.Errorf("rule: %v", o)
	}

	// Identity forms: MobileDeviceIdParameter matches the GUID, the
	// distinguished name and the canonical name exactly, then
	// "<user object's Name>\<anything>\<Name>" (Exchange 2013 CU23
	// MobileDeviceIdParameter.GetObjects; exchange-admin.md 4.1).
	for _, id := range []string{
		`contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§IPH1`,
		`CONTOSO.COM/users/alice wilber/exchangeactivesyncdevices/IPHONE§iph1`,
		`Alice Wilber\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`ALICE WILBER\exchangeactivesyncdevices\IPHONE§iph1`,
		`Alice Wilber\anything\iPhone§IPH1`,
		`Alice Wilber\ExchangeActiveSyncDevices\iPhone§IP*`,
		"CN=iPhone§IPH1,CN=ExchangeActiveSyncDevices,CN=Alice Wilber,CN=Users,DC=contoso,DC=com",
		"cn=iPhone§IPH1, cn=ExchangeActiveSyncDevices, cn=Alice Wilber, cn=Users, dc=contoso, dc=com",
		guid, "{" + strings.ToUpper(guid) + "}",
	} {
		if out := e.Cmdlet("Get-MobileDevice", map[string]any{"Identity": id}); ids(out) != "IPH1" || out[0]["Guid"] != guid {
			t.Errorf("Identity %s: %v", id, ids(out))
		}
	}
	// The Guid is stable.
	if again := e.Cmdlet("Get-MobileDevice", map[string]any{"Identity": guid})[0]["Guid"]; again != guid {
		t.Errorf("Guid changed: %v, %v", guid, again)
	}
	// A bare DeviceId or Name is no Identity, nor is the alias, an address
	// or DOMAIN\user before the path: Exchange answers that the object
	// couldn't be found, so an agent that passes them here fails as it
	// would in production.
	for _, id := range []string{"NOPE", "IPH1", "iph1", "iPhone§IPH1",
		"alice" + `\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`alice@contoso.com\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`CONTOSO\alice\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`alice/ExchangeActiveSyncDevices/iPhone§IPH1`,
		`Alice Wilber\ExchangeActiveSyncDevices\iPad§IPH1`, `nobody\ExchangeActiveSyncDevices\iPhone§IPH1`,
		`Bob Kelly\ExchangeActiveSyncDevices\iPhone§IPH1`, `Alice Wilber\ExchangeActiveSyncDevices\IPH1`,
		"CN=iPhone§IPH1,CN=ExchangeActiveSyncDevices,CN=Bob Kelly,CN=Users,DC=contoso,DC=com",
		// Malformed input is only not found.
		`\`, `\\`, `\\\`, "=", "=,=", `CN=\`, "CN=,", "/", "//", "*", `a\b\*`, `*\*\*`,
	} {
		er := e.CmdletFails("Get-MobileDevice", map[string]any{"Identity": id}, http.StatusNotFound, "ManagementObjectNotFound")
		if want := "The operation couldn't be performed because object '" + id + "' couldn't be found on 'DC01.contoso.com'."; er.Message != want {
			t.Errorf("%s: %q", id, er.Message)
		}
		// As Exchange reports it: ManagementObjectNotFoundException, in
		// the category NotSpecified.
		if er.Exception != "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException" ||
			er.CategoryInfo != "NotSpecified: (:) [Get-MobileDevice], ManagementObjectNotFoundException" {
			t.Errorf("%s: %q, %q", id, er.Exception, er.CategoryInfo)
		}
	}
	// A Get- cmdlet writes every object a wildcard matches; the cmdlets
	// that change one refuse an ambiguous identity.
	if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"Identity": `Alice Wilber\ExchangeActiveSyncDevices\*`})); got != "AAA9 IPH1 SHARED" {
		t.Errorf("wildcard: %s", got)
	}
	er := e.CmdletFails("Remove-MobileDevice", map[string]any{"Identity": `Alice Wilber\ExchangeActiveSyncDevices\i*`}, http.StatusBadRequest, "ManagementObjectAmbiguous")
	if er.Message != "The operation couldn't be performed because 'Alice Wilber\\ExchangeActiveSyncDevices\\i*' matches multiple entries." {
		t.Errorf("ambiguous: %q", er.Message)
	}
	e.Cmdlet("Get-MobileDevice", map[string]any{"Identity": `Bob Kelly\ExchangeActiveSyncDevices\Android§SHARED`})

	// -Mailbox, in any of its forms.
	for _, mb := range []string{"bob", "bob@contoso.com", "Bob Kelly", "contoso.com/Users/Bob Kelly", "CONTOSO\\bob"} {
		if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": mb})); got != "BOB1 SHARED" {
			t.Errorf("Mailbox %s: %s", mb, got)
		}
	}
	e.CmdletFails("Get-MobileDevice", map[string]any{"Mailbox": "nobody"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.CmdletFails("Get-MobileDevice", map[string]any{"Mailbox": "bob", "Identity": `Bob Kelly\ExchangeActiveSyncDevices\iPhone§BOB1`}, http.StatusBadRequest, "InvalidArgument")

	// -Filter, alone, with -Mailbox and with -Identity.
	if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'", "ResultSize": "Unlimited"})); got != "IPH1 BOB1" {
		t.Errorf("Quarantined: %s", got)
	}
	if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": "alice", "Filter": "DeviceType -like 'i*'"})); got != "AAA9 IPH1" {
		t.Errorf("Mailbox and Filter: %s", got)
	}
	if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"Identity": guid, "Filter": "DeviceAccessState -eq 'Allowed'"})); got != "" {
		t.Errorf("Identity and Filter: %s", got)
	}
	if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"Filter": nil})); got != "AAA9 IPH1 SHARED BOB1 SHARED" {
		t.Errorf("null Filter: %s", got)
	}
	fe := refusal(t, e, "Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq"}, http.StatusBadRequest, "InvalidArgument")
	if fe.Position != 22 || !strings.Contains(fe.Message, `Invalid filter syntax. For a description of the filter parameter syntax see the command help.`) || !strings.Contains(fe.Message, `"DeviceAccessState -eq" at position 22.`) {
		t.Errorf("bad filter: %+v", fe)
	}
	fe = refusal(t, e, "Get-MobileDevice", map[string]any{"Filter": "Mailbox -eq 'alice'"}, http.StatusBadRequest, "InvalidArgument")
	if fe.Position != 1 || !strings.Contains(fe.Message, `"Mailbox" is not a recognized filterable property.`) {
		t.Errorf("unknown property: %+v", fe)
	}

	// -ResultSize.
	if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"ResultSize": 2})); got != "AAA9 IPH1" {
		t.Errorf("ResultSize 2: %s", got)
	}
	// An explicit -ResultSize that cuts the list warns, in other words
	// than the default size's warning; one that cuts nothing is silent
	// (Exchange 2013 CU23 GetTaskBase.WriteResult: WarningMoreResultsAvailable
	// when one more object matches).
	moreResults := []string{"There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."}
	if out, warnings := e.CmdletReply("Get-MobileDevice", map[string]any{"ResultSize": "3"}); ids(out) != "AAA9 IPH1 SHARED" || !slices.Equal(warnings, moreResults) {
		t.Errorf("ResultSize \"3\": %s, warnings %q", ids(out), warnings)
	}
	if out, warnings := e.CmdletReply("Get-MobileDevice", map[string]any{"ResultSize": 5}); len(out) != 5 || warnings != nil {
		t.Errorf("ResultSize 5: %s, warnings %q", ids(out), warnings)
	}

	// Client-type switches: every partnership here is ActiveSync.
	if out := e.Cmdlet("Get-MobileDevice", map[string]any{"OWAforDevices": true}); len(out) != 0 {
		t.Errorf("OWAforDevices: %s", ids(out))
	}
	if out := e.Cmdlet("Get-MobileDevice", map[string]any{"ActiveSync": true, "RestApi": true}); len(out) != 5 {
		t.Errorf("ActiveSync: %s", ids(out))
	}
}

func TestGetMobileDeviceResultSize(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	mb := e.Mailbox("bob")
	for i := range 1001 {
		mb.AddDeviceForTest(quarantined(fmt.Sprintf("D%04d", i), "iPhone"))
	}
	out, warnings := e.CmdletReply("Get-MobileDevice", nil)
	if len(out) != 1000 || len(warnings) != 1 || !strings.HasPrefix(warnings[0], "By default, only the first 1000 items are returned.") {
		t.Fatalf("default: %d objects, warnings %q", len(out), warnings)
	}
	if out[999]["DeviceId"] != "D0999" {
		t.Errorf("last %v", out[999]["DeviceId"])
	}
	if out, warnings := e.CmdletReply("Get-MobileDevice", map[string]any{"ResultSize": "Unlimited"}); len(out) != 1001 || warnings != nil {
		t.Errorf("Unlimited: %d objects, warnings %q", len(out), warnings)
	}
	// An explicit size that cuts warns too (GetTaskBase: WarningMoreResultsAvailable).
	if out, warnings := e.CmdletReply("Get-MobileDevice", map[string]any{"ResultSize": 1000}); len(out) != 1000 || len(warnings) != 1 || !strings.HasPrefix(warnings[0], "There are more results available") {
		t.Errorf("ResultSize 1000: %d objects, warnings %q", len(out), warnings)
	}
	if out, warnings := e.CmdletReply("Get-MobileDevice", map[string]any{"ResultSize": 1001}); len(out) != 1001 || warnings != nil {
		t.Errorf("ResultSize 1001: %d objects, warnings %q", len(out), warnings)
	}
	if out := e.Cmdlet("Get-MobileDevice", map[string]any{"ResultSize": "unlimited", "Filter": "DeviceId -like 'D1*'"}); len(out) != 1 {
		t.Errorf("filtered: %d objects", len(out))
	}
}

func TestGetMobileDeviceStatistics(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	d := quarantined("IPH1", "iPhone")
	d.RecoveryPassword = "1234-5678"
	d.PolicyKey = 42
	d.LastPolicyUpdate = simtest.Start.Add(2 * time.Minute)
	d.LastSuccessSync = simtest.Start.Add(3 * time.Minute)
	d.SetSyncingForTest(480*time.Second, "1", "5")
	e.Mailbox("alice").AddDeviceForTest(d)
	e.Mailbox("alice").AddDeviceForTest(quarantined("AND1", "Android"))

	out := e.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Mailbox": "alice"})
	if ids(out) != "AND1 IPH1" {
		t.Fatalf("Mailbox: %s", ids(out))
	}
	o := out[1]
	want := map[string]any{
		"DeviceID": "IPH1", "DeviceType": "iPhone", "FirstSyncTime": "2026-11-23T09:00:00.0000000Z", "LastPolicyUpdateTime": "2026-11-23T09:02:00.0000000Z",
		"LastSyncAttemptTime": "2026-11-23T09:01:00.0000000Z", "LastSuccessSync": "2026-11-23T09:03:00.0000000Z", "DeviceWipeSentTime": nil,
		"DeviceWipeRequestTime": nil, "DeviceWipeAckTime": nil, "LastPingHeartbeat": 480.0, "RecoveryPassword": "********",
		"DeviceModel": "iPhone15C2", "DeviceFriendlyName": "Work phone", "DevicePhoneNumber": "********0123",
		"Identity": `contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§IPH1`, "IsRemoteWipeSupported": true, "Status": "DeviceOk", "StatusNote": "",
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
	if g := e.Cmdlet("Get-MobileDevice", map[string]any{"Identity": `Alice Wilber\ExchangeActiveSyncDevices\iPhone§IPH1`})[0]["Guid"]; o["Guid"] != g {
		t.Errorf("Guid %v, Get-MobileDevice %v", o["Guid"], g)
	}
	o = e.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Identity": `Alice Wilber\ExchangeActiveSyncDevices\iPhone§IPH1`, "ShowRecoveryPassword": true})[0]
	if o["RecoveryPassword"] != "1234-5678" {
		t.Errorf("ShowRecoveryPassword: %v", o["RecoveryPassword"])
	}
	if out := e.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Mailbox": "bob"}); len(out) != 0 {
		t.Errorf("bob: %v", out)
	}
	er := e.CmdletFails("Get-MobileDeviceStatistics", nil, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, "missing mandatory parameters: Identity") {
		t.Errorf("no identity: %s", er.Message)
	}
	e.CmdletFails("Get-MobileDeviceStatistics", map[string]any{"Identity": `Alice Wilber\ExchangeActiveSyncDevices\iPhone§IPH1`, "Mailbox": "alice"}, http.StatusBadRequest, "InvalidArgument")
	e.CmdletFails("Get-MobileDeviceStatistics", map[string]any{"Identity": "NOPE"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.CmdletFails("Get-MobileDeviceStatistics", map[string]any{"Identity": `Alice Wilber\ExchangeActiveSyncDevices\iPhone§IPH1`, "GetMailboxLog": true}, http.StatusBadRequest, "InvalidArgument")
}

func TestSetCASMailboxLists(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	lists := func() (allowed, blocked []string) {
		t.Helper()
		o := e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]
		return strs(o["ActiveSyncAllowedDeviceIDs"]), strs(o["ActiveSyncBlockedDeviceIDs"])
	}
	expect := func(step string, allowed, blocked []string) {
		t.Helper()
		a, b := lists()
		if !slices.Equal(a, allowed) || !slices.Equal(b, blocked) {
			t.Errorf("%s: allowed %q blocked %q, want %q %q", step, a, b, allowed, blocked)
		}
	}
	set := func(params map[string]any) (warnings []string) {
		t.Helper()
		params["Identity"] = "alice"
		_, warnings = e.CmdletReply("Set-CASMailbox", params)
		return warnings
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
	er := e.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": []string{"D", "d"}}, http.StatusBadRequest, "InvalidArgument")
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
	// (The error object names the cmdlet: the server's word, not adminapi's.)
	ce := refusal(t, e, "Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": false,
		"ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "Z"}, "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": "z"}}, http.StatusBadRequest, "InvalidData")
	if ce.Message != "The device ID 'Z' can't be in both the ActiveSyncAllowedDeviceIDs and the ActiveSyncBlockedDeviceIDs lists." || ce.Cmdlet != "Set-CASMailbox" {
		t.Errorf("both lists: %+v", ce)
	}
	e.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "B2"}, "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": "Y"}}, http.StatusBadRequest, "InvalidData")
	expect("after the errors", []string{"b1"}, []string{"B2", "A1"})
	if o := e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]; o["ActiveSyncEnabled"] != true {
		t.Error("a failed Set-CASMailbox changed ActiveSyncEnabled")
	}

	// A Set- that changes nothing warns.
	warnings := set(map[string]any{"ActiveSyncBlockedDeviceIDs": map[string]any{"Add": "b2"}})
	if len(warnings) != 1 || warnings[0] != "The command completed successfully but no settings of 'alice' have been modified." {
		t.Errorf("no change: %q", warnings)
	}
	e.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "nobody", "ActiveSyncEnabled": false}, http.StatusNotFound, "ManagementObjectNotFound")
}

func TestSetCASMailboxRewritesDevices(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	alice := e.Mailbox("alice")
	alice.AddDeviceForTest(quarantined("QUAR1", "iPhone"))
	alice.AddDeviceForTest(quarantined("QUAR2", "iPhone"))
	alice.AddDeviceForTest(withState(quarantined("RULE1", "Android"), access.Blocked, access.ReasonDeviceRule))
	e.Mailbox("bob").AddDeviceForTest(quarantined("QUAR1", "iPhone"))

	// Approval, as an MFA agent does it: visible at once, before the
	// device's next request.
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice@contoso.com", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"quar1"}}})
	if got := e.AccessState(`Alice Wilber\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Allowed/Individual" {
		t.Errorf("approved: %s", got)
	}
	if got := e.AccessState("QUAR2"); got != "Quarantined/Global" {
		t.Errorf("unlisted device: %s", got)
	}
	if got := e.AccessState(`Bob Kelly\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Quarantined/Global" {
		t.Errorf("another user's device with the same ID: %s", got)
	}
	if got := ids(e.Cmdlet("Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'"})); got != "QUAR2 QUAR1" {
		t.Errorf("still quarantined: %s", got)
	}

	// Denial: blocking moves the ID out of the allow list.
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": []string{"QUAR1", "RULE1"}}})
	if got := e.AccessState(`Alice Wilber\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Blocked/Individual" {
		t.Errorf("blocked: %s", got)
	}
	if got := e.AccessState("RULE1"); got != "Blocked/Individual" {
		t.Errorf("blocked over a rule: %s", got)
	}

	// Dropped from the lists: devices that were Individual become
	// Unknown/Unknown; others keep their state.
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncBlockedDeviceIDs": nil})
	if got := e.AccessState(`Alice Wilber\ExchangeActiveSyncDevices\iPhone§QUAR1`); got != "Unknown/Unknown" {
		t.Errorf("unlisted: %s", got)
	}
	if got := e.AccessState("QUAR2"); got != "Quarantined/Global" {
		t.Errorf("QUAR2: %s", got)
	}
	// ActiveSyncEnabled alone does not touch the devices.
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": "QUAR2"})
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": false})
	if got := e.AccessState("QUAR2"); got != "Allowed/Individual" {
		t.Errorf("QUAR2 after ActiveSyncEnabled: %s", got)
	}
	if o := e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]; o["ActiveSyncEnabled"] != false || o["HasActiveSyncDevicePartnership"] != true {
		t.Errorf("Get-CASMailbox: %v", o)
	}
}

func TestGetMailboxAndCASMailbox(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	o := e.Cmdlet("Get-Mailbox", map[string]any{"Identity": "alice"})[0]
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
	if simulator.ParseGuid(guid) != guid || simulator.ParseGuid(xguid) != xguid || guid == xguid {
		t.Errorf("Guid %q ExchangeGuid %q", guid, xguid)
	}
	if bob := e.Cmdlet("Get-Mailbox", map[string]any{"Identity": "bob"})[0]; bob["Guid"] == guid {
		t.Error("two mailboxes share a Guid")
	}
	// The Guid is stable per user, across servers of the same organization.
	if again := simtest.New(t, simulator.Options{}).Cmdlet("Get-Mailbox", map[string]any{"Identity": "alice"})[0]; again["Guid"] != guid || again["ExchangeGuid"] != xguid {
		t.Errorf("Guid not stable: %v", again)
	}
	for _, id := range []string{"alice@contoso.com", "ALICE", "CONTOSO\\alice", "Alice Wilber", "contoso.com/Users/Alice Wilber", guid, xguid, "{" + guid + "}"} {
		if out := e.Cmdlet("Get-Mailbox", map[string]any{"Identity": id}); len(out) != 1 || out[0]["Alias"] != "alice" {
			t.Errorf("Identity %s: %v", id, out)
		}
	}
	e.CmdletFails("Get-Mailbox", map[string]any{"Identity": "carol"}, http.StatusNotFound, "ManagementObjectNotFound")

	// Every mailbox, by alias; filters; result size.
	if out := e.Cmdlet("Get-Mailbox", nil); len(out) != 3 || out[0]["Alias"] != "admin" {
		t.Errorf("all: %v", out)
	}
	if out := e.Cmdlet("Get-Mailbox", map[string]any{"Filter": "DisplayName -like '*Kelly'"}); len(out) != 1 || out[0]["Alias"] != "bob" {
		t.Errorf("Filter: %v", out)
	}
	if out := e.Cmdlet("Get-Mailbox", map[string]any{"Filter": "EmailAddresses -eq 'smtp:admin@contoso.com'"}); len(out) != 1 {
		t.Errorf("EmailAddresses filter: %v", out)
	}
	if out := e.Cmdlet("Get-Mailbox", map[string]any{"ResultSize": 1}); len(out) != 1 {
		t.Errorf("ResultSize: %v", out)
	}
	e.CmdletFails("Get-Mailbox", map[string]any{"Filter": "ActiveSyncEnabled -eq $false"}, http.StatusBadRequest, "InvalidArgument")

	o = e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "bob"})[0]
	if o["ActiveSyncEnabled"] != true || o["ActiveSyncMailboxPolicy"] != "Default" || o["HasActiveSyncDevicePartnership"] != false || o["Identity"] != "bob" {
		t.Errorf("Get-CASMailbox: %v", o)
	}
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "bob", "ActiveSyncEnabled": false})
	if out := e.Cmdlet("Get-CASMailbox", map[string]any{"Filter": "ActiveSyncEnabled -eq $false"}); len(out) != 1 || out[0]["Identity"] != "bob" {
		t.Errorf("CAS filter: %v", out)
	}
}

func TestOrganizationSettings(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	get := func() map[string]any {
		t.Helper()
		return e.Cmdlet("Get-ActiveSyncOrganizationSettings", nil)[0]
	}
	o := get()
	if o["Identity"] != "Mobile Mailbox Settings" || o["DefaultAccessLevel"] != "Allow" || len(strs(o["AdminMailRecipients"])) != 0 || o["UserMailInsert"] != nil {
		t.Errorf("defaults: %v", o)
	}
	e.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "quarantine", "AdminMailRecipients": []string{"admin@contoso.com"},
		"UserMailInsert": "Approve at https://mfa.contoso.com", "OtaNotificationMailInsert": "Welcome"})
	o = get()
	if o["DefaultAccessLevel"] != "Quarantine" || !slices.Equal(strs(o["AdminMailRecipients"]), []string{"admin@contoso.com"}) ||
		o["UserMailInsert"] != "Approve at https://mfa.contoso.com" || o["OtaNotificationMailInsert"] != "Welcome" {
		t.Errorf("after Set: %v", o)
	}
	if got := e.Server.Directory().OrganizationSettings(); got.DefaultAccessLevel != access.LevelQuarantine || got.UserMailInsert != "Approve at https://mfa.contoso.com" {
		t.Errorf("directory: %+v", got)
	}
	e.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"Identity": "Mobile Mailbox Settings", "AdminMailRecipients": map[string]any{"Add": "sec@contoso.com", "Remove": "ADMIN@contoso.com"}})
	if got := strs(get()["AdminMailRecipients"]); !slices.Equal(got, []string{"sec@contoso.com"}) {
		t.Errorf("Add/Remove: %v", got)
	}
	e.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"AdminMailRecipients": nil, "UserMailInsert": nil, "DefaultAccessLevel": 1})
	if o := get(); len(strs(o["AdminMailRecipients"])) != 0 || o["UserMailInsert"] != nil || o["DefaultAccessLevel"] != "Block" {
		t.Errorf("cleared: %v", o)
	}
	// UserMailInsert up to 256 characters.
	e.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"UserMailInsert": strings.Repeat("é", 256)})
	er := e.CmdletFails("Set-ActiveSyncOrganizationSettings", map[string]any{"UserMailInsert": strings.Repeat("x", 257)}, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, "The maximum length is 256 and the length of the value provided is 257.") {
		t.Errorf("long insert: %s", er.Message)
	}
	e.CmdletFails("Set-ActiveSyncOrganizationSettings", map[string]any{"OtaNotificationMailInsert": strings.Repeat("x", 300)}, http.StatusBadRequest, "InvalidArgument")
	er = e.CmdletFails("Set-ActiveSyncOrganizationSettings", map[string]any{"AdminMailRecipients": map[string]any{"Add": "not an address"}}, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, `The email address "not an address" isn't correct.`) {
		t.Errorf("bad address: %s", er.Message)
	}
	_, warnings := e.CmdletReply("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Block"})
	if len(warnings) != 1 || !strings.Contains(warnings[0], "no settings of 'Mobile Mailbox Settings' have been modified") {
		t.Errorf("no change: %q", warnings)
	}
	e.CmdletFails("Get-ActiveSyncOrganizationSettings", map[string]any{"Identity": "Other"}, http.StatusNotFound, "ManagementObjectNotFound")
	e.CmdletFails("Set-ActiveSyncOrganizationSettings", map[string]any{"AllowRMSSupportForUnenlightenedApps": true}, http.StatusBadRequest, "InvalidArgument")
}

func TestDeviceAccessRules(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	out := e.Cmdlet("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "iPhone", "Characteristic": "devicetype", "AccessLevel": "Allow"})
	r := out[0]
	if r["Name"] != "iPhone (DeviceType)" || r["Identity"] != "iPhone (DeviceType)" || r["QueryString"] != "iPhone" || r["Characteristic"] != "DeviceType" || r["AccessLevel"] != "Allow" {
		t.Errorf("New: %v", r)
	}
	guid := r["Guid"].(string)
	if simulator.ParseGuid(guid) != guid {
		t.Errorf("Guid %q", guid)
	}
	e.Cmdlet("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "iOS 6.1 10B145", "Characteristic": "DeviceOS", "AccessLevel": "Block"})
	if rules := e.Server.Directory().DeviceAccessRules(); len(rules) != 2 || rules[0].Guid != guid {
		t.Errorf("directory: %+v", rules)
	}

	er := e.CmdletFails("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "IPHONE", "Characteristic": "DeviceType", "AccessLevel": "Block"}, http.StatusConflict, "ADObjectAlreadyExists")
	if !strings.Contains(er.Message, "already exists") || !strings.Contains(er.Message, "CN=IPHONE (DeviceType),CN=Mobile Mailbox Settings") {
		t.Errorf("duplicate: %s", er.Message)
	}
	e.CmdletFails("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "x", "Characteristic": "Color", "AccessLevel": "Block"}, http.StatusBadRequest, "InvalidArgument")

	if out := e.Cmdlet("Get-ActiveSyncDeviceAccessRule", nil); len(out) != 2 {
		t.Errorf("Get: %v", out)
	}
	for _, id := range []string{"iphone (devicetype)", guid} {
		if out := e.Cmdlet("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": id}); len(out) != 1 || out[0]["Name"] != "iPhone (DeviceType)" {
			t.Errorf("Get %s: %v", id, out)
		}
	}
	e.CmdletFails("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "nope"}, http.StatusNotFound, "ManagementObjectNotFound")

	e.Cmdlet("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "iPhone (DeviceType)", "AccessLevel": "Quarantine"})
	if out := e.Cmdlet("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": guid}); out[0]["AccessLevel"] != "Quarantine" {
		t.Errorf("Set: %v", out)
	}
	if _, warnings := e.CmdletReply("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": guid, "AccessLevel": "Quarantine"}); len(warnings) != 1 {
		t.Errorf("Set without change: warnings %q", warnings)
	}
	// Only AccessLevel can change.
	e.CmdletFails("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": guid, "QueryString": "iPad"}, http.StatusBadRequest, "InvalidArgument")
	e.CmdletFails("Set-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "nope", "AccessLevel": "Allow"}, http.StatusNotFound, "ManagementObjectNotFound")

	e.Cmdlet("Remove-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "iPhone (DeviceType)", "Confirm": false})
	e.CmdletFails("Remove-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "iPhone (DeviceType)"}, http.StatusNotFound, "ManagementObjectNotFound")
	if out := e.Cmdlet("Get-ActiveSyncDeviceAccessRule", nil); len(out) != 1 || out[0]["Characteristic"] != "DeviceOS" {
		t.Errorf("after Remove: %v", out)
	}
	// A rule stored without a Guid gets a stable one.
	e.Server.Directory().AddDeviceAccessRule(access.NewRule("Outlook", access.CharacteristicDeviceModel, access.LevelAllow))
	g1 := e.Cmdlet("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": "Outlook (DeviceModel)"})[0]["Guid"]
	if g2 := e.Cmdlet("Get-ActiveSyncDeviceAccessRule", map[string]any{"Identity": g1})[0]["Guid"]; g1 != g2 {
		t.Errorf("derived Guid %v %v", g1, g2)
	}
}

func TestRemoveMobileDevice(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	e.Mailbox("alice").AddDeviceForTest(quarantined("IPH1", "iPhone"))
	e.Mailbox("alice").AddDeviceForTest(quarantined("IPH2", "iPhone"))
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": "IPH1"}})
	for _, name := range []string{"Remove-MobileDevice", "Remove-ActiveSyncDevice"} {
		id := map[string]string{"Remove-MobileDevice": `Alice Wilber\ExchangeActiveSyncDevices\iPhone§IPH1`, "Remove-ActiveSyncDevice": "CN=iPhone§IPH2,CN=ExchangeActiveSyncDevices,CN=Alice Wilber,CN=Users,DC=contoso,DC=com"}[name]
		if out := e.Cmdlet(name, map[string]any{"Identity": id, "Confirm": false}); len(out) != 0 {
			t.Fatalf("%s: %v", name, out)
		}
		e.CmdletFails("Get-MobileDevice", map[string]any{"Identity": id}, http.StatusNotFound, "ManagementObjectNotFound")
		e.CmdletFails(name, map[string]any{"Identity": id}, http.StatusNotFound, "ManagementObjectNotFound")
	}
	if out := e.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": "alice"}); len(out) != 0 {
		t.Errorf("left: %s", ids(out))
	}
	// The allow list keeps the ID.
	if got := strs(e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]["ActiveSyncAllowedDeviceIDs"]); !slices.Equal(got, []string{"IPH1"}) {
		t.Errorf("allow list: %v", got)
	}
}

// BenchmarkGetMobileDeviceFilter is the agent's poll over a large
// organization: 100,000 partnerships in 1,000 mailboxes, 1 in 100
// quarantined.
func BenchmarkGetMobileDeviceFilter(b *testing.B) {
	e := simtest.New(b, simulator.Options{Directory: simtest.DemoDirectory(b, 1000)})
	for u := 1; u <= 1000; u++ {
		mb := e.Mailbox(fmt.Sprintf("user%05d", u))
		for i := range 100 {
			d := withState(quarantined(fmt.Sprintf("DEV%05d%03d", u, i), "iPhone"), access.Allowed, access.ReasonIndividual)
			if i == u%100 {
				d.DeviceAccessState, d.DeviceAccessStateReason = access.Quarantined, access.ReasonGlobal
			}
			mb.AddDeviceForTest(d)
		}
	}
	params := map[string]any{"ResultSize": "Unlimited", "Filter": "DeviceAccessState -eq 'Quarantined'"}
	if out := e.Cmdlet("Get-MobileDevice", params); len(out) != 1000 {
		b.Fatalf("%d quarantined", len(out))
	}
	// The loop reads the reply without decoding it: the figure is the
	// server's and the transport's, not the test client's.
	body, _ := json.Marshal(map[string]any{"cmdlet": "Get-MobileDevice", "parameters": params})
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/cmdlet", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.Admin.Token)
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
	e := simtest.New(t, simulator.Options{})
	alice := e.Mailbox("alice")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			alice.AddDeviceForTest(quarantined(fmt.Sprintf("C%03d", i), "iPhone"))
		}
	}()
	errs := make(chan string, 4)
	// Goroutines must not fail the test: they report adminapi's errors.
	run := func(f func(i int) error) {
		go func() {
			for i := range 25 {
				if err := f(i); err != nil {
					errs <- err.Error()
					return
				}
			}
			errs <- ""
		}()
	}
	call := func(cmdlet string, params map[string]any) error {
		_, err := e.Admin.Call(context.Background(), cmdlet, params)
		return err
	}
	run(func(i int) error {
		return call("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": fmt.Sprintf("C%03d", i)}})
	})
	run(func(int) error {
		return call("Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'", "ResultSize": "Unlimited"})
	})
	run(func(int) error { return call("Get-MobileDeviceStatistics", map[string]any{"Mailbox": "alice"}) })
	run(func(i int) error {
		return call("Set-ActiveSyncOrganizationSettings", map[string]any{"AdminMailRecipients": map[string]any{"Add": fmt.Sprintf("a%d@contoso.com", i)}})
	})
	for range 4 {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
	<-done
	if got := strs(e.Cmdlet("Get-ActiveSyncOrganizationSettings", nil)[0]["AdminMailRecipients"]); len(got) != 25 {
		t.Errorf("%d recipients", len(got))
	}
}
