package htmltext

import "testing"

func TestStripTags(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"<p>Hello <b>Alice</b></p>", "Hello Alice"},
		{"  plain  ", "plain"},
		{"a &amp; b<br/>", "a &amp; b"},
		{"<unclosed", ""},
	} {
		if got := StripTags(tt.in); got != tt.want {
			t.Errorf("StripTags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
