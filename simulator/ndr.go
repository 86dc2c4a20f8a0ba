package simulator

import (
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/notice"
	"github.com/easlab/easlab/wbxml"
)

// Non-delivery reports. A message sent to an address of the
// organization's accepted domain that no recipient has cannot be
// delivered: Exchange's transport answers the sender with a non-delivery
// report (550 5.1.1 RESOLVER.ADR.RecipNotFound), an internal DSN whose
// From is the Microsoft Exchange recipient under the name "Microsoft
// Outlook" (DsnGenerator.AddRFC822Headers and GetInternalPostmasterAddress,
// Exchange 2013 Transport), with the subject "Undeliverable: " and the
// original's, delivered to the sender's Inbox as a REPORT.IPM.Note.NDR
// (MSASEMAIL_S01_TC18). Addresses of other domains leave the
// organization and are not reported on.

// ndrClass is the message class of a non-delivery report (MS-OXOMSG
// 2.2.1.3: REPORT.<original class>.NDR).
const ndrClass = "REPORT.IPM.Note.NDR"

// reportUndeliverable puts into the sending user's Inbox a non-delivery
// report for the addresses of external that are in the organization's
// domain but name no recipient.
func (c *call) reportUndeliverable(msg *Mail, external []string, now time.Time) {
	var unknown []string
	for _, a := range external {
		if _, dom, ok := strings.Cut(a, "@"); ok && strings.EqualFold(dom, c.s.dir.Org.Domain) {
			unknown = append(unknown, a)
		}
	}
	if len(unknown) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("Delivery has failed to these recipients or groups:\r\n\r\n")
	for _, a := range unknown {
		b.WriteString(a + "\r\nThe email address you entered couldn't be found.\r\n\r\n")
	}
	b.WriteString("Diagnostic information for administrators:\r\n\r\n")
	for _, a := range unknown {
		b.WriteString(a + "\r\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\r\n\r\n")
	}
	b.WriteString("Original message subject: " + msg.Subject + "\r\n")
	raw, err := BuildMail(notice.SystemSender(c.s.dir.Org.Domain), []*mail.Address{{Name: c.user.DisplayName, Address: c.user.PrimarySmtpAddress}},
		"Undeliverable: "+msg.Subject, b.String(), "", now)
	if err != nil {
		c.s.log.Error("building a non-delivery report", "error", err)
		return
	}
	report, err := ParseMail(raw)
	if err != nil {
		c.s.log.Error("building a non-delivery report", "error", err)
		return
	}
	it := EmailItem(report, now, false)
	it.setProps([]*wbxml.Node{wbxml.NewText(tEmailMessageClass, ndrClass)})
	inbox, ok := c.mb.FolderByType(eas.FolderTypeInbox)
	if !ok {
		return
	}
	if _, err := c.mb.AddItem(inbox.ServerID, it); err != nil {
		c.s.log.Error("delivering a non-delivery report", "error", err)
	}
}
