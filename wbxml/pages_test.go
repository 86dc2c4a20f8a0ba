package wbxml

import (
	"testing"

	"github.com/easlab/easlab/internal/oracle"
)

// wantTagCount is the number of non-legacy tags per code page, counted by
// hand from the MS-ASWBXML rev 24.0 tables in protocol.md 2.4.
var wantTagCount = [NumPages]int{
	0:  34, // AirSync: 0x05..0x29 less legacy 0x11, 0x1A, 0x1F
	1:  57, // Contacts: 0x05..0x3E less legacy 0x3B
	2:  58, // Email: 0x05..0x3F less legacy 0x0B
	3:  0,  // AirNotify: legacy only
	4:  47, // Calendar: 0x05..0x2A less legacy 0x10, then 0x33..0x3C
	5:  8,  // Move
	6:  8,  // GetItemEstimate: less legacy 0x06, 0x0B
	7:  17, // FolderHierarchy: less legacy 0x0B, 0x0D, 0x18
	8:  12, // MeetingResponse: 0x05..0x0C, 0x0E, 0x10..0x12
	9:  33, // Tasks: 0x05..0x26 less legacy 0x21
	10: 25, // ResolveRecipients
	11: 6,  // ValidateCert
	12: 10, // Contacts2
	13: 8,  // Ping: less legacy 0x06, 0x0E
	14: 54, // Provision: 0x05..0x3B less legacy 0x12
	15: 27, // Search: 0x05..0x23 less 0x06, 0x16, legacy 0x1C, 0x1D
	16: 14, // GAL
	17: 40, // AirSyncBase: 0x05..0x2D less 0x09
	18: 38, // Settings: 0x05..0x2B less 0x2A
	19: 8,  // DocumentLibrary
	20: 21, // ItemOperations
	21: 18, // ComposeMail: 0x05..0x18 less 0x0A, 0x14
	22: 18, // Email2: 0x05..0x17 less 0x14
	23: 5,  // Notes
	24: 20, // RightsManagement
	25: 22, // Find: 0x05..0x0E, 0x11..0x19, 0x20..0x22
}

func TestTablePageCounts(t *testing.T) {
	var current, legacy [NumPages]int
	for _, tag := range Tags() {
		if tag.Legacy {
			legacy[tag.Page]++
		} else {
			current[tag.Page]++
		}
	}
	for p := range NumPages {
		if current[p]+legacy[p] == 0 {
			t.Errorf("page %d (%s) has no tags", p, Namespace(byte(p)))
		}
		if current[p] != wantTagCount[p] {
			t.Errorf("page %d (%s): %d non-legacy tags, want %d", p, Namespace(byte(p)), current[p], wantTagCount[p])
		}
	}
	if legacy[3] != 19 {
		t.Errorf("page 3 (AirNotify): %d legacy tags, want 19", legacy[3])
	}
}

func TestTableRows(t *testing.T) {
	if len(Tags()) != len(tagDefs) {
		t.Fatalf("Tags() has %d entries, tagDefs %d", len(Tags()), len(tagDefs))
	}
	for _, tag := range Tags() {
		switch {
		case tag.Name == "":
			t.Errorf("%d/0x%02X: empty name", tag.Page, tag.Token)
		case tag.Token < 0x05 || tag.Token > 0x3F:
			t.Errorf("%s: token 0x%02X out of range", tag, tag.Token)
		case tag.Alias == tag.Name:
			t.Errorf("%s: alias repeats the name", tag)
		case tag.Legacy && tag.Versions&^V25 != 0:
			t.Errorf("%s: legacy tag with versions %v", tag, tag.Versions)
		case tag.Legacy && tag.Opaque:
			t.Errorf("%s: legacy tag marked opaque", tag)
		case !tag.Legacy && tag.Versions == 0:
			t.Errorf("%s: no versions", tag)
		}
	}
}

func TestTagsSorted(t *testing.T) {
	tags := Tags()
	for i := 1; i < len(tags); i++ {
		a, b := tags[i-1], tags[i]
		if a.Page > b.Page || a.Page == b.Page && a.Token >= b.Token {
			t.Errorf("Tags() out of order: %d/0x%02X before %d/0x%02X", a.Page, a.Token, b.Page, b.Token)
		}
	}
}

func TestLookupInverse(t *testing.T) {
	for _, tag := range Tags() {
		if got := LookupToken(tag.Page, tag.Token); got != tag {
			t.Errorf("LookupToken(%d, 0x%02X) = %v, want %s", tag.Page, tag.Token, got, tag)
		}
		if got := Lookup(tag.Namespace, tag.Name); got != tag {
			t.Errorf("Lookup(%q, %q) = %v, want %s", tag.Namespace, tag.Name, got, tag)
		}
		if got := LookupQualified(tag.String()); got != tag {
			t.Errorf("LookupQualified(%q) = %v, want %s", tag.String(), got, tag)
		}
		if tag.Alias != "" {
			if got := Lookup(tag.Namespace, tag.Alias); got != tag {
				t.Errorf("alias Lookup(%q, %q) = %v, want %s", tag.Namespace, tag.Alias, got, tag)
			}
		}
		if ns := Namespace(tag.Page); ns != tag.Namespace {
			t.Errorf("%s: Namespace(%d) = %q", tag, tag.Page, ns)
		}
		if p, ok := PageOf(tag.Namespace); !ok || p != tag.Page {
			t.Errorf("%s: PageOf(%q) = %d, %v", tag, tag.Namespace, p, ok)
		}
	}
}

func TestLookupMisses(t *testing.T) {
	for _, tc := range []struct {
		page, token byte
	}{{0, 0x00}, {0, 0x04}, {0, 0x2A}, {0, 0x40}, {0, 0xFF}, {15, 0x06}, {17, 0x09}, {25, 0x0F}, {25, 0x1A}, {NumPages, 0x05}, {0xFF, 0x05}} {
		if got := LookupToken(tc.page, tc.token); got != nil {
			t.Errorf("LookupToken(%d, 0x%02X) = %s, want nil", tc.page, tc.token, got)
		}
	}
	for _, q := range []string{"", "Email", "Email:", ":Subject", "Email:NoSuchTag", "NoSuchPage:Subject", "email:Subject"} {
		if got := LookupQualified(q); got != nil {
			t.Errorf("LookupQualified(%q) = %s, want nil", q, got)
		}
	}
	if ns := Namespace(NumPages); ns != "" {
		t.Errorf("Namespace(%d) = %q, want empty", NumPages, ns)
	}
	if _, ok := PageOf("Email:"); ok {
		t.Error(`PageOf("Email:") found a page`)
	}
}

func TestTagOpaque(t *testing.T) {
	want := map[string]bool{
		"ComposeMail:Mime":              true,
		"Email2:ConversationId":         true,
		"Email2:ConversationIndex":      true,
		"ItemOperations:ConversationId": true,
		"Search:ConversationId":         true,
		"AirSyncBase:Content":           true,
		"ResolveRecipients:Data":        true,
		"GAL:Data":                      true,
	}
	n := 0
	for _, tag := range Tags() {
		if tag.Opaque != want[tag.String()] {
			t.Errorf("%s: Opaque = %v", tag, tag.Opaque)
		}
		if tag.Opaque {
			n++
		}
	}
	if n != len(want) {
		t.Errorf("%d opaque tags, want %d", n, len(want))
	}
}

func TestTagSpotChecks(t *testing.T) {
	for _, tc := range []struct {
		qname string
		page  byte
		token byte
		vers  Version
	}{
		// MS-ASWBXML section 3 worked example.
		{"AirSync:Sync", 0, 0x05, vAll},
		{"AirSync:Collections", 0, 0x1C, vAll},
		{"AirSync:Collection", 0, 0x0F, vAll},
		{"AirSync:Class", 0, 0x10, vAll},
		{"AirSync:SyncKey", 0, 0x0B, vAll},
		{"AirSync:CollectionId", 0, 0x12, vAll},
		{"AirSync:Status", 0, 0x0E, vAll},
		{"AirSync:Commands", 0, 0x16, vAll},
		{"AirSync:Add", 0, 0x07, vAll},
		{"AirSync:ServerId", 0, 0x0D, vAll},
		{"AirSync:ApplicationData", 0, 0x1D, vAll},
		{"AirSyncBase:Body", 17, 0x0A, v120Up},
		{"AirSyncBase:Type", 17, 0x06, v120Up},
		{"AirSyncBase:EstimatedDataSize", 17, 0x0C, v120Up},
		{"AirSyncBase:Truncated", 17, 0x0D, v120Up},
		{"Contacts:FileAs", 1, 0x1E, vAll},
		// Find, 16.1 only.
		{"Find:Find", 25, 0x05, V161},
		{"Find:SearchId", 25, 0x06, V161},
		{"Find:MailBoxSearchCriterion", 25, 0x08, V161},
		{"Find:DeepTraversal", 25, 0x0E, V161},
		{"Find:Response", 25, 0x11, V161},
		{"Find:GalSearchCriterion", 25, 0x19, V161},
		{"Find:MaxPictures", 25, 0x20, V161},
		{"Find:Picture", 25, 0x22, V161},
		// Versions and spellings worth pinning.
		{"Provision:AccountOnlyRemoteWipe", 14, 0x3B, V161},
		{"Provision:RequireStorageCardEncryption", 14, 0x10, v121Up},
		{"AirSync:Truncation", 0, 0x19, V25},
		{"Email:Att0id", 2, 0x09, V25},
		{"Email:ReplyTo", 2, 0x19, vAll},
		{"Email:Location", 2, 0x21, V25 | V120 | V121 | V140 | V141},
		{"Calendar:Timezone", 4, 0x05, vAll},
		{"GetItemEstimate:Class", 6, 0x09, V25 | V120 | V121},
		{"MeetingResponse:ProposedStartTime", 8, 0x10, V161},
		{"Tasks:DayOfMonth", 9, 0x15, vAll},
		{"Tasks:DayOfWeek", 9, 0x16, vAll},
		{"Settings:SMTPAddress", 18, 0x1F, v120Up},
		{"ComposeMail:Mime", 21, 0x10, v140Up},
		{"ComposeMail:Name", 21, 0x17, v160Up},
		{"ComposeMail:Email", 21, 0x18, v160Up},
		{"RightsManagement:Owner", 24, 0x12, v141Up},
	} {
		tag := LookupQualified(tc.qname)
		if tag == nil {
			t.Errorf("%s: not found", tc.qname)
			continue
		}
		if tag.Page != tc.page || tag.Token != tc.token || tag.Versions != tc.vers || tag.Legacy {
			t.Errorf("%s = %d/0x%02X %v legacy=%v, want %d/0x%02X %v", tc.qname,
				tag.Page, tag.Token, tag.Versions, tag.Legacy, tc.page, tc.token, tc.vers)
		}
	}
}

func TestTagAliases(t *testing.T) {
	for _, tc := range []struct{ alias, qname string }{
		{"Email:Reply-To", "Email:ReplyTo"},
		{"Email:Recurrence_Type", "Email:Type"},
		{"Calendar:TimeZone", "Calendar:Timezone"},
		{"Calendar:Attendee_Email", "Calendar:Email"},
		{"Provision:DeviceEncryptionEnabled", "Provision:RequireStorageCardEncryption"},
		{"ComposeMail:MIME", "ComposeMail:Mime"},
		{"ComposeMail:ForwardeeName", "ComposeMail:Name"},
		{"Settings:SmtpAddress", "Settings:SMTPAddress"},
	} {
		if got, want := LookupQualified(tc.alias), LookupQualified(tc.qname); got == nil || got != want {
			t.Errorf("LookupQualified(%q) = %v, want %s", tc.alias, got, tc.qname)
		}
	}
	// An alias must not name another tag on its page, or it would be
	// silently dropped by buildTables.
	for _, tag := range Tags() {
		if tag.Alias == "" {
			continue
		}
		for _, other := range Tags() {
			if other != tag && other.Page == tag.Page && (other.Name == tag.Alias || other.Alias == tag.Alias) {
				t.Errorf("%s: alias %q clashes with %s", tag, tag.Alias, other)
			}
		}
	}
}

func TestTagLegacy(t *testing.T) {
	for _, tc := range []struct {
		page, token byte
		name        string
	}{
		{0, 0x11, "Version"},
		{0, 0x1A, "RTFTruncation"},
		{3, 0x05, "Notify"},
		{3, 0x17, "DeviceFriendlyName"},
		{4, 0x10, "Compressed_RTF"},
		{13, 0x06, "AutdState"},
		{14, 0x12, "DocumentBrowseEnabled"},
	} {
		tag := LookupToken(tc.page, tc.token)
		if tag == nil || tag.Name != tc.name || !tag.Legacy {
			t.Errorf("LookupToken(%d, 0x%02X) = %v, want legacy %s", tc.page, tc.token, tag, tc.name)
		}
	}
}

// TestTagLibwbxmlData ties the recorded libwbxml probe to the table: every
// recorded name difference is the tag's alias and vice versa.
func TestTagLibwbxmlData(t *testing.T) {
	for q, name := range oracle.Names {
		tag := LookupQualified(q)
		if tag == nil || tag.String() != q || tag.Legacy {
			t.Errorf("oracle.Names: %s is not a current tag", q)
			continue
		}
		if tag.Alias != name {
			t.Errorf("%s: alias %q, libwbxml says %q", q, tag.Alias, name)
		}
		if _, missing := oracle.Missing[q]; missing {
			t.Errorf("%s: both renamed and missing", q)
		}
	}
	for _, tag := range Tags() {
		if tag.Alias != "" && oracle.Names[tag.String()] != tag.Alias {
			t.Errorf("%s: alias %q not in oracle.Names", tag, tag.Alias)
		}
		if oracle.Opaque[tag.String()] != tag.Opaque {
			t.Errorf("%s: Opaque = %v, libwbxml %v", tag, tag.Opaque, oracle.Opaque[tag.String()])
		}
	}
	for q := range oracle.Missing {
		if tag := LookupQualified(q); tag == nil || tag.String() != q || tag.Legacy {
			t.Errorf("oracle.Missing: %s is not a current tag", q)
		}
	}
	for ns := range oracle.Namespaces {
		if _, ok := PageOf(ns); !ok {
			t.Errorf("oracle.Namespaces: %s is not a page", ns)
		}
	}
}

func TestTagVersionString(t *testing.T) {
	for _, tc := range []struct {
		v    Version
		want string
	}{
		{0, "none"},
		{V25, "2.5"},
		{V161, "16.1"},
		{vAll, "2.5,12.0,12.1,14.0,14.1,16.0,16.1"},
		{v120Up, "12.0,12.1,14.0,14.1,16.0,16.1"},
		{v121Up, "12.1,14.0,14.1,16.0,16.1"},
		{v140Up, "14.0,14.1,16.0,16.1"},
		{v141Up, "14.1,16.0,16.1"},
		{v160Up, "16.0,16.1"},
		{V25 | V120 | V121, "2.5,12.0,12.1"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("Version(%#x).String() = %q, want %q", uint8(tc.v), got, tc.want)
		}
	}
}
