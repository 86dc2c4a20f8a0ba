package simulator_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// searchStore posts a Search and returns its Store, checking the
// top-level Status is 1.
func searchStore(t *testing.T, d *simtest.Device, st *eas.SearchStore) *eas.SearchStoreResult {
	t.Helper()
	var r eas.SearchResponse
	d.CallOK(eas.CommandSearch, &eas.SearchRequest{Store: st}, &r)
	if r.Status != 1 || r.Response == nil || r.Response.Store == nil {
		t.Fatalf("Search: %+v", r)
	}
	return r.Response.Store
}

func lkMailboxStore(and *eas.SearchQuery, o *eas.SearchOptions) *eas.SearchStore {
	return &eas.SearchStore{Name: eas.SearchStoreMailbox, Query: &eas.SearchQuery{And: and}, Options: o}
}

// lookupSubjects decodes the e-mail subjects of mailbox results.
func lookupSubjects(t *testing.T, res []eas.SearchResult) []string {
	t.Helper()
	var out []string
	for _, r := range res {
		if r.Properties == nil {
			continue
		}
		var e eas.Email
		if err := eas.DecodeItem(r.Properties, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Subject)
	}
	return out
}

func lookupExpectStatus(t *testing.T, what string, got int, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s: status %d, want %d", what, got, want)
	}
}

// lookupEmptyResult reports whether res is Exchange's "no results": one empty
// Result.
func lookupEmptyResult(res *eas.SearchStoreResult) bool {
	return len(res.Result) == 1 && res.Result[0].Properties == nil && res.Result[0].LongId == "" &&
		res.Range == "" && res.Total == nil
}

func TestSearchMailboxFreeText(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "SEARCH1", eas.Version161).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	pref := []eas.BodyPreference{{Type: 1, TruncationSize: 20}}
	res := searchStore(t, d, lkMailboxStore(&eas.SearchQuery{
		Class: []string{"Email"}, CollectionId: []string{inbox}, FreeText: []string{"QUARTERLY Report"},
	}, &eas.SearchOptions{BodyPreference: pref}))
	lookupExpectStatus(t, "store", res.Status, 1)
	if len(res.Result) != 1 {
		t.Fatalf("results: %+v", res.Result)
	}
	r := res.Result[0]
	if r.Class != "Email" || r.CollectionId != inbox || r.LongId == "" {
		t.Errorf("result: %+v", r)
	}
	if res.Range != "" || res.Total != nil {
		t.Errorf("Range %q Total %v without a requested Range", res.Range, res.Total)
	}
	var e eas.Email
	if err := eas.DecodeItem(r.Properties, &e); err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Quarterly report draft" || !strings.Contains(e.From, "bob@contoso.com") {
		t.Errorf("email: %+v", e)
	}
	if e.Body == nil || e.Body.Type != 1 || e.Body.Truncated == nil || !*e.Body.Truncated || len(e.Body.Data) > 20 {
		t.Errorf("body not rendered with the BodyPreference: %+v", e.Body)
	}
	// The LongId finds the item again.
	if it, ok := env.Mailbox("alice").Item(r.LongId); !ok || it.Prop(tEmailSubject) != e.Subject {
		t.Errorf("LongId %q does not resolve", r.LongId)
	}

	// Body text and the sender's address are searched too.
	res = searchStore(t, d, lkMailboxStore(&eas.SearchQuery{CollectionId: []string{inbox}, FreeText: []string{"rotterdam"}}, nil))
	if got := lookupSubjects(t, res.Result); len(got) != 1 || got[0] != "Re: Shipping schedule" {
		t.Errorf("body search: %v", got)
	}
	res = searchStore(t, d, lkMailboxStore(&eas.SearchQuery{FreeText: []string{"fabrikam.com"}}, &eas.SearchOptions{DeepTraversal: true}))
	if got := lookupSubjects(t, res.Result); len(got) != 1 || got[0] != "Re: Shipping schedule" {
		t.Errorf("address search of the whole mailbox: %v", got)
	}
	// Without a CollectionId Exchange searches the root, which holds no
	// items; only DeepTraversal reaches the folders.
	res = searchStore(t, d, lkMailboxStore(&eas.SearchQuery{FreeText: []string{"fabrikam.com"}}, nil))
	if !lookupEmptyResult(res) {
		t.Errorf("root without DeepTraversal: %+v", res)
	}
	// Nothing found: one empty Result.
	res = searchStore(t, d, lkMailboxStore(&eas.SearchQuery{FreeText: []string{"no such words anywhere"}}, nil))
	lookupExpectStatus(t, "no match", res.Status, 1)
	if !lookupEmptyResult(res) {
		t.Errorf("no match: %+v", res)
	}
}

func TestSearchMailboxRangeAndDates(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "SEARCH2", eas.Version141).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	all := &eas.SearchQuery{Class: []string{"Email"}, CollectionId: []string{inbox}, FreeText: []string{"alice@contoso.com"}}

	res := searchStore(t, d, lkMailboxStore(all, nil))
	want := []string{"Lunch on Thursday?", "Re: Shipping schedule", "Your mobile device and multi-factor authentication", "Quarterly report draft"}
	if got := lookupSubjects(t, res.Result); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("newest first: got %q", got)
	}

	res = searchStore(t, d, lkMailboxStore(all, &eas.SearchOptions{Range: "1-2"}))
	if got := lookupSubjects(t, res.Result); strings.Join(got, "|") != strings.Join(want[1:3], "|") {
		t.Errorf("range 1-2: %q", got)
	}
	if res.Range != "1-2" || res.Total == nil || *res.Total != 4 {
		t.Errorf("Range %q Total %v", res.Range, res.Total)
	}
	res = searchStore(t, d, lkMailboxStore(all, &eas.SearchOptions{Range: "2-50"}))
	if res.Range != "2-3" || len(res.Result) != 2 {
		t.Errorf("range 2-50: Range %q, %d results", res.Range, len(res.Result))
	}
	res = searchStore(t, d, lkMailboxStore(all, &eas.SearchOptions{Range: "10-19"}))
	lookupExpectStatus(t, "range past the results", res.Status, 1)
	if !lookupEmptyResult(res) {
		t.Errorf("range past the results: %+v", res)
	}
	res = searchStore(t, d, lkMailboxStore(all, &eas.SearchOptions{Range: "100-109"}))
	lookupExpectStatus(t, "range past the retrievable 100", res.Status, int(eas.SearchStatusEndOfRangeExceeded))

	since := eas.FormatDate(simtest.Start.Add(-6 * time.Hour))
	recent := &eas.SearchQuery{Class: []string{"Email"}, CollectionId: []string{inbox}, FreeText: []string{"contoso"},
		GreaterThan: &eas.SearchComparison{DateReceived: true, Value: since}}
	if got := lookupSubjects(t, searchStore(t, d, lkMailboxStore(recent, nil)).Result); strings.Join(got, "|") != strings.Join(want[:2], "|") {
		t.Errorf("GreaterThan: %q", got)
	}
	older := &eas.SearchQuery{Class: []string{"Email"}, CollectionId: []string{inbox}, FreeText: []string{"contoso"},
		LessThan: &eas.SearchComparison{DateReceived: true, Value: since}}
	if got := lookupSubjects(t, searchStore(t, d, lkMailboxStore(older, nil)).Result); strings.Join(got, "|") != strings.Join(want[2:], "|") {
		t.Errorf("LessThan: %q", got)
	}
	either := &eas.SearchQuery{Class: []string{"Email"}, CollectionId: []string{inbox},
		Or: &eas.SearchQuery{FreeText: []string{"lunch", "quarterly"}}}
	if got := lookupSubjects(t, searchStore(t, d, lkMailboxStore(either, nil)).Result); len(got) != 2 {
		t.Errorf("Or: %q", got)
	}
}

func TestSearchMailboxCap(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	mb := env.Mailbox("bob")
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	for i := range 120 {
		it := &simulator.Item{Class: "Email", Received: simtest.Start.Add(-time.Duration(i) * time.Minute), Props: []*wbxml.Node{
			wbxml.NewText(tEmailSubject, "bulk newsletter"),
		}}
		if _, err := mb.AddItem(inbox.ServerID, it); err != nil {
			t.Fatal(err)
		}
	}
	d := env.Device("bob", "SEARCH3", eas.Version141).Provision()
	d.FolderSync()
	q := &eas.SearchQuery{FreeText: []string{"newsletter"}}
	res := searchStore(t, d, lkMailboxStore(q, &eas.SearchOptions{Range: "90-99", DeepTraversal: true}))
	lookupExpectStatus(t, "range ending on the cap", res.Status, int(eas.SearchStatusEndOfRangeExceeded))
	if len(res.Result) != 10 || res.Total == nil || *res.Total != 100 {
		t.Errorf("%d results, Total %v", len(res.Result), res.Total)
	}
	res = searchStore(t, d, lkMailboxStore(q, &eas.SearchOptions{Range: "0-9", DeepTraversal: true}))
	lookupExpectStatus(t, "first page", res.Status, 1)
	if res.Total == nil || *res.Total != 100 {
		t.Errorf("Total %v, want the cap 100", res.Total)
	}
}

func TestSearchMailboxDeepTraversal(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	mb := env.Mailbox("alice")
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	sub := mb.AddFolderForTest(inbox.ServerID, "Projects", eas.FolderTypeUserMail)
	if _, err := mb.AddItem(sub.ServerID, &simulator.Item{Class: "Email", Received: simtest.Start, Props: []*wbxml.Node{
		wbxml.NewText(tEmailSubject, "Zeppelin project kickoff"),
	}}); err != nil {
		t.Fatal(err)
	}
	d := env.Device("alice", "SEARCH4", eas.Version141).Provision()
	d.FolderSync()
	q := &eas.SearchQuery{CollectionId: []string{inbox.ServerID}, FreeText: []string{"zeppelin"}}
	if res := searchStore(t, d, lkMailboxStore(q, nil)); !lookupEmptyResult(res) {
		t.Errorf("found in a subfolder without DeepTraversal: %+v", res)
	}
	res := searchStore(t, d, lkMailboxStore(q, &eas.SearchOptions{DeepTraversal: true}))
	if len(res.Result) != 1 || res.Result[0].CollectionId != sub.ServerID {
		t.Errorf("DeepTraversal: %+v", res.Result)
	}
	q.CollectionId = []string{"0"}
	if res := searchStore(t, d, lkMailboxStore(q, &eas.SearchOptions{DeepTraversal: true})); len(res.Result) != 1 {
		t.Errorf("root with DeepTraversal: %+v", res.Result)
	}
	// Other classes are searched when no Class is named.
	q = &eas.SearchQuery{FreeText: []string{"budget review"}}
	res = searchStore(t, d, lkMailboxStore(q, &eas.SearchOptions{DeepTraversal: true}))
	if len(res.Result) != 1 || res.Result[0].Class != "Calendar" {
		t.Errorf("calendar search: %+v", res.Result)
	}
}

func TestSearchMailboxBadRequests(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "SEARCH5", eas.Version141).Provision()

	// Before FolderSync the folder ids cannot be mapped.
	ft := &eas.SearchQuery{FreeText: []string{"lunch"}}
	lookupExpectStatus(t, "no FolderSync", searchStore(t, d, lkMailboxStore(ft, nil)).Status, int(eas.SearchStatusFolderSyncRequired))
	inbox := d.FolderSync()["Inbox"].ServerId

	cases := []struct {
		name string
		st   *eas.SearchStore
		want eas.SearchStatus
	}{
		{"query without And", &eas.SearchStore{Name: "Mailbox", Query: &eas.SearchQuery{FreeText: []string{"x"}}}, eas.SearchStatusQueryTooComplex},
		{"And and more", &eas.SearchStore{Name: "Mailbox", Query: &eas.SearchQuery{And: ft, FreeText: []string{"x"}}}, eas.SearchStatusQueryTooComplex},
		{"no query", &eas.SearchStore{Name: "Mailbox"}, eas.SearchStatusInvalidRequest},
		{"no condition", lkMailboxStore(&eas.SearchQuery{Class: []string{"Email"}, CollectionId: []string{inbox}}, nil), eas.SearchStatusInvalidRequest},
		{"unknown class", lkMailboxStore(&eas.SearchQuery{Class: []string{"Fax"}, FreeText: []string{"x"}}, nil), eas.SearchStatusInvalidRequest},
		{"nested And", lkMailboxStore(&eas.SearchQuery{And: ft}, nil), eas.SearchStatusInvalidRequest},
		{"EqualTo", lkMailboxStore(&eas.SearchQuery{FreeText: []string{"x"}, EqualTo: &eas.SearchComparison{LinkId: true, Value: "x"}}, nil), eas.SearchStatusInvalidRequest},
		{"compare another property", lkMailboxStore(&eas.SearchQuery{GreaterThan: &eas.SearchComparison{LinkId: true, Value: "2026-01-01T00:00:00.000Z"}}, nil), eas.SearchStatusQueryTooComplex},
		{"bad date", lkMailboxStore(&eas.SearchQuery{LessThan: &eas.SearchComparison{DateReceived: true, Value: "yesterday"}}, nil), eas.SearchStatusInvalidRequest},
		{"range backwards", lkMailboxStore(ft, &eas.SearchOptions{Range: "5-1"}), eas.SearchStatusInvalidRequest},
		{"range malformed", lkMailboxStore(ft, &eas.SearchOptions{Range: "first ten"}), eas.SearchStatusInvalidRequest},
		{"credentials", lkMailboxStore(ft, &eas.SearchOptions{UserName: "alice", Password: "x"}), eas.SearchStatusInvalidRequest},
		{"unknown folder", lkMailboxStore(&eas.SearchQuery{CollectionId: []string{"999"}, FreeText: []string{"x"}}, nil), eas.SearchStatusFolderSyncRequired},
		{"body parts without a conversation", lkMailboxStore(ft, &eas.SearchOptions{BodyPartPreference: []eas.BodyPartPreference{{Type: 2}}}), eas.SearchStatusQueryTooComplex},
		{"unknown store", &eas.SearchStore{Name: "Archive", Query: &eas.SearchQuery{Text: "x"}}, eas.SearchStatusInvalidRequest},
	}
	for _, tc := range cases {
		res := searchStore(t, d, tc.st)
		lookupExpectStatus(t, tc.name, res.Status, int(tc.want))
		if len(res.Result) != 0 {
			t.Errorf("%s: results with an error status", tc.name)
		}
	}
	// An empty FreeText builds no filter in Exchange: no results, no error.
	emptyFT := &eas.SearchQuery{Extra: []*wbxml.Node{wbxml.NewElement(mustTag("Search:FreeText"))}}
	res := searchStore(t, d, lkMailboxStore(emptyFT, nil))
	if res.Status != 1 || !lookupEmptyResult(res) {
		t.Errorf("empty FreeText: %+v", res)
	}
	// The store name is case-insensitive.
	res = searchStore(t, d, &eas.SearchStore{Name: "MAILBOX", Query: &eas.SearchQuery{And: ft}, Options: &eas.SearchOptions{DeepTraversal: true}})
	if got := lookupSubjects(t, res.Result); len(got) != 1 {
		t.Errorf("MAILBOX: %v", got)
	}
}

func TestSearchMailbox121(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "SEARCH6", eas.Version121).Provision()
	// No FolderSync: a 12.1 device may know the folders from GetHierarchy.
	res := searchStore(t, d, lkMailboxStore(&eas.SearchQuery{Class: []string{"Email"}, FreeText: []string{"lunch"}}, &eas.SearchOptions{DeepTraversal: true}))
	if got := lookupSubjects(t, res.Result); len(got) != 1 || got[0] != "Lunch on Thursday?" {
		t.Errorf("12.1 search: %v (status %d)", got, res.Status)
	}
	// Notes is a 14.0 class.
	res = searchStore(t, d, lkMailboxStore(&eas.SearchQuery{Class: []string{"Notes"}, FreeText: []string{"x"}}, nil))
	lookupExpectStatus(t, "Notes in 12.1", res.Status, int(eas.SearchStatusInvalidRequest))
}

// lookupGALEntries decodes GAL results.
func lookupGALEntries(t *testing.T, res []eas.SearchResult) []eas.GALProperties {
	t.Helper()
	var out []eas.GALProperties
	for _, r := range res {
		if r.Properties == nil {
			continue
		}
		var g eas.GALProperties
		if err := eas.DecodeItem(r.Properties, &g); err != nil {
			t.Fatal(err)
		}
		out = append(out, g)
	}
	return out
}

func TestSearchGAL(t *testing.T) {
	env := simtest.New(t, simulator.Options{Directory: simtest.DemoDirectory(t, 5)})
	d := env.Device("bob", "GAL1", eas.Version161).Provision()
	gal := func(q string, o *eas.SearchOptions) *eas.SearchStoreResult {
		t.Helper()
		return searchStore(t, d, &eas.SearchStore{Name: "GAL", Query: &eas.SearchQuery{Text: q}, Options: o})
	}
	res := gal("Alice", nil)
	g := lookupGALEntries(t, res.Result)
	if res.Status != 1 || len(g) != 1 {
		t.Fatalf("Alice: %+v", res)
	}
	want := eas.GALProperties{DisplayName: "Alice Wilber", Company: "Contoso", Alias: "alice", FirstName: "Alice", LastName: "Wilber", EmailAddress: "alice@contoso.com"}
	g[0].Extra = nil
	if g[0].DisplayName != want.DisplayName || g[0].Company != want.Company || g[0].Alias != want.Alias ||
		g[0].FirstName != want.FirstName || g[0].LastName != want.LastName || g[0].EmailAddress != want.EmailAddress || g[0].Picture != nil {
		t.Errorf("Alice: %+v", g[0])
	}
	for _, q := range []string{"wilb", "KELLY", "bob@contoso", "Kelly, Bob", "admin"} {
		if n := len(lookupGALEntries(t, gal(q, nil).Result)); n != 1 {
			t.Errorf("%q found %d", q, n)
		}
	}
	// Shorter than MinGALSearchLength: nothing, not an error.
	res = gal("ali", nil)
	if res.Status != 1 || !lookupEmptyResult(res) {
		t.Errorf("short query: %+v", res)
	}
	// ANR is a prefix match, not a substring one.
	if res := gal("ilber", nil); !lookupEmptyResult(res) {
		t.Errorf("substring matched: %+v", res)
	}

	res = gal("user0", nil)
	if g := lookupGALEntries(t, res.Result); len(g) != 5 || res.Range != "" || res.Total != nil {
		t.Fatalf("user0: %d entries, Range %q", len(g), res.Range)
	}
	res = gal("user0", &eas.SearchOptions{Range: "1-2"})
	g = lookupGALEntries(t, res.Result)
	if len(g) != 2 || g[0].Alias != "user00002" || res.Range != "1-2" || res.Total == nil || *res.Total != 5 {
		t.Errorf("range: %+v Range %q Total %v", g, res.Range, res.Total)
	}
	res = gal("user0", &eas.SearchOptions{Range: "7-9"})
	if !lookupEmptyResult(res) {
		t.Errorf("range past the end: %+v", res)
	}

	res = gal("Bob Kelly", &eas.SearchOptions{Picture: &eas.PictureOptions{MaxSize: 1000}})
	g = lookupGALEntries(t, res.Result)
	if len(g) != 1 || g[0].Picture == nil || g[0].Picture.Status != int(eas.StatusNoPicture) || g[0].Picture.Data != nil {
		t.Errorf("picture: %+v", g)
	}

	for name, st := range map[string]*eas.SearchStore{
		"empty query":   {Name: "GAL", Query: &eas.SearchQuery{}},
		"long query":    {Name: "GAL", Query: &eas.SearchQuery{Text: strings.Repeat("a", 257)}},
		"no query":      {Name: "GAL"},
		"query element": {Name: "GAL", Query: &eas.SearchQuery{FreeText: []string{"alice"}}},
		"range":         {Name: "GAL", Query: &eas.SearchQuery{Text: "alice"}, Options: &eas.SearchOptions{Range: "3-1"}},
	} {
		lookupExpectStatus(t, name, searchStore(t, d, st).Status, int(eas.SearchStatusInvalidRequest))
	}
}

func TestSearchDocumentLibrary(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "DOCLIB1", eas.Version141).Provision()
	doc := func(link string, o *eas.SearchOptions) *eas.SearchStore {
		return &eas.SearchStore{Name: "DocumentLibrary", Query: &eas.SearchQuery{EqualTo: &eas.SearchComparison{LinkId: true, Value: link}}, Options: o}
	}
	cases := []struct {
		name string
		st   *eas.SearchStore
		want eas.SearchStatus
	}{
		{"UNC share", doc(`\\fileserver\share\plans.docx`, nil), eas.SearchStatusAccessBlocked},
		{"SharePoint", doc("https://sharepoint.contoso.com/sites/hr/Shared%20Documents", &eas.SearchOptions{Range: "0-9"}), eas.SearchStatusAccessBlocked},
		{"file URI", doc("file://fileserver/share", nil), eas.SearchStatusAccessBlocked},
		{"untrusted scheme", doc("ftp://files.contoso.com/x", nil), eas.SearchStatusAccessBlocked},
		{"not a link", doc("plans.docx", nil), eas.SearchStatusBadLink},
		{"UNC without host", doc(`\\`, nil), eas.SearchStatusBadLink},
		{"own credentials", doc(`\\fileserver\share`, &eas.SearchOptions{UserName: `CONTOSO\alice`, Password: demo.Password}), eas.SearchStatusAccessBlocked},
		{"wrong credentials", doc(`\\fileserver\share`, &eas.SearchOptions{UserName: `CONTOSO\alice`, Password: "nope"}), eas.SearchStatusAccessBlocked}, // never checked: no password oracle,
		{"user name alone", doc(`\\fileserver\share`, &eas.SearchOptions{UserName: "alice"}), eas.SearchStatusInvalidRequest},
		{"mailbox option", doc(`\\fileserver\share`, &eas.SearchOptions{DeepTraversal: true}), eas.SearchStatusInvalidRequest},
		{"range backwards", doc(`\\fileserver\share`, &eas.SearchOptions{Range: "9-0"}), eas.SearchStatusInvalidRequest},
		{"no EqualTo", &eas.SearchStore{Name: "DocumentLibrary", Query: &eas.SearchQuery{Text: `\\fileserver\share`}}, eas.SearchStatusInvalidRequest},
	}
	for _, tc := range cases {
		res := searchStore(t, d, tc.st)
		lookupExpectStatus(t, tc.name, res.Status, int(tc.want))
		if len(res.Result) != 0 {
			t.Errorf("%s: results", tc.name)
		}
	}
}

// TestSearchGALSetUser: the attributes Set-User writes show in GAL
// results (MSASCMD_S14_TC14, whose deployment sets them on User01), the
// first and last name take over from the display name's words for the
// result and for ambiguous name resolution, $null clears one, and a value
// longer than the attribute takes is refused with nothing saved.
func TestSearchGALSetUser(t *testing.T) {
	env := simtest.New(t, simulator.Options{Directory: simtest.DemoDirectory(t, 1)})
	d := env.Device("bob", "GAL2", eas.Version161).Provision()
	env.Cmdlet("Set-User", map[string]any{"Identity": "alice", "FirstName": "Alicia", "LastName": "Smith", "Office": "D1042",
		"Title": "Manager", "Company": "MS", "Phone": "55555501", "HomePhone": "22222286", "MobilePhone": "8612345678910"})
	gal := func(q string) []eas.GALProperties {
		t.Helper()
		return lookupGALEntries(t, searchStore(t, d, &eas.SearchStore{Name: "GAL", Query: &eas.SearchQuery{Text: q}}).Result)
	}
	g := gal("Smith")
	if len(g) != 1 {
		t.Fatalf("Smith found %d entries", len(g))
	}
	got := g[0]
	got.Extra = nil
	want := eas.GALProperties{DisplayName: "Alice Wilber", Phone: "55555501", Office: "D1042", Title: "Manager", Company: "MS", Alias: "alice",
		FirstName: "Alicia", LastName: "Smith", HomePhone: "22222286", MobilePhone: "8612345678910", EmailAddress: "alice@contoso.com"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after Set-User: %+v, want %+v", got, want)
	}
	env.Cmdlet("Set-User", map[string]any{"Identity": "alice", "Company": nil, "Title": nil})
	if g := gal("Smith"); len(g) != 1 || g[0].Company != "Contoso" || g[0].Title != "" || g[0].Office != "D1042" {
		t.Errorf("after clearing Company and Title: %+v", g)
	}
	env.CmdletFails("Set-User", map[string]any{"Identity": "alice", "Office": "x", "FirstName": strings.Repeat("a", 65)}, http.StatusBadRequest, "InvalidData")
	if g := gal("Smith"); len(g) != 1 || g[0].FirstName != "Alicia" {
		t.Errorf("a refused Set-User changed the user: %+v", g)
	}
}
