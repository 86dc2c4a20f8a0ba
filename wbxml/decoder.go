package wbxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits bound what a Decoder accepts. A zero field means the default.
type Limits struct {
	MaxDepth  int   // element nesting depth; default 64
	MaxSize   int64 // total stream size in bytes; default 64 MiB; negative: no limit
	MaxString int   // one inline string (STR_I) in bytes; default 32 MiB
	MaxOpaque int   // one OPAQUE block in bytes; default 32 MiB
}

// Default limits. EAS documents nest about a dozen levels deep; Exchange
// refuses request bodies past a few tens of megabytes.
const (
	DefaultMaxDepth  = 64
	DefaultMaxSize   = 64 << 20
	DefaultMaxString = 32 << 20
	DefaultMaxOpaque = 32 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxSize == 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxString <= 0 {
		l.MaxString = DefaultMaxString
	}
	if l.MaxOpaque <= 0 {
		l.MaxOpaque = DefaultMaxOpaque
	}
	return l
}

// A Decoder reads a WBXML stream token by token.
//
// Set Limits and Lenient before the first call to Token.
type Decoder struct {
	// Limits bound the input; zero fields take the defaults.
	Limits Limits
	// Lenient accepts legacy tokens that the current MS-ASWBXML no longer
	// defines (EAS 2.x AirNotify, AirSync Version, ...).
	Lenient bool

	r    io.Reader
	buf  []byte // buf[pos:end] is unread input
	pos  int
	end  int
	base int64 // stream offset of buf[0]
	eof  bool  // r is exhausted
	rerr error // non-EOF read error

	lim        Limits
	started    bool
	page       byte
	stack      []*Tag
	pendingEnd *Tag // end of an empty element, returned next
	rootDone   bool
	err        error // sticky
	tokOff     int64 // offset of the token being decoded
	// fence, when set, is the depth at which the element an Unmarshaler
	// is reading ends: past its EndElement, Token reports io.EOF, so an
	// Unmarshaler cannot read into what follows (as encoding/xml's
	// pushEOF does).
	fence   int
	fenced  bool
	atFence bool
}

const readChunk = 32 << 10

// NewDecoder returns a decoder reading from r. Its memory use is bounded by
// the largest single string or opaque block, not by the stream's size.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: r, stack: make([]*Tag, 0, 16)}
}

// NewBytesDecoder returns a decoder over b. It does not copy b: the Data of
// its tokens are subslices of b.
func NewBytesDecoder(b []byte) *Decoder {
	return &Decoder{buf: b, end: len(b), eof: true, stack: make([]*Tag, 0, 16)}
}

// Reset makes d decode b from the start, keeping its settings and buffers.
func (d *Decoder) Reset(b []byte) {
	*d = Decoder{Limits: d.Limits, Lenient: d.Lenient, buf: b, end: len(b), eof: true, stack: d.stack[:0]}
}

// InputOffset returns the stream offset just past the last token returned.
func (d *Decoder) InputOffset() int64 { return d.base + int64(d.pos) }

// Depth returns the number of open elements.
func (d *Decoder) Depth() int { return len(d.stack) }

// Path returns the open elements, outermost first, as "NS:Name/NS:Name".
func (d *Decoder) Path() string {
	var b strings.Builder
	for i, t := range d.stack {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(t.String())
	}
	return b.String()
}

func (d *Decoder) syntax(off int64, err error, format string, args ...any) error {
	d.err = &SyntaxError{Offset: off, Path: d.Path(), Msg: fmt.Sprintf(format, args...), Err: err}
	return d.err
}

// fill makes at least n unread bytes available, reading more input if
// needed. It reports false at the end of the input.
func (d *Decoder) fill(n int) bool {
	if d.end-d.pos >= n {
		return true
	}
	if d.r == nil || d.eof {
		return false
	}
	if d.pos > 0 {
		// Keep only the unread part.
		copy(d.buf, d.buf[d.pos:d.end])
		d.base += int64(d.pos)
		d.end -= d.pos
		d.pos = 0
	}
	for d.end-d.pos < n && !d.eof {
		if len(d.buf)-d.end < readChunk/2 {
			// Double as data arrives, never to a size the stream merely
			// announces: memory stays within twice the input read.
			size := 2 * len(d.buf)
			if size < readChunk {
				size = readChunk
			}
			nb := make([]byte, size)
			copy(nb, d.buf[:d.end])
			d.buf = nb
		}
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		if err != nil {
			d.eof = true
			if err != io.EOF {
				d.rerr = err
			}
		}
	}
	return d.end-d.pos >= n
}

func (d *Decoder) offset() int64 { return d.base + int64(d.pos) }

// checkSize enforces MaxSize on everything read up to the current position
// plus n more bytes.
func (d *Decoder) checkSize(n int) error {
	if d.lim.MaxSize > 0 && d.offset()+int64(n) > d.lim.MaxSize {
		return d.syntax(d.tokOff, ErrLimit, "stream longer than the %d-byte limit", d.lim.MaxSize)
	}
	return nil
}

func (d *Decoder) truncated(what string) error {
	if d.rerr != nil {
		d.err = fmt.Errorf("wbxml: reading %s at offset %d: %w", what, d.tokOff, d.rerr)
		return d.err
	}
	return d.syntax(d.tokOff, io.ErrUnexpectedEOF, "stream ends inside %s", what)
}

// readByte returns the next byte.
func (d *Decoder) readByte(what string) (byte, error) {
	if !d.fill(1) {
		return 0, d.truncated(what)
	}
	if err := d.checkSize(1); err != nil {
		return 0, err
	}
	b := d.buf[d.pos]
	d.pos++
	return b, nil
}

// readMbUint32 reads a WBXML multi-byte integer (at most 5 bytes, 32 bits).
func (d *Decoder) readMbUint32(what string) (uint32, error) {
	var v uint64
	for i := 0; i < 5; i++ {
		b, err := d.readByte(what)
		if err != nil {
			return 0, err
		}
		v = v<<7 | uint64(b&0x7F)
		if v > 0xFFFFFFFF {
			return 0, d.syntax(d.tokOff, nil, "%s does not fit in 32 bits", what)
		}
		if b&0x80 == 0 {
			return uint32(v), nil
		}
	}
	return 0, d.syntax(d.tokOff, nil, "%s longer than 5 bytes", what)
}

func (d *Decoder) readHeader() error {
	d.lim = d.Limits.withDefaults()
	d.tokOff = d.offset()
	if !d.fill(1) {
		if d.rerr != nil {
			return d.truncated("the header")
		}
		return d.syntax(0, io.ErrUnexpectedEOF, "empty stream: no WBXML header")
	}
	v, err := d.readByte("the header")
	if err != nil {
		return err
	}
	if v != 0x03 {
		return d.syntax(0, nil, "WBXML version 0x%02X: EAS uses 1.3 (0x03)", v)
	}
	d.tokOff = d.offset()
	pub, err := d.readMbUint32("the public identifier")
	if err != nil {
		return err
	}
	if pub == 0 {
		return d.syntax(d.tokOff, nil, "public identifier in the string table: EAS does not use string tables")
	}
	d.tokOff = d.offset()
	cs, err := d.readMbUint32("the charset")
	if err != nil {
		return err
	}
	if cs != 106 {
		return d.syntax(d.tokOff, nil, "charset %d: EAS uses UTF-8 (106)", cs)
	}
	d.tokOff = d.offset()
	st, err := d.readMbUint32("the string table length")
	if err != nil {
		return err
	}
	if st != 0 {
		return d.syntax(d.tokOff, nil, "string table of %d bytes: EAS does not use string tables", st)
	}
	return nil
}

// Token returns the next token. It returns io.EOF after the root element has
// closed and the input has ended. Any other error is sticky: every later call
// returns it again. Syntax errors are *SyntaxError.
func (d *Decoder) Token() (Token, error) {
	if d.err != nil {
		return Token{}, d.err
	}
	if d.atFence {
		return Token{}, io.EOF
	}
	if !d.started {
		d.started = true
		if err := d.readHeader(); err != nil {
			return Token{}, err
		}
	}
	if d.pendingEnd != nil {
		t := d.pendingEnd
		d.pendingEnd = nil
		d.stack = d.stack[:len(d.stack)-1]
		if len(d.stack) == 0 {
			d.rootDone = true
		}
		d.atFence = d.fenced && len(d.stack) == d.fence
		return Token{Kind: EndElement, Tag: t}, nil
	}
	for {
		d.tokOff = d.offset()
		if !d.fill(1) {
			if d.rerr != nil {
				return Token{}, d.truncated("a token")
			}
			if len(d.stack) > 0 {
				return Token{}, d.syntax(d.tokOff, io.ErrUnexpectedEOF, "stream ends with %d open element(s)", len(d.stack))
			}
			if !d.rootDone {
				return Token{}, d.syntax(d.tokOff, io.ErrUnexpectedEOF, "no root element")
			}
			d.err = io.EOF
			return Token{}, io.EOF
		}
		if d.rootDone {
			return Token{}, d.syntax(d.tokOff, nil, "data after the root element")
		}
		if err := d.checkSize(1); err != nil {
			return Token{}, err
		}
		b := d.buf[d.pos]
		d.pos++
		switch b {
		case tokSwitchPage:
			p, err := d.readByte("SWITCH_PAGE")
			if err != nil {
				return Token{}, err
			}
			if p >= NumPages {
				return Token{}, d.syntax(d.tokOff, nil, "SWITCH_PAGE to unknown code page %d", p)
			}
			d.page = p
			continue
		case tokEnd:
			if len(d.stack) == 0 {
				return Token{}, d.syntax(d.tokOff, nil, "END without an open element")
			}
			t := d.stack[len(d.stack)-1]
			d.stack = d.stack[:len(d.stack)-1]
			if len(d.stack) == 0 {
				d.rootDone = true
			}
			d.atFence = d.fenced && len(d.stack) == d.fence
			return Token{Kind: EndElement, Tag: t}, nil
		case tokStrI:
			if len(d.stack) == 0 {
				return Token{}, d.syntax(d.tokOff, nil, "inline string outside the root element")
			}
			s, err := d.readString()
			if err != nil {
				return Token{}, err
			}
			return Token{Kind: Text, Data: s}, nil
		case tokOpaque:
			if len(d.stack) == 0 {
				return Token{}, d.syntax(d.tokOff, nil, "opaque data outside the root element")
			}
			o, err := d.readOpaque()
			if err != nil {
				return Token{}, err
			}
			return Token{Kind: Opaque, Data: o}, nil
		case tokEntity, tokLiteral, tokLiteralA, tokLiteralC, tokLiteralAC, tokStrT:
			return Token{}, d.syntax(d.tokOff, nil, "%s token (0x%02X): EAS does not use string tables, literals or entities", globalName(b), b)
		case tokPI:
			return Token{}, d.syntax(d.tokOff, nil, "processing instruction (PI, 0x43): not used by EAS")
		case tokExtI0, tokExtI1, tokExtI2, tokExtT0, tokExtT1, tokExtT2, tokExt0, tokExt1, tokExt2:
			return Token{}, d.syntax(d.tokOff, nil, "extension token %s (0x%02X): not used by EAS", globalName(b), b)
		}
		if b&flagAttrs != 0 {
			return Token{}, d.syntax(d.tokOff, nil, "tag 0x%02X has the attribute flag: EAS does not use attributes", b)
		}
		tag := tab.byToken[d.page][b&0x3F]
		if tag == nil {
			return Token{}, d.syntax(d.tokOff, nil, "unknown token 0x%02X on code page %d (%s)", b&0x3F, d.page, pageNamespaces[d.page])
		}
		if tag.Legacy && !d.Lenient {
			return Token{}, d.syntax(d.tokOff, nil, "legacy tag %s (page %d, token 0x%02X) is not in the current MS-ASWBXML", tag, d.page, tag.Token)
		}
		if len(d.stack) == 0 && d.rootDone {
			return Token{}, d.syntax(d.tokOff, nil, "second root element %s", tag)
		}
		if len(d.stack) >= d.lim.MaxDepth {
			return Token{}, d.syntax(d.tokOff, ErrLimit, "element %s nested deeper than the limit of %d", tag, d.lim.MaxDepth)
		}
		d.stack = append(d.stack, tag)
		if b&flagContent == 0 {
			d.pendingEnd = tag
			return Token{Kind: StartElement, Tag: tag, Empty: true}, nil
		}
		return Token{Kind: StartElement, Tag: tag}, nil
	}
}

// readString reads a NUL-terminated inline string after STR_I.
func (d *Decoder) readString() ([]byte, error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(d.buf[d.pos+scanned:d.end], 0); i >= 0 {
			n := scanned + i
			if n > d.lim.MaxString {
				return nil, d.syntax(d.tokOff, ErrLimit, "inline string longer than the %d-byte limit", d.lim.MaxString)
			}
			if err := d.checkSize(n + 1); err != nil {
				return nil, err
			}
			s := d.buf[d.pos : d.pos+n : d.pos+n]
			d.pos += n + 1
			return s, nil
		}
		scanned = d.end - d.pos
		if scanned > d.lim.MaxString {
			return nil, d.syntax(d.tokOff, ErrLimit, "inline string longer than the %d-byte limit", d.lim.MaxString)
		}
		if err := d.checkSize(scanned); err != nil {
			return nil, err
		}
		if !d.fill(scanned + 1) {
			return nil, d.truncated("an inline string (no terminating NUL)")
		}
	}
}

// readOpaque reads the length and bytes of an OPAQUE block.
func (d *Decoder) readOpaque() ([]byte, error) {
	n32, err := d.readMbUint32("the OPAQUE length")
	if err != nil {
		return nil, err
	}
	if uint64(n32) > uint64(d.lim.MaxOpaque) {
		return nil, d.syntax(d.tokOff, ErrLimit, "opaque data of %d bytes is over the %d-byte limit", n32, d.lim.MaxOpaque)
	}
	n := int(n32)
	if err := d.checkSize(n); err != nil {
		return nil, err
	}
	// fill grows the buffer only as data actually arrives, so a lying
	// length costs no more memory than the input itself.
	if !d.fill(n) {
		if d.rerr != nil {
			return nil, d.truncated("opaque data")
		}
		return nil, d.syntax(d.tokOff, io.ErrUnexpectedEOF, "opaque length %d runs past the end of the stream", n)
	}
	o := d.buf[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return o, nil
}

// Skip reads tokens until the element whose StartElement was just returned
// has been closed.
func (d *Decoder) Skip() error {
	depth := 1
	for depth > 0 {
		t, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return d.syntax(d.offset(), io.ErrUnexpectedEOF, "stream ends inside an element")
			}
			return err
		}
		switch t.Kind {
		case StartElement:
			depth++
		case EndElement:
			depth--
		}
	}
	return nil
}

func globalName(b byte) string {
	switch b {
	case tokEntity:
		return "ENTITY"
	case tokLiteral:
		return "LITERAL"
	case tokLiteralA:
		return "LITERAL_A"
	case tokLiteralC:
		return "LITERAL_C"
	case tokLiteralAC:
		return "LITERAL_AC"
	case tokStrT:
		return "STR_T"
	case tokExtI0:
		return "EXT_I_0"
	case tokExtI1:
		return "EXT_I_1"
	case tokExtI2:
		return "EXT_I_2"
	case tokExtT0:
		return "EXT_T_0"
	case tokExtT1:
		return "EXT_T_1"
	case tokExtT2:
		return "EXT_T_2"
	case tokExt0:
		return "EXT_0"
	case tokExt1:
		return "EXT_1"
	case tokExt2:
		return "EXT_2"
	}
	return fmt.Sprintf("0x%02X", b)
}
