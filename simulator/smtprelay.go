package simulator

import (
	"net/smtp"

	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/notice"
)

// relay sends a copy of a notification over SMTP to Options.SMTPRelay (a
// mail catcher such as Mailpit), so that a developer can read the notices
// in a mail client. It runs in its own goroutine; failures are logged.
func (s *Server) relay(raw []byte, to []string) {
	if s.opts.SMTPRelay == "" || len(to) == 0 {
		return
	}
	from := notice.SystemSender(s.dir.Org.Domain).Address
	go func() {
		if err := smtp.SendMail(s.opts.SMTPRelay, nil, from, to, raw); err != nil {
			s.log.Warn("relaying a notice over SMTP", "relay", s.opts.SMTPRelay, "error", err)
		}
	}()
}

// relayTo lists the SMTP addresses a notice goes to.
func relayTo(kind access.NoticeKind, owner string, admins []string) []string {
	if kind == access.NoticeQuarantineAdmin {
		var out []string
		for _, a := range admins {
			if addr, err := ParseAddress(a); err == nil {
				out = append(out, addr.Address)
			}
		}
		return out
	}
	return []string{owner}
}
