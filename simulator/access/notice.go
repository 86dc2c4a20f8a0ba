package access

import (
	"net/mail"
	"strings"
)

// NoticeKind is one notification mail (exchange-admin.md 3.1). The
// simulator builds and delivers it; this package only says which a
// transition sends.
type NoticeKind string

// Notification mails a transition can produce.
const (
	NoticeQuarantineUser  NoticeKind = "QuarantineUser"  // the Quarantined mail, to the owner's Inbox
	NoticeBlockedUser     NoticeKind = "BlockedUser"     // the Blocked mail, to the owner's Inbox
	NoticeQuarantineAdmin NoticeKind = "QuarantineAdmin" // the admin mail, through transport
)

// Notices returns the mails Exchange sends when a request stamps newState
// with reason on a device whose previous request stamped oldState
// (exchange-admin.md 3.1; S1 Command.ShouldSendABQNotificationMail and
// ABQMailHelper.SendABQNotificationMail), user mail first:
//   - nothing unless the state changed and the new one is Quarantined or
//     Blocked, so one mail per transition, none while it stays there, none
//     for DeviceDiscovery (its template is never selected);
//   - nothing for reason Policy, nor for any reason numbered from
//     UserAgentsChanges (6) on: the autoblock reasons (their own mail,
//     not built here) and, since Exchange compares numbers, the Exchange
//     Online MDM reasons 51 to 53 too (they have the MDM mails). What is
//     left: Unknown, Global, Individual, DeviceRule, Upgrade;
//   - the admin mail only for Quarantined, and only when admins holds at
//     least one valid SMTP address (see AdminRecipients; Exchange then
//     logs event 1110 NoAdminMailRecipientsError instead).
//
// A device's first request has oldState Unknown.
func Notices(oldState, newState State, reason Reason, admins []string) []NoticeKind {
	if newState == oldState || reason == ReasonPolicy ||
		reason < 0 || reason >= ReasonUserAgentsChanges {
		return nil
	}
	switch newState {
	case Blocked:
		return []NoticeKind{NoticeBlockedUser}
	case Quarantined:
		if len(AdminRecipients(admins)) > 0 {
			return []NoticeKind{NoticeQuarantineUser, NoticeQuarantineAdmin}
		}
		return []NoticeKind{NoticeQuarantineUser}
	}
	return nil
}

// AdminRecipients returns the addresses of admins that are valid SMTP
// addresses, trimmed, as Exchange keeps only those
// (SmtpAddress.IsValidAddress): a bare address with one '@', no display
// name.
func AdminRecipients(admins []string) []string {
	var out []string
	for _, s := range admins {
		s = strings.TrimSpace(s)
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || a.Address != s || strings.Count(s, "@") != 1 {
			continue
		}
		out = append(out, s)
	}
	return out
}
