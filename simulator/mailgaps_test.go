package simulator_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// mgNames are the names of an ApplicationData's children.
func mgNames(n *wbxml.Node) []string {
	var out []string
	if n != nil {
		for _, e := range n.Elements() {
			out = append(out, e.Tag.Name)
		}
	}
	return out
}

// mgChild is the text of an ApplicationData's child called name, and
// whether it is there.
func mgChild(n *wbxml.Node, name string) (string, bool) {
	if n != nil {
		for _, e := range n.Elements() {
			if e.Tag.Name == name {
				return e.Text(), true
			}
		}
	}
	return "", false
}

// Sending mail fills the sender's recipient information cache, one entry
// per address with Email1Address, FileAs and WeightedRank, no Alias and
// no body; mailing someone again renews the entry's rank and adds none.
func TestSendMailFillsRecipientInfoCache(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	alice := mailTestDevice(t, env, "alice", "RIC141", eas.Version141)
	send := func(id, to string) {
		t.Helper()
		if rr := alice.call(eas.CommandSendMail, &eas.SendMailRequest{ClientId: id, Mime: mailTestMIME("alice@contoso.com", to, "", "", "Hello "+id, "x")}, nil); rr.Code != http.StatusOK || rr.Body.Len() != 0 {
			t.Fatalf("SendMail: HTTP %d % X", rr.Code, rr.Body.Bytes())
		}
	}
	send("1", `bob@contoso.com, "Someone Outside" <someone@fabrikam.com>`)
	items := alice.mb.Items("RI")
	if len(items) != 2 {
		t.Fatalf("the cache holds %d entries, want 2", len(items))
	}
	email := wbxml.LookupQualified("Contacts:Email1Address")
	fileAs := wbxml.LookupQualified("Contacts:FileAs")
	rank := wbxml.LookupQualified("Contacts:WeightedRank")
	_, bob, _ := env.Server.Directory().Resolve("bob")
	byAddr := map[string]*simulator.Item{}
	for _, it := range items {
		byAddr[it.Prop(email)] = it
	}
	if it := byAddr[bob.Owner().PrimarySmtpAddress]; it == nil || it.Prop(fileAs) != bob.Owner().DisplayName || it.Prop(rank) == "" {
		t.Errorf("bob's entry: %+v", it)
	}
	if it := byAddr["someone@fabrikam.com"]; it == nil || it.Prop(fileAs) != "Someone Outside" {
		t.Errorf("the outside address's entry: %+v", it)
	}
	firstRank, _ := strconv.Atoi(byAddr[bob.Owner().PrimarySmtpAddress].Prop(rank))

	// A device sees the entries as contacts without a body.
	key := alice.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: "RI"}).SyncKey
	col := alice.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: "RI", GetChanges: eas.NewBool(true)})
	if col == nil || len(col.Commands) != 2 {
		t.Fatalf("the Sync of the cache: %+v", col)
	}
	for _, c := range col.Commands {
		names := strings.Join(mgNames(c.ApplicationData), ",")
		if c.Kind != eas.SyncAdd || names != "Email1Address,FileAs,WeightedRank" {
			t.Errorf("a cache entry is %v %s, want an Add of Email1Address,FileAs,WeightedRank", c.Kind, names)
		}
	}

	// Later, bob again (in another case): his entry is renewed, not doubled.
	env.Clock.Advance(1 << 40) // about 30 hours
	send("2", "BOB@contoso.com")
	items = alice.mb.Items("RI")
	if len(items) != 2 {
		t.Fatalf("after a second mail the cache holds %d entries, want 2", len(items))
	}
	for _, it := range items {
		if now, _ := strconv.Atoi(it.Prop(rank)); it.Prop(email) == bob.Owner().PrimarySmtpAddress && now <= firstRank {
			t.Errorf("bob's rank %s did not grow from %d", it.Prop(rank), firstRank)
		}
	}
}

// SmartReply and SmartForward mark the original (LastVerbExecuted 1 and
// 3, with the time), and the answer's ConversationIndex is the
// original's with one more five-byte block.
func TestSmartReplyMarksOriginalAndExtendsConversation(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	bob := mailTestDevice(t, env, "bob", "VERB141", eas.Version141)
	_, alice, _ := env.Server.Directory().Resolve("alice")
	aliceInbox, _ := alice.FolderByType(eas.FolderTypeInbox)
	orig := mailTestSeed(t, bob.mb, "Plans", "Shall we?", nil)
	inbox := bob.folder(eas.FolderTypeInbox)
	key := bob.SyncAll(inbox)
	verb := wbxml.LookupQualified("Email2:LastVerbExecuted")
	when := wbxml.LookupQualified("Email2:LastVerbExecutionTime")

	if rr := bob.call(eas.CommandSmartReply, &eas.SmartReplyRequest{ClientId: "r1", Source: &eas.Source{FolderId: inbox, ItemId: orig.ServerID},
		Mime: mailTestMIME("", "alice@contoso.com", "", "", "RE: Plans", "Yes")}, nil); rr.Body.Len() != 0 {
		t.Fatalf("SmartReply: % X", rr.Body.Bytes())
	}
	it, _ := bob.mb.Item(orig.ServerID)
	if it.Prop(verb) != "1" || it.Prop(when) != eas.FormatDate(env.Clock.Now()) {
		t.Errorf("after the reply LastVerbExecuted %q at %q, want 1 at %s", it.Prop(verb), it.Prop(when), eas.FormatDate(env.Clock.Now()))
	}
	// The device that synced the message gets the verb as a Change.
	col := bob.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox, GetChanges: eas.NewBool(true)})
	if col == nil || len(col.Commands) != 1 || col.Commands[0].Kind != eas.SyncChange {
		t.Fatalf("the Sync after the reply: %+v", col)
	}
	if v, _ := mgChild(col.Commands[0].ApplicationData, "LastVerbExecuted"); v != "1" {
		t.Errorf("the Change carries %v, want LastVerbExecuted 1", mgNames(col.Commands[0].ApplicationData))
	}
	got := mailTestFind(alice, aliceInbox.ServerID, "RE: Plans")
	if len(got) != 1 {
		t.Fatalf("alice got %d replies", len(got))
	}
	idx := threadIndex(t, got[0])
	if len(idx) != 27 {
		t.Errorf("the reply's Thread-Index has %d bytes, want 27 (a header and a child block)", len(idx))
	}

	if rr := bob.call(eas.CommandSmartForward, &eas.SmartForwardRequest{ClientId: "f1", Source: &eas.Source{FolderId: inbox, ItemId: orig.ServerID},
		Mime: mailTestMIME("", "alice@contoso.com", "", "", "FW: Plans", "FYI")}, nil); rr.Body.Len() != 0 {
		t.Fatalf("SmartForward: % X", rr.Body.Bytes())
	}
	if it, _ := bob.mb.Item(orig.ServerID); it.Prop(verb) != "3" {
		t.Errorf("after the forward LastVerbExecuted is %q, want 3", it.Prop(verb))
	}
	fw := mailTestFind(alice, aliceInbox.ServerID, "FW: Plans")
	if len(fw) != 1 {
		t.Fatalf("alice got %d forwards", len(fw))
	}
	if f := threadIndex(t, fw[0]); len(f) != 27 || string(f[:22]) != string(idx[:22]) {
		t.Errorf("the forward's Thread-Index % x does not extend the conversation of the reply's % x", f, idx)
	}
}

// threadIndex is the decoded Thread-Index of a delivered message.
func threadIndex(t *testing.T, it *simulator.Item) []byte {
	t.Helper()
	for _, line := range strings.Split(string(it.Body.MIME), "\r\n") {
		if v, ok := strings.CutPrefix(line, "Thread-Index: "); ok {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("Thread-Index %q: %v", v, err)
			}
			return b
		}
		if line == "" {
			break
		}
	}
	t.Fatalf("no Thread-Index in\n%s", it.Body.MIME)
	return nil
}

// A Change of an e-mail's Read or Flag reaches another device as those
// properties only; a change of anything else as the whole message.
func TestEmailChangeCarriesOnlyWhatChanged(t *testing.T) {
	for _, v := range []eas.ProtocolVersion{eas.Version121, eas.Version141} {
		t.Run(v.String(), func(t *testing.T) {
			env := simtest.New(t, simulator.Options{})
			a := mailTestDevice(t, env, "bob", "CHGA"+strings.ReplaceAll(v.String(), ".", ""), v)
			b := mailTestDevice(t, env, "bob", "CHGB"+strings.ReplaceAll(v.String(), ".", ""), v)
			orig := mailTestSeed(t, a.mb, "Status", "All fine.", nil)
			inbox := a.folder(eas.FolderTypeInbox)
			keyA, keyB := a.SyncAll(inbox), b.SyncAll(inbox)
			change := func(app *wbxml.Node) {
				t.Helper()
				col := a.SyncOnce(eas.SyncCollection{SyncKey: keyA, CollectionId: inbox, GetChanges: eas.NewBool(false),
					Commands: eas.SyncCommands{{Kind: eas.SyncChange, ServerId: orig.ServerID, ApplicationData: app}}})
				if col == nil {
					t.Fatal("the Change got no answer")
				}
				keyA = col.SyncKey
			}
			seen := func() []string {
				t.Helper()
				col := b.SyncOnce(eas.SyncCollection{SyncKey: keyB, CollectionId: inbox, GetChanges: eas.NewBool(true)})
				if col == nil || len(col.Commands) != 1 || col.Commands[0].Kind != eas.SyncChange {
					t.Fatalf("the other device's Sync: %+v", col)
				}
				keyB = col.SyncKey
				return mgNames(col.Commands[0].ApplicationData)
			}
			app := func(children ...*wbxml.Node) *wbxml.Node {
				return wbxml.NewElement(wbxml.LookupQualified("AirSync:ApplicationData"), children...)
			}
			text := func(q, s string) *wbxml.Node { return wbxml.NewText(wbxml.LookupQualified(q), s) }
			change(app(text("Email:Read", "1")))
			if got := seen(); strings.Join(got, ",") != "Read" {
				t.Errorf("after Read the Change carries %v, want Read only", got)
			}
			flag := wbxml.NewElement(wbxml.LookupQualified("Email:Flag"), text("Email:Status", "2"), text("Email:FlagType", "Follow up"))
			change(app(flag))
			if got := seen(); strings.Join(got, ",") != "Flag" {
				t.Errorf("after Flag the Change carries %v, want Flag only", got)
			}
			// Two changes since the device's last Sync: both.
			change(app(text("Email:Read", "0")))
			change(app(wbxml.NewElement(wbxml.LookupQualified("Email:Flag"))))
			if got := strings.Join(seen(), ","); got != "Read,Flag" && got != "Flag,Read" {
				t.Errorf("after Read and Flag the Change carries %v, want both only", got)
			}
			// A server change of the body: the whole message.
			if err := a.mb.ChangeItem(orig.ServerID, nil, &simulator.Body{Plain: "Changed."}); err != nil {
				t.Fatal(err)
			}
			if got := seen(); len(got) < 5 {
				t.Errorf("after a body change the Change carries %v, want the whole message", got)
			}
		})
	}
}
