package wbxml

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
)

// Name is the type of the WBXMLName field that names a struct's element:
//
//	type Sync struct {
//		WBXMLName wbxml.Name `wbxml:"AirSync:Sync"`
//		...
//	}
//
// The tag must be qualified ("Namespace:Name"). A struct without one takes
// its element from the field that holds it; at the root it needs one to be
// marshaled, and unmarshals from any element.
type Name struct{}

// TagError reports an invalid wbxml struct tag: an unknown namespace or
// element, a bad option, an option the field's type cannot take, two fields
// for one element. It is reported the first time the type is marshaled or
// unmarshaled, and every time after.
type TagError struct {
	Type  reflect.Type // the struct type
	Field string       // the Go field name
	Msg   string
}

func (e *TagError) Error() string {
	return fmt.Sprintf("wbxml: invalid tag in field %s of type %s: %s", e.Field, e.Type, e.Msg)
}

// fieldFlags are the options of a field's tag.
type fieldFlags uint8

const (
	fOmitEmpty   fieldFlags = 1 << iota // omitempty
	fOpaqueField                        // opaque: write []byte as OPAQUE
	fEmptyBool                          // empty: bool as presence of <Tag/>
)

// fieldMode says what part of the element a field stands for.
type fieldMode uint8

const (
	modeElement  fieldMode = iota // a child element (or repeated children)
	modeCharData                  // the element's own text
	modeAny                       // every child element no other field names
)

// fieldInfo is one tagged field of a struct, as parsed from its tag.
type fieldInfo struct {
	idx    []int  // index path, through embedded structs
	goName string // for error messages
	ns     string // namespace from the tag; "" means the enclosing element's
	local  string // element name from the tag
	tag    *Tag   // the element, when ns is given (does not depend on the page)
	flags  fieldFlags
	mode   fieldMode
}

// typeInfo is what the tags of a struct type say, parsed once per type.
type typeInfo struct {
	typ      reflect.Type
	name     *Tag // from the WBXMLName tag, or nil
	fields   []fieldInfo
	anyIdx   int  // index in fields of the any field, or -1
	relative bool // some element name takes the enclosing element's namespace
	err      error

	// The element tags of the fields, resolved against the namespace of
	// the struct's own element. fixed serves every page when no name is
	// relative; byPage holds one resolution per page otherwise.
	fixed  *structInfo
	byPage [NumPages]atomic.Pointer[structInfo]
}

// structInfo is a typeInfo resolved for one code page: the element of every
// field as a *Tag, so that decoding compares pointers, not strings.
type structInfo struct {
	*typeInfo
	tags []*Tag // parallel to fields; nil for chardata and any
	err  error
}

var typeInfoCache sync.Map // map[reflect.Type]*typeInfo

var (
	marshalerType       = reflect.TypeFor[Marshaler]()
	unmarshalerType     = reflect.TypeFor[Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	nodeType            = reflect.TypeFor[Node]()
	nodePtrType         = reflect.TypeFor[*Node]()
	nodeSliceType       = reflect.TypeFor[[]*Node]()
	nameType            = reflect.TypeFor[Name]()
)

const nameField = "WBXMLName"

// getTypeInfo returns the parsed tags of struct type t, from the cache when
// it can. A type with invalid tags gets a typeInfo whose err is set.
func getTypeInfo(t reflect.Type) *typeInfo {
	if ti, ok := typeInfoCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{typ: t, anyIdx: -1}
	ti.err = ti.parse(t, nil, true)
	if ti.err == nil && !ti.relative {
		ti.fixed = ti.resolve(0)
	}
	got, _ := typeInfoCache.LoadOrStore(t, ti)
	return got.(*typeInfo)
}

// structInfoFor returns the fields of struct type t resolved for an element
// on code page page.
func structInfoFor(t reflect.Type, page byte) (*structInfo, error) {
	ti := getTypeInfo(t)
	if ti.err != nil {
		return nil, ti.err
	}
	if ti.fixed != nil {
		return ti.fixed, ti.fixed.err
	}
	si := ti.byPage[page].Load()
	if si == nil {
		// Two goroutines may resolve the same page at once; both get
		// equal results and either may be kept.
		si = ti.resolve(page)
		ti.byPage[page].Store(si)
	}
	return si, si.err
}

func (ti *typeInfo) tagError(field, format string, args ...any) error {
	return &TagError{Type: ti.typ, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// parse reads the tags of struct type t, whose fields are reached from the
// outer type by index prefix; top is false inside embedded structs.
func (ti *typeInfo) parse(t reflect.Type, prefix []int, top bool) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tagStr, tagged := sf.Tag.Lookup("wbxml")
		if tagStr == "-" {
			continue
		}
		idx := make([]int, len(prefix)+1)
		copy(idx, prefix)
		idx[len(prefix)] = i

		if sf.Name == nameField {
			if !top {
				continue // only the outer struct's name counts
			}
			if sf.Type != nameType {
				return ti.tagError(sf.Name, "WBXMLName must have type wbxml.Name, not %s", sf.Type)
			}
			if tagStr == "" {
				continue
			}
			ns, local, ok := strings.Cut(tagStr, ":")
			if !ok || strings.Contains(tagStr, ",") {
				return ti.tagError(sf.Name, "WBXMLName takes a qualified element name (Namespace:Name) and no options, not %q", tagStr)
			}
			tag, err := lookupTag(ns, local)
			if err != "" {
				return ti.tagError(sf.Name, "%s", err)
			}
			ti.name = tag
			continue
		}

		if sf.Anonymous && !tagged {
			ft := sf.Type
			switch {
			case ft.Kind() == reflect.Struct && ft != nodeType && ft != nameType:
				if err := ti.parse(ft, idx, false); err != nil {
					return err
				}
			case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && hasWBXMLTags(ft.Elem()):
				return ti.tagError(sf.Name, "embedded pointer %s is not supported; embed the struct itself or give the field a tag", ft)
			}
			continue
		}
		if !tagged {
			continue // EAS names must be explicit
		}
		if !sf.IsExported() {
			return ti.tagError(sf.Name, "tagged field is not exported")
		}
		f, err := ti.parseField(sf, tagStr)
		if err != nil {
			return err
		}
		f.idx = idx
		if f.mode == modeCharData {
			for j := range ti.fields {
				if ti.fields[j].mode == modeCharData {
					return ti.tagError(sf.Name, "a second chardata field (the first is %s)", ti.fields[j].goName)
				}
			}
		}
		if f.mode == modeAny {
			if ti.anyIdx >= 0 {
				return ti.tagError(sf.Name, "a second any field (the first is %s)", ti.fields[ti.anyIdx].goName)
			}
			ti.anyIdx = len(ti.fields)
		}
		if f.mode == modeElement && f.ns == "" {
			ti.relative = true
		}
		ti.fields = append(ti.fields, f)
	}
	return nil
}

// hasWBXMLTags reports whether struct type t has a field with a wbxml tag.
func hasWBXMLTags(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		if _, ok := t.Field(i).Tag.Lookup("wbxml"); ok {
			return true
		}
	}
	return false
}

// parseField parses the tag of one field and checks it against the field's
// type.
func (ti *typeInfo) parseField(sf reflect.StructField, tagStr string) (fieldInfo, error) {
	f := fieldInfo{goName: sf.Name}
	name, opts, hasOpts := strings.Cut(tagStr, ",")
	isAny, isCharData := false, false
	if hasOpts {
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "omitempty":
				f.flags |= fOmitEmpty
			case "opaque":
				f.flags |= fOpaqueField
			case "empty":
				f.flags |= fEmptyBool
			case "any":
				isAny = true
			case "chardata":
				isCharData = true
			case "":
				return f, ti.tagError(sf.Name, "empty option in %q", tagStr)
			default:
				return f, ti.tagError(sf.Name, "unknown option %q", o)
			}
		}
	}
	ft := sf.Type
	switch {
	case isAny && isCharData:
		return f, ti.tagError(sf.Name, "any and chardata together")
	case isAny:
		if name != "" {
			return f, ti.tagError(sf.Name, "an any field takes no element name")
		}
		if f.flags != 0 {
			return f, ti.tagError(sf.Name, "an any field takes no other option")
		}
		if ft != nodeSliceType {
			return f, ti.tagError(sf.Name, "an any field must have type []*wbxml.Node, not %s", ft)
		}
		f.mode = modeAny
		return f, nil
	case isCharData:
		if name != "" {
			return f, ti.tagError(sf.Name, "a chardata field takes no element name")
		}
		if !isString(ft) && !isBytes(ft) {
			return f, ti.tagError(sf.Name, "a chardata field must be a string or []byte, not %s", ft)
		}
		if f.flags&fEmptyBool != 0 {
			return f, ti.tagError(sf.Name, "option empty needs a bool, not %s", ft)
		}
		if f.flags&fOpaqueField != 0 && !isBytes(ft) {
			return f, ti.tagError(sf.Name, "option opaque needs a []byte, not %s", ft)
		}
		f.mode = modeCharData
		return f, nil
	}

	if name == "" {
		return f, ti.tagError(sf.Name, "missing element name")
	}
	if ns, local, ok := strings.Cut(name, ":"); ok {
		tag, msg := lookupTag(ns, local)
		if msg != "" {
			return f, ti.tagError(sf.Name, "%s", msg)
		}
		f.ns, f.local, f.tag = ns, local, tag
	} else {
		f.local = name
	}
	if f.flags&fOpaqueField != 0 {
		et := ft
		if et.Kind() == reflect.Pointer {
			et = et.Elem()
		} else if et.Kind() == reflect.Slice && isBytes(et.Elem()) {
			et = et.Elem() // [][]byte: repeated opaque elements
		}
		if !isBytes(et) {
			return f, ti.tagError(sf.Name, "option opaque needs a []byte, not %s", ft)
		}
	}
	if f.flags&fEmptyBool != 0 && ft.Kind() != reflect.Bool {
		return f, ti.tagError(sf.Name, "option empty needs a bool, not %s", ft)
	}
	if msg := unsupported(ft); msg != "" {
		return f, ti.tagError(sf.Name, "%s", msg)
	}
	f.mode = modeElement
	return f, nil
}

// lookupTag finds element ns:local in the table, or says why it cannot.
func lookupTag(ns, local string) (*Tag, string) {
	if _, ok := PageOf(ns); !ok {
		return nil, fmt.Sprintf("unknown namespace %s", ns)
	}
	tag := Lookup(ns, local)
	if tag == nil {
		return nil, fmt.Sprintf("unknown element %s:%s", ns, local)
	}
	return tag, ""
}

func isString(t reflect.Type) bool { return t.Kind() == reflect.String }

func isBytes(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

// hasCodec reports whether t or *t has its own (text) marshaling methods.
func hasCodec(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	for _, it := range [...]reflect.Type{marshalerType, unmarshalerType, textMarshalerType, textUnmarshalerType} {
		if t.Implements(it) || pt.Implements(it) {
			return true
		}
	}
	return false
}

// unsupported says why a field of type t cannot stand for an element, or
// returns "".
func unsupported(t reflect.Type) string {
	if t.Kind() == reflect.Interface {
		return "unsupported type " + t.String() + " (interfaces cannot be unmarshaled)"
	}
	if hasCodec(t) {
		return ""
	}
	switch t.Kind() {
	case reflect.Pointer:
		return unsupported(t.Elem())
	case reflect.Slice:
		e := t.Elem()
		if e.Kind() == reflect.Uint8 {
			return ""
		}
		if e.Kind() == reflect.Slice && !isBytes(e) && !hasCodec(e) {
			return "unsupported type " + t.String() + " (a slice of slices)"
		}
		return unsupported(e)
	case reflect.Struct, reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return ""
	}
	return "unsupported type " + t.String()
}

// resolve gives every element field its *Tag for an element on code page
// page and checks that no two fields name one element.
func (ti *typeInfo) resolve(page byte) *structInfo {
	si := &structInfo{typeInfo: ti, tags: make([]*Tag, len(ti.fields))}
	ns := Namespace(page)
	for i := range ti.fields {
		f := &ti.fields[i]
		if f.mode != modeElement {
			continue
		}
		tag := f.tag
		if tag == nil {
			tag = Lookup(ns, f.local)
			if tag == nil {
				si.err = ti.tagError(f.goName, "unknown element %s:%s (no namespace in the tag: the enclosing element's, %s, applies)", ns, f.local, ns)
				return si
			}
		}
		for j := 0; j < i; j++ {
			if si.tags[j] == tag {
				si.err = ti.tagError(f.goName, "element %s is also named by field %s", tag, ti.fields[j].goName)
				return si
			}
		}
		si.tags[i] = tag
	}
	return si
}

// find returns the index of the field for element t, or -1. Elements come
// mostly in field order, so the scan starts at the last match (*hint).
func (si *structInfo) find(t *Tag, hint *int) int {
	tags := si.tags
	n := len(tags)
	j := *hint
	if j >= n {
		j = 0
	}
	for i := 0; i < n; i++ {
		if tags[j] == t {
			*hint = j
			return j
		}
		if j++; j == n {
			j = 0
		}
	}
	return -1
}

// fieldByIndex is reflect.Value.FieldByIndex for a path through embedded
// structs (never pointers).
func fieldByIndex(v reflect.Value, idx []int) reflect.Value {
	if len(idx) == 1 {
		return v.Field(idx[0])
	}
	for _, i := range idx {
		v = v.Field(i)
	}
	return v
}
