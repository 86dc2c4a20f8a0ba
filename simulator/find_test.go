package simulator_test

import (
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

func find(t *testing.T, d *simtest.Device, es *eas.FindExecuteSearch) *eas.FindResponse {
	t.Helper()
	var r eas.FindResponse
	d.CallOK(eas.CommandFind, &eas.FindRequest{SearchId: "6E9B6AF6-8A35-4D2E-9B2A-3D4C1B2A0F01", ExecuteSearch: es}, &r)
	return &r
}

func lkMailboxFind(q *eas.FindQuery, o *eas.FindOptions) *eas.FindExecuteSearch {
	return &eas.FindExecuteSearch{MailBoxSearchCriterion: &eas.FindCriterion{Query: q, Options: o}}
}

func lkFindSubjects(t *testing.T, res []eas.FindResult) []string {
	t.Helper()
	var out []string
	for _, r := range res {
		var p eas.FindProperties
		if err := eas.DecodeItem(r.Properties, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Subject)
	}
	return out
}

func TestFindMailbox(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "FIND1", eas.Version161).Provision()
	folders := d.FolderSync()
	inbox := folders["Inbox"].ServerId

	r := find(t, d, lkMailboxFind(&eas.FindQuery{Class: "Email", CollectionId: inbox, FreeText: "shipping"}, &eas.FindOptions{Range: "0-9"}))
	if r.Status != 1 || r.Response == nil || r.Response.Status != 1 || r.Response.Store != "Mailbox" {
		t.Fatalf("Find: %+v", r)
	}
	if len(r.Response.Result) != 1 || r.Response.Range != "0-0" || r.Response.Total == nil || *r.Response.Total != 1 {
		t.Fatalf("results: %+v", r.Response)
	}
	res := r.Response.Result[0]
	if res.Class != "Email" || res.CollectionId != inbox || res.ServerId == "" {
		t.Errorf("result: %+v", res)
	}
	var p eas.FindProperties
	if err := eas.DecodeItem(res.Properties, &p); err != nil {
		t.Fatal(err)
	}
	if p.Subject != "Re: Shipping schedule" || !strings.Contains(p.From, "katie@fabrikam.com") ||
		p.DisplayTo != "Alice Wilber" || p.DateReceived == "" || !strings.HasPrefix(p.Preview, "The pallets leave Rotterdam") {
		t.Errorf("properties: %+v", p)
	}
	if p.Importance == nil || *p.Importance != 1 || p.Read == nil || *p.Read || p.IsDraft == nil || *p.IsDraft ||
		p.HasAttachments == nil || *p.HasAttachments || p.DisplayCc == nil || *p.DisplayCc != "" {
		t.Errorf("flags: %+v", p)
	}
	if it, ok := env.Mailbox("alice").Item(res.ServerId); !ok || it.Prop(tEmailSubject) != p.Subject {
		t.Errorf("ServerId %q does not name the item", res.ServerId)
	}

	// KQL: property restrictions, phrases, OR, implied AND.
	for q, want := range map[string]string{
		`from:bob`:                        "Quarterly report draft",
		`subject:"report draft"`:          "Quarterly report draft",
		`lunch OR rotterdam`:              "Lunch on Thursday?|Re: Shipping schedule",
		`authenticator AND subject:phone`: "",
		`body:authenticator`:              "Your mobile device and multi-factor authentication",
	} {
		r := find(t, d, lkMailboxFind(&eas.FindQuery{Class: "Email", FreeText: q}, &eas.FindOptions{DeepTraversal: true}))
		if got := strings.Join(lkFindSubjects(t, r.Response.Result), "|"); got != want {
			t.Errorf("%s: got %q, want %q", q, got, want)
		}
	}
	// Range beyond the first page.
	r = find(t, d, lkMailboxFind(&eas.FindQuery{Class: "Email", FreeText: "contoso"}, &eas.FindOptions{Range: "0-1", DeepTraversal: true}))
	if len(r.Response.Result) != 2 || r.Response.Range != "0-1" || *r.Response.Total != 4 {
		t.Errorf("range 0-1: %d results, Range %q, Total %v", len(r.Response.Result), r.Response.Range, *r.Response.Total)
	}
	// Nothing found.
	r = find(t, d, lkMailboxFind(&eas.FindQuery{Class: "Email", FreeText: "xylophone"}, nil))
	if r.Response.Status != 1 || len(r.Response.Result) != 0 || r.Response.Total == nil || *r.Response.Total != 0 {
		t.Errorf("no match: %+v", r.Response)
	}
}

func TestFindBadRequests(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "FIND2", eas.Version161).Provision()
	q := &eas.FindQuery{Class: "Email", FreeText: "lunch"}
	if r := find(t, d, lkMailboxFind(q, nil)); r.Status != int(eas.FindStatusFolderSyncRequired) || r.Response != nil {
		t.Errorf("before FolderSync: %+v", r)
	}
	d.FolderSync()
	cases := []struct {
		name string
		es   *eas.FindExecuteSearch
		want eas.FindStatus
	}{
		{"range not from 0", lkMailboxFind(q, &eas.FindOptions{Range: "5-9"}), eas.FindStatusInvalidRange},
		{"range malformed", lkMailboxFind(q, &eas.FindOptions{Range: "0-x"}), eas.FindStatusInvalidRequest},
		{"no query", lkMailboxFind(nil, nil), eas.FindStatusInvalidRequest},
		{"no free text", lkMailboxFind(&eas.FindQuery{Class: "Email"}, nil), eas.FindStatusInvalidRequest},
		{"class", lkMailboxFind(&eas.FindQuery{Class: "Calendar", FreeText: "x"}, nil), eas.FindStatusInvalidRequest},
		{"GAL range", &eas.FindExecuteSearch{GalSearchCriterion: &eas.FindCriterion{Query: &eas.FindQuery{Text: "alice"}, Options: &eas.FindOptions{Range: "1-5"}}}, eas.FindStatusInvalidRange},
		{"GAL empty", &eas.FindExecuteSearch{GalSearchCriterion: &eas.FindCriterion{Query: &eas.FindQuery{}}}, eas.FindStatusInvalidRequest},
	}
	// An unknown folder is Find/Status 3, with no Response.
	if r := find(t, d, lkMailboxFind(&eas.FindQuery{Class: "Email", CollectionId: "4711", FreeText: "x"}, nil)); r.Status != int(eas.FindStatusFolderSyncRequired) || r.Response != nil {
		t.Errorf("unknown folder: %+v", r)
	}
	for _, tc := range cases {
		r := find(t, d, tc.es)
		if r.Status != 1 || r.Response == nil {
			t.Errorf("%s: %+v", tc.name, r)
			continue
		}
		lookupExpectStatus(t, tc.name, r.Response.Status, int(tc.want))
		if len(r.Response.Result) != 0 {
			t.Errorf("%s: results", tc.name)
		}
	}
	// Request-level errors: no Response at all.
	for name, es := range map[string]*eas.FindExecuteSearch{
		"no criterion": {},
		"both criteria": {MailBoxSearchCriterion: &eas.FindCriterion{Query: q},
			GalSearchCriterion: &eas.FindCriterion{Query: &eas.FindQuery{Text: "alice"}}},
		"unknown child": {MailBoxSearchCriterion: &eas.FindCriterion{Query: q},
			Extra: []*wbxml.Node{wbxml.NewText(mustTag("Find:SearchId"), "x")}},
	} {
		r := find(t, d, es)
		if r.Status != int(eas.FindStatusInvalidRequest) || r.Response != nil {
			t.Errorf("%s: %+v", name, r)
		}
	}
	var r eas.FindResponse
	d.CallOK(eas.CommandFind, &eas.FindRequest{ExecuteSearch: lkMailboxFind(q, nil)}, &r)
	if r.Status != int(eas.FindStatusInvalidRequest) {
		t.Errorf("no SearchId: %+v", r)
	}
}

func TestFindGAL(t *testing.T) {
	env := simtest.New(t, simulator.Options{Directory: simtest.DemoDirectory(t, 3)})
	d := env.Device("alice", "FIND3", eas.Version161).Provision()
	gal := func(text, rng string, pic bool) *eas.FindResponseBody {
		t.Helper()
		o := &eas.FindOptions{Range: rng}
		if pic {
			o.Picture = &eas.PictureOptions{MaxPictures: 2}
		}
		r := find(t, d, &eas.FindExecuteSearch{GalSearchCriterion: &eas.FindCriterion{Query: &eas.FindQuery{Text: text}, Options: o}})
		if r.Status != 1 || r.Response == nil {
			t.Fatalf("Find GAL: %+v", r)
		}
		return r.Response
	}
	b := gal("Bob Kelly", "", true)
	if b.Status != 1 || b.Store != "GAL" || len(b.Result) != 1 || *b.Total != 1 || b.Range != "0-0" {
		t.Fatalf("Bob Kelly: %+v", b)
	}
	var g eas.GALProperties
	if err := eas.DecodeItem(b.Result[0].Properties, &g); err != nil {
		t.Fatal(err)
	}
	if g.EmailAddress != "bob@contoso.com" || g.Alias != "bob" || g.Picture == nil || g.Picture.Status != int(eas.StatusNoPicture) {
		t.Errorf("Bob: %+v", g)
	}
	b = gal("user0", "0-1", false)
	if len(b.Result) != 2 || *b.Total != 3 || b.Range != "0-1" {
		t.Errorf("user0 0-1: %d results, Total %d, Range %q", len(b.Result), *b.Total, b.Range)
	}
	if b = gal("usr", "", false); len(b.Result) != 0 || *b.Total != 0 {
		t.Errorf("short query: %+v", b)
	}
}
