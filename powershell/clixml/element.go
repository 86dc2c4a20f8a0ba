package clixml

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
