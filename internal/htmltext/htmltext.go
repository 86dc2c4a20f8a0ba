// Package htmltext renders HTML as rough plain text, as the simulator does
// wherever a message has an HTML body and needs a text one (the plain part
// of a notice, a message sent with HTML only, a client's HTML edit).
package htmltext

import "strings"

// StripTags drops the tags of an HTML fragment and trims the result. It
// does not decode entities.
func StripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}
