package conformance

import (
	"reflect"
	"strings"
	"testing"
)

// TestWBXWalk holds the MS-ASWBXML walker to WBXML 1.2 as MS-ASWBXML uses
// it: it reads tags across code pages, inline strings and opaque data, and
// refuses what a response must not carry.
func TestWBXWalk(t *testing.T) {
	header := []byte{0x03, 0x01, 0x6A, 0x00}
	doc := func(body ...byte) []byte { return append(append([]byte{}, header...), body...) }
	// FolderSync (page 7) holding Status "1" and (on page 0) a Sync with
	// an opaque SyncKey and an empty Collections.
	good := doc(0x00, 0x07, 0x56, 0x4C, 0x03, '1', 0x00, 0x01, 0x00, 0x00, 0x45, 0x4B, 0xC3, 0x02, 'a', 'b', 0x01, 0x1C, 0x01, 0x01)
	seen, err := wbxWalk(good)
	if err != nil {
		t.Fatalf("wbxWalk of a good document: %v", err)
	}
	var got [][2]byte
	for _, s := range seen {
		got = append(got, [2]byte{s.page, s.token})
	}
	want := [][2]byte{{7, 0x16}, {7, 0x0C}, {0, 0x05}, {0, 0x0B}, {0, 0x1C}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wbxWalk read %v, want %v", got, want)
	}
	if seen[1].path != "7/0x16 7/0x0C" {
		t.Errorf("the Status's path is %q", seen[1].path)
	}
	for _, c := range []struct {
		name string
		doc  []byte
		says string
	}{
		{"WBXML 1.2", append([]byte{0x02}, doc(0x45, 0x01)[1:]...), "version"},
		{"a public id", []byte{0x03, 0x02, 0x6A, 0x00, 0x45, 0x01}, "public id"},
		{"another charset", []byte{0x03, 0x01, 0x04, 0x00, 0x45, 0x01}, "charset"},
		{"a string table", []byte{0x03, 0x01, 0x6A, 0x01, 'x', 0x45, 0x01}, "string table"},
		{"attributes", doc(0xC5, 0x01, 0x01), "attributes"},
		{"an END too many", doc(0x45, 0x01, 0x01), "closes no element"},
		{"an open element", doc(0x45, 0x4B, 0x01), "open"},
		{"an unterminated string", doc(0x45, 0x03, 'a'), "NUL"},
		{"opaque data too long", doc(0x45, 0xC3, 0x05, 'a', 0x01), "claims"},
		{"a literal", doc(0x45, 0x04, 0x00, 0x01), "does not use"},
		{"an entity", doc(0x45, 0x02, 0x41, 0x01), "does not use"},
		{"two roots", doc(0x05, 0x05), "second root"},
		{"no element", doc(), "no element"},
		{"text outside the root", doc(0x03, 'a', 0x00), "outside"},
	} {
		if _, err := wbxWalk(c.doc); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("wbxWalk of %s: %v, want an error saying %q", c.name, err, c.says)
		}
	}
}

// TestWBXDefinedAt checks how a requirement's versions are read: as
// listed, "All", none stated, and a list written before 16.1 that stops
// at 16.0.
func TestWBXDefinedAt(t *testing.T) {
	for _, c := range []struct {
		versions, at string
		want         bool
	}{
		{"All", "12.1", true},
		{"", "16.1", true},
		{"12.0,12.1,14.0,14.1,16.0", "16.1", true},
		{"12.0,12.1,14.0,14.1,16.0", "12.1", true},
		{"14.0,14.1,16.0", "12.1", false},
		{"2.5,12.0,12.1,14.0,14.1", "16.0", false},
		{"2.5,12.0,12.1,14.0,14.1", "16.1", false},
		{"16.1", "16.0", false},
		{"14.1,16.0,16.1", "16.1", true},
	} {
		r := wbxTagReq{versions: c.versions}
		if got := r.definedAt(c.at); got != c.want {
			t.Errorf("a requirement of versions %q defined at %s: %v, want %v", c.versions, c.at, got, c.want)
		}
	}
}
