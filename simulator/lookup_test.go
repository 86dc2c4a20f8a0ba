package simulator_test

import "github.com/easlab/easlab/wbxml"

// Helpers of the lookup commands' tests (Search, Find, ResolveRecipients,
// ValidateCert, legacy hierarchy commands), which run on simtest.

// mustTag is the tag of a qualified name ("Email:Subject").
func mustTag(q string) *wbxml.Tag {
	t := wbxml.LookupQualified(q)
	if t == nil {
		panic("unknown tag " + q)
	}
	return t
}

var tEmailSubject = mustTag("Email:Subject")
