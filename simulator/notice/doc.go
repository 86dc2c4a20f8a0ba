// Package notice builds Exchange's device access notification mails
// (exchange-admin.md 3.1, 3.2, 2.4): the quarantine, block and discovery
// mails to a device's owner, the quarantine mail to the organization's
// admins, and the partnership-limit mail. They are complete RFC 5322
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
// Only the subjects are verbatim Exchange strings (3.2). The body sentences
// and the table labels are en-US reconstructions: the Quarantined notice
// from a real Exchange Online body (TbSync issue #126) and the on-premises
// wording of KB 3013802 ("mobile device"); the admin sentences and heading
// translated from a real German admin mail (Microsoft Q&A 154985); the
// labels from 3.2 with the trailing colon both real bodies show. The
// Blocked, DeviceDiscovery and max-partnership sentences are paraphrases.
//
// The package imports access, go-message and the standard library, never
// the simulator.
package notice
