// Package notice builds Exchange's device access notification mails
// (exchange-admin.md 3.1, 3.2, 2.4): the quarantine, block and discovery
// mails to a device's owner, the quarantine mail to the organization's
// admins, the autoblock mail and the partnership-limit mail. They are complete RFC 5322
// messages, written with go-message by pure functions: the same Device
// gives the same bytes (Message-ID and MIME boundary are derived from the
// content, the time comes from the Device). Whether a transition sends
// anything is access.Notices; storing the user mail in the Inbox and
// handing the admin mail to transport is the simulator's.
//
// Layout, as Exchange 2013 CU23 builds it (S1 ABQMailHelper): an HTML body
// made of <p> paragraphs — the notice; the organization's UserMailInsert,
// unescaped, in its own paragraph (user mails, when not empty); a heading
// and a two-column table in a fixed row order; a "Sent at <local time> to
// <addresses>" line. Every value is HTML-escaped except UserMailInsert.
//
// The en-US strings — subjects, sentences, headings, labels, the "Sent at
// {0} to {1}." line — are verbatim from Exchange 2013 CU23's resources (S1
// Strings.resources for the user mails, EASServerStrings.resources for
// the admin mail), read out of the .resources files; the layout is S1
// ABQMailHelper's. The user mails are written in the mailbox's preferred
// culture (Device.Language), the admin mail in the server's
// (Device.ServerLanguage), as Exchange picks them; the cultures with texts
// are en-US and de-DE, whose strings are UNCONFIRMED translations
// (texts.go). The autoblock mail (AutoblockUser) and the partnership-limit
// mail follow the same resources.
//
// The package imports access, go-message and the standard library, never
// the simulator.
package notice
