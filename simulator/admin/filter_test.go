package admin

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator/access"
)

// device is a row of the test schema: a partnership as Get-MobileDevice
// shows it, with every property already derived.
type device struct {
	id, typ, model, os, userAgent, friendly, rule, version, lang, phone, user string
	state                                                                     access.State
	reason                                                                    access.Reason
	firstSync                                                                 time.Time
}

func stateName(n int64) string  { return access.State(n).String() }
func reasonName(n int64) string { return access.Reason(n).String() }

// deviceFilter has the filterable properties of Get-MobileDevice, so that
// the error messages are those Exchange gives for it.
var deviceFilter = NewFilterSchema(
	StringProp("ClientType", func(*device) string { return "EAS" }),
	StringProp("DeviceAccessControlRule", func(d *device) string { return d.rule }),
	EnumProp("DeviceAccessState", "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessState",
		func(d *device) int64 { return int64(d.state) }, stateName, EnumParser([]int64{0, 1, 2, 3, 4}, stateName)),
	EnumProp("DeviceAccessStateReason", "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessStateReason",
		func(d *device) int64 { return int64(d.reason) }, reasonName, EnumParser([]int64{0, 1, 2, 3, 4, 5}, reasonName)),
	StringProp("DeviceActiveSyncVersion", func(d *device) string { return d.version }),
	StringProp("DeviceId", func(d *device) string { return d.id }),
	StringProp("DeviceImei", func(*device) string { return "" }),
	StringProp("DeviceMobileOperator", func(*device) string { return "" }),
	StringProp("DeviceModel", func(d *device) string { return d.model }),
	StringProp("DeviceOS", func(d *device) string { return d.os }),
	StringProp("DeviceOSLanguage", func(d *device) string { return d.lang }),
	StringProp("DeviceTelephoneNumber", func(d *device) string { return d.phone }),
	StringProp("DeviceType", func(d *device) string { return d.typ }),
	StringProp("DeviceUserAgent", func(d *device) string { return d.userAgent }),
	TimeProp("FirstSyncTime", func(d *device) time.Time { return d.firstSync }),
	StringProp("FriendlyName", func(d *device) string { return d.friendly }),
	IntProp("ProvisioningFlags", func(*device) int64 { return 0 }),
	StringProp("UserDisplayName", func(d *device) string { return d.user }),
)

// filterRows are the partnerships the filter tests run over.
func filterRows() []device {
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	const alice, bob = "contoso.com/Users/Alice Wilber", "contoso.com/Users/Bob Kelly"
	return []device{
		{id: "IPH1", typ: "iPhone", version: "16.1", userAgent: "Apple-iPhone15C2/2201.1", model: "iPhone15C2", os: "iOS 18.1",
			friendly: "Alice's phone", lang: "en-us", firstSync: day, state: access.Quarantined, reason: access.ReasonGlobal, user: alice},
		{id: "AND1", typ: "Android", version: "14.1", userAgent: "Android/14-EAS-2.0", os: "Android 14",
			firstSync: day.Add(-72 * time.Hour), state: access.Allowed, reason: access.ReasonIndividual, user: bob},
		{id: "OUT1", typ: "Outlook", version: "16.1", userAgent: "Outlook-iOS-Android/1.0", model: "Outlook for iOS and Android", os: "iOS 17.0",
			firstSync: day.Add(-21 * time.Hour), state: access.Blocked, reason: access.ReasonDeviceRule, rule: "Outlook (DeviceType)", user: alice},
		{id: "SAM1", typ: "SAMSUNG", version: "12.1", userAgent: "SAMSUNG-SM-N9005/101.40402", os: "Android 4.4.2", phone: "********0199",
			firstSync: day.Add(time.Hour), state: access.DeviceDiscovery, reason: access.ReasonDeviceRule, user: bob},
	}
}

// matching parses filter over schema and returns the keys of the rows it
// matches, space-separated.
func matching[T any](t *testing.T, schema *FilterSchema[T], filter string, rows []T, key func(*T) string) string {
	t.Helper()
	f, err := schema.Parse(filter)
	if err != nil {
		t.Fatalf("%s: %v", filter, err)
	}
	var got []string
	for i := range rows {
		if f(&rows[i]) {
			got = append(got, key(&rows[i]))
		}
	}
	return strings.Join(got, " ")
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
		// Constant properties.
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
			if got := matching(t, deviceFilter, tc.filter, rows, func(d *device) string { return d.id }); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
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
			_, err := deviceFilter.Parse(tc.filter)
			fe, ok := err.(*FilterError)
			if !ok {
				t.Fatalf("err %v, want a *FilterError", err)
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

// mailbox is a row of a second schema, with Boolean and multi-valued
// properties.
type mailbox struct {
	alias, name string
	enabled     bool
	allowed     []string
	partnered   bool
}

var mailboxFilter = NewFilterSchema(
	StringProp("Alias", func(m *mailbox) string { return m.alias }),
	StringProp("DisplayName", func(m *mailbox) string { return m.name }),
	BoolProp("ActiveSyncEnabled", func(m *mailbox) bool { return m.enabled }),
	StringsProp("ActiveSyncAllowedDeviceIDs", func(m *mailbox) []string { return m.allowed }),
	BoolProp("HasActiveSyncDevicePartnership", func(m *mailbox) bool { return m.partnered }),
)

func TestFilterOtherSchemas(t *testing.T) {
	// The parser is generic: Get-CASMailbox filters on Boolean and
	// multi-valued properties.
	rows := []mailbox{
		{alias: "alice", name: "Alice Wilber", enabled: true, allowed: []string{"IPH1", "AND1"}, partnered: true},
		{alias: "bob", name: "Bob Kelly"},
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
		if got := matching(t, mailboxFilter, tc.filter, rows, func(m *mailbox) string { return m.alias }); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.filter, got, tc.want)
		}
	}
	if _, err := mailboxFilter.Parse("ActiveSyncEnabled -eq 'maybe'"); err == nil || !strings.Contains(err.Error(), "System.Boolean") {
		t.Errorf("bad Boolean: %v", err)
	}
	if _, err := mailboxFilter.Parse("DeviceAccessState -eq 'Quarantined'"); err == nil {
		t.Error("a device property is not a mailbox property")
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
	// Names are sorted, as the error for an unknown property lists them,
	// and a copy.
	want := []string{"ActiveSyncAllowedDeviceIDs", "ActiveSyncEnabled", "Alias", "DisplayName", "HasActiveSyncDevicePartnership"}
	names := mailboxFilter.Names()
	if !slices.Equal(names, want) {
		t.Errorf("names %v", names)
	}
	names[0] = "x"
	if mailboxFilter.Names()[0] != want[0] {
		t.Error("Names returned the schema's own slice")
	}
}
