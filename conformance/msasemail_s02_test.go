package conformance

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASEMAIL S02: electronic voice mail. User01 sends User02 a message
// with the headers of a voice mail (Content-Class voice, the caller's
// number, the order and duration of its two recordings), which Exchange
// reads as one (simulator/voicemail.go).

// mreqVoiceMIME is TestSuiteHelper.CreateVoiceAttachmentMime: two audio
// attachments named in X-AttachmentOrder, the second the most recent.
// The recordings' bytes are the suite's files' in kind only: nothing
// reads them.
func mreqVoiceMIME(from, to, subject, body, callNumber string) []byte {
	part := func(name string) string {
		return "--_001_MSASEMAIL_NextPart_\r\nContent-Type: audio/mp3\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte("ID3 recording "+name)) + "\r\n\r\n"
	}
	return []byte("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nContent-Class: voice\r\n" +
		"X-CallingTelephoneNumber: " + callNumber + "\r\nX-VoiceMessageDuration: 2\r\nX-AttachmentOrder: testVoice.mp3;secondTestVoice.mp3\r\n" +
		"Content-Type: multipart/mixed;\r\n    boundary=\"_001_MSASEMAIL_NextPart_\"\r\nMIME-Version: 1.0\r\n\r\n" +
		"--_001_MSASEMAIL_NextPart_\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n" + body + "\r\n\r\n" +
		part("testVoice.mp3") + part("secondTestVoice.mp3") + "--_001_MSASEMAIL_NextPart_--\r\n")
}

// mreqSendVoiceMail is SendVoiceMail: User01 sends the voice mail, and
// User02 finds it in the Inbox.
func (c *emailClient) mreqSendVoiceMail(subject string) *airsItem {
	c.s.t.Helper()
	c.sendMIME(subject, mreqVoiceMIME(mailAddress(emailUser1), mailAddress(emailUser2), subject, c.name("content"), "7125550123"))
	c.switchUser(emailUser2)
	return c.getSyncResult(subject, c.inbox(), nil, nil)
}

// mreqAttachments are the Attachment elements of an item.
func mreqAttachments(data *wbxml.Node) []*wbxml.Node {
	if atts := emailChild(data, "Attachments"); atts != nil {
		return atts.Elements()
	}
	return nil
}

// mreqUpdateVoiceMail is UpdateVoiceEmailWithInvalidData: as User02, a
// Sync Change (Read 1, with the ServerId the suite gives: the Inbox's
// CollectionId) carrying an element only the server sets; it returns the
// Change's Status.
func (c *emailClient) mreqUpdateVoiceMail(extra *wbxml.Node) int {
	c.s.t.Helper()
	c.switchUser(emailUser2)
	key := c.initialSyncKey(c.inbox())
	if col := c.syncChanges(key); col != nil {
		key = col.SyncKey
	}
	app := wbxml.NewElement(cmdTag("AirSync:ApplicationData"), cmdText("Email:Read", "1"), extra)
	col := c.changeWith(key, c.inbox(), app)
	if col == nil {
		c.s.t.Fatal("the Sync Change answered no collection")
	}
	if col.Status != 1 {
		return col.Status
	}
	return changeStatus(col, c.inbox())
}

// MSASEMAIL_S02_TC01: a voice mail's recordings have their order, the
// most recent its duration, and the message its caller's number.
func TestMSASEMAIL_S02_TC01_VoiceAttachment_VerifyAllRelativeElements(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		it := c.mreqSendVoiceMail(c.name("subject"))
		atts := mreqAttachments(it.data)
		if len(atts) != 2 {
			t.Fatalf("the voice mail has %d attachments, want 2", len(atts))
		}
		order := func(a *wbxml.Node) string { v, _ := cmdChild(a, "UmAttOrder"); return v }
		for _, a := range atts {
			if _, ok := cmdChild(a, "UmAttOrder"); !ok {
				t.Fatal("an attachment of the voice mail has no UmAttOrder")
			}
		}
		_, firstHas := cmdChild(atts[0], "UmAttDuration")
		duration, secondHas := cmdChild(atts[1], "UmAttDuration")
		if firstHas || !secondHas {
			t.Fatalf("UmAttDuration on the first attachment: %v, on the second: %v; want only on the second", firstHas, secondHas)
		}
		s.capture(799, true, "")
		class := it.email.MessageClass
		evm := strings.HasPrefix(class, "IPM.Note.Microsoft.Voicemail") || strings.HasPrefix(class, "IPM.Note.RPMSG.Microsoft.Voicemail") ||
			strings.HasPrefix(class, "IPM.Note.Microsoft.Missed.Voice")
		s.capture(804, evm, "MessageClass is %q", class)
		s.capture(811, evm, "MessageClass is %q", class)
		s.capture(803, duration != "", "the most recent recording has no UmAttDuration")
		if name, _ := cmdChild(atts[0], "DisplayName"); name == "" {
			t.Fatal("the first attachment has no DisplayName")
		}
		o0, _ := strconv.Atoi(order(atts[0]))
		s.capture(805, order(atts[1]) == "1" && o0 > 1, "UmAttOrder is %q and %q, want more than 1 and 1", order(atts[0]), order(atts[1]))
		s.equal(808, "the most recent recording's UmAttOrder", "1", order(atts[1]))
		s.equal(809, "the most recent recording's UmAttOrder", "1", order(atts[1]))
		s.capture(829, it.email.UmCallerID != "", "the voice mail has no UmCallerID")
		s.capture(812, it.email.UmCallerID != "", "the voice mail has no UmCallerID")
		s.capture(933, it.email.UmCallerID != "", "the voice mail has no UmCallerID")
	})
}

// MSASEMAIL_S02_TC02: a Change carrying UmCallerID is refused.
func TestMSASEMAIL_S02_TC02_VoiceAttachment_IncludedUmCallerIDInRequest(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		c.mreqSendVoiceMail(c.name("subject"))
		s.equal(817, "the Change's Status with UmCallerID", 6, c.mreqUpdateVoiceMail(cmdText("Email2:UmCallerID", "77777777777")))
	})
}

// MSASEMAIL_S02_TC03: a Change carrying UmUserNotes is refused.
func TestMSASEMAIL_S02_TC03_VoiceAttachment_IncludedUmUserNotesInRequest(t *testing.T) {
	atVersions(t, emailSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := emailLab(s)
		c.mreqSendVoiceMail(c.name("subject"))
		s.equal(835, "the Change's Status with UmUserNotes", 6, c.mreqUpdateVoiceMail(cmdText("Email2:UmUserNotes", c.name("subject"))))
	})
}
