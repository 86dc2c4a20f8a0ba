package conformance

import (
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASAIRS S03: attachments. Each test mails User02 a message with one
// attachment and reads its Attachments with Sync and ItemOperations.

// verifyMethod is VerifyMethodElementValue: the item has one attachment,
// of Method method; it returns it.
func (c *airsClient) verifyMethod(e *eas.Email, method int, step string) *eas.Attachment {
	c.s.t.Helper()
	if e.Attachments == nil || len(e.Attachments.Attachment) != 1 {
		c.s.t.Fatalf("%s: the item does not have one Attachment (Attachments %+v)", step, e.Attachments)
	}
	a := &e.Attachments.Attachment[0]
	if a.Method != method {
		c.s.t.Fatalf("%s: the attachment's Method is %d, want %d", step, a.Method, method)
	}
	return a
}

// MSASAIRS_S03_TC01: a Fetch whose FileReference is empty fails with
// Status 15.
func TestMSASAIRS_S03_TC01_FileReference_ZeroLengthString(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsNormalAttachment, subject, body)
		c.getSyncResult(subject, c.inbox(), nil, nil)
		req := wbxml.NewElement(cmdTag("ItemOperations:ItemOperations"), cmdNode("ItemOperations:Fetch",
			cmdText("ItemOperations:Store", "Mailbox"), cmdText("AirSyncBase:FileReference", "")))
		raw, err := req.MarshalBinary()
		s.must(err, "encoding the request")
		a := c.send(eas.CommandItemOperations, raw)
		var r eas.ItemOperationsResponse
		a.decode(s, &r)
		if r.Response == nil || len(r.Response.Results) != 1 || r.Response.Results[0].Fetch == nil {
			t.Fatalf("the ItemOperations answer (Status %d) does not hold one Fetch", r.Status)
		}
		s.equal(214, "the Status of a Fetch with an empty FileReference", 15, r.Response.Results[0].Fetch.Status)
	})
}

// MSASAIRS_S03_TC02: an inline image is a normal attachment (Method 1)
// with its ContentId.
func TestMSASAIRS_S03_TC02_NormalAttachment(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsNormalAttachment, subject, body)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		a := c.verifyMethod(&it.email, eas.AttachmentMethodNormal, "Sync")
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, nil, nil, false)
		c.verifyMethod(&fetched.email, eas.AttachmentMethodNormal, "ItemOperations")
		s.capture(225, true, "")
		for _, id := range []int{160, 1343} {
			s.capture(id, a.ContentId != "", "the attachment has no ContentId")
		}
	})
}

// MSASAIRS_S03_TC03: an attached message is an embedded message (Method
// 5), a .eml file, not inline.
func TestMSASAIRS_S03_TC03_EmbeddedMessageAttachment(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsEmbeddedAttachment, subject, body)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		a := c.verifyMethod(&it.email, eas.AttachmentMethodEmbeddedEML, "Sync")
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, nil, nil, false)
		c.verifyMethod(&fetched.email, eas.AttachmentMethodEmbeddedEML, "ItemOperations")
		s.capture(2299, strings.HasSuffix(strings.ToLower(a.DisplayName), ".eml"), "the embedded message's DisplayName is %q", a.DisplayName)
		s.capture(100298, a.IsInline == nil, "the embedded message has IsInline %v", fmtBool(a.IsInline))
	})
}
