package conformance

import (
	"net/http"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S06: GetAttachment, which only 12.1 has.

// cmdAttachments is the DisplayName and FileReference of each attachment
// of the added item serverID.
func cmdAttachments(r *eas.SyncResponse, serverID string) (names, refs []string) {
	if col := cmdCollection(r); col != nil {
		for _, a := range col.Commands {
			if a.Kind == eas.SyncAdd && a.ServerId == serverID && a.ApplicationData != nil {
				if n := a.ApplicationData.Find(wbxml.LookupQualified("AirSyncBase:Attachments")); n != nil {
					for _, at := range n.FindAll(wbxml.LookupQualified("AirSyncBase:Attachment")) {
						names = append(names, cmdField(at, "AirSyncBase:DisplayName"))
						refs = append(refs, cmdField(at, "AirSyncBase:FileReference"))
					}
				}
			}
		}
	}
	return names, refs
}

// mailAttachment is SendEmailWithAttachment: User1 mails User2 a message
// with one attachment; the client is User2's afterwards, and the Sync
// that found it is returned.
func (c *cmdSuite) mailAttachment() (string, *eas.SyncResponse) {
	c.s.t.Helper()
	subject := c.name("NormalAttachment_Subject")
	c.sendMIME(subject, cmdAttachmentMIME(mailAddress(cmdUser1), mailAddress(cmdUser2), subject, c.name("NormalAttachment_Body")))
	c.switchUser(cmdUser2)
	return subject, c.getMailItem(c.my().inbox, subject)
}

// getAttachment is the GetAttachment command for a FileReference.
func (c *cmdSuite) getAttachment(ref string) *answer {
	c.s.t.Helper()
	req := c.l.request(c.user, eas.CommandGetAttachment)
	req.AttachmentName = ref
	return c.sendRaw(req, nil)
}

// MSASCMD_S06_TC01: an attachment is listed in the message and fetched by
// its FileReference.
func TestMSASCMD_S06_TC01_GetAttachment_Success(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version121}, func(t *testing.T, s *site) {
		c := cmdLab(s)
		subject, r := c.mailAttachment()
		names, refs := cmdAttachments(r, cmdServerID(r, subject))
		if len(refs) != 1 {
			t.Fatalf("the message has %d attachments, want 1", len(refs))
		}
		s.equal(5501, "the attachment's DisplayName", "number1.jpg", names[0])
		a := c.getAttachment(refs[0])
		s.capture(157, a.Status == http.StatusOK && len(a.Body) > 0, "GetAttachment answered HTTP %d with %d bytes", a.Status, len(a.Body))
		s.capture(160, a.Status == http.StatusOK, "GetAttachment sent in a POST answered HTTP %d", a.Status)
	})
}

// MSASCMD_S06_TC02: the attachment of a deleted message is HTTP 500.
func TestMSASCMD_S06_TC02_GetAttachment_Status500(t *testing.T) {
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version121}, func(t *testing.T, s *site) {
		c := cmdLab(s)
		subject, r := c.mailAttachment()
		_, refs := cmdAttachments(r, cmdServerID(r, subject))
		if len(refs) != 1 {
			t.Fatalf("the message has %d attachments, want 1", len(refs))
		}
		if a := c.getAttachment(refs[0]); a.Status != http.StatusOK {
			t.Fatalf("GetAttachment answered HTTP %d, want 200", a.Status)
		}
		id := cmdServerID(c.syncChanges(c.my().inbox), subject)
		del := cmdSyncRequest(c.syncKey, c.my().inbox)
		del.Collections.Collection[0].Options = nil
		del.Collections.Collection[0].Commands = eas.SyncCommands{{Kind: eas.SyncDelete, ServerId: id}}
		c.sync(del)
		del.Collections.Collection[0].SyncKey = c.syncKey
		if cmdServerID(c.sync(del), subject) != "" {
			t.Fatalf("the deleted message is still in the Inbox")
		}
		if cmdServerID(c.syncChanges(c.my().deleted), subject) == "" {
			t.Fatalf("the deleted message is not in Deleted Items")
		}
		a := c.getAttachment(refs[0])
		s.equal(166, "the HTTP status of GetAttachment of a deleted message's attachment", 500, a.Status)
	})
}
