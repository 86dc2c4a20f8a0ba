// Package xmlscan is a fast XML tokenizer for the documents easlab's
// Remote PowerShell reads on every request (WS-Management envelopes,
// CLIXML): encoding/xml's tokens with raw names (the prefix in
// Name.Space, as xml.Decoder.RawToken gives them), end tags checked
// against their start tags, entities and character references decoded,
// and nothing else. It reads a whole document held in memory, a byte at a
// time without the per-byte calls that make encoding/xml slow, and
// returns character data that points into the input when it needs no
// decoding. A DOCTYPE or other declaration comes back as an xml.Directive
// for the caller to refuse. FuzzTokensMatchEncodingXML holds it to
// encoding/xml on every input both accept.
package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// ErrSyntax wraps every error about a malformed document.
var ErrSyntax = errors.New("xml syntax error")

// MaxDepth bounds element nesting, as encoding/xml does.
const MaxDepth = 10000

// Decoder reads the tokens of one document.
type Decoder struct {
	data    []byte
	pos     int
	stack   []xml.Name
	pending bool // the next token ends the self-closing element on top
	buf     []byte
	attrs   []xml.Attr
}

// known are the names of CLIXML and WS-Management documents: returned
// without an allocation (most of a document's names are these).
var known = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		// CLIXML
		"Obj", "MS", "Props", "TN", "TNRef", "T", "ToString", "Ref", "RefId", "N", "LST", "IE", "STK", "QUE", "DCT", "En", "Key", "Value",
		"Nil", "S", "C", "B", "DT", "TS", "By", "SB", "U16", "I16", "U32", "I32", "U64", "I64", "Sg", "Db", "D", "BA", "G", "URI", "Version", "XD", "SBK", "SS", "PR", "Objs", "xmlns",
		// SOAP and WS-Management
		"s", "a", "w", "p", "x", "rsp", "wsa", "wsman", "wsmv", "env", "f", "xml", "lang", "Envelope", "Header", "Body", "Action", "MessageID", "To", "RelatesTo", "ReplyTo", "Address",
		"ResourceURI", "MaxEnvelopeSize", "OperationTimeout", "Locale", "DataLocale", "SessionId", "SelectorSet", "Selector", "OptionSet", "Option", "Name", "MustComply", "mustUnderstand",
		"Shell", "ShellId", "InputStreams", "OutputStreams", "creationXml", "CommandLine", "CommandId", "Command", "Arguments", "Send", "Stream", "End", "Receive", "DesiredStream",
		"Signal", "Code", "ReceiveResponse", "CommandState", "State", "ExitCode", "CommandResponse", "SendResponse", "SignalResponse", "Fault", "Subcode", "Reason", "Text", "Detail",
		"WSManFault", "Message", "Machine", "ProviderFault", "FaultDetail", "ActivityId", "ResourceCreated", "ReferenceParameters",
		"cmd", "ws", "wsmid", "cfg", "n", "e", "Value", "Identify", "IdentifyResponse", "Get", "GetResponse",
	} {
		m[n] = n
	}
	return m
}()

// ends holds an EndElement token, already boxed, for each known
// unprefixed name: a token is an immutable value, so one boxed copy
// serves every document (returning a fresh EndElement in the xml.Token
// interface allocated once per element).
var ends = func() map[string]xml.Token {
	m := make(map[string]xml.Token, len(known))
	for n := range known {
		m[n] = xml.EndElement{Name: xml.Name{Local: n}}
	}
	return m
}()

// endToken is the EndElement for n, boxed once when n is known.
func endToken(n xml.Name) xml.Token {
	if n.Space == "" {
		if t, ok := ends[n.Local]; ok {
			return t
		}
	}
	return xml.EndElement{Name: n}
}

// startToken is the StartElement for n and attrs.
func startToken(n xml.Name, attrs []xml.Attr) xml.Token {
	return xml.StartElement{Name: n, Attr: attrs}
}

// intern returns b as a string, without allocating for a known name.
func (d *Decoder) intern(b []byte) string {
	if s, ok := known[string(b)]; ok {
		return s
	}
	return string(b)
}

// New returns a Decoder over data, which must not change while it is read.
func New(data []byte) *Decoder { return &Decoder{data: data} }

// Depth is how many elements are open.
func (d *Decoder) Depth() int { return len(d.stack) }

func (d *Decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, d.pos, fmt.Sprintf(format, args...))
}

// Token returns the next token, io.EOF at the end of the document.
// CharData may point into the input or into a buffer reused by the next
// call: copy it to keep it.
func (d *Decoder) Token() (xml.Token, error) {
	if d.pending {
		d.pending = false
		n := d.stack[len(d.stack)-1]
		d.stack = d.stack[:len(d.stack)-1]
		return endToken(n), nil
	}
	if d.pos >= len(d.data) {
		if len(d.stack) > 0 {
			return nil, d.errorf("unexpected EOF: <%s> is not closed", d.stack[len(d.stack)-1].Local)
		}
		return nil, io.EOF
	}
	if d.data[d.pos] != '<' {
		return d.text()
	}
	if d.pos+1 >= len(d.data) {
		return nil, d.errorf("unexpected EOF after <")
	}
	switch c := d.data[d.pos+1]; c {
	case '/':
		return d.endTag()
	case '?':
		return d.procInst()
	case '!':
		return d.bang()
	}
	return d.startTag()
}

// text reads character data up to the next '<'.
func (d *Decoder) text() (xml.Token, error) {
	start := d.pos
	end := bytes.IndexByte(d.data[start:], '<')
	if end < 0 {
		end = len(d.data)
	} else {
		end += start
	}
	raw := d.data[start:end]
	d.pos = end
	if err := d.checkChars(raw, start); err != nil {
		return nil, err
	}
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return xml.CharData(raw), nil
	}
	out, err := d.unescape(raw, d.buf[:0])
	if err != nil {
		return nil, err
	}
	d.buf = out
	return xml.CharData(out), nil
}

// checkChars refuses invalid UTF-8 and characters XML does not allow.
func (d *Decoder) checkChars(b []byte, at int) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				d.pos = at + i
				return d.errorf("illegal character code U+%04X", c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			d.pos = at + i
			return d.errorf("invalid UTF-8")
		}
		if !inCharRange(r) {
			d.pos = at + i
			return d.errorf("illegal character code %U", r)
		}
		i += n
	}
	return nil
}

func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// unescape decodes entity and character references and normalizes line
// ends (\r\n and \r become \n), appending to out.
func (d *Decoder) unescape(raw, out []byte) ([]byte, error) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			out = append(out, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			continue
		case '&':
		default:
			out = append(out, c)
			continue
		}
		semi := bytes.IndexByte(raw[i:], ';')
		if semi < 0 {
			return nil, d.errorf("invalid character entity (no semicolon)")
		}
		name := raw[i+1 : i+semi]
		i += semi
		switch string(name) {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "apos":
			out = append(out, '\'')
		case "quot":
			out = append(out, '"')
		default:
			if len(name) < 2 || name[0] != '#' {
				return nil, d.errorf("invalid character entity &%s;", name)
			}
			var n uint64
			var err error
			if name[1] == 'x' {
				n, err = strconv.ParseUint(string(name[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(name[1:]), 10, 32)
			}
			if err != nil || !inCharRange(rune(n)) {
				return nil, d.errorf("invalid character entity &%s;", name)
			}
			out = utf8.AppendRune(out, rune(n))
		}
	}
	return out, nil
}

func isNameByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= utf8.RuneSelf:
		return true
	case first:
		return false
	}
	return c >= '0' && c <= '9' || c == '-' || c == '.'
}

// name reads a (possibly prefixed) name at d.pos, split as encoding/xml
// splits it: at its one colon when both sides are non-empty, else whole.
func (d *Decoder) name() (xml.Name, bool) {
	start := d.pos
	colons := 0
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == ':' {
			colons++
			d.pos++
			continue
		}
		if !isNameByte(c, d.pos == start) {
			break
		}
		d.pos++
	}
	if d.pos == start || colons > 1 {
		return xml.Name{}, false
	}
	s := d.data[start:d.pos]
	if !utf8.Valid(s) {
		return xml.Name{}, false
	}
	if i := bytes.IndexByte(s, ':'); i > 0 && i < len(s)-1 {
		return xml.Name{Space: d.intern(s[:i]), Local: d.intern(s[i+1:])}, true
	}
	return xml.Name{Local: d.intern(s)}, true
}

func (d *Decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *Decoder) startTag() (xml.Token, error) {
	d.pos++ // <
	n, ok := d.name()
	if !ok {
		return nil, d.errorf("expected element name after <")
	}
	if len(d.stack) >= MaxDepth {
		return nil, d.errorf("exceeded max depth")
	}
	d.attrs = d.attrs[:0]
	var attrs []xml.Attr
	for {
		sp := d.pos
		d.space()
		if d.pos >= len(d.data) {
			return nil, d.errorf("unexpected EOF in <%s>", n.Local)
		}
		switch d.data[d.pos] {
		case '/':
			if d.pos+1 >= len(d.data) || d.data[d.pos+1] != '>' {
				return nil, d.errorf("expected /> in element")
			}
			d.pos += 2
			d.stack = append(d.stack, n)
			d.pending = true
			return startToken(n, attrs), nil
		case '>':
			d.pos++
			d.stack = append(d.stack, n)
			return startToken(n, attrs), nil
		}
		if d.pos == sp {
			return nil, d.errorf("expected space before an attribute")
		}
		an, ok := d.name()
		if !ok {
			return nil, d.errorf("expected attribute name in element")
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '=' {
			return nil, d.errorf("attribute name without = in element")
		}
		d.pos++
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' && d.data[d.pos] != '\'' {
			return nil, d.errorf("unquoted or missing attribute value in element")
		}
		q := d.data[d.pos]
		d.pos++
		end := bytes.IndexByte(d.data[d.pos:], q)
		if end < 0 {
			return nil, d.errorf("unexpected EOF in an attribute value")
		}
		raw := d.data[d.pos : d.pos+end]
		if bytes.IndexByte(raw, '<') >= 0 {
			return nil, d.errorf("unescaped < inside quoted string")
		}
		if err := d.checkChars(raw, d.pos); err != nil {
			return nil, err
		}
		d.pos += end + 1
		v, err := d.unescapeAttr(raw)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, xml.Attr{Name: an, Value: v})
	}
}

// unescapeAttr decodes an attribute value as encoding/xml does (entities,
// character references, line ends; no further whitespace normalization).
func (d *Decoder) unescapeAttr(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexAny(raw, "\t\n\r") < 0 {
		return string(raw), nil
	}
	out, err := d.unescape(raw, nil)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func (d *Decoder) endTag() (xml.Token, error) {
	d.pos += 2 // </
	n, ok := d.name()
	if !ok {
		return nil, d.errorf("expected element name after </")
	}
	d.space()
	if d.pos >= len(d.data) || d.data[d.pos] != '>' {
		return nil, d.errorf("invalid characters between </%s and >", n.Local)
	}
	d.pos++
	if len(d.stack) == 0 {
		return nil, d.errorf("unexpected end element </%s>", n.Local)
	}
	top := d.stack[len(d.stack)-1]
	if top != n {
		return nil, d.errorf("element <%s> closed by </%s>", top.Local, n.Local)
	}
	d.stack = d.stack[:len(d.stack)-1]
	return endToken(n), nil
}

func (d *Decoder) procInst() (xml.Token, error) {
	d.pos += 2 // <?
	// A target is a name with any number of colons (encoding/xml's
	// name, not its namespaced nsname).
	tstart := d.pos
	for d.pos < len(d.data) && (d.data[d.pos] == ':' || isNameByte(d.data[d.pos], d.pos == tstart)) {
		d.pos++
	}
	if d.pos == tstart || !utf8.Valid(d.data[tstart:d.pos]) {
		return nil, d.errorf("expected target name after <?")
	}
	n := xml.Name{Local: string(d.data[tstart:d.pos])}
	end := bytes.Index(d.data[d.pos:], []byte("?>"))
	if end < 0 {
		return nil, d.errorf("unexpected EOF in a processing instruction")
	}
	inst := d.data[d.pos : d.pos+end]
	d.pos += end + 2
	target := n.Local
	if n.Space != "" {
		target = n.Space + ":" + n.Local
	}
	inst = bytes.TrimLeft(inst, " \t\r\n")
	if target == "xml" {
		// The declaration: only UTF-8 documents are read.
		if enc := procInstParam("encoding", string(inst)); enc != "" && !equalFold(enc, "utf-8") {
			return nil, d.errorf("xml: encoding %q declared but Decoder.CharsetReader is nil", enc)
		}
	}
	return xml.ProcInst{Target: target, Inst: inst}, nil
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// procInstParam finds param="value" in a declaration.
func procInstParam(param, s string) string {
	i := bytes.Index([]byte(s), []byte(param))
	if i < 0 {
		return ""
	}
	s = s[i+len(param):]
	s = string(bytes.TrimLeft([]byte(s), " \t\r\n"))
	if len(s) == 0 || s[0] != '=' {
		return ""
	}
	s = string(bytes.TrimLeft([]byte(s[1:]), " \t\r\n"))
	if len(s) == 0 || s[0] != '"' && s[0] != '\'' {
		return ""
	}
	q := s[0]
	s = s[1:]
	if j := bytes.IndexByte([]byte(s), q); j >= 0 {
		return s[:j]
	}
	return ""
}

func (d *Decoder) bang() (xml.Token, error) {
	rest := d.data[d.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		end := bytes.Index(rest[4:], []byte("--"))
		if end < 0 {
			return nil, d.errorf("unexpected EOF in a comment")
		}
		if 4+end+2 >= len(rest) || rest[4+end+2] != '>' {
			return nil, d.errorf("invalid sequence \"--\" not allowed in comments")
		}
		c := rest[4 : 4+end]
		d.pos += 4 + end + 3
		return xml.Comment(c), nil
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		end := bytes.Index(rest[9:], []byte("]]>"))
		if end < 0 {
			return nil, d.errorf("unexpected EOF in CDATA section")
		}
		c := rest[9 : 9+end]
		if err := d.checkChars(c, d.pos+9); err != nil {
			return nil, err
		}
		d.pos += 9 + end + 3
		if bytes.IndexByte(c, '\r') >= 0 {
			out := bytes.ReplaceAll(c, []byte("\r\n"), []byte("\n"))
			out = bytes.ReplaceAll(out, []byte("\r"), []byte("\n"))
			return xml.CharData(out), nil
		}
		return xml.CharData(c), nil
	}
	// A declaration (DOCTYPE, ENTITY ...): returned whole for the caller
	// to refuse; its end is the first '>' outside quotes.
	i := 2
	var q byte
	for ; i < len(rest); i++ {
		c := rest[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			dir := rest[2:i]
			d.pos += i + 1
			return xml.Directive(dir), nil
		}
	}
	return nil, d.errorf("unexpected EOF in a declaration")
}
