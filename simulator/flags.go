package simulator

import (
	"strings"
	"time"

	"github.com/easlab/easlab/wbxml"
)

// E-mail flags (MS-ASEMAIL 2.2.2.34 Flag and 3.1.4.3, Updating E-Mail
// Flags), as a client sets them with a Sync Change and as Exchange's
// XsoFlagProperty stores them: Status 0 (or none) clears the flag, 2 sets
// it, 1 completes it; anything else, or a flag that misses what its
// Status needs, is refused with the Change's Status 6.

var (
	tEmailFlag          = mustTag("Email:Flag")
	tEmailSender        = mustTag("Email2:Sender")
	tEmailReceivedAsBcc = mustTag("Email2:ReceivedAsBcc")
	tFlagStatus         = mustTag("Email:Status")
	tFlagType           = mustTag("Email:FlagType")
	tFlagCompleteTime   = mustTag("Email:CompleteTime")
	tFlagDateCompleted  = mustTag("Tasks:DateCompleted")
	tFlagStartDate      = mustTag("Tasks:StartDate")
	tFlagUtcStartDate   = mustTag("Tasks:UtcStartDate")
	tFlagDueDate        = mustTag("Tasks:DueDate")
	tFlagUtcDueDate     = mustTag("Tasks:UtcDueDate")
	tFlagReminderSet    = mustTag("Tasks:ReminderSet")
	tFlagReminderTime   = mustTag("Tasks:ReminderTime")
	tFlagSubject        = mustTag("Tasks:Subject")
	tFlagOrdinalDate    = mustTag("Tasks:OrdinalDate")
	tFlagSubOrdinal     = mustTag("Tasks:SubOrdinalDate")
)

// flagOrder is the order Exchange writes a flag's elements in.
var flagOrder = []*wbxml.Tag{
	tFlagStatus, tFlagType, tFlagCompleteTime, tFlagDateCompleted, tFlagStartDate, tFlagUtcStartDate,
	tFlagDueDate, tFlagUtcDueDate, tFlagReminderSet, tFlagReminderTime, tFlagSubject, tFlagOrdinalDate, tFlagSubOrdinal,
}

// changeEmailFlags checks a client's Change of an e-mail, it, and
// normalizes its Flag; it returns the properties to store and false when
// the Change is to be refused (Status 6): a Read that is not a boolean
// (MS-ASEMAIL 2.2.2.59, MSASEMAIL_S01_TC10 R643), a Sender,
// ReceivedAsBcc or ConversationId, which only the server sets (2.2.2.62,
// 2.2.2.58 and 2.2.2.19; S01_TC11 R723, S01_TC14 R648, S01_TC17 R347), or
// a flag Exchange refuses. A flag
// keeps the last of an element sent twice (MSASEMAIL_S03_TC17 to TC25: no
// error).
func changeEmailFlags(it *Item, props []*wbxml.Node) ([]*wbxml.Node, bool) {
	out := make([]*wbxml.Node, 0, len(props))
	for _, p := range props {
		switch p.Tag {
		case tEmailRead:
			if v := p.Text(); v != "0" && v != "1" {
				return nil, false
			}
		case tEmailSender, tEmailReceivedAsBcc, ioConversationIDTag, tEmailUmCallerID, tEmailUmUserNotes:
			return nil, false
		}
		if p.Tag == tEmailFlag {
			f, ok := emailFlag(it, p)
			if !ok {
				return nil, false
			}
			p = f
		}
		out = append(out, p)
	}
	return out, true
}

// serverOnlyEmail reports whether a client's Change of an e-mail carries
// an element only the server sets: Sender, ReceivedAsBcc, ConversationId,
// or the voice mail's UmCallerID and UmUserNotes (MS-ASEMAIL 2.2.2.81 and
// 2.2.2.84). Exchange's SyncValidator refuses such an element, Status 6,
// as it reads the request, before the item is bound: the suite's Change
// of a ServerId that names no item is refused so (MSASEMAIL_S02_TC02
// R817, TC03 R835).
func serverOnlyEmail(app *wbxml.Node) bool {
	if app == nil {
		return false
	}
	for _, p := range app.Elements() {
		switch p.Tag {
		case tEmailSender, tEmailReceivedAsBcc, ioConversationIDTag, tEmailUmCallerID, tEmailUmUserNotes:
			return true
		}
	}
	return false
}

// emailFlag is the flag Exchange stores for a flag a client sends, or
// false when it refuses it: XsoFlagProperty's ClearFlag, SetFlag and
// CompleteFlag.
func emailFlag(it *Item, sent *wbxml.Node) (*wbxml.Node, bool) {
	v := map[*wbxml.Tag]string{}
	for _, e := range sent.Elements() {
		v[e.Tag] = e.Text()
	}
	has := func(t *wbxml.Tag) bool { _, ok := v[t]; return ok }
	switch v[tFlagStatus] {
	case "", "0":
		// Clearing the flag (MSASEMAIL_S03_TC13 R88, TC14 R8800).
		return wbxml.NewElement(tEmailFlag), true
	case "2":
		// Setting it: a FlagType (but on a meeting message), the four
		// dates all or none, the start not after the due date, a
		// ReminderTime with ReminderSet 1, and ReminderSet 0 when it is
		// not sent (MSASEMAIL_S03 R92, R409, R407, R851, R702, R693).
		meeting := strings.HasPrefix(it.Prop(tEmailMessageClass), "IPM.Schedule.Meeting")
		if !has(tFlagType) && !meeting {
			return nil, false
		}
		dates := 0
		for _, t := range []*wbxml.Tag{tFlagStartDate, tFlagUtcStartDate, tFlagDueDate, tFlagUtcDueDate} {
			if has(t) {
				dates++
			}
		}
		if dates != 0 && dates != 4 {
			return nil, false
		}
		if dates == 4 && (flagLater(v[tFlagStartDate], v[tFlagDueDate]) || flagLater(v[tFlagUtcStartDate], v[tFlagUtcDueDate])) {
			return nil, false
		}
		if v[tFlagReminderSet] == "1" && !has(tFlagReminderTime) {
			return nil, false
		}
		if !has(tFlagReminderSet) {
			v[tFlagReminderSet] = "0"
		}
	case "1":
		// Completing it: a CompleteTime, and no start after the due date
		// (MSASEMAIL_S03_TC12 R86, R334).
		if !has(tFlagCompleteTime) {
			return nil, false
		}
		if flagLater(v[tFlagStartDate], v[tFlagDueDate]) || flagLater(v[tFlagUtcStartDate], v[tFlagUtcDueDate]) {
			return nil, false
		}
	default:
		// MSASEMAIL_S03_TC02 R757.
		return nil, false
	}
	f := wbxml.NewElement(tEmailFlag)
	for _, t := range flagOrder {
		if s, ok := v[t]; ok {
			f.Children = append(f.Children, wbxml.NewText(t, s))
		}
	}
	return f, true
}

// flagLater reports whether date a is later than date b, both sent as
// the flag dates are (2006-01-02T15:04:05.000Z); a date that cannot be
// read is compared as not later.
func flagLater(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ta, err1 := parseFlagDate(a)
	tb, err2 := parseFlagDate(b)
	return err1 == nil && err2 == nil && ta.After(tb)
}

// parseFlagDate reads a flag date in the forms clients send.
func parseFlagDate(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{"2006-01-02T15:04:05.000Z", time.RFC3339Nano, "2006-01-02T15:04:05", "20060102T150405Z"} {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}
