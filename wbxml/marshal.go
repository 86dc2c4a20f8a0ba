package wbxml

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"sync"
)

// Marshaler is implemented by types that write their own element.
// MarshalWBXML writes element t, and what it contains, with e's methods
// (Start, Text, End, Encode, ...). t is the element the field's tag names;
// it is nil for a root value without a WBXMLName, which then chooses its
// element itself. MarshalWBXML must close every element it opens; it may
// write nothing, which leaves the element out.
type Marshaler interface {
	MarshalWBXML(e *Encoder, t *Tag) error
}

// Unmarshaler is implemented by types that read their own element.
// UnmarshalWBXML is called just after d returned start, and must read
// exactly the rest of that element, up to and including its EndElement
// (Decoder.Skip, Decoder.DecodeElement and ReadNode help).
type Unmarshaler interface {
	UnmarshalWBXML(d *Decoder, start Token) error
}

// UnmarshalError reports element content that does not fit the value it is
// unmarshaled into, such as a bad number, or an element other than the one
// the value's WBXMLName expects.
type UnmarshalError struct {
	Offset int64  // byte offset of the element's content (or of the element)
	Path   string // the elements, outermost first, down to the offending one
	Msg    string
	Err    error // the cause, such as a *strconv.NumError, or nil
}

func (e *UnmarshalError) Error() string {
	s := fmt.Sprintf("wbxml: offset %d: %s", e.Offset, e.Msg)
	if e.Path != "" {
		s += " (in " + e.Path + ")"
	}
	return s
}

// Unwrap returns the error's cause, if any.
func (e *UnmarshalError) Unwrap() error { return e.Err }

// UnsupportedTypeError is returned when Marshal meets a value it cannot
// write as an element.
type UnsupportedTypeError struct {
	Type reflect.Type
	Msg  string
}

func (e *UnsupportedTypeError) Error() string {
	return "wbxml: cannot marshal " + e.Type.String() + ": " + e.Msg
}

var encoderPool = sync.Pool{New: func() any { return NewEncoder(nil) }}

// Marshal returns the WBXML document, header included, whose root element
// is v. v is usually a struct, or a pointer to one, with a WBXMLName field.
//
// Go values map to elements through struct tags, in the manner of
// encoding/xml:
//
//	type Ping struct {
//		WBXMLName         wbxml.Name `wbxml:"Ping:Ping"`
//		HeartbeatInterval int        `wbxml:"HeartbeatInterval,omitempty"`
//		Folders           *Folders   `wbxml:"Folders"`
//	}
//
// A tag names the element of a field as "Namespace:Name" or as "Name" alone,
// which means the namespace of the struct's own element. Fields without a
// tag, and fields tagged "-", are ignored; the fields of an embedded struct
// without a tag count as the outer struct's. The options after the name are
//
//   - omitempty: a zero value (false, 0, "", nil, empty slice, zero struct)
//     is not written;
//   - opaque: a []byte is written as OPAQUE rather than as an inline string
//     (a []byte whose element the table marks Opaque is always);
//   - empty: a bool is the presence of an empty element, <GetChanges/>:
//     true writes it, false leaves it out;
//   - any (no name, on a []*Node): receives every child element no other
//     field names, in order, and is written back after the named fields;
//   - chardata (no name, on a string or []byte): the element's own text.
//
// A value is written as text: strings as they are, []byte as an inline
// string or OPAQUE, bools as "1" and "0", numbers in decimal, and types
// implementing encoding.TextMarshaler as their text; empty text gives the
// bare element, <Tag/>. Pointers are optional
// elements (nil is absent), slices repeated elements, structs elements with
// children, and a *Node or Node a raw subtree. Types implementing Marshaler
// or Unmarshaler write or read their whole element themselves.
//
// Elements are written in field order, the any field's last. A legacy
// element (one the current MS-ASWBXML dropped) is refused, as Encoder
// refuses it unless AllowLegacy is set.
func Marshal(v any) ([]byte, error) {
	e := encoderPool.Get().(*Encoder)
	e.Reset(nil)
	err := e.Encode(v)
	if err == nil {
		err = e.Close()
	}
	var out []byte
	if err == nil {
		out = bytes.Clone(e.Bytes())
	}
	if cap(e.buf) <= 64<<10 {
		e.Reset(nil)
		encoderPool.Put(e)
	}
	return out, err
}

// Encode writes v as one element: the root element, or a child of the
// innermost open element. The element is the one v's WBXMLName names (a
// Node's tag, for a Node; a Marshaler chooses its own). Encode does not
// Close the document nor Flush. Its errors are sticky, as all the
// encoder's errors are.
func (e *Encoder) Encode(v any) error {
	if e.err != nil {
		return e.err
	}
	if err := e.marshalValue(reflect.ValueOf(v), nil, 0); err != nil && e.err == nil {
		e.err = err
	}
	return e.err
}

func (e *Encoder) noName(t reflect.Type) error {
	return &UnsupportedTypeError{Type: t, Msg: "no element name (give the struct a WBXMLName field, or marshal it as a tagged field)"}
}

// marshalValue writes v as element t (nil: the name comes from v itself).
func (e *Encoder) marshalValue(v reflect.Value, t *Tag, flags fieldFlags) error {
	if !v.IsValid() {
		return nil
	}
	if flags&fOmitEmpty != 0 && isEmptyValue(v) {
		return nil
	}
	typ := v.Type()
	kind := v.Kind()
	im := implementsOf(typ)
	if im.marshaler {
		if (kind == reflect.Pointer || kind == reflect.Interface) && v.IsNil() {
			return nil
		}
		return e.callMarshaler(v, t)
	}
	if kind != reflect.Pointer && v.CanAddr() && im.ptrMarshaler {
		return e.callMarshaler(v.Addr(), t)
	}
	if im.text {
		if (kind == reflect.Pointer || kind == reflect.Interface) && v.IsNil() {
			return nil
		}
		return e.marshalTextMarshaler(v, t, flags)
	}
	if kind != reflect.Pointer && v.CanAddr() && im.ptrText {
		return e.marshalTextMarshaler(v.Addr(), t, flags)
	}

	switch kind {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		if typ == nodePtrType {
			return e.marshalNode((*Node)(v.UnsafePointer()), t)
		}
		// omitempty leaves out a nil pointer, not a pointer to zero.
		return e.marshalValue(v.Elem(), t, flags&^fOmitEmpty)
	case reflect.Struct:
		if typ == nodeType {
			var n *Node
			if v.CanAddr() {
				n = (*Node)(v.Addr().UnsafePointer())
			} else {
				nv := v.Interface().(Node)
				n = &nv
			}
			return e.marshalNode(n, t)
		}
		return e.marshalStruct(v, t)
	case reflect.Slice:
		if typ.Elem().Kind() != reflect.Uint8 {
			for i, n := 0, v.Len(); i < n; i++ {
				if err := e.marshalValue(v.Index(i), t, flags); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if t == nil {
		return e.noName(typ)
	}

	// A text element.
	switch kind {
	case reflect.String:
		e.Element(t, v.String())
	case reflect.Slice, reflect.Array:
		if kind == reflect.Array || typ.Elem().Kind() != reflect.Uint8 {
			return &UnsupportedTypeError{Type: typ, Msg: "unsupported type"}
		}
		e.Start(t)
		e.writeBytes(v.Bytes(), flags&fOpaqueField != 0 || t.Opaque)
		e.End()
	case reflect.Bool:
		if flags&fEmptyBool != 0 {
			if v.Bool() {
				e.Empty(t)
			}
			return e.err
		}
		s := "0"
		if v.Bool() {
			s = "1"
		}
		e.Element(t, s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.Start(t)
		if e.content("text") {
			e.buf = append(e.buf, tokStrI)
			e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
			e.buf = append(e.buf, 0)
		}
		e.End()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.Start(t)
		if e.content("text") {
			e.buf = append(e.buf, tokStrI)
			e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
			e.buf = append(e.buf, 0)
		}
		e.End()
	case reflect.Float32, reflect.Float64:
		e.Start(t)
		if e.content("text") {
			e.buf = append(e.buf, tokStrI)
			e.buf = strconv.AppendFloat(e.buf, v.Float(), 'g', -1, typ.Bits())
			e.buf = append(e.buf, 0)
		}
		e.End()
	default:
		return &UnsupportedTypeError{Type: typ, Msg: "unsupported type"}
	}
	return e.err
}

// writeBytes writes b as content of the open element; nothing when empty.
func (e *Encoder) writeBytes(b []byte, opaque bool) {
	switch {
	case len(b) == 0:
	case opaque:
		e.Opaque(b)
	default:
		e.TextBytes(b)
	}
}

func (e *Encoder) callMarshaler(v reflect.Value, t *Tag) error {
	depth := len(e.stack)
	if err := v.Interface().(Marshaler).MarshalWBXML(e, t); err != nil {
		return err
	}
	if e.err != nil {
		return e.err
	}
	if len(e.stack) != depth {
		return fmt.Errorf("wbxml: %s.MarshalWBXML left %d element(s) open", v.Type(), len(e.stack)-depth)
	}
	return nil
}

func (e *Encoder) marshalTextMarshaler(v reflect.Value, t *Tag, flags fieldFlags) error {
	if t == nil {
		return e.noName(v.Type())
	}
	text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return fmt.Errorf("wbxml: marshaling %s for element %s: %w", v.Type(), t, err)
	}
	e.Start(t)
	e.writeBytes(text, flags&fOpaqueField != 0 || t.Opaque)
	e.End()
	return e.err
}

// marshalNode writes n as element t. A node without a tag is written as
// element t with n's children.
func (e *Encoder) marshalNode(n *Node, t *Tag) error {
	switch {
	case n.Tag == nil && t == nil:
		return errors.New("wbxml: cannot marshal a Node without a Tag as the root")
	case n.Tag == nil:
		if n.Data != nil || n.IsOpaque {
			return fmt.Errorf("wbxml: cannot marshal a content Node as element %s", t)
		}
		e.Start(t)
		for _, c := range n.Children {
			if c.Encode(e) != nil {
				break
			}
		}
		e.End()
		return e.err
	case t != nil && n.Tag != t:
		return fmt.Errorf("wbxml: Node for element %s has tag %s", t, n.Tag)
	}
	return n.Encode(e)
}

// marshalStruct writes struct v as element t (nil: its WBXMLName).
func (e *Encoder) marshalStruct(v reflect.Value, t *Tag) error {
	ti := getTypeInfo(v.Type())
	if ti.err != nil {
		return ti.err
	}
	switch {
	case t == nil && ti.name == nil:
		return e.noName(v.Type())
	case t == nil:
		t = ti.name
	case ti.name != nil && ti.name != t:
		return fmt.Errorf("wbxml: cannot marshal %s as element %s: its WBXMLName is %s", v.Type(), t, ti.name)
	}
	si, err := structInfoFor(v.Type(), t.Page)
	if err != nil {
		return err
	}
	e.Start(t)
	for i := range si.fields {
		f := &si.fields[i]
		switch f.mode {
		case modeElement:
			if err := e.marshalValue(fieldByIndex(v, f.idx), si.tags[i], f.flags); err != nil {
				return err
			}
		case modeCharData:
			fv := fieldByIndex(v, f.idx)
			if fv.Kind() == reflect.String {
				if s := fv.String(); s != "" {
					e.Text(s)
				}
			} else {
				e.writeBytes(fv.Bytes(), f.flags&fOpaqueField != 0 || t.Opaque)
			}
		}
		if e.err != nil {
			return e.err
		}
	}
	if si.anyIdx >= 0 {
		nodes := fieldByIndex(v, si.fields[si.anyIdx].idx)
		for i, n := 0, nodes.Len(); i < n; i++ {
			if node := (*Node)(nodes.Index(i).UnsafePointer()); node != nil {
				if node.Encode(e) != nil {
					break
				}
			}
		}
	}
	e.End()
	return e.err
}

// isEmptyValue reports whether v is empty for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	case reflect.Struct:
		return v.IsZero()
	}
	return false
}

// Unmarshaling.

var decoderPool = sync.Pool{New: func() any { return NewBytesDecoder(nil) }}

// Unmarshal decodes the WBXML document data into v, which must be a non-nil
// pointer, following the struct tags Marshal describes. The root element
// must be the one v's WBXMLName names, if it has one, and must be followed
// by nothing. Strings and byte slices are copied: v does not keep data.
//
// Unmarshal accepts OPAQUE and inline strings alike; "1", "0", "true",
// "false" and an empty element (true, as EAS reads <DeletesAsMoves/>) for
// bools; an empty element as 0 for numbers. It skips child elements no
// field names (unless there is an any field), appends to slices, and leaves
// fields whose elements are absent as they were.
func Unmarshal(data []byte, v any) error {
	d := decoderPool.Get().(*Decoder)
	d.Reset(data)
	err := d.Decode(v)
	if err == nil {
		if _, err = d.Token(); err == io.EOF {
			err = nil
		}
	}
	d.Reset(nil)
	decoderPool.Put(d)
	return err
}

// Decode reads the next element into v, which must be a non-nil pointer.
// Text before the element is skipped. At the end of the document it returns
// io.EOF; if the enclosing element ends first, an error.
func (d *Decoder) Decode(v any) error {
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t.Kind {
		case StartElement:
			return d.DecodeElement(v, t)
		case EndElement:
			return &UnmarshalError{Offset: d.tokOff, Path: d.Path(), Msg: fmt.Sprintf("no element to decode: %s ended", t.Tag)}
		}
	}
}

// DecodeElement reads into v, a non-nil pointer, the element whose
// StartElement start d has just returned, up to and including its
// EndElement. With Token, it lets a caller walk a document and unmarshal
// one element at a time.
func (d *Decoder) DecodeElement(v any, start Token) error {
	if start.Kind != StartElement || start.Tag == nil {
		return fmt.Errorf("wbxml: DecodeElement: start is a %v, not a StartElement", start.Kind)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("wbxml: cannot unmarshal into %T: need a non-nil pointer", v)
	}
	return d.unmarshalValue(rv.Elem(), start)
}

// endPath is the path of element start once it has been closed.
func (d *Decoder) endPath(start Token) string {
	if p := d.Path(); p != "" {
		return p + "/" + start.Tag.String()
	}
	return start.Tag.String()
}

// unmarshalValue reads the element start, just returned, into v, which is
// settable.
func (d *Decoder) unmarshalValue(v reflect.Value, start Token) error {
	for v.Kind() == reflect.Pointer {
		if v.Type() == nodePtrType {
			n, err := ReadNode(d, start)
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf(n))
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	typ := v.Type()
	if v.CanAddr() {
		pv := v.Addr()
		if pv.Type().Implements(unmarshalerType) {
			return d.callUnmarshaler(pv, start)
		}
		if pv.Type().Implements(textUnmarshalerType) {
			return d.unmarshalText(pv, start)
		}
	}
	if typ.Implements(unmarshalerType) && typ.Kind() != reflect.Interface {
		return d.callUnmarshaler(v, start)
	}

	switch v.Kind() {
	case reflect.Struct:
		if typ == nodeType {
			n, err := ReadNode(d, start)
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf(n).Elem())
			return nil
		}
		return d.unmarshalStruct(v, start)
	case reflect.Slice:
		if typ.Elem().Kind() != reflect.Uint8 {
			n := v.Len()
			if n == v.Cap() {
				v.Grow(1)
			}
			v.SetLen(n + 1)
			elem := v.Index(n)
			elem.SetZero()
			if err := d.unmarshalValue(elem, start); err != nil {
				v.SetLen(n)
				return err
			}
			return nil
		}
	case reflect.Interface, reflect.Map, reflect.Chan, reflect.Func, reflect.Array,
		reflect.Complex64, reflect.Complex128, reflect.Uintptr, reflect.UnsafePointer:
		return fmt.Errorf("wbxml: cannot unmarshal element %s into %s", start.Tag, typ)
	}
	return d.unmarshalText(v, start)
}

func (d *Decoder) callUnmarshaler(v reflect.Value, start Token) error {
	depth := d.Depth() // start is open
	// Fence the element: past its end the Unmarshaler reads io.EOF.
	oldFence, oldFenced, oldAt := d.fence, d.fenced, d.atFence
	d.fence, d.fenced, d.atFence = depth-1, true, false
	err := v.Interface().(Unmarshaler).UnmarshalWBXML(d, start)
	d.fence, d.fenced, d.atFence = oldFence, oldFenced, oldAt
	if err != nil {
		return err
	}
	if d.Depth() != depth-1 {
		return fmt.Errorf("wbxml: %s.UnmarshalWBXML did not consume entire element %s", v.Type(), start.Tag)
	}
	return nil
}

// elementText reads the rest of element start and returns its text and
// opaque content, concatenated, and the offset of that content. Child
// elements are skipped. The result is valid until the next call to Token:
// it is a copy only when the decoder's buffer could move before it is
// returned.
func (d *Decoder) elementText(start Token) (data []byte, off int64, err error) {
	off = d.tokOff
	owned, seen := false, false
	for {
		t, err := d.Token()
		if err != nil {
			return nil, off, err
		}
		switch t.Kind {
		case EndElement:
			return data, off, nil
		case StartElement:
			// A streaming decoder may move its buffer while skipping.
			if !owned && data != nil && d.r != nil {
				data, owned = bytes.Clone(data), true
			}
			if err := d.Skip(); err != nil {
				return nil, off, err
			}
		case Text, Opaque:
			if !seen {
				seen, off = true, d.tokOff
			}
			switch {
			case data == nil:
				data = t.Data
			case owned:
				data = append(data, t.Data...)
			default:
				data = append(append(make([]byte, 0, len(data)+len(t.Data)), data...), t.Data...)
				owned = true
			}
			// Reading the END that follows at once does not move a
			// streaming decoder's buffer; reading anything else may.
			if !owned && d.r != nil && !(d.pos < d.end && d.buf[d.pos] == tokEnd) {
				data, owned = bytes.Clone(data), true
			}
		}
	}
}

// unmarshalText reads element start as text into v.
func (d *Decoder) unmarshalText(v reflect.Value, start Token) error {
	data, off, err := d.elementText(start)
	if err != nil {
		return err
	}
	if err := setText(v, data); err != nil {
		var ue *UnmarshalError
		if errors.As(err, &ue) {
			ue.Offset, ue.Path = off, d.endPath(start)
			ue.Msg = "element " + start.Tag.String() + ": " + ue.Msg
			return ue
		}
		return &UnmarshalError{Offset: off, Path: d.endPath(start), Msg: fmt.Sprintf("element %s: %v", start.Tag, err), Err: err}
	}
	return nil
}

// quote quotes the start of data for an error message.
func quote(data []byte) string {
	const max = 40
	if len(data) > max {
		return strconv.Quote(string(data[:max])) + "..."
	}
	return strconv.Quote(string(data))
}

func badValue(data []byte, typ reflect.Type, err error) error {
	msg := fmt.Sprintf("cannot unmarshal %s into %s", quote(data), typ)
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		msg += ": " + ne.Err.Error()
	} else if err != nil {
		msg += ": " + err.Error()
	}
	return &UnmarshalError{Msg: msg, Err: err}
}

// setText stores text data in v (a settable value or, for a
// TextUnmarshaler, a pointer).
func setText(v reflect.Value, data []byte) error {
	if v.Kind() == reflect.Pointer {
		if err := v.Interface().(encoding.TextUnmarshaler).UnmarshalText(data); err != nil {
			return badValue(data, v.Type().Elem(), err)
		}
		return nil
	}
	typ := v.Type()
	switch v.Kind() {
	case reflect.String:
		v.SetString(string(data))
	case reflect.Slice: // of bytes
		if len(data) == 0 {
			v.SetBytes(nil)
		} else {
			v.SetBytes(bytes.Clone(data))
		}
	case reflect.Bool:
		switch string(data) {
		case "1", "true", "":
			v.SetBool(true)
		case "0", "false":
			v.SetBool(false)
		default:
			return badValue(data, typ, errors.New(`want "1", "0", "true" or "false"`))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if len(data) == 0 {
			v.SetInt(0)
			return nil
		}
		i, err := strconv.ParseInt(string(data), 10, typ.Bits())
		if err != nil {
			return badValue(data, typ, err)
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if len(data) == 0 {
			v.SetUint(0)
			return nil
		}
		u, err := strconv.ParseUint(string(data), 10, typ.Bits())
		if err != nil {
			return badValue(data, typ, err)
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		if len(data) == 0 {
			v.SetFloat(0)
			return nil
		}
		f, err := strconv.ParseFloat(string(data), typ.Bits())
		if err != nil {
			return badValue(data, typ, err)
		}
		v.SetFloat(f)
	default:
		return badValue(data, typ, errors.New("unsupported type"))
	}
	return nil
}

// unmarshalStruct reads element start into struct v.
func (d *Decoder) unmarshalStruct(v reflect.Value, start Token) error {
	typ := v.Type()
	ti := getTypeInfo(typ)
	if ti.err != nil {
		return ti.err
	}
	if ti.name != nil && ti.name != start.Tag {
		return &UnmarshalError{Offset: d.tokOff, Path: d.Path(), Msg: fmt.Sprintf("expected element %s for %s, found %s", ti.name, typ, start.Tag)}
	}
	si, err := structInfoFor(typ, start.Tag.Page)
	if err != nil {
		return err
	}
	var (
		hint     int
		chars    []byte
		charSeen bool
		charIdx  = -1
	)
	for i := range si.fields {
		if si.fields[i].mode == modeCharData {
			charIdx = i
		}
	}
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t.Kind {
		case EndElement:
			if charSeen {
				fv := fieldByIndex(v, si.fields[charIdx].idx)
				if fv.Kind() == reflect.String {
					fv.SetString(string(chars))
				} else {
					fv.SetBytes(chars)
				}
			}
			return nil
		case StartElement:
			if i := si.find(t.Tag, &hint); i >= 0 {
				if err := d.unmarshalValue(fieldByIndex(v, si.fields[i].idx), t); err != nil {
					return err
				}
			} else if si.anyIdx >= 0 {
				n, err := ReadNode(d, t)
				if err != nil {
					return err
				}
				fv := fieldByIndex(v, si.fields[si.anyIdx].idx)
				k := fv.Len()
				if k == fv.Cap() {
					fv.Grow(1)
				}
				fv.SetLen(k + 1)
				fv.Index(k).Set(reflect.ValueOf(n))
			} else if err := d.Skip(); err != nil {
				return err
			}
		case Text, Opaque:
			if charIdx >= 0 {
				chars = append(chars, t.Data...)
				charSeen = true
			}
		}
	}
}

// impls is which marshaling interfaces a type and its pointer implement.
type impls struct{ marshaler, ptrMarshaler, text, ptrText bool }

// implCache holds impls by reflect.Type: reflect's Implements is too slow
// to ask for every value of every response.
var implCache sync.Map

func implementsOf(t reflect.Type) impls {
	if v, ok := implCache.Load(t); ok {
		return v.(impls)
	}
	pt := reflect.PointerTo(t)
	im := impls{t.Implements(marshalerType), pt.Implements(marshalerType), t.Implements(textMarshalerType), pt.Implements(textMarshalerType)}
	implCache.Store(t, im)
	return im
}
