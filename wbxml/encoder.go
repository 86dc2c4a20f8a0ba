package wbxml

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// An Encoder writes a WBXML stream. It appends to an internal buffer and
// writes it out when it grows past a few kilobytes and at Flush/Close.
//
// Errors are sticky: after the first one, every call is a no-op and Flush
// and Close return it. So a sequence of calls can be checked once at the end:
//
//	enc.Start(sync)
//	enc.Element(syncKey, "0")
//	enc.End()
//	err := enc.Close()
type Encoder struct {
	// AllowLegacy lets EncodeToken write legacy tags (those the current
	// spec dropped), so that a stream decoded leniently can be re-encoded
	// as it came. Nothing else ever emits them.
	AllowLegacy bool

	w        io.Writer
	buf      []byte
	page     byte
	stack    []*Tag
	pending  *Tag // a started element whose tag byte is not written yet
	auto     bool // pending: choose the content flag from what follows
	empty    bool // pending: explicitly empty
	rootDone bool
	began    bool
	err      error
}

const flushAt = 16 << 10

// NewEncoder returns an encoder writing to w. Use Bytes instead of a writer
// by passing nil.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: w, stack: make([]*Tag, 0, 16)}
}

// Reset makes e start a new stream on w, keeping its buffers.
func (e *Encoder) Reset(w io.Writer) {
	*e = Encoder{AllowLegacy: e.AllowLegacy, w: w, buf: e.buf[:0], stack: e.stack[:0]}
}

// Bytes returns what has been encoded and not yet written to the writer
// (everything, for an encoder created with a nil writer).
func (e *Encoder) Bytes() []byte { return e.buf }

// Err returns the first error the encoder met, if any.
func (e *Encoder) Err() error { return e.err }

func (e *Encoder) fail(format string, args ...any) error {
	if e.err == nil {
		e.err = fmt.Errorf("wbxml: encode: "+format, args...)
	}
	return e.err
}

func (e *Encoder) begin() {
	if !e.began {
		e.began = true
		e.buf = append(e.buf, Header[:]...)
	}
}

// flushPending writes the tag byte of a started element, now that its
// content (content=true) or its end (content=false) is known.
func (e *Encoder) flushPending(content bool) {
	t := e.pending
	if t == nil {
		return
	}
	e.pending = nil
	if t.Page != e.page {
		e.buf = append(e.buf, tokSwitchPage, t.Page)
		e.page = t.Page
	}
	b := t.Token
	if content {
		b |= flagContent
	}
	e.buf = append(e.buf, b)
}

func (e *Encoder) maybeWrite() {
	if e.w != nil && len(e.buf) >= flushAt {
		e.write()
	}
}

func (e *Encoder) write() {
	if e.w == nil || len(e.buf) == 0 || e.err != nil {
		return
	}
	if _, err := e.w.Write(e.buf); err != nil {
		e.err = fmt.Errorf("wbxml: write: %w", err)
		return
	}
	e.buf = e.buf[:0]
}

func (e *Encoder) start(t *Tag, auto, empty bool) {
	if e.err != nil {
		return
	}
	if t == nil {
		e.fail("StartElement without a tag")
		return
	}
	if t.Legacy && !e.AllowLegacy {
		e.fail("legacy tag %s is not emitted (it is not in the current MS-ASWBXML)", t)
		return
	}
	if e.pending != nil {
		if e.empty {
			e.fail("element %s was declared empty but has child %s", e.pending, t)
			return
		}
		e.flushPending(true)
	}
	if len(e.stack) == 0 {
		if e.rootDone {
			e.fail("second root element %s", t)
			return
		}
		e.begin()
	}
	e.stack = append(e.stack, t)
	e.pending, e.auto, e.empty = t, auto, empty
}

// Start opens element t. Whether it is written with the content flag is
// decided by what follows: an element closed at once becomes the bare token.
func (e *Encoder) Start(t *Tag) { e.start(t, true, false) }

// End closes the innermost open element.
func (e *Encoder) End() {
	if e.err != nil {
		return
	}
	if len(e.stack) == 0 {
		e.fail("End without an open element")
		return
	}
	if e.pending != nil {
		if e.auto || e.empty {
			e.flushPending(false)
		} else {
			e.flushPending(true)
			e.buf = append(e.buf, tokEnd)
		}
	} else {
		e.buf = append(e.buf, tokEnd)
	}
	e.stack = e.stack[:len(e.stack)-1]
	if len(e.stack) == 0 {
		e.rootDone = true
	}
	e.maybeWrite()
}

func (e *Encoder) content(what string) bool {
	if e.err != nil {
		return false
	}
	if len(e.stack) == 0 {
		e.fail("%s outside an element", what)
		return false
	}
	if e.pending != nil {
		if e.empty {
			e.fail("element %s was declared empty but has %s", e.pending, what)
			return false
		}
		e.flushPending(true)
	}
	return true
}

// Text writes s as an inline string (STR_I) in the open element.
func (e *Encoder) Text(s string) {
	if !e.content("text") {
		return
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		e.fail("text in %s contains a NUL byte at %d; inline strings cannot hold one", e.stack[len(e.stack)-1], i)
		return
	}
	e.buf = append(e.buf, tokStrI)
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
	e.maybeWrite()
}

// TextBytes is Text for a byte slice.
func (e *Encoder) TextBytes(b []byte) {
	if !e.content("text") {
		return
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		e.fail("text in %s contains a NUL byte at %d; inline strings cannot hold one", e.stack[len(e.stack)-1], i)
		return
	}
	e.buf = append(e.buf, tokStrI)
	e.buf = append(e.buf, b...)
	e.buf = append(e.buf, 0)
	e.maybeWrite()
}

// Opaque writes b as an OPAQUE block in the open element.
func (e *Encoder) Opaque(b []byte) {
	if !e.content("opaque data") {
		return
	}
	if uint64(len(b)) > 0xFFFFFFFF {
		e.fail("opaque block of %d bytes is too long", len(b))
		return
	}
	e.buf = append(e.buf, tokOpaque)
	e.buf = appendMbUint32(e.buf, uint32(len(b)))
	e.buf = append(e.buf, b...)
	e.maybeWrite()
}

// Element writes <t>text</t>; an empty text gives the bare token <t/>.
func (e *Encoder) Element(t *Tag, text string) {
	e.Start(t)
	if text != "" {
		e.Text(text)
	}
	e.End()
}

// Empty writes the empty element <t/>.
func (e *Encoder) Empty(t *Tag) {
	e.Start(t)
	e.End()
}

// EncodeToken writes one token exactly as given: a StartElement with Empty
// becomes the bare token (its EndElement must follow at once), any other
// StartElement gets the content flag, and Text and Opaque keep their kind.
// Encoding a decoder's tokens in order reproduces its input byte for byte.
func (e *Encoder) EncodeToken(t Token) error {
	switch t.Kind {
	case StartElement:
		e.start(t.Tag, false, t.Empty)
	case EndElement:
		if e.err == nil && len(e.stack) > 0 && t.Tag != nil && t.Tag != e.stack[len(e.stack)-1] {
			e.fail("EndElement %s does not match open element %s", t.Tag, e.stack[len(e.stack)-1])
		}
		e.End()
	case Text:
		e.TextBytes(t.Data)
	case Opaque:
		e.Opaque(t.Data)
	default:
		e.fail("invalid token kind %v", t.Kind)
	}
	return e.err
}

// Flush writes buffered output to the writer.
func (e *Encoder) Flush() error {
	e.write()
	return e.err
}

// Close checks that the document is complete (one root element, all
// elements closed) and flushes it.
func (e *Encoder) Close() error {
	if e.err == nil {
		switch {
		case len(e.stack) > 0:
			e.fail("%d element(s) still open, innermost %s", len(e.stack), e.stack[len(e.stack)-1])
		case !e.rootDone:
			e.fail("no root element")
		}
	}
	return e.Flush()
}

func appendMbUint32(b []byte, v uint32) []byte {
	var tmp [5]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7F)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7F) | 0x80
	}
	return append(b, tmp[i:]...)
}
