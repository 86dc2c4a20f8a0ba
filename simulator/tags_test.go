package simulator_test

import "github.com/easlab/easlab/wbxml"

// Tags the external tests read items with, as the simulator's render.go
// names them.

// mustTag is the tag of a qualified name ("Email:Subject").
func mustTag(q string) *wbxml.Tag {
	t := wbxml.LookupQualified(q)
	if t == nil {
		panic("unknown tag " + q)
	}
	return t
}

var (
	tEmailSubject      = mustTag("Email:Subject")
	tEmailFrom         = mustTag("Email:From")
	tEmailRead         = mustTag("Email:Read")
	tEmailMessageClass = mustTag("Email:MessageClass")
	mrCalBusyStatusTag = mustTag("Calendar:BusyStatus")
)
