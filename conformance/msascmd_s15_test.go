package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S15: the SendMail command.

// MSASCMD_S15_TC01: a SendMail that succeeds answers no body and the
// message reaches the recipient.
func TestMSASCMD_S15_TC01_SendMail_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		a := c.sendMail(plainMIME(mailAddress(cmdUser1), mailAddress(cmdUser2), "", subject, "Default Email"), "cmd2-m1")
		for _, id := range []int{463, 4379, 5091} {
			s.capture(id, a.Status == 200 && len(a.Body) == 0, "the SendMail answered HTTP %d with %d bytes", a.Status, len(a.Body))
		}
		c.switchUser(cmdUser2)
		r := c.syncChanges(c.inbox())
		s.capture(443, cmd2FindServerID(r, "Subject", subject) != "", "the message is not in the recipient's Inbox")
	})
}

// MSASCMD_S15_TC02: a SendMail with an AccountId that names no account
// answers a Status, 166.
func TestMSASCMD_S15_TC02_SendMail_AccountIdInvalid(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		subject := "MSASCMD_subject1"
		mime := plainMIME(mailAddress(cmdUser1), mailAddress(cmdUser2), "", subject, "Default Email")
		a := c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: "cmd2-m1", AccountId: "InvalidValueAccountID", Mime: mime})
		st := cmd2SendMailStatus(s, a)
		s.capture(4380, st != 0, "the SendMail with an unknown AccountId answered HTTP %d with no Status", a.Status)
		dtype := &site{t: s.t, spec: "MS-ASDTYPE", version: s.version}
		dtype.capture(95, st != 0, "the SendMail with an unknown AccountId answered HTTP %d with no Status", a.Status)
		s.capture(5092, st != 0, "the SendMail with an unknown AccountId answered HTTP %d with no Status", a.Status)
		s.equal(724, "the SendMail Status for an unknown AccountId", 166, st)
	})
}
