package clixml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/easlab/easlab/internal/xmlscan"
)

// Unmarshal decodes one top-level CLIXML element (optionally preceded by a
// UTF-8 byte-order mark, an XML declaration and comments) under
// DefaultLimits. See Marshal for how elements map to Go types; <Ref> gives
// back the same *Object as the <Obj> it names, so input with a cycle yields
// a pointer cycle.
func Unmarshal(data []byte) (any, error) {
	return UnmarshalLimits(data, DefaultLimits)
}

// UnmarshalLimits is Unmarshal under the limits l (zero fields take
// DefaultLimits' values). Errors for input beyond a limit wrap ErrLimit;
// errors for malformed input wrap ErrInvalid.
func UnmarshalLimits(data []byte, l Limits) (any, error) {
	l = l.withDefaults()
	if len(data) > l.MaxBytes {
		return nil, fmt.Errorf("clixml: input of %d bytes: %w (MaxBytes %d)", len(data), ErrLimit, l.MaxBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	x := xmlscan.Get(data)
	defer x.Release() // what the decoder keeps are strings, not its buffers
	d := &decoder{x: scanSource{x}, l: l}
	se, err := d.start()
	if err != nil {
		return nil, err
	}
	if se == nil {
		return nil, fmt.Errorf("clixml: %w: no element", ErrInvalid)
	}
	v, err := d.value(*se, 0)
	if err != nil {
		return nil, err
	}
	err = d.next()
	if err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("clixml: %w: %s after the top-level element", ErrInvalid, describe(&d.tok))
	}
	return v, nil
}

// A Decoder reads a stream of top-level CLIXML elements, such as an
// Encoder writes, or an Export-Clixml file (whose <Objs> wrapper it
// steps into). RefIds are shared across the stream. The limits apply to
// the stream as a whole: MaxBytes to all of its input, MaxObjects to all
// values decoded.
type Decoder struct {
	d *decoder
	// inObjs is set inside an <Objs> wrapper.
	inObjs bool
	done   bool
}

// NewDecoder returns a Decoder reading from r under the limits l.
func NewDecoder(r io.Reader, l Limits) *Decoder {
	l = l.withDefaults()
	return &Decoder{d: newDecoder(&limitReader{r: r, n: int64(l.MaxBytes)}, l)}
}

// Decode returns the next top-level value, or io.EOF after the last one.
func (dec *Decoder) Decode() (any, error) {
	if dec.done {
		return nil, io.EOF
	}
	for {
		err := dec.d.next()
		tok := &dec.d.tok
		if err == io.EOF && !dec.inObjs {
			dec.done = true
			return nil, io.EOF
		}
		if err != nil {
			if err == io.EOF {
				err = fmt.Errorf("clixml: %w: unexpected end of input in <Objs>", ErrInvalid)
			}
			return nil, err
		}
		switch tok.kind {
		case xmlscan.StartElement:
			if tok.se.Name.Local == "Objs" && !dec.inObjs {
				dec.inObjs = true
				continue
			}
			return dec.d.value(tok.se, 0)
		case xmlscan.EndElement:
			if dec.inObjs {
				dec.inObjs = false
				continue
			}
		}
		return nil, fmt.Errorf("clixml: %w: unexpected %s", ErrInvalid, describe(tok))
	}
}

// limitReader fails with ErrLimit once more than n bytes are read.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, fmt.Errorf("clixml: input: %w (MaxBytes)", ErrLimit)
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, fmt.Errorf("clixml: input: %w (MaxBytes)", ErrLimit)
	}
	return n, err
}

type decoder struct {
	x     tokenSource
	tok   token // the token next read
	l     Limits
	objs  refTable[*Object]
	tns   refTable[[]string]
	count int
}

// tokenSource is a tokenizer: encoding/xml's for a stream, xmlscan's
// (the same tokens, several times faster, and none boxed) for a document
// in memory.
type tokenSource interface {
	next(*token) error
}

// token is one token of either source. Its Attr and text are valid until
// the next one is read: the decoder reads what it needs of them first.
type token struct {
	kind xmlscan.Kind
	se   xml.StartElement // StartElement's name and attributes; EndElement's name
	text []byte           // CharData, Comment, Directive
}

// scanSource reads a document in memory.
type scanSource struct{ d *xmlscan.Decoder }

func (s scanSource) next(t *token) error {
	k, err := s.d.Next()
	if err != nil {
		return err
	}
	t.kind = k
	switch k {
	case xmlscan.StartElement:
		t.se.Name, t.se.Attr = s.d.Name(), s.d.Attrs()
	case xmlscan.EndElement:
		t.se.Name = s.d.Name()
	default:
		t.text = s.d.Text()
	}
	return nil
}

// streamSource reads a stream with encoding/xml.
type streamSource struct{ d *xml.Decoder }

func (s streamSource) next(t *token) error {
	tok, err := s.d.Token()
	if err != nil {
		return err
	}
	switch x := tok.(type) {
	case xml.StartElement:
		*t = token{kind: xmlscan.StartElement, se: x}
	case xml.EndElement:
		*t = token{kind: xmlscan.EndElement, se: xml.StartElement{Name: x.Name}}
	case xml.CharData:
		*t = token{kind: xmlscan.CharData, text: x}
	case xml.Comment:
		*t = token{kind: xmlscan.Comment, text: x}
	case xml.Directive:
		*t = token{kind: xmlscan.Directive, text: x}
	default:
		*t = token{kind: xmlscan.ProcInst}
	}
	return nil
}

func newDecoder(r io.Reader, l Limits) *decoder {
	x := xml.NewDecoder(r)
	x.Strict = true
	x.CharsetReader = nil // anything but UTF-8 is refused
	return &decoder{x: streamSource{x}, l: l}
}

func describe(tok *token) string {
	switch tok.kind {
	case xmlscan.StartElement:
		return "element <" + tok.se.Name.Local + ">"
	case xmlscan.EndElement:
		return "end tag </" + tok.se.Name.Local + ">"
	case xmlscan.CharData:
		return "text"
	case xmlscan.Directive:
		return "directive"
	case xmlscan.Comment:
		return "comment"
	}
	return "processing instruction"
}

// next returns the next token that matters: comments, processing
// instructions and whitespace are skipped; directives (<!DOCTYPE ...>) are
// refused.
func (d *decoder) next() error {
	tok := &d.tok
	for {
		if err := d.x.next(tok); err != nil {
			if err == io.EOF {
				return io.EOF
			}
			if errors.Is(err, ErrLimit) {
				return err
			}
			return fmt.Errorf("clixml: %w: %w", ErrInvalid, err)
		}
		switch tok.kind {
		case xmlscan.Comment, xmlscan.ProcInst:
			continue
		case xmlscan.Directive:
			return fmt.Errorf("clixml: %w: directive <!%s> (DTDs and entities are refused)", ErrInvalid, truncate(string(tok.text)))
		case xmlscan.CharData:
			if len(bytes.TrimLeft(tok.text, " \t\r\n")) == 0 {
				continue
			}
		}
		return nil
	}
}

// start returns the first element, or nil at the end of input.
func (d *decoder) start() (*xml.StartElement, error) {
	err := d.next()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if d.tok.kind != xmlscan.StartElement {
		return nil, fmt.Errorf("clixml: %w: %s before the top-level element", ErrInvalid, describe(&d.tok))
	}
	se := d.tok.se
	return &se, nil
}

func (d *decoder) errf(tag string, depth int, sentinel error, format string, args ...any) error {
	return fmt.Errorf("clixml: <%s> at depth %d: %w: %s", tag, depth, sentinel, fmt.Sprintf(format, args...))
}

func attr(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// text reads the character content of se up to its end tag.
func (d *decoder) text(se xml.StartElement, depth int) (string, error) {
	tag := se.Name.Local
	// Most elements hold one run of text: it becomes the string at once
	// (copied before the next token, which may reuse its bytes); more
	// runs are gathered in b.
	var first string
	var b []byte
	runs := 0
	for {
		tok := &d.tok
		err := d.x.next(tok)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			if errors.Is(err, ErrLimit) {
				return "", err
			}
			return "", fmt.Errorf("clixml: <%s> at depth %d: %w: %w", tag, depth, ErrInvalid, err)
		}
		switch t := tok.text; tok.kind {
		case xmlscan.CharData:
			if len(first)+len(b)+len(t) > d.l.MaxStringBytes {
				return "", d.errf(tag, depth, ErrLimit, "text longer than MaxStringBytes %d", d.l.MaxStringBytes)
			}
			switch runs++; runs {
			case 1:
				first = xmlscan.Intern(t)
			case 2:
				b = append(append(b, first...), t...)
			default:
				b = append(b, t...)
			}
		case xmlscan.EndElement:
			if runs > 1 {
				return string(b), nil
			}
			return first, nil
		case xmlscan.Comment, xmlscan.ProcInst:
		default:
			return "", d.errf(tag, depth, ErrInvalid, "unexpected %s", describe(tok))
		}
	}
}

// empty reads up to se's end tag, which must come with nothing but
// whitespace before it.
func (d *decoder) empty(se xml.StartElement, depth int) error {
	err := d.next()
	if err != nil {
		if err == io.EOF {
			return d.errf(se.Name.Local, depth, ErrInvalid, "unexpected end of input")
		}
		return err
	}
	if d.tok.kind != xmlscan.EndElement {
		return d.errf(se.Name.Local, depth, ErrInvalid, "unexpected %s in an empty element", describe(&d.tok))
	}
	return nil
}

// child returns the next child element of the element tag; ok is false
// at its end tag.
func (d *decoder) child(tag string, depth int) (se xml.StartElement, ok bool, err error) {
	err = d.next()
	if err != nil {
		if err == io.EOF {
			return se, false, d.errf(tag, depth, ErrInvalid, "unexpected end of input")
		}
		return se, false, err
	}
	switch d.tok.kind {
	case xmlscan.StartElement:
		return d.tok.se, true, nil
	case xmlscan.EndElement:
		return se, false, nil
	}
	return se, false, d.errf(tag, depth, ErrInvalid, "unexpected %s", describe(&d.tok))
}

func (d *decoder) countValue(tag string, depth int) error {
	d.count++
	if d.count > d.l.MaxObjects {
		return d.errf(tag, depth, ErrLimit, "more than MaxObjects %d values", d.l.MaxObjects)
	}
	return nil
}

// value decodes the value element se, which sits inside depth objects.
func (d *decoder) value(se xml.StartElement, depth int) (any, error) {
	tag := se.Name.Local
	if err := d.countValue(tag, depth); err != nil {
		return nil, err
	}
	switch tag {
	case "Nil":
		return nil, d.empty(se, depth)
	case "Obj":
		return d.object(se, depth+1)
	case "Ref":
		id, ok := attr(se, "RefId")
		if !ok {
			return nil, d.errf(tag, depth, ErrInvalid, "no RefId")
		}
		o, ok := d.objs.get(id)
		if !ok {
			return nil, d.errf(tag, depth, ErrInvalid, "RefId %q names no earlier object", truncate(id))
		}
		return o, d.empty(se, depth)
	}
	parse, ok := primitives[tag]
	if !ok {
		return nil, d.errf(tag, depth, ErrInvalid, "unknown element")
	}
	s, err := d.text(se, depth)
	if err != nil {
		return nil, err
	}
	v, err := parse(s)
	if err != nil {
		return nil, d.errf(tag, depth, ErrInvalid, "%v", err)
	}
	return v, nil
}

const xmlSpace = " \t\r\n"

func parseInt(bits int) func(string) (int64, error) {
	return func(s string) (int64, error) {
		return strconv.ParseInt(strings.Trim(s, xmlSpace), 10, bits)
	}
}

func parseUint(bits int) func(string) (uint64, error) {
	return func(s string) (uint64, error) {
		return strconv.ParseUint(strings.Trim(s, xmlSpace), 10, bits)
	}
}

func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, xmlSpace) {
		s = strings.Map(func(r rune) rune {
			if strings.ContainsRune(xmlSpace, r) {
				return -1
			}
			return r
		}, s)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid base64")
	}
	return b, nil
}

// primitives parse the text of each primitive element.
var primitives = map[string]func(string) (any, error){
	"S":       func(s string) (any, error) { return decodeText(s), nil },
	"URI":     func(s string) (any, error) { return URI(decodeText(s)), nil },
	"Version": func(s string) (any, error) { return Version(decodeText(s)), nil },
	"XD":      func(s string) (any, error) { return XMLDocument(decodeText(s)), nil },
	"SBK":     func(s string) (any, error) { return ScriptBlock(decodeText(s)), nil },
	"C": func(s string) (any, error) {
		v, err := parseUint(16)(s)
		return Char(v), err
	},
	"B": func(s string) (any, error) {
		switch strings.Trim(s, xmlSpace) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, errors.New("invalid boolean")
	},
	"DT": func(s string) (any, error) { return parseDateTime(strings.Trim(s, xmlSpace)) },
	"TS": func(s string) (any, error) { return parseDuration(strings.Trim(s, xmlSpace)) },
	"By": func(s string) (any, error) {
		v, err := parseUint(8)(s)
		return uint8(v), err
	},
	"SB": func(s string) (any, error) {
		v, err := parseInt(8)(s)
		return int8(v), err
	},
	"U16": func(s string) (any, error) {
		v, err := parseUint(16)(s)
		return uint16(v), err
	},
	"I16": func(s string) (any, error) {
		v, err := parseInt(16)(s)
		return int16(v), err
	},
	"U32": func(s string) (any, error) {
		v, err := parseUint(32)(s)
		return uint32(v), err
	},
	"I32": func(s string) (any, error) {
		v, err := parseInt(32)(s)
		return int32(v), err
	},
	"U64": func(s string) (any, error) { return parseUint(64)(s) },
	"I64": func(s string) (any, error) { return parseInt(64)(s) },
	"Sg": func(s string) (any, error) {
		v, err := strconv.ParseFloat(strings.Trim(s, xmlSpace), 32)
		return float32(v), err
	},
	"Db": func(s string) (any, error) { return strconv.ParseFloat(strings.Trim(s, xmlSpace), 64) },
	"D": func(s string) (any, error) {
		s = strings.Trim(s, xmlSpace)
		if !isDecimal(s) {
			return nil, errors.New("invalid decimal")
		}
		return Decimal(s), nil
	},
	"BA": func(s string) (any, error) { return decodeBase64(s) },
	"SS": func(s string) (any, error) {
		b, err := decodeBase64(s)
		return SecureString(b), err
	},
	"G": func(s string) (any, error) { return ParseGUID(strings.Trim(s, xmlSpace)) },
}

// object decodes <Obj> se at depth (1 for a top-level object).
func (d *decoder) object(se xml.StartElement, depth int) (*Object, error) {
	const tag = "Obj"
	if depth > d.l.MaxDepth {
		return nil, d.errf(tag, depth, ErrLimit, "deeper than MaxDepth %d", d.l.MaxDepth)
	}
	o := new(Object)
	if id, ok := attr(se, "RefId"); ok {
		if _, dup := d.objs.get(id); dup {
			return nil, d.errf(tag, depth, ErrInvalid, "RefId %q used twice", truncate(id))
		}
		d.objs.set(id, o)
	}
	var seen struct{ tn, toString, value, props, ms bool }
	for {
		c, ok, err := d.child(tag, depth)
		if err != nil {
			return nil, err
		}
		if !ok {
			return o, nil
		}
		ctag := c.Name.Local
		dup := func(b *bool) error {
			if *b {
				return d.errf(ctag, depth, ErrInvalid, "repeated in <Obj>")
			}
			*b = true
			return nil
		}
		switch ctag {
		case "TN", "TNRef":
			if err := dup(&seen.tn); err != nil {
				return nil, err
			}
			if o.TypeNames, err = d.typeNames(c, depth); err != nil {
				return nil, err
			}
		case "ToString":
			if err := dup(&seen.toString); err != nil {
				return nil, err
			}
			s, err := d.text(c, depth)
			if err != nil {
				return nil, err
			}
			o.ToString, o.HasToString = decodeText(s), true
		case "LST", "IE", "STK", "QUE":
			if err := dup(&seen.value); err != nil {
				return nil, err
			}
			o.ListKind = ctag
			o.List = []any{}
			for {
				item, ok, err := d.child(ctag, depth)
				if err != nil {
					return nil, err
				}
				if !ok {
					break
				}
				v, err := d.value(item, depth)
				if err != nil {
					return nil, err
				}
				o.List = append(o.List, v)
			}
		case "DCT":
			if err := dup(&seen.value); err != nil {
				return nil, err
			}
			if o.Dict, err = d.dict(depth); err != nil {
				return nil, err
			}
		case "Props", "MS":
			b := &seen.props
			if ctag == "MS" {
				b = &seen.ms
			}
			if err := dup(b); err != nil {
				return nil, err
			}
			ps, err := d.properties(ctag, depth)
			if err != nil {
				return nil, err
			}
			if ctag == "MS" {
				o.Members = ps
			} else {
				o.Props = ps
			}
		default:
			// A primitive, or an <Obj> or <Ref>: PowerShell writes an
			// object whose base object is itself a serialized object (the
			// vectors have one, a WSManConfigLeafElement) this way.
			if _, ok := primitives[ctag]; !ok && ctag != "Obj" && ctag != "Ref" {
				return nil, d.errf(ctag, depth, ErrInvalid, "unexpected in <Obj>")
			}
			if err := dup(&seen.value); err != nil {
				return nil, err
			}
			if o.Value, err = d.value(c, depth); err != nil {
				return nil, err
			}
		}
	}
}

// typeNames decodes <TN> or <TNRef> c.
func (d *decoder) typeNames(c xml.StartElement, depth int) ([]string, error) {
	id, hasID := attr(c, "RefId")
	if c.Name.Local == "TNRef" {
		if !hasID {
			return nil, d.errf("TNRef", depth, ErrInvalid, "no RefId")
		}
		tn, ok := d.tns.get(id)
		if !ok {
			return nil, d.errf("TNRef", depth, ErrInvalid, "RefId %q names no earlier <TN>", truncate(id))
		}
		return tn, d.empty(c, depth)
	}
	names := make([]string, 0, 4)
	for {
		t, ok, err := d.child("TN", depth)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if t.Name.Local != "T" {
			return nil, d.errf(t.Name.Local, depth, ErrInvalid, "unexpected in <TN>")
		}
		if err := d.countValue("T", depth); err != nil {
			return nil, err
		}
		s, err := d.text(t, depth)
		if err != nil {
			return nil, err
		}
		names = append(names, decodeText(s))
	}
	if hasID {
		if _, dup := d.tns.get(id); dup {
			return nil, d.errf("TN", depth, ErrInvalid, "RefId %q used twice", truncate(id))
		}
		d.tns.set(id, names)
	}
	return names, nil
}

// properties decodes the children of <Props> or <MS>.
func (d *decoder) properties(tag string, depth int) ([]Property, error) {
	ps := make([]Property, 0, 8)
	for {
		c, ok, err := d.child(tag, depth)
		if err != nil {
			return nil, err
		}
		if !ok {
			return ps, nil
		}
		name, _ := attr(c, "N")
		if len(name) > d.l.MaxStringBytes {
			return nil, d.errf(c.Name.Local, depth, ErrLimit, "name longer than MaxStringBytes %d", d.l.MaxStringBytes)
		}
		v, err := d.value(c, depth)
		if err != nil {
			return nil, err
		}
		ps = append(ps, Property{Name: decodeText(name), Value: v})
	}
}

// dict decodes the <En> children of <DCT>.
func (d *decoder) dict(depth int) ([]Entry, error) {
	es := []Entry{}
	for {
		en, ok, err := d.child("DCT", depth)
		if err != nil {
			return nil, err
		}
		if !ok {
			return es, nil
		}
		if en.Name.Local != "En" {
			return nil, d.errf(en.Name.Local, depth, ErrInvalid, "unexpected in <DCT>")
		}
		var e Entry
		var hasKey, hasValue bool
		for {
			c, ok, err := d.child("En", depth)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			n, _ := attr(c, "N")
			v, err := d.value(c, depth)
			if err != nil {
				return nil, err
			}
			switch {
			case n == "Key" && !hasKey:
				e.Key, hasKey = v, true
			case n == "Value" && !hasValue:
				e.Value, hasValue = v, true
			default:
				return nil, d.errf(c.Name.Local, depth, ErrInvalid, "in <En>: want one N=\"Key\" and one N=\"Value\", got N=%q", truncate(n))
			}
		}
		if !hasKey || !hasValue {
			return nil, d.errf("En", depth, ErrInvalid, "missing Key or Value")
		}
		es = append(es, e)
	}
}

// refTable maps RefIds to what they name. PowerShell numbers them 0, 1,
// 2...: those sit in a slice, which grows with the document; any other id
// goes in a map.
type refTable[T any] struct {
	vals  []T
	has   []bool
	other map[string]T
}

// refIndex is id as a slice index: a canonical decimal number no further
// than 64 past the slice's end, or -1.
func (t *refTable[T]) refIndex(id string) int {
	n := RefNumber(id)
	if n < 0 || n > len(t.vals)+64 {
		return -1
	}
	return n
}

func (t *refTable[T]) get(id string) (T, bool) {
	if i := t.refIndex(id); i >= 0 {
		if i < len(t.vals) && t.has[i] {
			return t.vals[i], true
		}
	}
	v, ok := t.other[id]
	return v, ok
}

func (t *refTable[T]) set(id string, v T) {
	if i := t.refIndex(id); i >= 0 {
		if _, ok := t.other[id]; !ok {
			for len(t.vals) <= i {
				var zero T
				t.vals, t.has = append(t.vals, zero), append(t.has, false)
			}
			t.vals[i], t.has[i] = v, true
			return
		}
	}
	if t.other == nil {
		t.other = make(map[string]T)
	}
	t.other[id] = v
}
