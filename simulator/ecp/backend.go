package ecp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/easlab/easlab/simulator/admin"
)

// Backend is what the admin center needs of the server. The simulator
// implements it: every read and write goes through Run, the same cmdlet
// layer as /api/cmdlet and Remote PowerShell.
type Backend interface {
	// SignIn checks a user name (UPN, DOMAIN\alias, alias or SMTP
	// address) and password against the directory. ok is false for a
	// wrong password or a locked-out account; roleGroups are the user's
	// Exchange role groups (none: not an administrator).
	SignIn(user, password string) (account string, roleGroups []string, ok bool)
	// CheckToken says whether token is the admin API's bearer token.
	CheckToken(token string) bool
	// Run binds params (a JSON object) and runs the cmdlet called name,
	// as the admin API does. Errors are *admin.Error.
	Run(ctx context.Context, name string, params json.RawMessage) (admin.Output, error)
	// Events returns the event log's events, oldest first.
	Events() []Event
	// Requests returns the IIS log lines of a device's latest requests
	// (the mailbox's primary SMTP address and the DeviceId), newest first,
	// at most max.
	Requests(mailbox, deviceID string, max int) []string
	// WaitEvents returns the events after id after, waiting for one when
	// there are none yet; it returns early when ctx ends.
	WaitEvents(ctx context.Context, after uint64) []Event
	// Now is the server's clock.
	Now() time.Time
	// Mailbox is a read-only view of the folders and items of the
	// mailbox of user (an SMTP address, UPN or alias); ok is false when
	// there is no such mailbox. It never changes the mailbox.
	Mailbox(user string) (folders []MailFolder, ok bool)
	// Faults returns the faults in force, in the order they match.
	Faults() []Fault
}

// Event is one entry of the server's event log (what /api/events sends).
type Event struct {
	ID         uint64
	Time       time.Time
	Kind       string
	Mailbox    string // the owner's primary SMTP address
	DeviceID   string
	DeviceType string
	From       string
	To         string
	Reason     string
	Rule       string
	Subject    string
	Status     string
}

// MailFolder is one folder of a mailbox as the admin center shows it,
// with its items, oldest first.
type MailFolder struct {
	ID    string // the folder's ServerId
	Name  string
	Type  int // the EAS folder type
	Items []MailItem
}

// MailItem is one item of a folder as its owner sees it: the headers and
// bodies of its MIME message (an e-mail) or of its properties.
type MailItem struct {
	ID          string // the item's ServerId
	Class       string
	Subject     string
	From        string
	To          string
	Cc          string
	Date        time.Time
	Plain       string // the text/plain body
	HTML        string // the text/html body, "" when it has none
	Attachments []MailAttachment
}

// MailAttachment is an attachment's name, type and size.
type MailAttachment struct {
	Name        string
	ContentType string
	Size        int
	Inline      bool
}

// Fault is one fault of the faults API (/api/faults) in force: what it
// matches and what it does, as the API describes it.
type Fault struct {
	ID          string
	Command     string // the EAS command it matches, or ""
	User        string
	DeviceID    string
	Cmdlet      string // the cmdlet it matches, or ""
	Latency     time.Duration
	HTTPStatus  int
	RetryAfter  int
	Status      int
	Redirect    string
	Drop        bool
	Count       int           // how many times it fires (0: until removed)
	For         time.Duration // how long it lasts from Created (0: until removed)
	Probability float64
	Created     time.Time
	Hits        int
}
