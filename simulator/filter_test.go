package simulator

import (
	"github.com/easlab/easlab/simulator/access"
	"slices"
	"strings"
	"testing"
	"time"
)

// filterRows are the partnerships the filter tests run over.
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

func TestFilterMatches(t *testing.T) {
	rows := filterRows()
	for _, tc := range []struct {
		filter string
		want   string // matching DeviceIds, space-separated
	}{
		// The agent's poll, and enumeration spellings.
		{"DeviceAccessState -eq 'Quarantined'", "IPH1"},
		{"DeviceAccessState -eq 'quarantined'", "IPH1"},
		{"deviceaccessstate -EQ 'Quarantined'", "IPH1"},
		{"DeviceAccessState -eq 3", "IPH1"},
		{"DeviceAccessState -eq Quarantined", "IPH1"},
		{`DeviceAccessState -eq "Quarantined"`, "IPH1"},
		{"DeviceAccessState -ne 'Quarantined'", "AND1 OUT1 SAM1"},
		{"DeviceAccessStateReason -eq 'Individual'", "AND1"},
		{"DeviceAccessStateReason -eq 'DeviceRule'", "OUT1 SAM1"},
		{"DeviceAccessState -like 'Quar*'", "IPH1"},
		{"DeviceAccessState -gt 'Allowed'", "IPH1 OUT1 SAM1"},
		// Precedence: -and binds tighter than -or; -not applies to one
		// comparison or parenthesis.
		{"DeviceType -eq 'iPhone' -or DeviceType -eq 'Android' -and DeviceAccessState -eq 'Blocked'", "IPH1"},
		{"(DeviceType -eq 'iPhone' -or DeviceType -eq 'Android') -and DeviceAccessState -eq 'Allowed'", "AND1"},
		{"DeviceAccessState -eq 'Blocked' -or DeviceAccessState -eq 'Quarantined' -and UserDisplayName -like '*Bob*'", "OUT1"},
		{"-not DeviceType -eq 'iPhone' -and DeviceAccessStateReason -eq 'DeviceRule'", "OUT1 SAM1"},
		{"-not (DeviceType -eq 'iPhone' -or DeviceType -eq 'Outlook')", "AND1 SAM1"},
		{"-not(DeviceType -eq 'iPhone')", "AND1 OUT1 SAM1"},
		{"-not -not DeviceType -eq 'iPhone'", "IPH1"},
		{"((DeviceId -eq 'IPH1'))", "IPH1"},
		// -like: wildcards anywhere, ignoring case; nothing matches an
		// empty value.
		{"DeviceModel -like '*outlook*'", "OUT1"},
		{"DeviceModel -like 'IPHONE*'", "IPH1"},
		{"DeviceModel -like '*C2'", "IPH1"},
		{"DeviceModel -like 'iP*15*2'", "IPH1"},
		{"DeviceModel -like 'iPhone15C2'", "IPH1"},
		{"DeviceModel -like '*'", "IPH1 OUT1"},
		{"DeviceModel -notlike '*'", "AND1 SAM1"},
		{"DeviceModel -notlike 'iphone*'", "AND1 OUT1 SAM1"},
		{"UserDisplayName -like 'contoso.com/Users/Alice*'", "IPH1 OUT1"},
		{"DeviceUserAgent -like 'Apple-*/2201.1'", "IPH1"},
		{"DeviceId -like 'I*H*1'", "IPH1"},
		{"DeviceId -like 'I*H1*1'", ""},
		// Quoting.
		{"FriendlyName -eq 'Alice''s phone'", "IPH1"},
		{`FriendlyName -eq "Alice's phone"`, "IPH1"},
		{"FriendlyName -like \"*`\"*\"", ""},
		{`FriendlyName -eq "Alice""s phone"`, ""},
		// $null, $true, $false.
		{"DeviceAccessControlRule -eq $null", "IPH1 AND1 SAM1"},
		{"DeviceAccessControlRule -ne $null", "OUT1"},
		{"DeviceAccessControlRule -eq 'Outlook (DeviceType)'", "OUT1"},
		{"FriendlyName -eq $NULL", "AND1 OUT1 SAM1"},
		// Properties Exchange derives: DeviceOS from Android and SAMSUNG
		// User-Agents, the masked phone number, ClientType.
		{"DeviceOS -eq 'Android 14'", "AND1"},
		{"DeviceOS -eq 'Android 4.4.2'", "SAM1"},
		{"DeviceOS -like 'iOS*'", "IPH1 OUT1"},
		{"DeviceTelephoneNumber -like '*0199'", "SAM1"},
		{"DeviceTelephoneNumber -eq '+14255550199'", ""},
		{"ClientType -eq 'EAS'", "IPH1 AND1 OUT1 SAM1"},
		{"ProvisioningFlags -eq 0", "IPH1 AND1 OUT1 SAM1"},
		{"DeviceActiveSyncVersion -eq '16.1'", "IPH1 OUT1"},
		{"DeviceActiveSyncVersion -lt '14.1'", "SAM1"},
		{"DeviceOSLanguage -eq 'EN-US'", "IPH1"},
		// Times, at second precision, read as UTC.
		{"FirstSyncTime -eq '2026-11-23T09:00:00Z'", "IPH1"},
		{"FirstSyncTime -eq '2026-11-23 09:00:00'", "IPH1"},
		{"FirstSyncTime -eq '11/23/2026 9:00:00 AM'", "IPH1"},
		{"FirstSyncTime -gt '2026-11-23'", "IPH1 SAM1"},
		{"FirstSyncTime -ge '2026-11-23T09:00:00Z' -and FirstSyncTime -lt '2026-11-23T10:00:00Z'", "IPH1"},
		{"FirstSyncTime -le '2026-11-22T12:00:00Z'", "AND1 OUT1"},
		// Whitespace.
		{"  DeviceId\t-eq\n'IPH1'  ", "IPH1"},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			f, err := parseFilter(mobileDeviceFilter, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range rows {
				if f(&rows[i]) {
					got = append(got, rows[i].dev.DeviceID)
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), tc.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		filter string
		pos    int
		want   string
	}{
		{"", 1, "Invalid filter syntax"},
		{"DeviceAccessState", 18, "Invalid filter syntax"},
		{"DeviceAccessState -eq", 22, "Invalid filter syntax"},
		{"DeviceAccessState -eq 'Quarantined", 23, "Invalid filter syntax"},
		{"DeviceAccessState -equals 'Quarantined'", 19, "Invalid filter syntax"},
		{"DeviceAccessState = 'Quarantined'", 19, "Invalid filter syntax"},
		{"DeviceAccessState -eq 'Quarantined' -and", 41, "Invalid filter syntax"},
		{"DeviceAccessState -eq 'Quarantined' DeviceId -eq 'x'", 37, "Invalid filter syntax"},
		{"(DeviceAccessState -eq 'Quarantined'", 37, "Invalid filter syntax"},
		{"DeviceAccessState -eq 'Quarantined')", 36, "Invalid filter syntax"},
		{"-and DeviceId -eq 'x'", 1, "Invalid filter syntax"},
		{"DeviceId -eq -and", 14, "Invalid filter syntax"},
		{"DeviceId -eq ()", 14, "Invalid filter syntax"},
		{"'DeviceId' -eq 'x'", 1, "Invalid filter syntax"},
		{"DeviceId -eq 'x' -or (DeviceId -eq 'y' -and)", 44, "Invalid filter syntax"},
		{"Foo -eq 'x'", 1, "\"Foo\" is not a recognized filterable property. Valid property names are: ClientType, DeviceAccessControlRule, DeviceAccessState,"},
		{"DeviceId -eq 'x' -or Mailbox -eq 'alice'", 22, "\"Mailbox\" is not a recognized filterable property."},
		{"DeviceAccessState -eq 'Quarantine'", 23, "The value \"Quarantine\" could not be converted to type Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessState."},
		{"FirstSyncTime -eq 'yesterday'", 19, "could not be converted to type System.DateTime"},
		{"FirstSyncTime -like '2026*'", 15, "The -like operator can only be used with string properties"},
		{"DeviceId -like $null", 16, "$null can't be used"},
		{"DeviceId -eq $foo", 14, "Variables other than $true, $false and $null"},
		{"ProvisioningFlags -eq 'many'", 23, "System.Int32"},
		{"Ünïcode -eq 'x'", 1, "\"Ünïcode\" is not a recognized"},
		{"DeviceId -eq 'é' -and Ünïcode -eq 'x'", 23, "\"Ünïcode\" is not a recognized"},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			_, err := parseFilter(mobileDeviceFilter, tc.filter)
			fe, ok := err.(*filterError)
			if !ok {
				t.Fatalf("err %v, want a *filterError", err)
			}
			if fe.Pos != tc.pos || !strings.Contains(fe.Msg, tc.want) {
				t.Errorf("position %d %q, want position %d %q", fe.Pos, fe.Msg, tc.pos, tc.want)
			}
			if !strings.HasPrefix(fe.Error(), `Cannot bind parameter 'Filter' to the target. Exception setting "Filter": "`) {
				t.Errorf("Error() = %q", fe.Error())
			}
			if !strings.Contains(fe.Msg, "\""+tc.filter+"\" at position ") {
				t.Errorf("message %q does not quote the filter", fe.Msg)
			}
		})
	}
}

func TestFilterOtherSchemas(t *testing.T) {
	// The parser is generic: Get-CASMailbox filters on Boolean and
	// multi-valued properties.
	rows := []mailboxRow{
		{user: &User{Alias: "alice", DisplayName: "Alice Wilber"}, cas: CASMailbox{ActiveSyncEnabled: true, ActiveSyncAllowedDeviceIDs: []string{"IPH1", "AND1"}}, partnered: true},
		{user: &User{Alias: "bob", DisplayName: "Bob Kelly"}, cas: CASMailbox{ActiveSyncEnabled: false}},
	}
	for _, tc := range []struct{ filter, want string }{
		{"ActiveSyncEnabled -eq $true", "alice"},
		{"ActiveSyncEnabled -eq $false", "bob"},
		{"ActiveSyncEnabled -eq 'False'", "bob"},
		{"ActiveSyncEnabled -ne $true", "bob"},
		{"ActiveSyncAllowedDeviceIDs -eq 'and1'", "alice"},
		{"ActiveSyncAllowedDeviceIDs -like 'IP*'", "alice"},
		{"ActiveSyncAllowedDeviceIDs -eq $null", "bob"},
		{"HasActiveSyncDevicePartnership -eq $true -and Alias -like 'a*'", "alice"},
		{"DisplayName -like '* Kelly'", "bob"},
	} {
		f, err := parseFilter(casMailboxFilter, tc.filter)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		var got []string
		for i := range rows {
			if f(&rows[i]) {
				got = append(got, rows[i].user.Alias)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: got %q, want %q", tc.filter, got, tc.want)
		}
	}
	if _, err := parseFilter(casMailboxFilter, "ActiveSyncEnabled -eq 'maybe'"); err == nil || !strings.Contains(err.Error(), "System.Boolean") {
		t.Errorf("bad Boolean: %v", err)
	}
	if _, err := parseFilter(casMailboxFilter, "DeviceAccessState -eq 'Quarantined'"); err == nil {
		t.Error("a device property is not a CAS mailbox property")
	}
}

func TestLikeMatcher(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "ABC", true},
		{"abc", "abcd", false},
		{"a*", "a", true},
		{"a*", "", false},
		{"*", "x", true},
		{"*", "", false},
		{"**", "x", true},
		{"*c", "abc", true},
		{"*c", "abcd", false},
		{"a*c", "ac", true},
		{"a*c", "a", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
		{"*b*", "abc", true},
		{"*B*", "abc", true},
		{"ä*", "Äpfel", true},
	} {
		if got := newLikeMatcher(tc.pattern).match(tc.s); got != tc.want {
			t.Errorf("%q -like %q = %v, want %v", tc.s, tc.pattern, got, tc.want)
		}
	}
}

func TestFilterSchemaNames(t *testing.T) {
	// The filterable properties of Get-MobileDevice are exactly those of
	// exchange-admin.md 4.1.
	want := []string{"ClientType", "DeviceAccessControlRule", "DeviceAccessState", "DeviceAccessStateReason",
		"DeviceActiveSyncVersion", "DeviceId", "DeviceImei", "DeviceMobileOperator", "DeviceModel", "DeviceOS", "DeviceOSLanguage",
		"DeviceTelephoneNumber", "DeviceType", "DeviceUserAgent", "FirstSyncTime", "FriendlyName", "ProvisioningFlags", "UserDisplayName"}
	if !slices.Equal(mobileDeviceFilter.names, want) {
		t.Errorf("names %v", mobileDeviceFilter.names)
	}
}
