package wbxml

import (
	"errors"
	"fmt"
)

// Global tokens of WBXML 1.3 (WAP-192), of which EAS uses SWITCH_PAGE, END,
// STR_I and OPAQUE only (MS-ASWBXML 2.1.3).
const (
	tokSwitchPage = 0x00
	tokEnd        = 0x01
	tokEntity     = 0x02
	tokStrI       = 0x03
	tokLiteral    = 0x04
	tokExtI0      = 0x40
	tokExtI1      = 0x41
	tokExtI2      = 0x42
	tokPI         = 0x43
	tokLiteralC   = 0x44
	tokExtT0      = 0x80
	tokExtT1      = 0x81
	tokExtT2      = 0x82
	tokStrT       = 0x83
	tokLiteralA   = 0x84
	tokExt0       = 0xC0
	tokExt1       = 0xC1
	tokExt2       = 0xC2
	tokOpaque     = 0xC3
	tokLiteralAC  = 0xC4

	flagContent = 0x40
	flagAttrs   = 0x80
)

// Header is the WBXML header EAS uses: version 1.3, public identifier 1
// (unknown), charset 106 (UTF-8), empty string table (MS-ASWBXML 2.1.2.1.1).
var Header = [4]byte{0x03, 0x01, 0x6A, 0x00}

// Kind is the kind of a Token.
type Kind uint8

// The token kinds.
const (
	StartElement Kind = iota + 1 // an element opens
	EndElement                   // the most recent open element closes
	Text                         // inline string (STR_I)
	Opaque                       // binary data (OPAQUE)
)

func (k Kind) String() string {
	switch k {
	case StartElement:
		return "StartElement"
	case EndElement:
		return "EndElement"
	case Text:
		return "Text"
	case Opaque:
		return "Opaque"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Token is one item of a WBXML stream. Start and end elements are always
// balanced: an element written without content (the bare token, as in
// <MoreAvailable/>) is reported as a StartElement with Empty set, followed
// at once by its EndElement.
type Token struct {
	Kind  Kind
	Tag   *Tag   // StartElement and EndElement
	Empty bool   // StartElement: written without the content flag
	Data  []byte // Text and Opaque. A decoder's Data is valid only until its next Token call.
}

// ErrLimit is wrapped by every error that reports a decoder limit being
// exceeded, so that a server can answer "too large" rather than "malformed".
var ErrLimit = errors.New("limit exceeded")

// SyntaxError reports a malformed or unacceptable WBXML stream.
type SyntaxError struct {
	Offset int64  // byte offset of the offending token in the stream
	Path   string // the open elements, outermost first, e.g. "AirSync:Sync/AirSync:Collections"
	Msg    string
	Err    error // ErrLimit for limit errors, io.ErrUnexpectedEOF for truncation, or nil
}

func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("wbxml: offset %d: %s", e.Offset, e.Msg)
	if e.Path != "" {
		s += " (in " + e.Path + ")"
	}
	return s
}

// Unwrap returns the error's cause, if any.
func (e *SyntaxError) Unwrap() error { return e.Err }
