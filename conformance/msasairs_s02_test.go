package conformance

import (
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASAIRS S02: BodyPreference. Each test mails User02 a message and
// reads its body back with Sync and ItemOperations under one or more
// preferences.

// MSASAIRS_S02_TC01: AllOrNone 1 and a TruncationSize larger than the
// body: all of it is returned, as plain text, of a plain text message.
func TestMSASAIRS_S02_TC01_BodyPreference_AllOrNoneTrue_AllContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(false, airsTruncation{size: 100, allOrNone: airsPtr(true), syncID: 373, ioID: 54})
	})
}

// MSASAIRS_S02_TC02: AllOrNone 1 and a TruncationSize smaller than the
// body: none of it is returned.
func TestMSASAIRS_S02_TC02_BodyPreference_AllOrNoneTrue_AllContentNotReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(false, airsTruncation{size: 2, allOrNone: airsPtr(true), truncated: true, syncID: 376, ioID: 377, common: []int{78}, plainTextBody: true})
	})
}

// MSASAIRS_S02_TC03: AllOrNone 0 and a small TruncationSize: the body is
// returned truncated.
func TestMSASAIRS_S02_TC03_BodyPreference_AllOrNoneFalse_TruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(false, airsTruncation{size: 8, allOrNone: airsPtr(false), truncated: true, syncID: 378, ioID: 379, common: []int{180}, plainTextBody: true})
	})
}

// MSASAIRS_S02_TC04: AllOrNone 0 and a large TruncationSize: the whole
// body is returned.
func TestMSASAIRS_S02_TC04_BodyPreference_AllOrNoneFalse_NonTruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(false, airsTruncation{size: 100, allOrNone: airsPtr(false), syncID: 381, ioID: 382})
	})
}

// MSASAIRS_S02_TC05: no AllOrNone and a small TruncationSize: truncated,
// as with AllOrNone 0.
func TestMSASAIRS_S02_TC05_BodyPreference_NoAllOrNone_TruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(false, airsTruncation{size: 8, truncated: true, syncID: 420, ioID: 421, common: []int{276, 77}, plainTextBody: true})
	})
}

// MSASAIRS_S02_TC06: no AllOrNone and a large TruncationSize: whole, as
// with AllOrNone 0.
func TestMSASAIRS_S02_TC06_BodyPreference_NoAllOrNone_NonTruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(false, airsTruncation{size: 100, syncID: 423, ioID: 424, common: []int{277}})
	})
}

// MSASAIRS_S02_TC07: without TruncationSize AllOrNone changes nothing.
func TestMSASAIRS_S02_TC07_BodyPreference_NotIncludedTruncationSize(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		airsLab(s).runNoTruncationSize(false, 300, 401)
	})
}

// MSASAIRS_S02_TC08: two preferences, HTML with AllOrNone 1 and a
// TruncationSize the body exceeds, then plain text truncated: the server
// passes over the first and returns the plain text truncated.
func TestMSASAIRS_S02_TC08_MultipleBodyPreference(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsPlain, subject, body)
		prefs := []eas.BodyPreference{{Type: eas.BodyTypeHTML, TruncationSize: 8, AllOrNone: airsPtr(true)}, {Type: eas.BodyTypePlainText, TruncationSize: 18}}
		check := func(e *eas.Email, step string) bool {
			if e.Body == nil {
				t.Fatalf("%s: the item has no Body though the request asked for one", step)
			}
			return airsTruncated(e.Body.Truncated) && e.Body.Type == eas.BodyTypePlainText && e.Body.Data == body[:18]
		}
		it := c.getSyncResult(subject, c.inbox(), prefs, nil)
		ok := check(&it.email, "Sync")
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, prefs, nil, false)
		ok = check(&fetched.email, "ItemOperations") && ok
		s.capture(80, ok, "the Body is Type %d, truncated %v, data %q by Sync and Type %d, data %q by ItemOperations; want plain text truncated to %q",
			it.email.Body.Type, airsTruncated(it.email.Body.Truncated), it.email.Body.Data, fetched.email.Body.Type, fetched.email.Body.Data, body[:18])
	})
}

// MSASAIRS_S02_TC09: Preview (14.0 and later): an HTML body carries a
// preview of at most that many characters of the message; a plain text
// body whose data is returned carries none.
func TestMSASAIRS_S02_TC09_Body_Preview(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsPlain, subject, body)
		all := c.getAllContentItem(subject, c.inbox()).email.Body.Data
		prefs := []eas.BodyPreference{{Type: eas.BodyTypeHTML, Preview: 18}}
		check := func(e *eas.Email, step string) bool {
			if e.Body == nil || e.Body.Preview == "" {
				t.Fatalf("%s: the item has no Body with a Preview though the BodyPreference asked for one", step)
			}
			return len([]rune(e.Body.Preview)) <= 18 && strings.Contains(all, e.Body.Preview)
		}
		it := c.getSyncResult(subject, c.inbox(), prefs, nil)
		ok := check(&it.email, "Sync")
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, prefs, nil, false)
		ok = check(&fetched.email, "ItemOperations") && ok
		for _, id := range []int{248, 250, 2644} {
			s.capture(id, ok, "the Preview is %q by Sync and %q by ItemOperations; want at most 18 characters of %q", it.email.Body.Preview, fetched.email.Body.Preview, all)
		}

		plain := c.getSyncResult(subject, c.inbox(), []eas.BodyPreference{{Type: eas.BodyTypePlainText, Preview: 18}}, nil)
		if plain.email.Body == nil {
			t.Fatal("the item has no Body though the BodyPreference asked for one")
		}
		s.capture(1001036, plain.email.Body.Data == all && plain.email.Body.Preview == "", "a plain text Body has data %q (want %q) and Preview %q (want none)", plain.email.Body.Data, all, plain.email.Body.Preview)
	})
}

// MSASAIRS_S02_TC10: a new item and a changed one come with their Body,
// by Sync and by ItemOperations, even without a BodyPreference.
func TestMSASAIRS_S02_TC10_IncludedBodyInResponse(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsPlain, subject, body)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, nil, nil, false)
		s.capture(105, it.email.Body != nil && fetched.email.Body != nil, "a new item has a Body by Sync %v and by ItemOperations %v", it.email.Body != nil, fetched.email.Body != nil)

		read := it.email.Read != nil && *it.email.Read
		change := eas.SyncCommand{Kind: eas.SyncChange, ServerId: it.serverID, ApplicationData: wbxml.NewElement(cmdTag("AirSync:ApplicationData"), cmdText("Email:Read", map[bool]string{true: "0", false: "1"}[read]))}
		r := c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
			SyncKey: c.syncKey, CollectionId: c.inbox(), GetChanges: eas.NewBool(true), WindowSize: 100, Commands: eas.SyncCommands{change},
		}}}})
		if col := cmdCollection(r); col == nil || col.Status != 1 {
			t.Fatal("the Sync that changes Read did not succeed")
		}
		updated := c.getSyncResult(subject, c.inbox(), nil, nil)
		if updated.email.Read == nil || *updated.email.Read == read {
			t.Fatalf("Read is %v after it was changed from %v", fmtBool(updated.email.Read), read)
		}
		refetched, _ := c.getItemOperationsResult(c.inbox(), updated.serverID, nil, nil, false)
		if refetched.email.Read == nil || *refetched.email.Read == read {
			t.Fatalf("ItemOperations reads Read %v after it was changed from %v", fmtBool(refetched.email.Read), read)
		}
		s.capture(386, updated.email.Body != nil && refetched.email.Body != nil, "a changed item has a Body by Sync %v and by ItemOperations %v", updated.email.Body != nil, refetched.email.Body != nil)
	})
}

// MSASAIRS_S02_TC11: a client's Truncated in the Body of an item it adds
// (12.1 to 14.1, where the element may be sent) changes nothing: the
// three contacts' bodies read back alike.
func TestMSASAIRS_S02_TC11_TruncatedPresentOrNotInRequest(t *testing.T) {
	atVersions(t, airsSpec, []eas.ProtocolVersion{eas.Version121, eas.Version140, eas.Version141}, func(t *testing.T, s *site) {
		c := airsLab(s)
		contacts := c.folder(eas.FolderTypeContacts)
		data := c.name("ContactData")
		names := []string{c.name("ContactWithoutTruncated"), c.name("ContactWithTruncatedTrue"), c.name("ContactWithTruncatedFalse")}
		truncated := []*bool{nil, airsPtr(true), airsPtr(false)}
		var adds eas.SyncCommands
		for i, n := range names {
			app, err := eas.EncodeItem(&eas.Contact{FileAs: n, Body: &eas.Body{Type: eas.BodyTypePlainText, Truncated: truncated[i], Data: data}})
			s.must(err, "encoding a contact")
			adds = append(adds, eas.SyncCommand{Kind: eas.SyncAdd, ClientId: airsClientID(), ApplicationData: app})
		}
		r := c.sync(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{
			SyncKey: c.initialSyncKey(contacts), CollectionId: contacts, Commands: adds,
		}}}})
		if col := cmdCollection(r); col == nil || col.Status != 1 {
			t.Fatal("the Sync that adds the contacts did not succeed")
		}
		var got []string
		for _, n := range names {
			it := c.getSyncResult(n, contacts, []eas.BodyPreference{{Type: eas.BodyTypePlainText}}, nil)
			var ct eas.Contact
			s.must(eas.DecodeItem(it.data, &ct), "decoding a contact")
			if ct.Body == nil {
				t.Fatalf("the contact %q has no Body though the BodyPreference asked for one", n)
			}
			got = append(got, ct.Body.Data)
		}
		same := got[0] == got[1] && got[1] == got[2]
		for _, id := range []int{11500, 406} {
			s.capture(id, same, "the contacts' bodies read %q (no Truncated), %q (Truncated 1) and %q (Truncated 0)", got[0], got[1], got[2])
		}
	})
}

// MSASAIRS_S02_TC13: an HTML message is sent as HTML (Type 2, its
// NativeBodyType 2), and as MIME (Type 4) when asked, its native type
// unchanged.
func TestMSASAIRS_S02_TC13_NativeBodyTypeAndType_HTML(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsHTML, subject, body)
		prefs := []eas.BodyPreference{{Type: eas.BodyTypeHTML}}
		it := c.getSyncResult(subject, c.inbox(), prefs, nil)
		if it.email.Body == nil || it.email.Body.Type != eas.BodyTypeHTML {
			t.Fatalf("the Body by Sync is %+v, want Type 2", it.email.Body)
		}
		s.equal(238, "the NativeBodyType of an HTML message", 2, it.email.NativeBodyType)
		s.equal(2411, "the NativeBodyType of an HTML message", 2, it.email.NativeBodyType)
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, prefs, nil, false)
		s.capture(305, fetched.email.Body != nil && fetched.email.Body.Type == eas.BodyTypeHTML, "the Body by ItemOperations is %+v, want Type 2", fetched.email.Body)

		mime := c.getSyncResult(subject, c.inbox(), []eas.BodyPreference{{Type: eas.BodyTypeMIME}}, nil)
		if mime.email.Body == nil {
			t.Fatal("the item has no Body though the BodyPreference asked for MIME")
		}
		s.equal(307, "the Body's Type under a MIME BodyPreference", eas.BodyTypeMIME, mime.email.Body.Type)
		if mime.email.NativeBodyType != 2 {
			t.Fatalf("the NativeBodyType is %d under a MIME BodyPreference, want 2", mime.email.NativeBodyType)
		}
		s.capture(2412, mime.email.Body.Type != mime.email.NativeBodyType, "the Body's Type %d is the NativeBodyType", mime.email.Body.Type)
	})
}

// MSASAIRS_S02_TC14: a MIME body fetched inline has its Data and no Part;
// fetched as a multipart answer, a Part and no Data.
func TestMSASAIRS_S02_TC14_ItemOperations_Part(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsPlain, subject, body)
		prefs := []eas.BodyPreference{{Type: eas.BodyTypeMIME}}
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		inline, _ := c.getItemOperationsResult(c.inbox(), it.serverID, prefs, nil, false)
		if inline.email.Body == nil {
			t.Fatal("the fetched item has no Body")
		}
		s.capture(405, inline.email.Body.Part == 0, "the inline answer's Body has Part %d", inline.email.Body.Part)
		multi, _ := c.getItemOperationsResult(c.inbox(), it.serverID, prefs, nil, true)
		if multi.email.Body == nil {
			t.Fatal("the fetched item has no Body")
		}
		s.capture(244, multi.email.Body.Part != 0, "the multipart answer's Body has no Part")
		s.capture(176, multi.email.Body.Data == "", "the multipart answer's Body has Data %q besides its Part", multi.email.Body.Data)
	})
}
