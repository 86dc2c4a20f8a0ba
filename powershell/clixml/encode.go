package clixml

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Marshal returns the CLIXML of v: one top-level element, without an XML
// declaration or <Objs> wrapper, as PowerShell writes it inside a PSRP
// message. RefIds start at 0.
//
// v may be nil, any of the primitive types listed below or an *Object,
// nested to at most DefaultLimits.MaxDepth objects:
//
//	nil <Nil/>, string <S>, Char <C>, bool <B>, time.Time <DT>,
//	Duration <TS>, uint8 <By>, int8 <SB>, uint16 <U16>, int16 <I16>,
//	uint32 <U32>, int32 <I32>, uint64 <U64>, int64 <I64>, float32 <Sg>,
//	float64 <Db>, Decimal <D>, []byte <BA>, GUID <G>, URI <URI>,
//	Version <Version>, XMLDocument <XD>, ScriptBlock <SBK>,
//	SecureString <SS>, *Object <Obj>.
//
// For convenience an int is written as <I32> when it fits and <I64>
// otherwise, a []any as a System.Object[] list and a map[string]any as a
// System.Collections.Hashtable with its keys sorted; decoding yields none
// of these Go types back.
//
// An *Object that appears more than once is written in full the first time
// and as <Ref RefId="n"/> after that, so cycles terminate. An object whose
// List is set but whose ListKind is empty is written as an <LST>.
func Marshal(v any) ([]byte, error) {
	return AppendMarshal(make([]byte, 0, 512), v)
}

// AppendMarshal appends the CLIXML of v (see Marshal) to dst: a caller
// that frames it (a PSRP message and its fragment) writes it once, after
// room left for its headers.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	e := getEncoder() // the element stays in e.buf, written nowhere
	defer putEncoder(e)
	e.buf = *bytes.NewBuffer(dst)
	e.base = len(dst)
	if err := e.Encode(v); err != nil {
		return dst, err
	}
	return e.buf.Bytes(), nil
}

// encoders keeps AppendMarshal's Encoders with their maps' room: every
// PSRP message is marshalled by one, and a new one's maps grew as its
// objects were numbered.
var encoders sync.Pool

func getEncoder() *Encoder {
	if e, ok := encoders.Get().(*Encoder); ok {
		return e
	}
	return NewEncoder(nil)
}

// putEncoder resets e, keeping neither the caller's buffer nor its
// objects alive, and keeps it for getEncoder.
func putEncoder(e *Encoder) {
	if len(e.refs) > 1024 || len(e.tnRefs) > 1024 {
		return // a huge message's maps are not worth their room
	}
	clear(e.refs)
	clear(e.tnRefs)
	*e = Encoder{refs: e.refs, tnRefs: e.tnRefs, key: e.key[:0]}
	encoders.Put(e)
}

// An Encoder writes top-level CLIXML elements to a stream, one per Encode
// call. Like one PowerShell serializer, it numbers objects and type-name
// lists across calls, so a later element may refer (<Ref>, <TNRef>) to an
// earlier one; a Decoder reading the same stream resolves them.
type Encoder struct {
	w io.Writer
	// MaxDepth is the deepest nesting of objects Encode writes; deeper
	// values are refused with an error wrapping ErrLimit. Zero means
	// DefaultLimits.MaxDepth, so that what is written can be read back
	// with the default limits.
	MaxDepth int

	buf     bytes.Buffer
	refs    map[*Object]int
	tnRefs  map[string]int
	nextRef int
	key     []byte // appendTNKey's, reused
	base    int    // bytes in buf before the element (AppendMarshal's dst)
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: w, refs: make(map[*Object]int), tnRefs: make(map[string]int)}
}

// Encode writes v as one top-level element; see Marshal for the types
// accepted. Nothing is written when it returns an error.
func (e *Encoder) Encode(v any) error {
	e.buf.Truncate(e.base)
	maxDepth := e.MaxDepth
	if maxDepth == 0 {
		maxDepth = DefaultLimits.MaxDepth
	}
	// Remember the reference tables so that a failed Encode leaves them
	// as they were.
	nextRef, nRefs, nTN := e.nextRef, len(e.refs), len(e.tnRefs)
	if err := e.value(v, "", false, 0, maxDepth); err != nil {
		if len(e.refs) != nRefs || len(e.tnRefs) != nTN {
			for o, id := range e.refs {
				if id >= nextRef {
					delete(e.refs, o)
				}
			}
			for k, id := range e.tnRefs {
				if id >= nTN {
					delete(e.tnRefs, k)
				}
			}
		}
		e.nextRef = nextRef
		return err
	}
	if e.w == nil {
		return nil
	}
	_, err := e.w.Write(e.buf.Bytes()[e.base:])
	if err != nil {
		return fmt.Errorf("clixml: write: %w", err)
	}
	return nil
}

func (e *Encoder) open(tag, name string, named bool) {
	b := &e.buf
	b.WriteByte('<')
	b.WriteString(tag)
	if named {
		b.WriteString(` N="`)
		writeText(b, name)
		b.WriteByte('"')
	}
	b.WriteByte('>')
}

func (e *Encoder) close(tag string) {
	e.buf.WriteString("</")
	e.buf.WriteString(tag)
	e.buf.WriteByte('>')
}

// simple writes <tag N="name">text</tag> with text written verbatim.
func (e *Encoder) simple(tag, name string, named bool, text string) {
	e.open(tag, name, named)
	e.buf.WriteString(text)
	e.close(tag)
}

// str writes <tag N="name">s</tag> with s encoded as CLIXML text.
func (e *Encoder) str(tag, name string, named bool, s string) {
	e.open(tag, name, named)
	writeText(&e.buf, s)
	e.close(tag)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'G', -1, bits)
}

// value writes v; depth is the number of objects enclosing it.
func (e *Encoder) value(v any, name string, named bool, depth, maxDepth int) error {
	switch x := v.(type) {
	case nil:
		e.nilElem(name, named)
	case string:
		e.str("S", name, named, x)
	case Char:
		e.simple("C", name, named, strconv.FormatUint(uint64(x), 10))
	case bool:
		e.simple("B", name, named, strconv.FormatBool(x))
	case time.Time:
		s, err := formatDateTime(x)
		if err != nil {
			return fmt.Errorf("clixml: <DT> at depth %d: %w", depth, err)
		}
		e.simple("DT", name, named, s)
	case Duration:
		e.simple("TS", name, named, formatDuration(x))
	case uint8:
		e.simple("By", name, named, strconv.FormatUint(uint64(x), 10))
	case int8:
		e.simple("SB", name, named, strconv.FormatInt(int64(x), 10))
	case uint16:
		e.simple("U16", name, named, strconv.FormatUint(uint64(x), 10))
	case int16:
		e.simple("I16", name, named, strconv.FormatInt(int64(x), 10))
	case uint32:
		e.simple("U32", name, named, strconv.FormatUint(uint64(x), 10))
	case int32:
		e.simple("I32", name, named, strconv.FormatInt(int64(x), 10))
	case uint64:
		e.simple("U64", name, named, strconv.FormatUint(x, 10))
	case int64:
		e.simple("I64", name, named, strconv.FormatInt(x, 10))
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			e.simple("I32", name, named, strconv.Itoa(x))
		} else {
			e.simple("I64", name, named, strconv.Itoa(x))
		}
	case float32:
		e.simple("Sg", name, named, formatFloat(float64(x), 32))
	case float64:
		e.simple("Db", name, named, formatFloat(x, 64))
	case Decimal:
		if !isDecimal(string(x)) {
			return fmt.Errorf("clixml: <D> at depth %d: invalid decimal %q", depth, truncate(string(x)))
		}
		e.simple("D", name, named, string(x))
	case []byte:
		e.simple("BA", name, named, base64.StdEncoding.EncodeToString(x))
	case GUID:
		e.simple("G", name, named, x.String())
	case URI:
		e.str("URI", name, named, string(x))
	case Version:
		e.str("Version", name, named, string(x))
	case XMLDocument:
		e.str("XD", name, named, string(x))
	case ScriptBlock:
		e.str("SBK", name, named, string(x))
	case SecureString:
		e.simple("SS", name, named, base64.StdEncoding.EncodeToString(x))
	case *Object:
		if x == nil {
			e.nilElem(name, named)
			return nil
		}
		return e.object(x, name, named, depth+1, maxDepth)
	case []any:
		o := &Object{
			TypeNames: []string{"System.Object[]", "System.Array", "System.Object"},
			ListKind:  "LST",
			List:      x,
		}
		if x == nil {
			o.List = []any{}
		}
		return e.object(o, name, named, depth+1, maxDepth)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := &Object{
			TypeNames: []string{"System.Collections.Hashtable", "System.Object"},
			Dict:      make([]Entry, len(keys)),
		}
		for i, k := range keys {
			o.Dict[i] = Entry{Key: k, Value: x[k]}
		}
		return e.object(o, name, named, depth+1, maxDepth)
	default:
		return fmt.Errorf("clixml: at depth %d: unsupported type %T", depth, v)
	}
	return nil
}

func (e *Encoder) nilElem(name string, named bool) {
	e.buf.WriteString("<Nil")
	if named {
		e.buf.WriteString(` N="`)
		writeText(&e.buf, name)
		e.buf.WriteByte('"')
	}
	e.buf.WriteString(" />")
}

// appendTNKey appends a key that identifies a type-name list
// unambiguously.
func appendTNKey(b []byte, names []string) []byte {
	for _, n := range names {
		b = strconv.AppendInt(b, int64(len(n)), 10)
		b = append(b, ':')
		b = append(b, n...)
	}
	return b
}

func isPrimitive(v any) bool {
	switch v.(type) {
	case string, Char, bool, time.Time, Duration, uint8, int8, uint16, int16,
		uint32, int32, uint64, int64, int, float32, float64, Decimal, []byte,
		GUID, URI, Version, XMLDocument, ScriptBlock, SecureString:
		return true
	}
	return false
}

// refTag writes <tag N="name" RefId="id" and then end ("\" />" or "\">").
func (e *Encoder) refTag(tag, name string, named bool, id int, end string) {
	b := &e.buf
	b.WriteByte('<')
	b.WriteString(tag)
	if named {
		b.WriteString(` N="`)
		writeText(b, name)
		b.WriteByte('"')
	}
	b.WriteString(` RefId="`)
	b.WriteString(strconv.Itoa(id))
	b.WriteString(end)
}

// object writes o, which sits at depth (1 for a top-level object).
func (e *Encoder) object(o *Object, name string, named bool, depth, maxDepth int) error {
	b := &e.buf
	if id, ok := e.refs[o]; ok {
		e.refTag("Ref", name, named, id, `" />`)
		return nil
	}
	if depth > maxDepth {
		return fmt.Errorf("clixml: <Obj> at depth %d: %w (MaxDepth %d)", depth, ErrLimit, maxDepth)
	}
	kinds := 0
	if o.Value != nil {
		kinds++
		if _, isObj := o.Value.(*Object); !isObj && !isPrimitive(o.Value) {
			return fmt.Errorf("clixml: <Obj> at depth %d: Value of type %T is neither a primitive nor an *Object", depth, o.Value)
		}
	}
	if o.ListKind != "" || o.List != nil {
		kinds++
		switch o.ListKind {
		case "", "LST", "IE", "STK", "QUE":
		default:
			return fmt.Errorf("clixml: <Obj> at depth %d: unknown ListKind %q", depth, o.ListKind)
		}
	}
	if o.Dict != nil {
		kinds++
	}
	if kinds > 1 {
		return fmt.Errorf("clixml: <Obj> at depth %d: more than one of Value, List and Dict set", depth)
	}

	id := e.nextRef
	e.nextRef++
	e.refs[o] = id
	e.refTag("Obj", name, named, id, `">`)

	if o.TypeNames != nil {
		e.key = appendTNKey(e.key[:0], o.TypeNames)
		if tid, ok := e.tnRefs[string(e.key)]; ok {
			b.WriteString(`<TNRef RefId="`)
			b.WriteString(strconv.Itoa(tid))
			b.WriteString(`" />`)
		} else {
			tid = len(e.tnRefs)
			e.tnRefs[string(e.key)] = tid
			b.WriteString(`<TN RefId="`)
			b.WriteString(strconv.Itoa(tid))
			b.WriteString(`">`)
			for _, t := range o.TypeNames {
				e.str("T", "", false, t)
			}
			b.WriteString("</TN>")
		}
	}
	if o.HasToString || o.ToString != "" {
		e.str("ToString", "", false, o.ToString)
	}
	if o.Value != nil {
		if err := e.value(o.Value, "", false, depth, maxDepth); err != nil {
			return err
		}
	}
	if o.ListKind != "" || o.List != nil {
		tag := o.ListKind
		if tag == "" {
			tag = "LST"
		}
		b.WriteString("<" + tag + ">")
		for _, item := range o.List {
			if err := e.value(item, "", false, depth, maxDepth); err != nil {
				return err
			}
		}
		e.close(tag)
	}
	if o.Dict != nil {
		b.WriteString("<DCT>")
		for _, en := range o.Dict {
			b.WriteString("<En>")
			if err := e.value(en.Key, "Key", true, depth, maxDepth); err != nil {
				return err
			}
			if err := e.value(en.Value, "Value", true, depth, maxDepth); err != nil {
				return err
			}
			b.WriteString("</En>")
		}
		b.WriteString("</DCT>")
	}
	if err := e.props("Props", o.Props, depth, maxDepth); err != nil {
		return err
	}
	if err := e.props("MS", o.Members, depth, maxDepth); err != nil {
		return err
	}
	b.WriteString("</Obj>")
	return nil
}

func (e *Encoder) props(tag string, ps []Property, depth, maxDepth int) error {
	if ps == nil {
		return nil
	}
	e.buf.WriteString("<" + tag + ">")
	for _, p := range ps {
		if err := e.value(p.Value, p.Name, true, depth, maxDepth); err != nil {
			return err
		}
	}
	e.close(tag)
	return nil
}

// isDecimal reports whether s is a decimal number as .NET's
// XmlConvert.ToDecimal reads it: an optional sign, digits and at most one
// decimal point, with at least one digit.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
