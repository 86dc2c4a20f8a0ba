package conformance

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/simtest"
)

// MS-ASNOTE: the Notes class (Interop-TestSuites
// ExchangeActiveSync/Source/MS-ASNOTE). Its suite runs from 14.0: its
// TestInitialize leaves 12.1 out, which has no Notes class.

const specNOTE = "MS-ASNOTE"

// noteUser is the suite's user.
const noteUser = "MSASNOTE_User01"

// noteSuite is a running MS-ASNOTE test: its client and the Notes folder.
type noteSuite struct {
	*noteClient
	notes string
}

// noteLab deploys the suite's user and learns its Notes folder, as
// TestInitialize does.
func noteLab(s *site) *noteSuite {
	s.t.Helper()
	c := newNoteClient(s, noteUser)
	return &noteSuite{noteClient: c, notes: c.folder(eas.FolderTypeNotes)}
}

// noteElements is the suite's CreateNoteElements: a new subject, a plain
// text body, one category and the message class of a note.
func (n *noteSuite) noteElements() *eas.Note {
	return &eas.Note{
		Subject:      n.name("subject"),
		Body:         &eas.Body{Type: 1, Data: "Content of the body."},
		Categories:   &eas.Categories{Category: []string{"blue category"}},
		MessageClass: "IPM.StickyNote",
	}
}

// noteCommandOptions are the Options the suite's Sync with commands sends:
// an HTML BodyPreference.
func noteCommandOptions() []eas.SyncOptions {
	return noteSyncOptions(eas.BodyPreference{Type: 2})
}

// syncAdd is the suite's SyncAdd: an initial Sync, then the Add of count
// notes like note (with subjects of their own when more than one), which
// must all succeed. It returns the answer and the subjects.
func (n *noteSuite) syncAdd(note *eas.Note, count int) (*eas.SyncResponse, []string) {
	n.s.t.Helper()
	key := n.initialKey(n.notes, nil)
	var cmds []eas.SyncCommand
	var subjects []string
	for i := 0; i < count; i++ {
		item := *note
		if count > 1 {
			item.Subject = n.name("subject")
		}
		subjects = append(subjects, item.Subject)
		cmds = append(cmds, n.add(&item))
	}
	r := n.commands(n.notes, key, noteCommandOptions(), cmds...)
	col := n.collection(r)
	if col.Status != 1 || len(col.Responses) != count {
		n.s.t.Fatalf("adding %d notes: the collection has Status %d and %d responses", count, col.Status, len(col.Responses))
	}
	for _, x := range col.Responses {
		if x.Status != 1 {
			n.s.t.Fatalf("adding a note: the Add has Status %d, want 1", x.Status)
		}
	}
	return r, subjects
}

// noteItem is a note a Sync answer carries: its ServerId and properties.
type noteItem struct {
	serverID string
	note     eas.Note
}

// syncChanges is the suite's SyncChanges(bodyType): an initial Sync of the
// Notes folder and one that asks for its items with body type bodyType;
// it returns the notes among them whose subjects are in subjects, which
// must all be there, and the answer's SyncKey.
func (n *noteSuite) syncChanges(bodyType int, subjects ...string) ([]noteItem, string) {
	n.s.t.Helper()
	key := n.initialKey(n.notes, nil)
	r := n.changes(n.notes, key, eas.BodyPreference{Type: bodyType})
	col := n.collection(r)
	if col.Status != 1 {
		n.s.t.Fatalf("syncing the notes: Status %d", col.Status)
	}
	var out []noteItem
	for _, sub := range subjects {
		found := false
		for _, a := range noteCommands(r, eas.SyncAdd) {
			var note eas.Note
			n.decode(a.ApplicationData, &note)
			n.verifyNote(&note, false)
			if note.Subject == sub {
				out = append(out, noteItem{a.ServerId, note})
				found = true
			}
		}
		if !found {
			n.s.t.Fatalf("the note %q is not in the Notes folder", sub)
		}
	}
	return out, col.SyncKey
}

// changed is the note whose subject is subject among the Changes of a Sync
// from key (body type 1), or nil, and the answer's SyncKey.
func (n *noteSuite) changed(key, subject string) (*eas.Note, string) {
	n.s.t.Helper()
	r := n.changes(n.notes, key, eas.BodyPreference{Type: 1})
	col := n.collection(r)
	if col.Status != 1 {
		n.s.t.Fatalf("syncing the changes: Status %d", col.Status)
	}
	for _, c := range noteCommands(r, eas.SyncChange) {
		var note eas.Note
		n.decode(c.ApplicationData, &note)
		n.verifyNote(&note, false)
		if note.Subject == subject {
			return &note, col.SyncKey
		}
	}
	return nil, col.SyncKey
}

// verifyNote is what the suite's adapter checks of every note a Sync,
// Search or ItemOperations answer carries (CaptureCode VerifyNote): a body
// of type 1, 2 or 3, and, unless a Schema restricted the properties, a
// note's MessageClass and a LastModifiedDate.
func (n *noteSuite) verifyNote(note *eas.Note, restricted bool) {
	n.s.t.Helper()
	s := n.s
	if note.Body != nil {
		s.capture(37, note.Body.Type >= 1 && note.Body.Type <= 3, "a note's body has Type %d", note.Body.Type)
	}
	if restricted {
		return
	}
	s.capture(54, note.MessageClass != "", "a note has no MessageClass")
	mc := note.MessageClass
	s.capture(57, mc == "IPM.StickyNote" || strings.HasPrefix(mc, "IPM.StickyNote."), "a note's MessageClass is %q", mc)
	s.capture(125, note.LastModifiedDate != "", "a note has no LastModifiedDate")
	if note.LastModifiedDate != "" {
		// The date's form is MS-ASDTYPE's compact date_string.
		dtype := &site{t: s.t, spec: "MS-ASDTYPE", version: s.version}
		ok := noteCompactDate.MatchString(note.LastModifiedDate)
		dtype.capture(12213, ok, "a note's LastModifiedDate is %q", note.LastModifiedDate)
		dtype.capture(12211, ok, "a note's LastModifiedDate is %q", note.LastModifiedDate)
	}
}

// noteCompactDate is MS-ASDTYPE's compact date_string
// (yyyymmddThhmmssZ).
var noteCompactDate = regexp.MustCompile(`^\d{4}(0\d|1[0-2])([0-2]\d|3[01])T([01]\d|2[0-3])[0-5]\d[0-5]\dZ$`)

// syncChange sends a Change of serverID from key and requires Status 1.
func (n *noteSuite) syncChange(key, serverID string, note *eas.Note) *eas.SyncResponse {
	n.s.t.Helper()
	r := n.commands(n.notes, key, noteCommandOptions(), n.change(serverID, note))
	if col := n.collection(r); col.Status != 1 {
		n.s.t.Fatalf("changing the note: Status %d", col.Status)
	}
	return r
}

// MSASNOTE_S01_TC01: a note added with Sync comes back with its
// category, body, subject and last modification date.
func TestMSASNOTE_S01_TC01_Sync_AddNote(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		note := n.noteElements()
		n.syncAdd(note, 1)
		got, _ := n.syncChanges(1, note.Subject)
		g := got[0].note
		if g.Categories == nil || len(g.Categories.Category) != 1 {
			s.capture(211, false, "the note's Categories are %v, want one", g.Categories)
		} else {
			s.equal(211, "the note's Category", note.Categories.Category[0], g.Categories.Category[0])
		}
		s.capture(123, g.Body != nil && g.Body.Data != "", "the note's Body is %+v, want one with Data", g.Body)
		s.equal(58, "the note's Subject", note.Subject, g.Subject)
		s.capture(51, g.LastModifiedDate != "", "the note has no LastModifiedDate")
	})
}

// MSASNOTE_S01_TC02: a Change without a Body keeps the note's body.
func TestMSASNOTE_S01_TC02_Sync_ChangeNote_WithoutBodyInRequest(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		note := n.noteElements()
		note.Categories = &eas.Categories{}
		added, _ := n.syncAdd(note, 1)
		col := cmdCollection(added)
		serverID := col.Responses[0].ServerId

		// The change: a new subject and message class, the other
		// properties the note was added with, but no body.
		change := &eas.Note{Subject: n.name("subject"), MessageClass: "IPM.StickyNote.MSASNOTE", Categories: note.Categories}
		n.syncChange(col.SyncKey, serverID, change)

		g, _ := n.changed(col.SyncKey, change.Subject)
		if g == nil {
			s.t.Fatalf("the changed note %q is not among the changes", change.Subject)
		}
		s.capture(113, g.Body != nil, "the note changed without a Body has no Body")
		if g.MessageClass != change.MessageClass {
			s.t.Errorf("the changed note's MessageClass is %q, want %q", g.MessageClass, change.MessageClass)
		}
	})
}

// noteDateForm is the form of the LastModifiedDate the suite sends
// (yyyyMMddTHHmmssZ).
const noteDateForm = "20060102T150405Z"

// MSASNOTE_S01_TC03: the server ignores the LastModifiedDate a client
// sends and returns when the note was really changed.
func TestMSASNOTE_S01_TC03_Sync_LastModifiedDateIgnored(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		note := n.noteElements()
		// The client's clock, a second before the Add is sent (the
		// original sleeps a second between the two).
		sent := simtest.Start.Add(-time.Second).Format(noteDateForm)
		note.LastModifiedDate = sent
		added, _ := n.syncAdd(note, 1)
		serverID := cmdCollection(added).Responses[0].ServerId

		got, key := n.syncChanges(1, note.Subject)
		g := got[0].note
		s.capture(84, noteDate(g.LastModifiedDate) != sent, "the note's LastModifiedDate is %q, the value the client sent", g.LastModifiedDate)
		s.capture(209, g.LastModifiedDate != "" && noteDate(g.LastModifiedDate) != sent, "the note's LastModifiedDate is %q (sent %q)", g.LastModifiedDate, sent)
		complete := g.Body != nil && g.Subject != "" && g.MessageClass != "" && g.LastModifiedDate != "" && g.Categories != nil && len(g.Categories.Category) > 0
		s.capture(126, complete, "the added note has Body %v, Subject %q, MessageClass %q, LastModifiedDate %q, Categories %v", g.Body != nil, g.Subject, g.MessageClass, g.LastModifiedDate, g.Categories)

		// A Change of the LastModifiedDate alone, which the server
		// ignores.
		n.syncChange(key, serverID, &eas.Note{LastModifiedDate: simtest.Start.Format(noteDateForm)})

		// A Change of the LastModifiedDate and the subject, with the
		// properties the note was added with.
		change := *note
		change.Subject = n.name("subject")
		change.LastModifiedDate = simtest.Start.Format(noteDateForm)
		n.syncChange(key, serverID, &change)
		c, _ := n.changed(key, change.Subject)
		if c == nil {
			s.capture(210, false, "the note changed again from the same SyncKey is not among the changes")
			return
		}
		complete = c.Body != nil && c.Subject != "" && c.MessageClass != "" && c.LastModifiedDate != "" && c.Categories != nil && len(c.Categories.Category) > 0
		s.capture(210, complete, "the changed note has Body %v, Subject %q, MessageClass %q, LastModifiedDate %q, Categories %v", c.Body != nil, c.Subject, c.MessageClass, c.LastModifiedDate, c.Categories)
	})
}

// noteDate is a LastModifiedDate in the form the suite compares
// (yyyyMMddTHHmmssZ), or the text itself when it is not a date.
func noteDate(v string) string {
	for _, form := range []string{noteDateForm, "2006-01-02T15:04:05.000Z", time.RFC3339} {
		if t, err := time.Parse(form, v); err == nil {
			return t.UTC().Format(noteDateForm)
		}
	}
	return v
}

// MSASNOTE_S01_TC04: Supported in a Sync of the Notes folder is an error.
func TestMSASNOTE_S01_TC04_Sync_SupportedError(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		r := n.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{
			{SyncKey: "0", CollectionId: n.notes, Supported: eas.TagList{}},
		}}})
		s.equal(114, "the Status of a Sync of the Notes folder with Supported", 4, r.Status)
	})
}

// MSASNOTE_S01_TC05: a note whose MessageClass is not a note's is refused
// with Status 6.
func TestMSASNOTE_S01_TC05_Sync_InvalidMessageClass(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		note := n.noteElements()
		note.MessageClass = "IPM.invalidClass"
		key := n.initialKey(n.notes, nil)
		r := n.commands(n.notes, key, noteCommandOptions(), n.add(note))
		s.equal(119, "the Status of the Add of a note of class IPM.invalidClass", 6, noteAddStatus(r))
	})
}

// noteHTML matches an HTML document, as the suite's IsHTML does.
var noteHTML = regexp.MustCompile(`(?is)<html[^>]*>.*</html>`)

// MSASNOTE_S01_TC06: a note's body in plain text, HTML and RTF.
func TestMSASNOTE_S01_TC06_Sync_AddNote_WithBodyTypes(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		note := n.noteElements()
		n.syncAdd(note, 1)

		got, _ := n.syncChanges(1, note.Subject)
		b := got[0].note.Body
		if b == nil || b.Data != note.Body.Data {
			s.t.Fatalf("the plain text body is %+v, want %q", b, note.Body.Data)
		}
		s.equal(38, "the Type of the plain text body", 1, b.Type)

		got, _ = n.syncChanges(2, note.Subject)
		b = got[0].note.Body
		if b == nil || !noteHTML.MatchString(b.Data) {
			s.capture(39, false, "the body asked for as HTML is %+v", b)
		} else {
			s.equal(39, "the Type of the HTML body", 2, b.Type)
		}

		got, _ = n.syncChanges(3, note.Subject)
		b = got[0].note.Body
		if b == nil {
			s.capture(40, false, "the note asked for in RTF has no Body")
			return
		}
		_, err := base64.StdEncoding.DecodeString(b.Data)
		s.capture(40, b.Type == 3 && err == nil, "the body asked for in RTF has Type %d and data %q", b.Type, noteShort(b.Data))
	})
}

// noteShort is s cut to 60 characters, for messages.
func noteShort(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// MSASNOTE_S01_TC07: a Change's Categories replace the note's; a Change
// without Categories deletes them, but a Change without a Subject keeps
// it.
func TestMSASNOTE_S01_TC07_Sync_ChangeNote_Categories(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		note := n.noteElements()
		note.Categories = &eas.Categories{Category: []string{"blue category", "red category"}}
		n.syncAdd(note, 1)
		got, key := n.syncChanges(1, note.Subject)
		added := got[0]
		if c := added.note.Categories; c == nil || len(c.Category) != 2 {
			s.t.Fatalf("the added note's Categories are %v, want two", c)
		}

		// A Change with a new message class and one category of the two.
		n.syncChange(key, added.serverID, &eas.Note{MessageClass: "IPM.StickyNote.MSASNOTE1", Categories: &eas.Categories{Category: []string{"blue category"}}})
		c, key2 := n.changed(key, note.Subject)
		if c == nil {
			s.t.Fatalf("the changed note %q is not among the changes", note.Subject)
		}
		if c.Categories == nil || len(c.Categories.Category) != 1 {
			s.capture(10002, false, "the changed note's Categories are %v, want one", c.Categories)
		} else {
			s.capture(10002, c.Categories.Category[0] != "red category", "the changed note keeps the category the Change left out")
		}
		s.equal(10003, "the Subject of the note changed without one", added.note.Subject, c.Subject)

		// A Change with a new message class and no Categories.
		n.syncChange(key2, added.serverID, &eas.Note{MessageClass: "IPM.StickyNote.MSASNOTE2"})
		c, _ = n.changed(key2, note.Subject)
		if c == nil {
			s.t.Fatalf("the changed note %q is not among the changes", note.Subject)
		}
		s.capture(112, c.Categories == nil, "the note changed without Categories keeps %v", c.Categories)
	})
}

// MSASNOTE_S02_TC01: a Search of the Notes folder finds every note that
// matches, and none when nothing does.
func TestMSASNOTE_S02_TC01_Search_GetZeroOrMoreNotes(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		_, subjects := n.syncAdd(n.noteElements(), 2)
		// The subjects share the test's prefix, as
		// GeneratePrefixOfResourceName makes it.
		prefix := testName(s.t) + "_subject"
		r := n.search(mailboxSearch("Notes", n.notes, prefix, ""))
		results := noteResults(r)
		two := len(results) == 2
		for _, res := range results {
			var note eas.Note
			if res.Properties == nil || eas.DecodeItem(res.Properties, &note) != nil || !strings.HasPrefix(note.Subject, prefix) {
				two = false
				continue
			}
			n.verifyNote(&note, false)
		}
		s.capture(208, two, "the Search for %q (notes %q) answered %d results", prefix, subjects, len(results))
		r = n.search(mailboxSearch("Notes", n.notes, n.name("notExisting_subject"), ""))
		none := len(noteResults(r)) == 0
		s.capture(128, two && none, "the Search for two notes found %d, the one for none found %d", len(results), len(noteResults(r)))
	})
}

// MSASNOTE_S03_TC01: an ItemOperations Fetch returns a note for each one
// it names, and none for one that does not exist.
func TestMSASNOTE_S03_TC01_ItemOperations_GetZeroOrMoreNotes(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		_, subjects := n.syncAdd(n.noteElements(), 2)
		got, _ := n.syncChanges(1, subjects...)
		fetch := func(ids ...string) []*eas.FetchResult {
			req := &eas.ItemOperationsRequest{}
			for _, id := range ids {
				req.Operations = append(req.Operations, eas.ItemOperation{Fetch: &eas.Fetch{Store: eas.SearchStoreMailbox, CollectionId: n.notes, ServerId: id, Options: &eas.FetchOptions{}}})
			}
			return noteFetches(n.itemOperations(req))
		}
		results := fetch(got[0].serverID, got[1].serverID)
		two := len(results) == 2
		for _, res := range results {
			var note eas.Note
			if res.Status != 1 || res.Properties == nil || eas.DecodeItem(res.Properties, &note) != nil || note.Subject == "" {
				two = false
				continue
			}
			n.verifyNote(&note, false)
		}
		s.capture(208, two, "fetching two notes answered %d results", len(results))
		results = fetch(n.notes + ":notExisting")
		none := len(results) == 1 && results[0].Properties == nil
		s.capture(128, two && none, "fetching a note that does not exist answered %d results, the first with properties %v", len(results), len(results) > 0 && results[0].Properties != nil)
	})
}

// MSASNOTE_S03_TC02: an ItemOperations Fetch with a Schema returns only
// the properties the Schema names.
func TestMSASNOTE_S03_TC02_ItemOperations_SchemaViewFetch(t *testing.T) {
	atVersions(t, specNOTE, from(eas.Version140), func(t *testing.T, s *site) {
		n := noteLab(s)
		note := n.noteElements()
		n.syncAdd(note, 1)
		results := noteResults(n.search(mailboxSearch("Notes", n.notes, note.Subject, "")))
		if len(results) != 1 || results[0].LongId == "" {
			s.t.Fatalf("the Search for the note %q answered %d results", note.Subject, len(results))
		}
		r := n.itemOperations(&eas.ItemOperationsRequest{Operations: []eas.ItemOperation{{Fetch: &eas.Fetch{
			Store: eas.SearchStoreMailbox, LongId: results[0].LongId,
			Options: &eas.FetchOptions{Schema: eas.TagList{cmdTag("AirSyncBase:Body")}, BodyPreference: []eas.BodyPreference{{Type: 1}}},
		}}}})
		fetches := noteFetches(r)
		if len(fetches) != 1 || fetches[0].Properties == nil {
			s.t.Fatalf("the Fetch by LongId answered %d results", len(fetches))
		}
		props := fetches[0].Properties
		var fetched eas.Note
		n.decode(props, &fetched)
		n.verifyNote(&fetched, true)
		names := noteElementNames(props)
		s.capture(103, noteHasElement(props, "Body") && names == "Body", "the Fetch with a Schema of Body answered %s", names)
	})
}
