package wbxml

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// XML form. easlab writes the form libwbxml's `wbxml2xml -m 1 -i 2 -l
// ACTIVESYNC` prints: an XML declaration, the ActiveSync DOCTYPE, two-space
// indentation, and a default namespace ("Email:") on the root and on every
// element whose code page differs from its parent's. Opaque elements are
// base64 text. Text is escaped as libwbxml and etree escape it (& < > " ');
// it is written verbatim otherwise, so a carriage return does not survive a
// trip through XML.

// XMLHeader is the XML declaration and DOCTYPE that start every document,
// as libwbxml prints them. libwbxml also needs the DOCTYPE on input.
const XMLHeader = `<?xml version="1.0"?>` + "\n" +
	`<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">` + "\n"

// WriteXML reads the document d decodes and writes it to w as indented XML.
// It streams: memory stays bounded by d's largest token, whatever the
// document's size.
func WriteXML(w io.Writer, d *Decoder) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 64<<10)
	}
	x := xmlWriter{w: bw}
	x.w.WriteString(XMLHeader)
	for {
		t, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			x.w.Flush()
			return err
		}
		x.token(t)
	}
	return bw.Flush()
}

type xmlFrame struct {
	tag      *Tag
	children bool // has element children
	content  bool // has text or opaque content
}

type xmlWriter struct {
	w     *bufio.Writer
	stack []xmlFrame
	open  bool // the start tag of the top element is not yet closed with '>'
	b64   []byte
}

func (x *xmlWriter) indent(depth int) {
	for i := 0; i < depth; i++ {
		x.w.WriteString("  ")
	}
}

func (x *xmlWriter) closeOpen() {
	if x.open {
		x.w.WriteByte('>')
		x.open = false
	}
}

func (x *xmlWriter) token(t Token) {
	switch t.Kind {
	case StartElement:
		depth := len(x.stack)
		if depth > 0 {
			top := &x.stack[depth-1]
			if x.open {
				x.closeOpen()
				if !top.content {
					x.w.WriteByte('\n')
				}
			}
			top.children = true
		}
		x.indent(depth)
		x.w.WriteByte('<')
		x.w.WriteString(t.Tag.Name)
		if depth == 0 || x.stack[depth-1].tag.Page != t.Tag.Page {
			x.w.WriteString(` xmlns="`)
			x.w.WriteString(t.Tag.Namespace)
			x.w.WriteString(`:"`)
		}
		x.stack = append(x.stack, xmlFrame{tag: t.Tag})
		x.open = true
	case EndElement:
		top := x.stack[len(x.stack)-1]
		x.stack = x.stack[:len(x.stack)-1]
		switch {
		case x.open:
			x.w.WriteString("/>\n")
			x.open = false
		case top.children && !top.content:
			x.indent(len(x.stack))
			fallthrough
		default:
			x.w.WriteString("</")
			x.w.WriteString(top.tag.Name)
			x.w.WriteString(">\n")
		}
	case Text, Opaque:
		top := &x.stack[len(x.stack)-1]
		x.closeOpen()
		top.content = true
		if t.Kind == Opaque && top.tag.Opaque {
			n := base64.StdEncoding.EncodedLen(len(t.Data))
			if cap(x.b64) < n {
				x.b64 = make([]byte, n)
			}
			x.b64 = x.b64[:n]
			base64.StdEncoding.Encode(x.b64, t.Data)
			x.w.Write(x.b64)
		} else {
			// libwbxml prints opaque data of a non-binary element raw.
			escapeText(x.w, t.Data)
		}
	}
}

func escapeText(w *bufio.Writer, s []byte) {
	last := 0
	for i, c := range s {
		var esc string
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		default:
			continue
		}
		w.Write(s[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.Write(s[last:])
}

// ToXML decodes a WBXML document into an etree document in libwbxml's form.
func ToXML(b []byte) (*etree.Document, error) {
	var buf bytes.Buffer
	if err := WriteXML(&buf, NewBytesDecoder(b)); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("wbxml: ToXML: %w", err)
	}
	return doc, nil
}

// FromXML encodes an etree document as WBXML. It accepts libwbxml's form
// (a default namespace such as xmlns="Email:" on each element that changes
// page) and the prefixed form (xmlns:email="Email:" declared once, elements
// written <email:Subject>), with the spec's element names or libwbxml's.
func FromXML(doc *etree.Document) ([]byte, error) {
	var src bytes.Buffer
	if _, err := doc.WriteTo(&src); err != nil {
		return nil, fmt.Errorf("wbxml: FromXML: %w", err)
	}
	var out bytes.Buffer
	if err := EncodeXML(&out, &src); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// XMLError reports XML that cannot be encoded as WBXML.
type XMLError struct {
	Line int // 1-based line of the input
	Msg  string
	Err  error
}

func (e *XMLError) Error() string { return fmt.Sprintf("wbxml: XML line %d: %s", e.Line, e.Msg) }

// Unwrap returns the underlying error, if any.
func (e *XMLError) Unwrap() error { return e.Err }

// EncodeXML reads an XML document from r and writes it to w as WBXML. It
// streams, and its errors are *XMLError with the input line.
func EncodeXML(w io.Writer, r io.Reader) error {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	enc := NewEncoder(w)
	var stack []*Tag
	var hasChild []bool // per open element: an element child was seen
	var text []byte
	fail := func(err error, format string, args ...any) error {
		line, _ := dec.InputPos()
		return &XMLError{Line: line, Msg: fmt.Sprintf(format, args...), Err: err}
	}
	// flushText writes pending character data of the innermost element.
	// Whitespace-only text between elements is formatting and is dropped.
	flushText := func(beforeChild bool) error {
		if len(stack) == 0 || len(text) == 0 {
			text = text[:0]
			return nil
		}
		top := stack[len(stack)-1]
		if (beforeChild || hasChild[len(hasChild)-1]) && len(bytes.TrimSpace(text)) == 0 {
			text = text[:0]
			return nil
		}
		if top.Opaque {
			raw, err := decodeBase64(text)
			if err != nil {
				return fail(err, "element %s is binary and must hold base64: %v", top, err)
			}
			enc.Opaque(raw)
		} else {
			if !utf8.Valid(text) {
				return fail(nil, "text of %s is not valid UTF-8", top)
			}
			enc.TextBytes(text)
		}
		text = text[:0]
		if err := enc.Err(); err != nil {
			return fail(err, "%v", err)
		}
		return nil
	}
	rootSeen := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return &XMLError{Line: se.Line, Msg: se.Msg, Err: err}
			}
			return fail(err, "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && rootSeen {
				return fail(nil, "second root element <%s>", t.Name.Local)
			}
			rootSeen = true
			if len(stack) > 0 && len(bytes.TrimSpace(text)) > 0 && stack[len(stack)-1].Opaque {
				return fail(nil, "binary element %s cannot hold both data and elements", stack[len(stack)-1])
			}
			if err := flushText(true); err != nil {
				return err
			}
			tag, err := lookupXMLName(t.Name)
			if err != nil {
				return fail(nil, "%v", err)
			}
			if len(stack) >= DefaultMaxDepth {
				return fail(ErrLimit, "element %s nested deeper than %d", tag, DefaultMaxDepth)
			}
			enc.Start(tag)
			if err := enc.Err(); err != nil {
				return fail(err, "%v", err)
			}
			if len(hasChild) > 0 {
				hasChild[len(hasChild)-1] = true
			}
			stack = append(stack, tag)
			hasChild = append(hasChild, false)
		case xml.EndElement:
			if err := flushText(false); err != nil {
				return err
			}
			enc.End()
			stack = stack[:len(stack)-1]
			hasChild = hasChild[:len(hasChild)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return fail(nil, "text outside the root element")
				}
				continue
			}
			text = append(text, t...)
		}
	}
	if !rootSeen {
		return fail(nil, "no root element")
	}
	if err := enc.Close(); err != nil {
		return fail(err, "%v", err)
	}
	return nil
}

// lookupXMLName maps a namespaced XML name to a tag. The namespace may be
// written "Email:" (as libwbxml and the spec write it) or "Email".
func lookupXMLName(n xml.Name) (*Tag, error) {
	ns := strings.TrimSuffix(n.Space, ":")
	if ns == "" {
		return nil, fmt.Errorf("element <%s> has no namespace (write xmlns=\"AirSync:\" or another EAS namespace on it or an ancestor)", n.Local)
	}
	if _, ok := PageOf(ns); !ok {
		if p, ok := pageOfAlias(ns); ok {
			ns = pageNamespaces[p]
		} else {
			return nil, fmt.Errorf("unknown namespace %q on <%s>", n.Space, n.Local)
		}
	}
	tag := Lookup(ns, n.Local)
	if tag == nil {
		return nil, fmt.Errorf("unknown element <%s> in namespace %s", n.Local, ns)
	}
	if tag.Legacy {
		return nil, fmt.Errorf("element %s is a legacy tag that the current MS-ASWBXML no longer defines", tag)
	}
	return tag, nil
}

// pageOfAlias accepts namespace spellings other implementations use for a
// page (e.g. "Gal" for GAL), case-insensitively.
func pageOfAlias(ns string) (byte, bool) {
	for i, name := range pageNamespaces {
		if strings.EqualFold(name, ns) {
			return byte(i), true
		}
	}
	return 0, false
}

// decodeBase64 decodes standard base64, ignoring whitespace (libwbxml and
// people wrap long base64 lines).
func decodeBase64(s []byte) ([]byte, error) {
	clean := make([]byte, 0, len(s))
	for _, c := range s {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}
