package clixml

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Object is a PowerShell object as CLIXML carries it (<Obj>).
//
// Objects produced by the decoder may share their TypeNames slice with other
// objects (through <TNRef>); treat it as read-only.
type Object struct {
	// TypeNames are the <TN> type names, most derived first; nil when none.
	TypeNames []string
	// ToString is the <ToString> text; HasToString says whether it was present.
	ToString    string
	HasToString bool
	// Value is the object's own value inside <Obj>: a primitive (an enum's
	// <I32>, a wrapped <S>) or, where PowerShell wraps an object that was
	// itself deserialized, an *Object; nil if none.
	Value any
	// ListKind is "LST", "IE", "STK" or "QUE" when the object is a
	// collection, else "".
	ListKind string
	// List holds the collection's items.
	List []any
	// Dict holds the <DCT> entries in order; Dict != nil means the object is
	// a dictionary.
	Dict []Entry
	// Props are the adapted properties (<Props>).
	Props []Property
	// Members are the extended members (<MS>), where PSRP messages keep most
	// of their data.
	Members []Property
}

// Property is one named value of an object's <Props> or <MS>.
type Property struct {
	Name  string
	Value any
}

// Entry is one key/value pair of a dictionary (<En> in <DCT>).
type Entry struct {
	Key, Value any
}

// Get returns the value of the member or property called name, looking in
// Members first and then in Props and comparing names without regard to
// case, as PowerShell does.
func (o *Object) Get(name string) (any, bool) {
	if o == nil {
		return nil, false
	}
	for _, p := range o.Members {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	for _, p := range o.Props {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// String returns the value of the member or property called name if it is
// a string, and "" otherwise.
func (o *Object) String(name string) string {
	v, _ := o.Get(name)
	s, _ := v.(string)
	return s
}

// DeserializedPrefix is the prefix PowerShell's deserializer puts before the
// type names of an object it could not rehydrate.
const DeserializedPrefix = "Deserialized."

// DeserializedTypeNames returns the type names a PowerShell client shows
// after deserialization: each prefixed "Deserialized." as PowerShell's
// deserializer does, leaving names that already have the prefix. It
// returns a new slice and looks at o's own type names only.
func (o *Object) DeserializedTypeNames() []string {
	if o == nil || o.TypeNames == nil {
		return nil
	}
	out := make([]string, len(o.TypeNames))
	for i, t := range o.TypeNames {
		if strings.HasPrefix(t, DeserializedPrefix) {
			out[i] = t
		} else {
			out[i] = DeserializedPrefix + t
		}
	}
	return out
}

// Char is a .NET System.Char, one UTF-16 code unit (<C>).
type Char uint16

// Duration is a .NET System.TimeSpan (<TS>).
type Duration time.Duration

// Decimal is a .NET System.Decimal (<D>) in its invariant text form, such
// as "-12.50".
type Decimal string

// URI is a .NET System.Uri (<URI>).
type URI string

// Version is a .NET System.Version (<Version>), such as "5.1.17763.1".
type Version string

// XMLDocument is a .NET System.Xml.XmlDocument (<XD>) as its outer XML.
type XMLDocument string

// ScriptBlock is a PowerShell script block (<SBK>) as its source text.
type ScriptBlock string

// SecureString is a System.Security.SecureString (<SS>): the encrypted
// bytes as they travel (base64 on the wire). This package neither encrypts
// nor decrypts.
type SecureString []byte

// GUID is a .NET System.Guid (<G>). Its bytes are in the order of the text
// form (as RFC 4122 writes them), not in the mixed-endian order of .NET's
// Guid.ToByteArray.
type GUID [16]byte

// String returns g in .NET's default lower-case "D" form,
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func (g GUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], g[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], g[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], g[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], g[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], g[10:16])
	return string(b[:])
}

// ParseGUID parses a GUID in the "D" form (8-4-4-4-12 hexadecimal digits,
// either case), optionally enclosed in braces ("B" form).
func ParseGUID(s string) (GUID, error) {
	var g GUID
	t := s
	if len(t) == 38 && t[0] == '{' && t[37] == '}' {
		t = t[1:37]
	}
	if len(t) != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
		return g, fmt.Errorf("invalid GUID %q", truncate(s))
	}
	j := 0
	for i := 0; i < 36; {
		if t[i] == '-' {
			i++
			continue
		}
		hi, ok1 := unhex(t[i])
		lo, ok2 := unhex(t[i+1])
		if !ok1 || !ok2 {
			return GUID{}, fmt.Errorf("invalid GUID %q", truncate(s))
		}
		g[j] = hi<<4 | lo
		j++
		i += 2
	}
	return g, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// truncate shortens s for use in an error message.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Limits bound what the decoder accepts. A zero field means the field of
// DefaultLimits; a negative field means no limit.
type Limits struct {
	// MaxDepth is the deepest nesting of <Obj> elements.
	MaxDepth int
	// MaxObjects is the most values one document may hold: every element
	// that yields a value counts, <Obj> and <Ref> included (so do
	// primitives, list items and dictionary keys).
	MaxObjects int
	// MaxBytes is the largest input accepted.
	MaxBytes int
	// MaxStringBytes is the longest text of one element (a string, a
	// base64 byte array, a name) after XML unescaping.
	MaxStringBytes int
}

// DefaultLimits are the limits Unmarshal applies.
//
// MaxDepth is 50. PowerShell's serialization depth (how many levels of
// properties it writes before falling back to ToString) is 1 for
// Export-Clixml and 2 for remoting, raised per type by types.ps1xml (error
// records and PSRP messages nest several levels: a CREATE_PIPELINE message
// is about eight <Obj> deep). 50 leaves room for any of that while bounding
// the decoder's recursion.
//
// MaxBytes is 10 MiB, PowerShell's default MaximumReceivedObjectSizeMB for
// one deserialized object in a remoting session. MaxStringBytes is 4 MiB,
// and MaxObjects 500,000, several times what a 10 MiB message of typical
// PSRP objects holds, but small enough that the decoded tree stays within
// a small multiple of the input.
var DefaultLimits = Limits{
	MaxDepth:       50,
	MaxObjects:     500_000,
	MaxBytes:       10 << 20,
	MaxStringBytes: 4 << 20,
}

// ErrLimit is wrapped by the errors returned when input exceeds a Limits
// field (or the encoder's depth limit).
var ErrLimit = errors.New("limit exceeded")

// ErrInvalid is wrapped by the errors returned for input that is not well
// formed XML or not valid CLIXML.
var ErrInvalid = errors.New("invalid CLIXML")

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	fix := func(v *int, def int) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = int(^uint(0) >> 1)
		}
	}
	fix(&l.MaxDepth, d.MaxDepth)
	fix(&l.MaxObjects, d.MaxObjects)
	fix(&l.MaxBytes, d.MaxBytes)
	fix(&l.MaxStringBytes, d.MaxStringBytes)
	return l
}
