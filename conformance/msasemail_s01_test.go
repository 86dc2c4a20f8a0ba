package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASEMAIL S01: e-mail messages: their properties, and what a Sync
// Change may change (Read, Flag, Categories) and what it may not.

// received is the start of most S01 tests: a plain text message to
// User02, found in the Inbox; it returns the message.
func (c *emailClient) received() *airsItem {
	c.s.t.Helper()
	subject := c.name("subject")
	c.sendPlaintextEmail(subject)
	return c.getSyncResult(subject, c.inbox(), nil, nil)
}

// addFlagAndCategories is AddFlagAndCategories: Read 1, a completed-style
// flag of Status 2 and (from 14.0) a category, changed with key; it
// returns the changes since key, which must hold the message.
func (c *emailClient) addFlagAndCategories(key, serverID string) *eas.SyncCollection {
	c.s.t.Helper()
	var cats []string
	if c.s.version.AtLeast(eas.Version140) {
		cats = []string{c.name("Category")}
	}
	flag := emailFlag{status: "2", flagType: "for Follow Up", completeTime: day(0), dateCompleted: day(0)}
	c.updateEmailWith(key, serverID, airsPtr(true), flag.node(), cats)
	col := c.syncChanges(key)
	if changedData(col, serverID) == nil {
		c.s.t.Fatal("the changes after the flag and category do not hold the message")
	}
	return col
}

// emailNewFlag is the flag S01's tests change to after
// addFlagAndCategories.
var emailNewFlag = emailFlag{status: "2", flagType: "Flag for follow up", completeTime: day(0), dateCompleted: day(0)}

// MSASEMAIL_S01_TC01: a new message has a ConversationIndex and no
// ReceivedAsBcc (14.0 and later).
func TestMSASEMAIL_S01_TC01_SyncMail_OnlyMetadata(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		if s.version.AtLeast(eas.Version140) {
			s.capture(350, len(it.email.ConversationIndex) > 0, "the message has no ConversationIndex")
			s.capture(649, it.email.ReceivedAsBcc == nil, "the message has ReceivedAsBcc %s though it had no Bcc", fmtBool(it.email.ReceivedAsBcc))
		}
	})
}

// MSASEMAIL_S01_TC02: a message synced with a BodyPreference has its
// data, an empty Flag and (14.0 and later) an empty Categories.
func TestMSASEMAIL_S01_TC02_SyncMail_MetadataAndBody(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		c.sendPlaintextEmail(subject)
		it := c.getSyncResult(subject, c.inbox(), []eas.BodyPreference{{Type: eas.BodyTypePlainText, TruncationSize: 5120, AllOrNone: airsPtr(false)}}, nil)
		s.capture(1057, it.email.Body != nil && it.email.Body.Data != "", "the message's Body has no Data")
		flag := emailChild(it.data, "Flag")
		s.capture(439, flag != nil && len(flag.Elements()) == 0, "the unflagged message's Flag is %v, want an empty element", flag)
		if s.version.AtLeast(eas.Version140) {
			cats := emailChild(it.data, "Categories")
			s.capture(318, cats != nil && len(cats.Elements()) == 0, "the message's Categories is %v, want an empty element", cats)
		}
	})
}

// MSASEMAIL_S01_TC03: a Change without Categories leaves them out of the
// changed message (14.0 and later).
func TestMSASEMAIL_S01_TC03_SyncChange_NotChangeCategories(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		col := c.addFlagAndCategories(c.syncKey, it.serverID)
		c.updateEmail(col.SyncKey, it.serverID, airsPtr(true), emailNewFlag.node())
		data := changedData(c.syncChanges(col.SyncKey), it.serverID)
		if data == nil {
			t.Fatal("the changes after the flag do not hold the message")
		}
		s.capture(320, emailChild(data, "Categories") == nil, "the changed message has Categories (%v) though the Change had none", emailElements(data))
	})
}

// MSASEMAIL_S01_TC04: an empty Categories removes them (14.0 and later).
func TestMSASEMAIL_S01_TC04_SyncChange_RemoveCategories(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		key := c.syncKey
		c.updateEmailWith(key, it.serverID, airsPtr(true), nil, []string{c.name("Category")})
		col := c.syncChanges(key)
		if changedData(col, it.serverID) == nil {
			t.Fatal("the changes after the category do not hold the message")
		}
		c.updateEmailWith(col.SyncKey, it.serverID, nil, nil, []string{})
		data := changedData(c.syncChanges(col.SyncKey), it.serverID)
		if data == nil {
			t.Fatal("the changes after the removal do not hold the message")
		}
		cats := emailChild(data, "Categories")
		s.capture(319, cats != nil && len(cats.Elements()) == 0, "the message's Categories is %v after their removal, want an empty element", cats)
	})
}

// MSASEMAIL_S01_TC05: when only Read changed, the Change carries only
// Read.
func TestMSASEMAIL_S01_TC05_OnlyReadPropertyChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		col := c.addFlagAndCategories(c.syncKey, it.serverID)
		c.updateEmail(col.SyncKey, it.serverID, airsPtr(false), nil)
		data := changedData(c.syncChanges(col.SyncKey), it.serverID)
		if data == nil {
			t.Fatal("the changes after Read do not hold the message")
		}
		s.capture(75, slices.Equal(emailElements(data), []string{"Read"}), "the Change carries %v, want only Read", emailElements(data))
		read := emailChild(data, "Read")
		s.capture(641, read != nil && read.Text() == "0", "the changed message's Read is %v, want 0", read)
		s.capture(10604, read != nil, "the changed message has no Read")
	})
}

// MSASEMAIL_S01_TC06: when only the flag changed, the Change carries only
// the Flag (14.0 and later).
func TestMSASEMAIL_S01_TC06_OnlyFlagPropertiesChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		col := c.addFlagAndCategories(c.syncKey, it.serverID)
		c.updateEmail(col.SyncKey, it.serverID, nil, emailNewFlag.node())
		data := changedData(c.syncChanges(col.SyncKey), it.serverID)
		for _, id := range []int{76, 100} {
			s.capture(id, slices.Equal(emailElements(data), []string{"Flag"}), "the Change carries %v, want only Flag", emailElements(data))
		}
	})
}

// MSASEMAIL_S01_TC07: when Read and the flag changed, the Change carries
// both (14.0 and later).
func TestMSASEMAIL_S01_TC07_BothReadAndFlagChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		col := c.addFlagAndCategories(c.syncKey, it.serverID)
		c.updateEmail(col.SyncKey, it.serverID, airsPtr(false), emailNewFlag.node())
		data := changedData(c.syncChanges(col.SyncKey), it.serverID)
		if data == nil {
			t.Fatal("the changes after Read and the flag do not hold the message")
		}
		if s.version.AtLeast(eas.Version140) {
			flag := emailChild(data, "Flag")
			s.capture(10612, flag != nil && len(flag.Elements()) > 0 && emailChild(data, "Read") != nil, "the Change carries %v, want Read and a Flag", emailElements(data))
		}
	})
}

// MSASEMAIL_S01_TC08: when Read, the flag and the categories changed,
// the Change carries all three (14.0 and later).
func TestMSASEMAIL_S01_TC08_FlagReadAndOtherEmailClassPropertiesChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		col := c.addFlagAndCategories(c.syncKey, it.serverID)
		c.updateEmailWith(col.SyncKey, it.serverID, airsPtr(false), emailNewFlag.node(), []string{c.name("NewCategory")})
		data := changedData(c.syncChanges(col.SyncKey), it.serverID)
		if data == nil {
			t.Fatal("the changes do not hold the message")
		}
		flag := emailChild(data, "Flag")
		ok := flag != nil && len(flag.Elements()) > 0 && emailChild(data, "Read") != nil && emailChild(data, "Categories") != nil
		for _, id := range []int{104, 1017} {
			s.capture(id, ok, "the Change carries %v, want Read, a Flag and Categories", emailElements(data))
		}
	})
}

// MSASEMAIL_S01_TC09: without changes since the key, a Sync answers no
// Change.
func TestMSASEMAIL_S01_TC09_WithoutAnyEmailClassPropertiesChanged(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		col := c.addFlagAndCategories(c.syncKey, it.serverID)
		again := c.syncChanges(col.SyncKey)
		changes := 0
		if again != nil {
			for _, ch := range again.Commands {
				if ch.Kind == eas.SyncChange {
					changes++
				}
			}
		}
		s.equal(81, "the Changes a Sync without new changes answers", 0, changes)
	})
}

// MSASEMAIL_S01_TC10: Read changes with a boolean; a Read that is not
// one is refused with Status 6.
func TestMSASEMAIL_S01_TC10_NonBooleanRead(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		c.updateEmail(c.syncKey, it.serverID, airsPtr(true), nil)
		it = c.getSyncResult(cmdSubject(it.data), c.inbox(), nil, nil)
		s.capture(640, it.email.Read != nil && *it.email.Read, "Read is %s after it was set to 1", fmtBool(it.email.Read))
		col := c.changeWith(c.syncKey, it.serverID, wbxml.NewElement(cmdTag("AirSync:ApplicationData"), cmdText("Email:Read", "NON_BOOL")))
		st := 0
		if col != nil {
			st = changeStatus(col, it.serverID)
		}
		s.equal(643, "the Change's Status for a Read of NON_BOOL", 6, st)
	})
}

// emailReadOnly is the S01 tests that change a property the server sets
// (Sender, ReceivedAsBcc): the Change is refused with Status 6.
func (c *emailClient) emailReadOnly(it *airsItem, qname, value string) int {
	c.s.t.Helper()
	col := c.changeWith(c.syncKey, it.serverID, wbxml.NewElement(cmdTag("AirSync:ApplicationData"), cmdText(qname, value)))
	if col == nil {
		return 0
	}
	return changeStatus(col, it.serverID)
}

// MSASEMAIL_S01_TC11: a Change of Sender is refused (14.0 and later).
func TestMSASEMAIL_S01_TC11_ChangeSenderValueInRequest(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		s.equal(723, "the Change's Status for a Sender", 6, c.emailReadOnly(it, "Email2:Sender", emailUser2))
	})
}

// MSASEMAIL_S01_TC12: a message whose Sender is its From has no Sender.
func TestMSASEMAIL_S01_TC12_SenderAndFromHaveSameValue(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		from := mailAddress(emailUser1)
		c.sendMIME(subject, emailMIME(from, mailAddress(emailUser2), "", "", subject, c.name("content"), from, ""))
		c.switchUser(emailUser2)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		s.capture(726, it.email.Sender == "", "the message has Sender %q though it is its From", it.email.Sender)
	})
}

// MSASEMAIL_S01_TC13: a message without Sender has none.
func TestMSASEMAIL_S01_TC13_SenderValueIsNull(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		s.capture(1065, it.email.Sender == "", "the message has Sender %q though it was sent without one", it.email.Sender)
	})
}

// MSASEMAIL_S01_TC14: a Change of ReceivedAsBcc is refused (14.0 and
// later).
func TestMSASEMAIL_S01_TC14_ChangeReceivedAsBccInRequest(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		c.sendMIME(subject, emailMIME(mailAddress(emailUser1), mailAddress(emailUser2), "", mailAddress(emailUser3), subject, c.name("content"), "", ""))
		c.switchUser(emailUser3)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		s.equal(648, "the Change's Status for a ReceivedAsBcc", 6, c.emailReadOnly(it, "Email2:ReceivedAsBcc", "0"))
	})
}

// MSASEMAIL_S01_TC15: a message to and copied to several users, with
// several Reply-To addresses, lists them with their separators; from 14.0
// User02's reply marks the message as replied to and makes a
// ConversationIndex one level longer.
func TestMSASEMAIL_S01_TC15_SendAndReplyToMultipleAddress(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := emailLab(s)
		subject := c.name("subject")
		u1, u2, u3 := mailAddress(emailUser1), mailAddress(emailUser2), mailAddress(emailUser3)
		replyTo := u1 + ", " + u3
		c.sendMIME(subject, emailMIME(u1, u2+", "+u3, u1+", "+u2+", "+u3, "", subject, c.name("content"), "", replyTo))
		c.switchUser(emailUser1)
		mine := c.getSyncResult(subject, c.inbox(), nil, nil)
		s.capture(328, mine != nil, "User01, copied, did not get the message")
		c.switchUser(emailUser2)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		s.capture(400, strings.Contains(it.email.DisplayTo, ";"), "DisplayTo is %q, want the names separated by semicolons", it.email.DisplayTo)
		s.capture(331, strings.Contains(it.email.Cc, ","), "Cc is %q, want the addresses separated by commas", it.email.Cc)
		s.capture(711, strings.Contains(it.email.ReplyTo, ";"), "ReplyTo is %q, want the addresses separated by semicolons", it.email.ReplyTo)
		s.capture(787, strings.Contains(it.email.To, ","), "To is %q, want the addresses separated by commas", it.email.To)
		if !s.version.AtLeast(eas.Version140) {
			return
		}
		replySubject := "Re: " + subject
		reply := emailMIME(u2, replyTo, "", "", replySubject, c.name("reply: body"), "", "")
		req := c.l.request(c.user, eas.CommandSmartReply)
		c.sendRaw(req, &eas.SmartReplyRequest{ClientId: airsClientID(), Source: &eas.Source{FolderId: c.inbox(), ItemId: it.serverID}, Mime: reply})
		again := c.getSyncResult(subject, c.inbox(), nil, nil)
		s.equal(510, "the replied message's LastVerbExecuted", 1, again.email.LastVerbExecuted)
		c.switchUser(emailUser3)
		replied := c.getSyncResult(replySubject, c.inbox(), nil, nil)
		s.capture(351, len(again.email.ConversationIndex) > 0, "the message has no ConversationIndex")
		s.capture(1054, len(again.email.ConversationIndex) > 0 && len(replied.email.ConversationIndex) == 2*len(again.email.ConversationIndex),
			"the reply's ConversationIndex has %d bytes, the original's %d; want twice", len(replied.email.ConversationIndex), len(again.email.ConversationIndex))
	})
}

// MSASEMAIL_S01_TC16: a forward's ConversationIndex is its original's
// one level longer (14.0 and later).
func TestMSASEMAIL_S01_TC16_ForwardEmail(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.received()
		subject := "FW: " + cmdSubject(it.data)
		forward := emailMIME(mailAddress(emailUser2), mailAddress(emailUser3), "", "", subject, c.name("forward: body"), "", "")
		c.sendRaw(c.l.request(c.user, eas.CommandSmartForward), &eas.SmartForwardRequest{ClientId: airsClientID(), Source: &eas.Source{FolderId: c.inbox(), ItemId: it.serverID}, Mime: forward})
		c.switchUser(emailUser3)
		fwd := c.getSyncResult(subject, c.inbox(), nil, nil)
		s.capture(352, len(it.email.ConversationIndex) > 0 && len(fwd.email.ConversationIndex) == 2*len(it.email.ConversationIndex),
			"the forward's ConversationIndex has %d bytes, the original's %d; want twice", len(fwd.email.ConversationIndex), len(it.email.ConversationIndex))
	})
}
