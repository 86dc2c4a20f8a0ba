package clixml

import "bytes"

// DecodePrimitive decodes the text s of a primitive element called tag
// (<S>, <B>, <I32>, <SS>...) to the value Unmarshal gives it. ok is false
// when tag names no primitive element; err is set when s is not a value
// the element can hold. It lets a reader of a known document shape (a
// PSRP message read straight from its tokens) give the same values as
// Unmarshal.
func DecodePrimitive(tag, s string) (v any, ok bool, err error) {
	parse, ok := primitives[tag]
	if !ok {
		return nil, false, nil
	}
	v, err = parse(s)
	return v, true, err
}

// DecodeString reverses PowerShell's string encoding (_xHHHH_ escapes)
// in the text of an <S> element, or of a property's name, as Unmarshal
// does.
func DecodeString(s string) string { return decodeText(s) }

// AppendElement appends the element Marshal writes for v as an object's
// member called name (with N="name" when named): v must be nil or one of
// Marshal's primitive types, or ok is false and dst comes back as it was.
// It lets a writer of a known document shape (a PSRP message written
// without building its *Object tree) write the bytes Marshal writes. An
// error (a time.Time or Decimal that CLIXML cannot carry) is Marshal's.
func AppendElement(dst []byte, name string, named bool, v any) (out []byte, ok bool, err error) {
	if v != nil && !isPrimitive(v) {
		return dst, false, nil
	}
	e := Encoder{buf: *bytes.NewBuffer(dst)}
	if err := e.value(v, name, named, 0, 1); err != nil {
		return dst, true, err
	}
	return e.buf.Bytes(), true, nil
}

// RefNumber is a RefId as PowerShell writes them (a canonical decimal
// number of at most 7 digits: "0", "1", "12") as a number, or -1 for any
// other spelling, which a reader keeps as a string.
func RefNumber(id string) int {
	if id == "" || len(id) > 7 || id[0] == '0' && len(id) > 1 {
		return -1
	}
	n := 0
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
