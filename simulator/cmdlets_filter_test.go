package simulator

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/admin"
)

// The parser itself is tested in simulator/admin; these tests check the
// simulator's schemas: which properties each cmdlet filters on, and how
// the properties Exchange derives read a partnership.

// filterRows are the partnerships the schema tests run over.
func filterRows() []deviceRow {
	alice := &User{Alias: "alice", DisplayName: "Alice Wilber"}
	bob := &User{Alias: "bob", DisplayName: "Bob Kelly"}
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	devs := []struct {
		u *User
		d Device
	}{
		{alice, Device{DeviceID: "IPH1", DeviceType: "iPhone", ProtocolVersion: "16.1", DeviceUserAgent: "Apple-iPhone15C2/2201.1",
			Info: DeviceInformation{Model: "iPhone15C2", OS: "iOS 18.1", FriendlyName: "Alice's phone", OSLanguage: "en-us"}, FirstSyncTime: day,
			DeviceAccessState: access.Quarantined, DeviceAccessStateReason: access.ReasonGlobal}},
		{bob, Device{DeviceID: "AND1", DeviceType: "Android", ProtocolVersion: "14.1", DeviceUserAgent: "Android/14-EAS-2.0",
			FirstSyncTime: day.Add(-72 * time.Hour), DeviceAccessState: access.Allowed, DeviceAccessStateReason: access.ReasonIndividual}},
		{alice, Device{DeviceID: "OUT1", DeviceType: "Outlook", ProtocolVersion: "16.1", DeviceUserAgent: "Outlook-iOS-Android/1.0",
			Info: DeviceInformation{Model: "Outlook for iOS and Android", OS: "iOS 17.0"}, FirstSyncTime: day.Add(-21 * time.Hour),
			DeviceAccessState: access.Blocked, DeviceAccessStateReason: access.ReasonDeviceRule, DeviceAccessControlRule: "Outlook (DeviceType)"}},
		{bob, Device{DeviceID: "SAM1", DeviceType: "SAMSUNG", ProtocolVersion: "12.1", DeviceUserAgent: "SAMSUNG-SM-N9005/101.40402",
			Info: DeviceInformation{PhoneNumber: "+14255550199"}, FirstSyncTime: day.Add(time.Hour),
			DeviceAccessState: access.DeviceDiscovery, DeviceAccessStateReason: access.ReasonDeviceRule}},
	}
	var rows []deviceRow
	for i := range devs {
		u := devs[i].u
		rows = append(rows, deviceRow{user: u, userDisplayName: "contoso.com/Users/" + u.DisplayName, dev: &devs[i].d})
	}
	return rows
}

// checkFilter runs each filter of cases ({filter, want}) over rows and
// compares the ids of the rows it keeps, space-separated, with want.
func checkFilter[T any](t *testing.T, schema *admin.FilterSchema[T], rows []T, id func(T) string, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		keep, err := schema.Parse(c[0])
		if err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		var ids []string
		for _, r := range slices.DeleteFunc(slices.Clone(rows), func(r T) bool { return !keep(&r) }) {
			ids = append(ids, id(r))
		}
		if got := strings.Join(ids, " "); got != c[1] {
			t.Errorf("%s: got %q, want %q", c[0], got, c[1])
		}
	}
}

func TestMobileDeviceFilter(t *testing.T) {
	rows := filterRows()
	checkFilter(t, mobileDeviceFilter, rows, func(r deviceRow) string { return r.dev.DeviceID }, [][2]string{
		// The agent's poll, by name and by number.
		{"DeviceAccessState -eq 'Quarantined'", "IPH1"},
		{"DeviceAccessState -eq 3", "IPH1"},
		{"DeviceAccessStateReason -eq 'DeviceRule'", "OUT1 SAM1"},
		{"DeviceAccessStateReason -eq 'ExternalCompliance'", ""},
		{"DeviceAccessControlRule -eq 'Outlook (DeviceType)'", "OUT1"},
		// Properties Exchange derives: DeviceModel and DeviceOS from
		// DeviceInformation or the User-Agent, the masked phone number,
		// ClientType, the user's canonical name.
		{"DeviceModel -like 'iPhone*'", "IPH1"},
		{"DeviceOS -eq 'Android 14'", "AND1"},
		{"DeviceOS -eq 'Android 4.4.2'", "SAM1"},
		{"DeviceOS -like 'iOS*'", "IPH1 OUT1"},
		{"DeviceTelephoneNumber -like '*0199'", "SAM1"},
		{"DeviceTelephoneNumber -eq '+14255550199'", ""},
		{"ClientType -eq 'EAS'", "IPH1 AND1 OUT1 SAM1"},
		{"UserDisplayName -like 'contoso.com/Users/Alice*'", "IPH1 OUT1"},
		{"FirstSyncTime -gt '2026-11-23'", "IPH1 SAM1"},
		{"FriendlyName -eq 'Alice''s phone'", "IPH1"},
	})
}

func TestCASMailboxFilter(t *testing.T) {
	rows := []mailboxRow{
		{user: &User{Alias: "alice", DisplayName: "Alice Wilber"}, cas: CASMailbox{ActiveSyncEnabled: true, ActiveSyncAllowedDeviceIDs: []string{"IPH1", "AND1"}}, partnered: true},
		{user: &User{Alias: "bob", DisplayName: "Bob Kelly"}, cas: CASMailbox{ActiveSyncEnabled: false}},
	}
	checkFilter(t, casMailboxFilter, rows, func(r mailboxRow) string { return r.user.Alias }, [][2]string{
		{"ActiveSyncEnabled -eq $false", "bob"},
		{"ActiveSyncAllowedDeviceIDs -eq 'and1'", "alice"},
		{"ActiveSyncBlockedDeviceIDs -eq $null", "alice bob"},
		{"HasActiveSyncDevicePartnership -eq $true -and Alias -like 'a*'", "alice"},
		{"DisplayName -like '* Kelly'", "bob"},
	})
	if _, err := casMailboxFilter.Parse("DeviceAccessState -eq 'Quarantined'"); err == nil {
		t.Error("a device property is not a CAS mailbox property")
	}
}

func TestFilterSchemaNames(t *testing.T) {
	// The filterable properties of Get-MobileDevice are exactly those of
	// exchange-admin.md 4.1.
	want := []string{"ClientType", "DeviceAccessControlRule", "DeviceAccessState", "DeviceAccessStateReason",
		"DeviceActiveSyncVersion", "DeviceId", "DeviceImei", "DeviceMobileOperator", "DeviceModel", "DeviceOS", "DeviceOSLanguage",
		"DeviceTelephoneNumber", "DeviceType", "DeviceUserAgent", "FirstSyncTime", "FriendlyName", "ProvisioningFlags", "UserDisplayName"}
	if got := mobileDeviceFilter.Names(); !slices.Equal(got, want) {
		t.Errorf("names %v", got)
	}
}
