package conformance

import (
	"strconv"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASEMAIL S01, the tests from TC17 on: ItemOperations, Search and Find
// of messages, and the Changes of Categories.

// MSASEMAIL_S01_TC17: a Change with a ConversationId is refused (14.0
// and later).
func TestMSASEMAIL_S01_TC17_IncludedConversationIdInRequest(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		app := wbxml.NewElement(cmdTag("AirSync:ApplicationData"),
			wbxml.NewOpaque(cmdTag("Email2:ConversationId"), []byte("\xe8\x4f\x3a\x42\xb0\xc1\xd9\x45\xa9\x13\x0f\x84\x1d\xa2\x42\xdc")),
			cmdText("Email:Read", "1"))
		col := c.changeWith(c.syncKey, it.serverID, app)
		st := 0
		if col != nil {
			st = changeStatus(col, it.serverID)
		}
		s.equal(347, "the Change's Status with a ConversationId", 6, st)
	})
}

// emailFetch sends an ItemOperations Fetch of a message of User02's
// Inbox with the options given (nil: none) and returns the answer's
// Status and the fetched message's properties.
func (c *emailClient) emailFetch(serverID string, options ...*wbxml.Node) (int, *wbxml.Node) {
	c.s.t.Helper()
	fetch := cmdNode("ItemOperations:Fetch", cmdText("ItemOperations:Store", "Mailbox"),
		cmdText("AirSync:CollectionId", c.inbox()), cmdText("AirSync:ServerId", serverID))
	if len(options) > 0 {
		fetch.Children = append(fetch.Children, cmdNode("ItemOperations:Options", options...))
	}
	raw, err := cmdNode("ItemOperations:ItemOperations", fetch).MarshalBinary()
	c.s.must(err, "encoding the request")
	var r eas.ItemOperationsResponse
	c.send(eas.CommandItemOperations, raw).decode(c.s, &r)
	if r.Response == nil || len(r.Response.Results) != 1 || r.Response.Results[0].Fetch == nil || r.Response.Results[0].Fetch.Properties == nil {
		c.s.t.Fatalf("the ItemOperations answer (Status %d) does not hold one fetched message", r.Status)
	}
	return r.Status, r.Response.Results[0].Fetch.Properties
}

// MSASEMAIL_S01_TC19: a Fetch whose Schema names Subject answers the
// Subject alone.
func TestMSASEMAIL_S01_TC19_ItemOperations_OnlyIncludedSubjectInResponse(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		st, props := c.emailFetch(it.serverID, cmdNode("ItemOperations:Schema", cmdNode("Email:Subject")))
		if cmdSubject(props) != cmdSubject(it.data) {
			t.Fatalf("the fetched message's Subject is %q", cmdSubject(props))
		}
		s.equal(61, "the ItemOperations Status", 1, st)
		s.capture(63, len(emailElements(props)) == 1, "the fetched properties are %v, want the Subject alone", emailElements(props))
	})
}

// MSASEMAIL_S01_TC20: a Fetch with body preferences succeeds.
func TestMSASEMAIL_S01_TC20_ItemOperations_IncludedDataInResponse(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		c.sendPlaintextEmail(subject)
		it := c.getSyncResult(subject, c.inbox(), []eas.BodyPreference{{Type: eas.BodyTypePlainText, TruncationSize: 5120, AllOrNone: airsPtr(true)}}, nil)
		options := []*wbxml.Node{cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", "1"), cmdText("AirSyncBase:TruncationSize", "5120"), cmdText("AirSyncBase:AllOrNone", "1"))}
		if s.version == eas.Version141 {
			options = append(options, cmdNode("AirSyncBase:BodyPartPreference", cmdText("AirSyncBase:Type", "2"), cmdText("AirSyncBase:TruncationSize", "5120"), cmdText("AirSyncBase:AllOrNone", "1")))
		}
		st, _ := c.emailFetch(it.serverID, options...)
		s.equal(61, "the ItemOperations Status", 1, st)
	})
}

// verifyAllOrNone is VerifyAllOrNone: a Fetch with a plain text
// BodyPreference of TruncationSize size and AllOrNone allOrNone finds the
// message.
func (c *emailClient) verifyAllOrNone(size int, allOrNone string) {
	c.s.t.Helper()
	it := c.received()
	_, props := c.emailFetch(it.serverID, cmdNode("AirSyncBase:BodyPreference", cmdText("AirSyncBase:Type", "1"),
		cmdText("AirSyncBase:TruncationSize", strconv.Itoa(size)), cmdText("AirSyncBase:AllOrNone", allOrNone)))
	if cmdSubject(props) != cmdSubject(it.data) {
		c.s.t.Fatalf("the fetched message's Subject is %q, want %q", cmdSubject(props), cmdSubject(it.data))
	}
}

// MSASEMAIL_S01_TC21: a Fetch with AllOrNone 0 finds the message (the
// original checks no requirement).
func TestMSASEMAIL_S01_TC21_ItemOperations_IncludedAllOrNone_False(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		emailLab(s).verifyAllOrNone(10, "0")
	})
}

// MSASEMAIL_S01_TC22: a Fetch with AllOrNone 1 finds the message (the
// original checks no requirement).
func TestMSASEMAIL_S01_TC22_ItemOperations_IncludedAllOrNone_True(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		emailLab(s).verifyAllOrNone(100, "1")
	})
}

// emailSearch is TestSuiteHelper.CreateSearchRequest: a mailbox Search of
// User02's Inbox for keyword, with more added to its And; it returns the
// answer.
func (c *emailClient) emailSearch(keyword string, more ...*wbxml.Node) *eas.SearchResponse {
	c.s.t.Helper()
	and := cmdNode("Search:And", append([]*wbxml.Node{cmdText("AirSync:CollectionId", c.inbox()), cmdText("Search:FreeText", keyword)}, more...)...)
	req := cmdNode("Search:Search", cmdNode("Search:Store", cmdText("Search:Name", "Mailbox"), cmdNode("Search:Query", and),
		cmdNode("Search:Options", cmdNode("Search:RebuildResults"), cmdNode("Search:DeepTraversal"))))
	raw, err := req.MarshalBinary()
	c.s.must(err, "encoding the request")
	var r eas.SearchResponse
	c.send(eas.CommandSearch, raw).decode(c.s, &r)
	return &r
}

// MSASEMAIL_S01_TC23: a Search whose query names an e-mail property (To)
// fails with the Store's Status 2.
func TestMSASEMAIL_S01_TC23_InvalidSearch(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		r := c.emailSearch(cmdSubject(it.data), cmdText("Email:To", mailAddress(emailUser2)))
		st := 0
		if r.Response != nil && r.Response.Store != nil {
			st = r.Response.Store.Status
		}
		s.equal(68, "the Store Status of a Search with To in its query", 2, st)
	})
}

// MSASEMAIL_S01_TC24: a Search by subject finds the message (the original
// checks no requirement).
func TestMSASEMAIL_S01_TC24_SearchEmail(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		r := c.emailSearch(cmdSubject(it.data))
		if r.Response == nil || r.Response.Store == nil {
			t.Fatalf("the Search answer (Status %d) has no Store", r.Status)
		}
		for _, res := range r.Response.Store.Result {
			if cmdSubject(res.Properties) == cmdSubject(it.data) {
				return
			}
		}
		t.Fatalf("the Search for %q does not find the message", cmdSubject(it.data))
	})
}

// categoriesChanged is S01's TC25 and TC28 to TC31: the message flagged
// and categorized, then Read (read), the flag (flag) and the categories
// changed; it returns the Change of the changes since.
func (c *emailClient) categoriesChanged(read *bool, flag bool) *wbxml.Node {
	c.s.t.Helper()
	it := c.received()
	col := c.addFlagAndCategories(c.syncKey, it.serverID)
	var f *wbxml.Node
	if flag {
		f = emailNewFlag.node()
	}
	c.updateEmailWith(col.SyncKey, it.serverID, read, f, []string{c.name("NewCategory")})
	data := changedData(c.syncChanges(col.SyncKey), it.serverID)
	if data == nil {
		c.s.t.Fatal("the changes do not hold the message")
	}
	return data
}

// emailHas reports whether an ApplicationData has each of names, a Flag
// among them with children.
func emailHas(data *wbxml.Node, names ...string) bool {
	for _, n := range names {
		e := emailChild(data, n)
		if e == nil || n == "Flag" && len(e.Elements()) == 0 {
			return false
		}
	}
	return true
}

// MSASEMAIL_S01_TC25: a Change of the categories alone answers them (14.0
// and later).
func TestMSASEMAIL_S01_TC25_OnlyEmailClassPropertiesChangedOtherThanFlagRead(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		data := emailLab(s).categoriesChanged(nil, false)
		s.capture(77, emailHas(data, "Categories"), "the Change carries %v, want Categories", emailElements(data))
	})
}

// MSASEMAIL_S01_TC28: Read, the flag and the categories changed are all
// answered.
func TestMSASEMAIL_S01_TC28_ReadAndFlagAndCategoriesChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		data := emailLab(s).categoriesChanged(airsPtr(false), true)
		s.capture(104, emailHas(data, "Read", "Flag", "Categories"), "the Change carries %v, want Read, a Flag and Categories", emailElements(data))
	})
}

// MSASEMAIL_S01_TC29: the categories changed alone are answered.
func TestMSASEMAIL_S01_TC29_OnlyCategoriesChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		data := emailLab(s).categoriesChanged(nil, false)
		s.capture(96, emailHas(data, "Categories"), "the Change carries %v, want Categories", emailElements(data))
	})
}

// MSASEMAIL_S01_TC30: Read and the categories changed are answered.
func TestMSASEMAIL_S01_TC30_BothReadandCategoriesChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		data := emailLab(s).categoriesChanged(airsPtr(false), false)
		s.capture(10608, emailHas(data, "Read", "Categories"), "the Change carries %v, want Read and Categories", emailElements(data))
	})
}

// MSASEMAIL_S01_TC31: the flag and the categories changed are answered.
func TestMSASEMAIL_S01_TC31_BothFlagandCategoriesChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		data := emailLab(s).categoriesChanged(nil, true)
		s.capture(10600, emailHas(data, "Flag", "Categories"), "the Change carries %v, want a Flag and Categories", emailElements(data))
	})
}

// MSASEMAIL_S01_TC32: Find (16.1) finds the message by subject (the
// original checks no requirement).
func TestMSASEMAIL_S01_TC32_FindEmail(t *testing.T) {
	atVersions(t, emailSpec, []eas.ProtocolVersion{eas.Version161}, func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		req := &eas.FindRequest{SearchId: "00000000-0000-4000-8000-000000000001", ExecuteSearch: &eas.FindExecuteSearch{
			MailBoxSearchCriterion: &eas.FindCriterion{
				Query:   &eas.FindQuery{Class: "Email", CollectionId: c.inbox(), FreeText: cmdSubject(it.data)},
				Options: &eas.FindOptions{Range: "0-5", DeepTraversal: true},
			}}}
		var r eas.FindResponse
		c.send(eas.CommandFind, req).decode(s, &r)
		if r.Status != 1 || r.Response == nil {
			t.Fatalf("the Find answer has Status %d", r.Status)
		}
		for _, res := range r.Response.Result {
			if cmdSubject(res.Properties) == cmdSubject(it.data) {
				return
			}
		}
		t.Fatalf("the Find for %q does not find the message", cmdSubject(it.data))
	})
}

// MSASEMAIL_S01_TC18: a message to an address of the domain that names
// no one brings a report into the sender's Inbox whose subject holds the
// message's (Exchange's "Undeliverable: ..." from the Microsoft Exchange
// recipient). The original captures no requirement.
func TestMSASEMAIL_S01_TC18_SyncAdd_AdministrativeMessage(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		c.sendMIME(subject, emailMIME(mailAddress(emailUser1), mailAddress("NoneExistUser"), "", "", subject, c.name("content"), "", ""))
		col := c.syncChanges(c.initialSyncKey(c.inbox()))
		if col != nil && col.Status != 1 {
			t.Fatalf("the Sync of User01's Inbox has Status %d", col.Status)
		}
		var found *wbxml.Node
		for _, a := range mreqCommands(col) {
			if a.Kind == eas.SyncAdd && strings.Contains(cmdSubject(a.ApplicationData), subject) {
				found = a.ApplicationData
			}
		}
		if found == nil {
			t.Fatalf("User01's Inbox holds no message whose subject contains %q", subject)
		}
	})
}

// mreqCommands are a collection's commands; an empty answer (nil) has
// none.
func mreqCommands(col *eas.SyncCollection) eas.SyncCommands {
	if col == nil {
		return nil
	}
	return col.Commands
}
