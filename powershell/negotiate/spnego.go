package negotiate

import (
	"bytes"
	"errors"
)

// A minimal DER reader and writer for the SPNEGO tokens of RFC 4178 4.2 as
// MS-SPNG 2.2 uses them. Only what NTLM through SPNEGO needs is handled.

var (
	oidSPNEGO = []byte{0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}                         // 1.3.6.1.5.5.2
	oidNTLM   = []byte{0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a} // 1.3.6.1.4.1.311.2.2.10
)

// negState values (RFC 4178 4.2.2).
const (
	negAcceptCompleted  = 0
	negAcceptIncomplete = 1
	negReject           = 2
)

var errBadSPNEGO = errors.New("negotiate: malformed SPNEGO token")

// derElem reads one DER element from b: its tag, its contents, the whole
// element and the rest.
func derElem(b []byte) (tag byte, content, whole, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, nil, errBadSPNEGO
	}
	tag = b[0]
	n := int(b[1])
	hdr := 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 3 || len(b) < 2+k {
			return 0, nil, nil, nil, errBadSPNEGO
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hdr += k
	}
	if n > len(b)-hdr {
		return 0, nil, nil, nil, errBadSPNEGO
	}
	return tag, b[hdr : hdr+n], b[:hdr+n], b[hdr+n:], nil
}

// derWrap encodes a DER element.
func derWrap(tag byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

// spnegoToken is the union of NegTokenInit and NegTokenResp fields used here.
type spnegoToken struct {
	Init bool
	// MechTypes is the DER MechTypeList (SEQUENCE OF OID) of a
	// NegTokenInit, as sent; the mechListMIC is computed over it.
	MechTypes   []byte
	HasNTLM     bool // NTLM is among MechTypes
	NTLMFirst   bool // NTLM is the first (preferred) mechanism
	MechToken   []byte
	MechListMIC []byte
}

// parseSPNEGO parses an InitialContextToken carrying a NegTokenInit
// (RFC 2743 3.1, RFC 4178 4.2.1) or a bare NegTokenResp (4.2.2).
func parseSPNEGO(b []byte) (*spnegoToken, error) {
	tag, c, _, _, err := derElem(b)
	if err != nil {
		return nil, err
	}
	t := &spnegoToken{}
	switch tag {
	case 0x60: // [APPLICATION 0] { thisMech OID, innerContextToken }
		_, _, oid, rest, err := derElem(c)
		if err != nil || !bytes.Equal(oid, oidSPNEGO) {
			return nil, errBadSPNEGO
		}
		tag, c, _, _, err = derElem(rest)
		if err != nil || tag != 0xa0 {
			return nil, errBadSPNEGO
		}
		t.Init = true
	case 0xa1:
	default:
		return nil, errBadSPNEGO
	}
	tag, seq, _, _, err := derElem(c)
	if err != nil || tag != 0x30 {
		return nil, errBadSPNEGO
	}
	for len(seq) > 0 {
		var field, whole []byte
		tag, field, _, seq, err = derElem(seq)
		if err != nil {
			return nil, err
		}
		var inner []byte
		var itag byte
		itag, inner, whole, _, err = derElem(field)
		if err != nil {
			return nil, err
		}
		switch {
		case t.Init && tag == 0xa0 && itag == 0x30: // mechTypes
			t.MechTypes = whole
			for first := true; len(inner) > 0; first = false {
				var oid []byte
				_, _, oid, inner, err = derElem(inner)
				if err != nil {
					return nil, err
				}
				if bytes.Equal(oid, oidNTLM) {
					t.HasNTLM = true
					t.NTLMFirst = t.NTLMFirst || first
				}
			}
		case tag == 0xa2 && itag == 0x04: // mechToken / responseToken
			t.MechToken = inner
		case tag == 0xa3 && itag == 0x04: // mechListMIC
			t.MechListMIC = inner
		}
	}
	return t, nil
}

// buildNegTokenResp encodes a NegTokenResp (RFC 4178 4.2.2).
func buildNegTokenResp(state int, withMech bool, token, mic []byte) []byte {
	var fields [][]byte
	fields = append(fields, derWrap(0xa0, derWrap(0x0a, []byte{byte(state)})))
	if withMech {
		fields = append(fields, derWrap(0xa1, oidNTLM))
	}
	if token != nil {
		fields = append(fields, derWrap(0xa2, derWrap(0x04, token)))
	}
	if mic != nil {
		fields = append(fields, derWrap(0xa3, derWrap(0x04, mic)))
	}
	return derWrap(0xa1, derWrap(0x30, fields...))
}
