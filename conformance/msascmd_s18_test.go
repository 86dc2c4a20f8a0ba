package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S18: the SmartReply command (sent with compose, in the S17
// file).

// MSASCMD_S18_TC02: a SmartReply succeeds with an empty answer and the
// reply reaches the sender.
func TestMSASCMD_S18_TC02_SmartReply_Success(t *testing.T) {
	atVersions(t, specCMD2, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		c.sendPlainText(subject, cmd2User1, cmd2User2, "")
		c.switchUser(cmd2User2)
		id := cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", subject)
		s.must(cmd2ok(id != "", "not found"), "finding the message")
		re := "REPLY: " + subject
		a := c.compose(eas.CommandSmartReply, c.inbox(), id, cmd2PlainMIME(cmd2Mail(cmd2User2), cmd2Mail(cmd2User1), "", re, "MSASCMD_reply:body1"), nil)
		c.switchUser(cmd2User1)
		s.must(cmd2ok(cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", re) != "", "not found"), "finding the reply in User01's Inbox")
		s.capture(605, a.Status == 200 && len(a.Body) == 0, "the SmartReply answered HTTP %d with %d bytes", a.Status, len(a.Body))
		s.capture(5776, a.Status == 200 && len(a.Body) == 0, "the SmartReply answered HTTP %d with %d bytes", a.Status, len(a.Body))
	})
}
