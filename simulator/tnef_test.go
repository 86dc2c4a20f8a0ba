package simulator

import (
	"encoding/binary"
	"testing"
)

// tnefStream is a TNEF stream with an uncompressed RTF body and one OLE
// attachment, as Outlook writes winmail.dat.
func tnefStream() []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(le.AppendUint32(nil, tnefSignature), 1)
	attr := func(level byte, id uint32, data []byte) {
		b = append(b, level)
		b = le.AppendUint32(le.AppendUint32(b, id), uint32(len(data)))
		b = append(append(b, data...), 0, 0)
	}
	rtf := `{\rtf1 hello\par}`
	stream := le.AppendUint32(le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, uint32(len(rtf)+12)), uint32(len(rtf))), rtfUncompressed), 0)
	stream = append(stream, rtf...)
	props := le.AppendUint32(le.AppendUint32(le.AppendUint16(le.AppendUint16(le.AppendUint32(nil, 1), 0x0102), prRTFCompressed), 1), uint32(len(stream)))
	props = append(props, stream...)
	for len(props)%4 != 0 {
		props = append(props, 0)
	}
	attr(tnefLevelMessage, attMAPIProps, props)
	attr(tnefLevelAttachment, attAttachRenddata, make([]byte, 14))
	attr(tnefLevelAttachment, attAttachTitle, []byte("Picture\x00"))
	attr(tnefLevelAttachment, attAttachData, []byte("ole"))
	attr(tnefLevelAttachment, attAttachment, le.AppendUint32(le.AppendUint16(le.AppendUint16(le.AppendUint32(nil, 1), 0x0003), prAttachMethod), attachOLE))
	return b
}

func TestDecodeTNEF(t *testing.T) {
	msg, ok := decodeTNEF(tnefStream())
	if !ok || string(msg.rtf) != `{\rtf1 hello\par}` {
		t.Fatalf("decodeTNEF = %q, %v; want the RTF body", msg.rtf, ok)
	}
	if len(msg.attachments) != 1 || msg.attachments[0].method != attachOLE || !msg.attachments[0].Inline ||
		msg.attachments[0].Name != "Picture" || string(msg.attachments[0].Data) != "ole" {
		t.Fatalf("attachments = %+v, want the inline OLE object Picture", msg.attachments)
	}
}

// A cut or damaged winmail.dat is read as far as it goes, without panic.
func TestDecodeTNEFDamaged(t *testing.T) {
	full := tnefStream()
	for n := range len(full) {
		decodeTNEF(full[:n])
		damaged := append([]byte(nil), full...)
		damaged[n] ^= 0xFF
		decodeTNEF(damaged)
	}
}
