package simulator

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// TNEF (MS-OXTNEF): the winmail.dat an Outlook client attaches
// (application/ms-tnef) to carry what MIME cannot: the RTF body and
// attachments such as OLE objects. Exchange decodes it when the message
// is delivered, so a device sees the RTF body as the message's native one
// (NativeBodyType 3) and the attachments it holds in place of
// winmail.dat, an OLE object with Method 6 (MSASAIRS_S02_TC12,
// S03_TC04). easlab keeps the message as it arrived and decodes the
// winmail.dat when it renders it.

const (
	tnefSignature = 0x223E9F78

	tnefLevelMessage    = 1
	tnefLevelAttachment = 2

	attMAPIProps      = 0x00069003
	attAttachRenddata = 0x00069002
	attAttachTitle    = 0x00018010
	attAttachData     = 0x0006800F
	attAttachment     = 0x00069005

	prRTFCompressed      = 0x1009
	prAttachMethod       = 0x3705
	prAttachLongFilename = 0x3707
	prAttachMimeTag      = 0x370E
	prAttachContentID    = 0x3712
	prAttachDataBin      = 0x3701

	attachByValue   = 1
	attachEmbedded  = 5
	attachOLE       = 6
	rtfUncompressed = 0x414C454D // "MELA"

	maxTNEFAttachments = 64
)

// tnefMessage is what easlab reads of a TNEF stream: the RTF body, when
// it is stored uncompressed, and the attachments.
type tnefMessage struct {
	rtf         []byte
	attachments []tnefAttachment
}

// tnefAttachment is an attachment of a TNEF stream and its attach method
// (PidTagAttachMethod: 1 by value, 5 embedded message, 6 OLE).
type tnefAttachment struct {
	Attachment
	method int
}

// decodeTNEF reads a TNEF stream; ok is false when it is not one. Parts it
// cannot read are left out.
func decodeTNEF(b []byte) (msg tnefMessage, ok bool) {
	if len(b) < 6 || binary.LittleEndian.Uint32(b) != tnefSignature {
		return msg, false
	}
	b = b[6:]
	var cur *tnefAttachment
	for len(b) >= 9 {
		level := b[0]
		id := binary.LittleEndian.Uint32(b[1:])
		n := binary.LittleEndian.Uint32(b[5:])
		if uint64(n)+11 > uint64(len(b)) {
			break
		}
		data := b[9 : 9+n]
		b = b[9+n+2:] // the data, then its checksum
		switch {
		case level == tnefLevelMessage && id == attMAPIProps:
			for _, p := range tnefProps(data) {
				if p.id == prRTFCompressed {
					msg.rtf = decompressRTF(p.value)
				}
			}
		case level == tnefLevelAttachment && id == attAttachRenddata:
			if len(msg.attachments) == maxTNEFAttachments {
				return msg, true
			}
			msg.attachments = append(msg.attachments, tnefAttachment{method: attachByValue})
			cur = &msg.attachments[len(msg.attachments)-1]
		case cur != nil && id == attAttachTitle:
			cur.Name = strings.TrimRight(string(data), "\x00")
		case cur != nil && id == attAttachData:
			cur.Data = data
		case cur != nil && id == attAttachment:
			for _, p := range tnefProps(data) {
				switch p.id {
				case prAttachMethod:
					if len(p.value) >= 4 {
						cur.method = int(binary.LittleEndian.Uint32(p.value))
					}
				case prAttachLongFilename:
					cur.Name = tnefString(p)
				case prAttachMimeTag:
					cur.ContentType = tnefString(p)
				case prAttachContentID:
					cur.ContentID = tnefString(p)
				case prAttachDataBin:
					if cur.Data == nil {
						cur.Data = p.value
					}
				}
			}
		}
	}
	for i := range msg.attachments {
		a := &msg.attachments[i]
		// An OLE object is shown in the body (MSASAIRS_S03_TC04 R100299).
		a.Inline = a.method == attachOLE
		if a.Name == "" {
			a.Name = "attachment"
		}
	}
	return msg, true
}

// tnefProp is one MAPI property of a TNEF property list: its id, type
// and first value.
type tnefProp struct {
	id, typ uint16
	value   []byte
}

// tnefString is a string property's value.
func tnefString(p tnefProp) string {
	if p.typ == 0x001F { // PT_UNICODE
		var r []rune
		for i := 0; i+1 < len(p.value); i += 2 {
			c := binary.LittleEndian.Uint16(p.value[i:])
			if c == 0 {
				break
			}
			r = append(r, rune(c))
		}
		return string(r)
	}
	return strings.TrimRight(string(p.value), "\x00")
}

// tnefProps reads a MAPI property list (MS-OXTNEF 2.1.3.4): a count, then
// each property's type and id, the name of a named one, and its values.
// It stops at what it cannot read.
func tnefProps(b []byte) []tnefProp {
	if len(b) < 4 {
		return nil
	}
	count := binary.LittleEndian.Uint32(b)
	b = b[4:]
	var out []tnefProp
	for i := uint32(0); i < count && len(b) >= 4; i++ {
		typ := binary.LittleEndian.Uint16(b)
		id := binary.LittleEndian.Uint16(b[2:])
		b = b[4:]
		if id >= 0x8000 { // a named property: GUID, kind, then an id or a name
			if len(b) < 20 {
				return out
			}
			kind := binary.LittleEndian.Uint32(b[16:])
			b = b[20:]
			if kind == 0 {
				if len(b) < 4 {
					return out
				}
				b = b[4:]
			} else {
				if len(b) < 4 {
					return out
				}
				n := binary.LittleEndian.Uint32(b)
				if uint64(tnefPad(n))+4 > uint64(len(b)) {
					return out
				}
				b = b[4+tnefPad(n):]
			}
		}
		p := tnefProp{id: id, typ: typ}
		multi := typ&0x1000 != 0
		base := typ &^ 0x1000
		values := uint32(1)
		if multi || base == 0x001E || base == 0x001F || base == 0x0102 || base == 0x000D {
			if len(b) < 4 {
				return out
			}
			values = binary.LittleEndian.Uint32(b)
			b = b[4:]
		}
		for v := uint32(0); v < values; v++ {
			var val []byte
			switch base {
			case 0x0002, 0x0003, 0x0004, 0x000A, 0x000B: // short, long, float, error, boolean
				if len(b) < 4 {
					return out
				}
				val, b = b[:4], b[4:]
			case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // double, currency, apptime, int64, systime
				if len(b) < 8 {
					return out
				}
				val, b = b[:8], b[8:]
			case 0x0048: // CLSID
				if len(b) < 16 {
					return out
				}
				val, b = b[:16], b[16:]
			case 0x001E, 0x001F, 0x0102, 0x000D: // strings, binary, object
				if len(b) < 4 {
					return out
				}
				n := binary.LittleEndian.Uint32(b)
				if uint64(tnefPad(n))+4 > uint64(len(b)) {
					return out
				}
				val, b = b[4:4+n], b[4+tnefPad(n):]
				if base == 0x000D && len(val) >= 16 { // an object starts with its interface id
					val = val[16:]
				}
			default:
				return out
			}
			if v == 0 {
				p.value = val
			}
		}
		out = append(out, p)
	}
	return out
}

// tnefPad is n rounded up to a multiple of 4.
func tnefPad(n uint32) uint32 { return (n + 3) &^ 3 }

// decompressRTF reads a compressed RTF stream (MS-OXRTFCP): easlab reads
// the uncompressed form (MELA); a compressed one is not kept (nil).
func decompressRTF(b []byte) []byte {
	if len(b) < 16 || binary.LittleEndian.Uint32(b[8:]) != rtfUncompressed {
		return nil
	}
	raw := binary.LittleEndian.Uint32(b[4:])
	body := b[16:]
	if uint64(raw) < uint64(len(body)) {
		body = body[:raw]
	}
	return bytes.Clone(body)
}

// itemTNEF is the decoded winmail.dat of an e-mail, if it has one.
func itemTNEF(it *Item) (tnefMessage, bool) {
	if it.Class != "Email" {
		return tnefMessage{}, false
	}
	for _, a := range it.Attachments {
		if strings.EqualFold(a.ContentType, "application/ms-tnef") {
			return decodeTNEF(a.Data)
		}
	}
	return tnefMessage{}, false
}

// itemAttachments are an item's attachments as a device sees them: a
// winmail.dat that decodes gives way to the attachments it holds, each
// with its attach method (1 for the others).
func itemAttachments(it *Item) []tnefAttachment {
	out := make([]tnefAttachment, 0, len(it.Attachments))
	for _, a := range it.Attachments {
		if strings.EqualFold(a.ContentType, "application/ms-tnef") && it.Class == "Email" {
			if msg, ok := decodeTNEF(a.Data); ok {
				out = append(out, msg.attachments...)
				continue
			}
		}
		out = append(out, tnefAttachment{Attachment: a, method: attachByValue})
	}
	return out
}
