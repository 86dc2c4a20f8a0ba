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
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
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

	// The token Next found.
	kind   Kind
	name   xml.Name   // StartElement, EndElement
	attrs  []xml.Attr // StartElement; reused by the next start tag
	text   []byte     // CharData, Comment, Directive, ProcInst's Inst
	target string     // ProcInst

	// The first elements of stack and attrs, allocated with the Decoder.
	stackBuf [16]xml.Name
	attrBuf  [8]xml.Attr
}

// Kind is the kind of token Next found.
type Kind uint8

// The kinds of token.
const (
	None Kind = iota
	StartElement
	EndElement
	CharData
	Comment
	ProcInst
	Directive
)

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

// values are the attribute values and texts these documents repeat:
// namespaces, WS-Management's actions and URIs, CLIXML's common type
// names, booleans and small numbers (RefIds). Intern returns them without
// an allocation.
var values = func() map[string]string {
	m := map[string]string{}
	for n := range known {
		m[n] = n
	}
	const shell = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	for _, v := range []string{
		"http://www.w3.org/2003/05/soap-envelope",
		"http://schemas.xmlsoap.org/ws/2004/08/addressing",
		"http://schemas.xmlsoap.org/ws/2004/09/transfer",
		"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
		"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
		"http://schemas.microsoft.com/wbem/wsman/1/config",
		"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
		"http://schemas.microsoft.com/powershell",
		"http://schemas.microsoft.com/powershell/Microsoft.Exchange",
		"http://schemas.microsoft.com/powershell/Microsoft.PowerShell",
		"http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous",
		"http://www.w3.org/XML/1998/namespace",
		"http://www.w3.org/2001/XMLSchema",
		"http://www.w3.org/2001/XMLSchema-instance",
		"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
		"http://schemas.microsoft.com/powershell/2004/04",
		"http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
		"http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
		"http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
		shell, shell + "/Command", shell + "/Send", shell + "/Receive", shell + "/Signal",
		shell + "/signal/Terminate", shell + "/signal/ctrl_c", "powershell/signal/crtl_c",
		shell + "/CommandState/Done", shell + "/CommandState/Running",
		"stdin", "stdout", "stdin pr", "stdout pr", "pr", "true", "false", "TRUE", "FALSE",
		"en-US", "WINRS_CONSOLEMODE_STDIN", "WINRS_SKIP_CMD_SHELL", "WSMAN_CMDSHELL_OPTION_KEEPALIVE", "protocolversion",
		// CLIXML type names every PSRP message carries.
		"System.Object", "System.Enum", "System.ValueType", "System.String", "System.Int32", "System.Boolean",
		"System.Collections.Hashtable", "System.Collections.ArrayList",
		"System.Management.Automation.PSPrimitiveDictionary",
		"System.Management.Automation.Runspaces.ApartmentState",
		"System.Management.Automation.Runspaces.RemoteStreamOptions",
		"System.Management.Automation.Runspaces.PipelineResultTypes",
		"System.Management.Automation.Runspaces.PSThreadOptions",
		"System.Management.Automation.PSInvocationState",
		"System.Management.Automation.Runspaces.RunspacePoolState",
		"System.Collections.Generic.List`1[[System.Management.Automation.PSObject, System.Management.Automation, Version=1.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]",
		"None", "UNKNOWN", "Default", "Running", "Completed", "Opened", "True", "False",
		// The property names of MS-PSRP's messages (2.2.2): a pipeline's
		// and its commands' (CREATE_PIPELINE), the states', the host
		// information's and an error record's.
		"PowerShell", "Cmds", "Cmd", "Args", "V", "IsScript", "UseLocalScope", "MergeMyResult", "MergeToResult",
		"MergePreviousResults", "MergeError", "MergeWarning", "MergeVerbose", "MergeDebug", "MergeInformation",
		"ExtraCmds", "IsNested", "History", "RedirectShellErrorOutputPipe", "NoInput", "AddToHistory",
		"ApartmentState", "RemoteStreamOptions", "HostInfo", "_isHostNull", "_isHostUINull", "_isHostRawUINull",
		"_useRunspaceHost", "_hostDefaultData", "data", "PipelineState", "RunspaceState", "ExceptionAsErrorRecord",
		"PSVersion", "SerializationVersion", "protocolversion", "MinRunspaces", "MaxRunspaces", "PSThreadOptions",
		"ApplicationArguments", "ApplicationPrivateData", "SetMinMaxRunspacesResponse", "ci", "mi", "PublicKey",
		"EncryptedSessionKey", "Exception", "TargetObject", "FullyQualifiedErrorId", "InvocationInfo",
		"ErrorCategory_Category", "ErrorCategory_Activity", "ErrorCategory_Reason", "ErrorCategory_TargetName",
		"ErrorCategory_TargetType", "ErrorCategory_Message", "SerializeExtendedInfo", "InformationalRecord_Message",
		"InformationalRecord_SerializeInvocationInfo",
		// WS-Management option values the common clients send: pypsrp's
		// and PowerShell's MaxEnvelopeSize and OperationTimeout.
		"153600", "512000", "PT20.000S", "PT20S", "PT60.000S", "PT180.000S",
	} {
		m[v] = v
	}
	for i := range 512 {
		v := strconv.Itoa(i)
		m[v] = v
	}
	return m
}()

// Intern returns b as a string, without an allocation for a value
// these documents repeat (see values).
func Intern(b []byte) string {
	if s, ok := valueTable.lookup(b); ok {
		return s
	}
	return string(b)
}

// internTable finds a known string from its bytes with a cheap hash and
// one comparison: on every name and attribute of a document, a map's
// lookup was a tenth of a Remote PowerShell request's time. A string
// whose slots others took first is not interned (TestInternTables: none
// of the known ones).
type internTable [1 << 12]string

// internProbes is how many slots a string may take after its own.
const internProbes = 8

func newInternTable(m map[string]string) *internTable {
	t := new(internTable)
	for s := range m {
		h := internHash([]byte(s))
		for k := range uint32(internProbes) {
			if i := (h + k) % uint32(len(t)); t[i] == "" {
				t[i] = s
				break
			}
		}
	}
	return t
}

// internHash hashes b from its length and its first and last eight bytes
// (all of a shorter one), read a word at a time and mixed by
// multiplication: called on every name and most attribute values of a
// document, a hash of a byte at a time was a fifth of the fast
// CREATE_PIPELINE reader's time.
func internHash(b []byte) uint32 {
	n := len(b)
	var lo, hi uint64
	switch {
	case n >= 8:
		lo, hi = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		lo, hi = uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
	default:
		for i := 0; i < n; i++ {
			lo = lo<<8 | uint64(b[i])
		}
	}
	h := lo*0x9E3779B97F4A7C15 ^ (hi+uint64(n))*0xC2B2AE3D27D4EB4F
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	return uint32(h) % (1 << 12)
}

func (t *internTable) lookup(b []byte) (string, bool) {
	h := internHash(b)
	for k := range uint32(internProbes) {
		s := t[(h+k)%uint32(len(t))]
		if s == "" {
			return "", false
		}
		if s == string(b) {
			return s, true
		}
	}
	return "", false
}

var (
	nameTable  = newInternTable(known)
	valueTable = newInternTable(values)
)

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

// intern returns b as a string, without allocating for a known name.
func (d *Decoder) intern(b []byte) string {
	if s, ok := nameTable.lookup(b); ok {
		return s
	}
	return string(b)
}

// New returns a Decoder over data, which must not change while it is read.
func New(data []byte) *Decoder {
	d := &Decoder{data: data}
	d.stack, d.attrs = d.stackBuf[:0], d.attrBuf[:0]
	return d
}

// pool keeps released Decoders: one is about a kilobyte (its embedded
// stack and attributes), and a Remote PowerShell round trip parses six
// documents or more.
var pool sync.Pool

// Get returns a Decoder over data as New does, reusing a released one.
// Release it when done with it and with every name and text it returned
// that points into its buffers.
func Get(data []byte) *Decoder {
	d, _ := pool.Get().(*Decoder)
	if d == nil {
		return New(data)
	}
	d.data = data
	return d
}

// Release resets d and keeps it for Get; d must not be used after.
func (d *Decoder) Release() {
	buf := d.buf[:0]
	if cap(buf) > 64<<10 {
		buf = nil // a huge text's buffer is not worth keeping
	}
	*d = Decoder{buf: buf}
	d.stack, d.attrs = d.stackBuf[:0], d.attrBuf[:0]
	pool.Put(d)
}

// Depth is how many elements are open.
func (d *Decoder) Depth() int { return len(d.stack) }

func (d *Decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrSyntax, d.pos, fmt.Sprintf(format, args...))
}

// Token returns the next token, io.EOF at the end of the document.
// CharData may point into the input or into a buffer reused by the next
// call: copy it to keep it. A StartElement's Attr is its own.
func (d *Decoder) Token() (xml.Token, error) {
	k, err := d.Next()
	if err != nil {
		return nil, err
	}
	switch k {
	case StartElement:
		var attrs []xml.Attr
		if len(d.attrs) > 0 {
			attrs = append(attrs, d.attrs...)
		}
		return xml.StartElement{Name: d.name, Attr: attrs}, nil
	case EndElement:
		return endToken(d.name), nil
	case CharData:
		return xml.CharData(d.text), nil
	case Comment:
		return xml.Comment(d.text), nil
	case Directive:
		return xml.Directive(d.text), nil
	}
	return xml.ProcInst{Target: d.target, Inst: d.text}, nil
}

// Next reads the next token without boxing it in an xml.Token, io.EOF at
// the end of the document: Name, Attrs, Text and Target describe it until
// the next call, which may reuse their memory (attribute values and names
// are strings of their own).
func (d *Decoder) Next() (Kind, error) {
	d.kind = None
	if d.pending {
		d.pending = false
		d.name = d.stack[len(d.stack)-1]
		d.stack = d.stack[:len(d.stack)-1]
		return d.found(EndElement, nil)
	}
	if d.pos >= len(d.data) {
		if len(d.stack) > 0 {
			return None, d.errorf("unexpected EOF: <%s> is not closed", d.stack[len(d.stack)-1].Local)
		}
		return None, io.EOF
	}
	if d.data[d.pos] != '<' {
		return d.found(CharData, d.chars())
	}
	if d.pos+1 >= len(d.data) {
		return None, d.errorf("unexpected EOF after <")
	}
	switch c := d.data[d.pos+1]; c {
	case '/':
		return d.found(EndElement, d.endTag())
	case '?':
		return d.found(ProcInst, d.procInst())
	case '!':
		return d.bang()
	}
	return d.found(StartElement, d.startTag())
}

func (d *Decoder) found(k Kind, err error) (Kind, error) {
	if err != nil {
		return None, err
	}
	d.kind = k
	return k, nil
}

// Name is the element name of a StartElement or EndElement.
func (d *Decoder) Name() xml.Name { return d.name }

// Attrs are a StartElement's attributes, valid until the next call to
// Next or Token.
func (d *Decoder) Attrs() []xml.Attr { return d.attrs }

// Attr is the value of the unprefixed attribute name of a StartElement.
func (d *Decoder) Attr(name string) (string, bool) {
	for _, a := range d.attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// Text is the content of CharData, a Comment or a Directive, or a
// ProcInst's Inst, valid until the next call to Next or Token.
func (d *Decoder) Text() []byte { return d.text }

// Target is a ProcInst's target.
func (d *Decoder) Target() string { return d.target }

// chars reads character data up to the next '<'.
func (d *Decoder) chars() error {
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
		return err
	}
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		d.text = raw
		return nil
	}
	out, err := d.unescape(raw, d.buf[:0])
	if err != nil {
		return err
	}
	d.buf = out
	d.text = out
	return nil
}

// checkChars refuses invalid UTF-8 and characters XML does not allow.
func (d *Decoder) checkChars(b []byte, at int) error {
	for i := 0; i < len(b); {
		// Eight bytes at a time while none is below 0x20 or above 0x7F
		// (base64 and most text): no byte of such a word needs a look.
		if len(b)-i >= 8 {
			const ones, highs = 0x0101010101010101, 0x8080808080808080
			w := binary.LittleEndian.Uint64(b[i:])
			if (w|(w-ones*0x20))&highs == 0 {
				i += 8
				continue
			}
		}
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

// readName reads a (possibly prefixed) name at d.pos, split as encoding/xml
// splits it: at its one colon when both sides are non-empty, else whole.
func (d *Decoder) readName() (xml.Name, bool) {
	start := d.pos
	colons, colon := 0, -1
	ascii := true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == ':' {
			colons++
			colon = d.pos - start
			d.pos++
			continue
		}
		if !isNameByte(c, d.pos == start) {
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		d.pos++
	}
	if d.pos == start || colons > 1 {
		return xml.Name{}, false
	}
	s := d.data[start:d.pos]
	if !ascii && !utf8.Valid(s) {
		return xml.Name{}, false
	}
	if colon > 0 && colon < len(s)-1 {
		return xml.Name{Space: d.intern(s[:colon]), Local: d.intern(s[colon+1:])}, true
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

func (d *Decoder) startTag() error {
	d.pos++ // <
	n, ok := d.readName()
	if !ok {
		return d.errorf("expected element name after <")
	}
	if len(d.stack) >= MaxDepth {
		return d.errorf("exceeded max depth")
	}
	d.name = n
	d.attrs = d.attrs[:0]
	for {
		sp := d.pos
		d.space()
		if d.pos >= len(d.data) {
			return d.errorf("unexpected EOF in <%s>", n.Local)
		}
		switch d.data[d.pos] {
		case '/':
			if d.pos+1 >= len(d.data) || d.data[d.pos+1] != '>' {
				return d.errorf("expected /> in element")
			}
			d.pos += 2
			d.stack = append(d.stack, n)
			d.pending = true
			return nil
		case '>':
			d.pos++
			d.stack = append(d.stack, n)
			return nil
		}
		if d.pos == sp {
			return d.errorf("expected space before an attribute")
		}
		an, ok := d.readName()
		if !ok {
			return d.errorf("expected attribute name in element")
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '=' {
			return d.errorf("attribute name without = in element")
		}
		d.pos++
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' && d.data[d.pos] != '\'' {
			return d.errorf("unquoted or missing attribute value in element")
		}
		q := d.data[d.pos]
		d.pos++
		end := bytes.IndexByte(d.data[d.pos:], q)
		if end < 0 {
			return d.errorf("unexpected EOF in an attribute value")
		}
		raw := d.data[d.pos : d.pos+end]
		if bytes.IndexByte(raw, '<') >= 0 {
			return d.errorf("unescaped < inside quoted string")
		}
		if err := d.checkChars(raw, d.pos); err != nil {
			return err
		}
		d.pos += end + 1
		v, err := d.unescapeAttr(raw)
		if err != nil {
			return err
		}
		d.attrs = append(d.attrs, xml.Attr{Name: an, Value: v})
	}
}

// unescapeAttr decodes an attribute value as encoding/xml does (entities,
// character references, line ends; no further whitespace normalization).
func (d *Decoder) unescapeAttr(raw []byte) (string, error) {
	plain := true
	for _, c := range raw {
		if c == '&' || c == '\t' || c == '\n' || c == '\r' {
			plain = false
			break
		}
	}
	if plain {
		return Intern(raw), nil
	}
	out, err := d.unescape(raw, nil)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func (d *Decoder) endTag() error {
	d.pos += 2 // </
	// The end tag of the open element (the only one well-formed here)
	// spells its name as its start tag did: compared, not read and
	// interned again.
	if len(d.stack) > 0 {
		top := d.stack[len(d.stack)-1]
		if rest, ok := cutName(d.data[d.pos:], top); ok && len(rest) > 0 {
			if c := rest[0]; c == '>' {
				d.pos = len(d.data) - len(rest) + 1
				d.stack = d.stack[:len(d.stack)-1]
				d.name = top
				return nil
			}
		}
	}
	n, ok := d.readName()
	if !ok {
		return d.errorf("expected element name after </")
	}
	d.space()
	if d.pos >= len(d.data) || d.data[d.pos] != '>' {
		return d.errorf("invalid characters between </%s and >", n.Local)
	}
	d.pos++
	if len(d.stack) == 0 {
		return d.errorf("unexpected end element </%s>", n.Local)
	}
	top := d.stack[len(d.stack)-1]
	if top != n {
		return d.errorf("element <%s> closed by </%s>", top.Local, n.Local)
	}
	d.stack = d.stack[:len(d.stack)-1]
	d.name = n
	return nil
}

// cutName returns what follows n spelt (as prefix:local) at the start of
// b, if it is there and not followed by more of a name.
func cutName(b []byte, n xml.Name) ([]byte, bool) {
	if n.Space != "" {
		if len(b) <= len(n.Space) || string(b[:len(n.Space)]) != n.Space || b[len(n.Space)] != ':' {
			return nil, false
		}
		b = b[len(n.Space)+1:]
	}
	if len(b) < len(n.Local) || string(b[:len(n.Local)]) != n.Local {
		return nil, false
	}
	b = b[len(n.Local):]
	if len(b) > 0 && (b[0] == ':' || isNameByte(b[0], false)) {
		return nil, false
	}
	return b, true
}

func (d *Decoder) procInst() error {
	d.pos += 2 // <?
	// A target is a name with any number of colons (encoding/xml's
	// name, not its namespaced nsname).
	tstart := d.pos
	for d.pos < len(d.data) && (d.data[d.pos] == ':' || isNameByte(d.data[d.pos], d.pos == tstart)) {
		d.pos++
	}
	if d.pos == tstart || !utf8.Valid(d.data[tstart:d.pos]) {
		return d.errorf("expected target name after <?")
	}
	n := xml.Name{Local: string(d.data[tstart:d.pos])}
	end := bytes.Index(d.data[d.pos:], []byte("?>"))
	if end < 0 {
		return d.errorf("unexpected EOF in a processing instruction")
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
			return d.errorf("xml: encoding %q declared but Decoder.CharsetReader is nil", enc)
		}
	}
	d.target, d.text = target, inst
	return nil
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

func (d *Decoder) bang() (Kind, error) {
	rest := d.data[d.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		end := bytes.Index(rest[4:], []byte("--"))
		if end < 0 {
			return None, d.errorf("unexpected EOF in a comment")
		}
		if 4+end+2 >= len(rest) || rest[4+end+2] != '>' {
			return None, d.errorf("invalid sequence \"--\" not allowed in comments")
		}
		c := rest[4 : 4+end]
		d.pos += 4 + end + 3
		d.text = c
		return d.found(Comment, nil)
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		end := bytes.Index(rest[9:], []byte("]]>"))
		if end < 0 {
			return None, d.errorf("unexpected EOF in CDATA section")
		}
		c := rest[9 : 9+end]
		if err := d.checkChars(c, d.pos+9); err != nil {
			return None, err
		}
		d.pos += 9 + end + 3
		if bytes.IndexByte(c, '\r') >= 0 {
			out := bytes.ReplaceAll(c, []byte("\r\n"), []byte("\n"))
			out = bytes.ReplaceAll(out, []byte("\r"), []byte("\n"))
			d.text = out
			return d.found(CharData, nil)
		}
		d.text = c
		return d.found(CharData, nil)
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
			d.text = dir
			return d.found(Directive, nil)
		}
	}
	return None, d.errorf("unexpected EOF in a declaration")
}
