package wbxml

import (
	"bytes"
	"errors"
	"io"
)

// A Node is an element of a WBXML document tree, or a piece of its content.
// Element nodes have a Tag; content nodes have none and hold Data, which is
// an inline string or, when IsOpaque is set, an OPAQUE block. Keeping content
// as nodes lets a tree re-encode to exactly the bytes it was read from.
type Node struct {
	Tag      *Tag
	Empty    bool    // element written without the content flag (<Tag/>)
	IsOpaque bool    // content node: OPAQUE rather than STR_I
	Data     []byte  // content node: the text or binary data
	Children []*Node // element node: elements and content, in order

	frozen *fragment // see Freeze
}

// fragment is an element's subtree encoded once: its bytes as written
// after a switch to page first, leaving the encoder on page last.
type fragment struct {
	b           []byte
	first, last byte
}

// Freeze encodes the element n once, so that every later Encode of n as a
// child copies those bytes rather than walking the tree again: for a tree
// that is written many times, such as an item a server sends to many
// devices. Neither n nor its subtree may change afterwards; a change would
// not be written. Freeze returns the encoding error, if any, and then
// leaves n as it was.
func (n *Node) Freeze() error {
	if n.Tag == nil {
		return nil
	}
	e := &Encoder{page: n.Tag.Page, began: true}
	n.frozen = nil
	if err := n.Encode(e); err != nil {
		return err
	}
	n.frozen = &fragment{b: e.buf, first: n.Tag.Page, last: e.page}
	return nil
}

// NewElement returns an element node with the given children.
func NewElement(t *Tag, children ...*Node) *Node {
	return &Node{Tag: t, Empty: len(children) == 0, Children: children}
}

// NewText returns an element node <t>text</t>, or <t/> for an empty text.
func NewText(t *Tag, text string) *Node {
	n := &Node{Tag: t, Empty: text == ""}
	if text != "" {
		n.Children = []*Node{{Data: []byte(text)}}
	}
	return n
}

// NewOpaque returns an element node holding b as OPAQUE data.
func NewOpaque(t *Tag, b []byte) *Node {
	return &Node{Tag: t, Children: []*Node{{IsOpaque: true, Data: b}}}
}

// IsElement reports whether n is an element (rather than content).
func (n *Node) IsElement() bool { return n.Tag != nil }

// Text returns the concatenated content of n's content children.
func (n *Node) Text() string {
	if n.Tag == nil {
		return string(n.Data)
	}
	var single []byte
	var buf []byte
	count := 0
	for _, c := range n.Children {
		if c.Tag == nil {
			count++
			if count == 1 {
				single = c.Data
			} else {
				if count == 2 {
					buf = append(buf, single...)
				}
				buf = append(buf, c.Data...)
			}
		}
	}
	if count > 1 {
		return string(buf)
	}
	return string(single)
}

// Elements returns n's element children.
func (n *Node) Elements() []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Tag != nil {
			out = append(out, c)
		}
	}
	return out
}

// Find returns the first element child with tag t, or nil.
func (n *Node) Find(t *Tag) *Node {
	for _, c := range n.Children {
		if c.Tag == t {
			return c
		}
	}
	return nil
}

// FindAll returns every element child with tag t.
func (n *Node) FindAll(t *Tag) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Tag == t {
			out = append(out, c)
		}
	}
	return out
}

// Path follows a chain of element children by tag and returns the last
// one, or nil when any link is missing.
func (n *Node) Path(tags ...*Tag) *Node {
	cur := n
	for _, t := range tags {
		if cur = cur.Find(t); cur == nil {
			return nil
		}
	}
	return cur
}

// ReadNode reads the element whose StartElement start was just returned
// by d, and everything inside it, into a tree. Content is copied, so the
// tree outlives the decoder's buffers.
func ReadNode(d *Decoder, start Token) (*Node, error) {
	if start.Kind != StartElement {
		return nil, errors.New("wbxml: ReadNode: token is not a StartElement")
	}
	root := &Node{Tag: start.Tag, Empty: start.Empty}
	stack := []*Node{root}
	for len(stack) > 0 {
		t, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t.Kind {
		case StartElement:
			c := &Node{Tag: t.Tag, Empty: t.Empty}
			top.Children = append(top.Children, c)
			stack = append(stack, c)
		case EndElement:
			stack = stack[:len(stack)-1]
		case Text, Opaque:
			top.Children = append(top.Children, &Node{IsOpaque: t.Kind == Opaque, Data: bytes.Clone(t.Data)})
		}
	}
	return root, nil
}

// Parse decodes a whole WBXML document into a tree.
func Parse(b []byte) (*Node, error) {
	return ParseWith(NewBytesDecoder(b))
}

// ParseWith decodes the document d reads into a tree, using d's limits and
// leniency.
func ParseWith(d *Decoder) (*Node, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	root, err := ReadNode(d, t)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, err
	}
	return root, nil
}

// Encode writes n and its subtree to e. An element marked Empty and without
// children is written as the bare token, any other with the content flag, so
// a parsed tree re-encodes to its original bytes. NewElement and NewText mark
// the elements they make without content as Empty.
func (n *Node) Encode(e *Encoder) error {
	if f := n.frozen; f != nil && len(e.stack) > 0 && e.content("element") {
		if e.page != f.first {
			e.buf = append(e.buf, tokSwitchPage, f.first)
		}
		e.buf = append(e.buf, f.b...)
		e.page = f.last
		e.maybeWrite()
		return e.Err()
	}
	if n.Tag == nil {
		if n.IsOpaque {
			e.Opaque(n.Data)
		} else {
			e.TextBytes(n.Data)
		}
		return e.Err()
	}
	e.start(n.Tag, false, n.Empty && len(n.Children) == 0)
	for _, c := range n.Children {
		if e.err != nil {
			break
		}
		c.Encode(e)
	}
	e.End()
	return e.Err()
}

// MarshalBinary encodes the tree as a complete WBXML document.
func (n *Node) MarshalBinary() ([]byte, error) {
	e := NewEncoder(nil)
	n.Encode(e)
	if err := e.Close(); err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}
