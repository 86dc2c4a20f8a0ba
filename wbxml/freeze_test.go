package wbxml

import (
	"bytes"
	"testing"
)

// TestFreezeEncodesAlike: for every corpus document, freezing any set of
// its elements (every element at one depth) leaves the document's
// encoding byte for byte as it was: the frozen bytes are spliced in with
// the page switches the encoder would have written.
func TestFreezeEncodesAlike(t *testing.T) {
	for name, doc := range readCorpus(t) {
		if name == legacyDoc {
			continue
		}
		b, err := encodeXML(doc)
		if err != nil {
			t.Fatal(err)
		}
		for depth := 1; depth <= 4; depth++ {
			tree, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			var walk func(x *Node, d int)
			walk = func(x *Node, d int) {
				for _, c := range x.Children {
					if c.Tag == nil {
						continue
					}
					if d == depth {
						if err := c.Freeze(); err != nil {
							t.Fatalf("%s: Freeze %s: %v", name, c.Tag, err)
						}
						n++
						continue
					}
					walk(c, d+1)
				}
			}
			walk(tree, 1)
			if n == 0 {
				continue
			}
			for range 2 { // the second time, from the frozen bytes only
				out, err := tree.MarshalBinary()
				if err != nil {
					t.Fatalf("%s, depth %d: %v", name, depth, err)
				}
				if !bytes.Equal(out, b) {
					t.Fatalf("%s with %d elements frozen at depth %d encodes differently:\n got % X\nwant % X", name, n, depth, out, b)
				}
			}
		}
	}
}

// TestFreezeUnderEmptyParent: a frozen child still obeys its parent: in an
// element declared empty it is an error, as it was.
func TestFreezeUnderEmptyParent(t *testing.T) {
	child := NewText(Lookup("AirSync", "SyncKey"), "1")
	if err := child.Freeze(); err != nil {
		t.Fatal(err)
	}
	e := NewEncoder(nil)
	e.start(Lookup("AirSync", "Sync"), false, true)
	if err := child.Encode(e); err == nil {
		t.Fatal("a frozen child inside an empty element encoded without an error")
	}
}
