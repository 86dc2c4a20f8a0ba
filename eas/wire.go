package eas

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"time"

	"github.com/easlab/easlab/wbxml"
)

// This file holds what the typed messages share: the value types that keep
// an element's wire form (Bool, IntOrEmpty, TagList), date helpers, and
// DecodeItem/EncodeItem, which convert between the raw ApplicationData of a
// Sync command and the item structs.
//
// Conventions of every message type in the package:
//   - A message's root type has a WBXMLName; nested types take their element
//     from the field that holds them.
//   - Field names are the EAS element names (ServerId, not ServerID), so
//     that a struct reads like the spec.
//   - An optional element whose zero value means something (Importance 0,
//     Read 0, FilterType 0) is a pointer; one whose zero value is never sent
//     is a plain field with omitempty. Go 1.26's new(expr) builds pointers:
//     Read: new(true).
//   - Fields are in the schema order of MS-ASCMD (protocol.md §3.2), or, for
//     the item classes whose schemas are unordered, in the order Exchange
//     writes them; Marshal writes them in that order.
//   - Every type with child elements has an Extra field, `wbxml:",any"`,
//     which keeps the elements no other field names, so that decoding and
//     re-encoding loses nothing.

// Bool is an EAS boolean element that remembers its wire form: the
// elements DeletesAsMoves and GetChanges may be sent empty (<GetChanges/>,
// which means true) as well as 0 or 1. The zero value is absent; fields of
// this type carry omitempty.
type Bool uint8

// The forms of a Bool.
const (
	BoolAbsent Bool = iota // not sent
	BoolEmpty              // <Tag/>: true
	BoolFalse              // <Tag>0</Tag>
	BoolTrue               // <Tag>1</Tag>
)

// NewBool returns BoolTrue or BoolFalse.
func NewBool(v bool) Bool {
	if v {
		return BoolTrue
	}
	return BoolFalse
}

// IsSet reports whether the element is present.
func (b Bool) IsSet() bool { return b != BoolAbsent }

// Value reports whether the element says true: present, and empty or 1.
func (b Bool) Value() bool { return b == BoolEmpty || b == BoolTrue }

// MarshalText writes the wire form.
func (b Bool) MarshalText() ([]byte, error) {
	switch b {
	case BoolEmpty, BoolAbsent:
		return nil, nil
	case BoolFalse:
		return []byte("0"), nil
	case BoolTrue:
		return []byte("1"), nil
	}
	return nil, fmt.Errorf("eas: invalid Bool %d", uint8(b))
}

// UnmarshalText reads "", "0", "1", "false" or "true".
func (b *Bool) UnmarshalText(text []byte) error {
	switch string(text) {
	case "":
		*b = BoolEmpty
	case "0", "false":
		*b = BoolFalse
	case "1", "true":
		*b = BoolTrue
	default:
		return fmt.Errorf("eas: invalid boolean %q", text)
	}
	return nil
}

// IntOrEmpty is a number that may be sent as an empty element, as the
// MS-ASPROV types unsignedByteOrEmpty and unsignedIntOrEmpty are (an empty
// MaxAttachmentSize means no limit). Use a pointer for an optional element.
type IntOrEmpty struct {
	Value int
	Empty bool // the element is empty; Value is then ignored
}

// MarshalText writes the number, or nothing when Empty.
func (v IntOrEmpty) MarshalText() ([]byte, error) {
	if v.Empty {
		return nil, nil
	}
	return strconv.AppendInt(nil, int64(v.Value), 10), nil
}

// UnmarshalText reads a decimal number or an empty text.
func (v *IntOrEmpty) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*v = IntOrEmpty{Empty: true}
		return nil
	}
	n, err := strconv.Atoi(string(text))
	if err != nil {
		return err
	}
	*v = IntOrEmpty{Value: n}
	return nil
}

// TagList is an element whose children are empty elements naming
// properties: the Supported element of a Sync collection (the properties
// the client keeps, MS-ASCMD 2.2.3.168) and the Schema of an ItemOperations
// fetch (2.2.3.156). A nil TagList is absent; an empty non-nil one is the
// bare element. Children of the listed elements, which the spec does not
// define, are dropped.
type TagList []*wbxml.Tag

// MarshalWBXML writes element t with one empty child per tag.
func (l TagList) MarshalWBXML(e *wbxml.Encoder, t *wbxml.Tag) error {
	if l == nil {
		return nil
	}
	e.Start(t)
	for _, c := range l {
		if c == nil {
			return errors.New("eas: nil tag in TagList")
		}
		e.Empty(c)
	}
	e.End()
	return e.Err()
}

// UnmarshalWBXML reads the tags of start's children.
func (l *TagList) UnmarshalWBXML(d *wbxml.Decoder, start wbxml.Token) error {
	list := TagList{}
	err := eachChild(d, func(tok wbxml.Token) error {
		list = append(list, tok.Tag)
		return d.Skip()
	})
	if err != nil {
		return err
	}
	*l = list
	return nil
}

// eachChild calls f for each child element of the element whose start was
// just read, in document order, and returns once that element ends. f must
// consume the child it is given (DecodeElement, ReadNode or Skip).
func eachChild(d *wbxml.Decoder, f func(child wbxml.Token) error) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch tok.Kind {
		case wbxml.EndElement:
			return nil
		case wbxml.StartElement:
			if err := f(tok); err != nil {
				return err
			}
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Categories is the Categories element of an item (Email, Calendar,
// Contacts, Tasks and Notes each have their own, with the same shape). An
// empty non-nil Categories is sent as <Categories/>, which clears them.
type Categories struct {
	Category []string `wbxml:"Category"`
}

// PictureOptions asks for contact photos in Search, Find and
// ResolveRecipients (MS-ASCMD 2.2.3.135.x, 14.1+).
type PictureOptions struct {
	MaxSize     int `wbxml:"MaxSize,omitempty"`
	MaxPictures int `wbxml:"MaxPictures,omitempty"`
}

// Picture is a contact photo in a GAL search result or a ResolveRecipients
// recipient: a status (1, or 173 NoPicture, 174 PictureTooLarge, 175
// PictureLimitReached) and the JPEG bytes.
type Picture struct {
	Status int    `wbxml:"Status"`
	Data   []byte `wbxml:"Data,omitempty,opaque"`
}

// Dates.

// Date layouts. EAS writes most dates with milliseconds and a Z; Calendar
// items (and Calendar-derived InstanceIds) use the compact basic form.
const (
	DateLayout        = "2006-01-02T15:04:05.000Z"
	CompactDateLayout = "20060102T150405Z"
)

// FormatDate formats t, in UTC, as EAS writes dates:
// 2026-11-23T09:30:00.000Z.
func FormatDate(t time.Time) string { return t.UTC().Format(DateLayout) }

// FormatCompactDate formats t, in UTC, in the compact form Calendar items
// use: 20261123T093000Z.
func FormatCompactDate(t time.Time) string { return t.UTC().Format(CompactDateLayout) }

// ParseDate parses an EAS date in either form: 2026-11-23T09:30:00.000Z
// (with or without the fraction, or with another zone offset) or
// 20261123T093000Z. The result is in UTC.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse(CompactDateLayout, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("eas: invalid date %q", s)
	}
	return t.UTC(), nil
}

// Items.

var applicationDataTag = wbxml.Lookup("AirSync", "ApplicationData")

// DecodeItem reads the children of element n, an AirSync:ApplicationData
// node from a Sync command or the Properties of an ItemOperations, Search
// or Find result, into v, a pointer to an item struct (*Email, *Calendar,
// *Contact, *Task, *Note, *GALProperties, ...). Elements the struct does not
// name land in its Extra field.
func DecodeItem(n *wbxml.Node, v any) error {
	if n == nil || n.Tag == nil {
		return errors.New("eas: DecodeItem: not an element node")
	}
	b, err := n.MarshalBinary()
	if err != nil {
		return err
	}
	return wbxml.Unmarshal(b, v)
}

// EncodeItem encodes v, an item struct or a pointer to one, as an
// AirSync:ApplicationData node for a Sync command.
func EncodeItem(v any) (*wbxml.Node, error) {
	return EncodeItemAs(applicationDataTag, v)
}

// EncodeItemAs encodes v, an item struct or a pointer to one, as element t,
// such as ItemOperations:Properties or Search:Properties.
func EncodeItemAs(t *wbxml.Tag, v any) (*wbxml.Node, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return nil, errors.New("eas: EncodeItem: nil item")
	}
	if rv.Kind() != reflect.Pointer {
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		rv = p
	}
	if rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("eas: EncodeItem: %T is not a struct", v)
	}
	// A one-field document whose field is v's element; Marshal caches the
	// tags of the constructed type, and StructOf returns the same type for
	// the same fields.
	wrapper := reflect.StructOf([]reflect.StructField{
		{Name: "WBXMLName", Type: reflect.TypeFor[wbxml.Name](), Tag: `wbxml:"AirSync:Sync"`},
		{Name: "Item", Type: rv.Type(), Tag: reflect.StructTag(`wbxml:"` + t.String() + `"`)},
	})
	w := reflect.New(wrapper)
	w.Elem().Field(1).Set(rv)
	b, err := wbxml.Marshal(w.Interface())
	if err != nil {
		return nil, err
	}
	root, err := wbxml.Parse(b)
	if err != nil {
		return nil, err
	}
	if len(root.Children) != 1 {
		return nil, errors.New("eas: EncodeItem: no element written")
	}
	return root.Children[0], nil
}
