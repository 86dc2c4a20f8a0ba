package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
)

// The suite's AttachOLE message: a plain text part and a winmail.dat (a
// TNEF stream, MS-OXTNEF) that holds the message's RTF body and an OLE
// object. The original reads its winmail.dat from a file Outlook made;
// this port writes one of the same makeup.

// airsTNEF is a TNEF stream holding rtf as the message's body (its
// PidTagRtfCompressed, in the uncompressed form) and ole as an attachment
// whose attach method is OLE (6).
func airsTNEF(rtf string, ole []byte) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.Write(le.AppendUint32(nil, 0x223E9F78))
	b.Write(le.AppendUint16(nil, 1))
	attr := func(level byte, id uint32, data []byte) {
		b.WriteByte(level)
		b.Write(le.AppendUint32(nil, id))
		b.Write(le.AppendUint32(nil, uint32(len(data))))
		b.Write(data)
		var sum uint16
		for _, c := range data {
			sum += uint16(c)
		}
		b.Write(le.AppendUint16(nil, sum))
	}
	pad := func(p []byte) []byte {
		for len(p)%4 != 0 {
			p = append(p, 0)
		}
		return p
	}
	attr(1, 0x00089006, le.AppendUint32(nil, 0x00010000))           // attTnefVersion
	attr(1, 0x00078008, []byte("IPM.Microsoft Mail.Note\x00"))      // attMessageClass
	stream := le.AppendUint32(nil, uint32(len(rtf)+12))             // COMPSIZE
	stream = le.AppendUint32(stream, uint32(len(rtf)))              // RAWSIZE
	stream = le.AppendUint32(stream, 0x414C454D)                    // COMPTYPE MELA: not compressed
	stream = append(le.AppendUint32(stream, 0), rtf...)             // CRC, then the RTF
	props := le.AppendUint32(nil, 1)                                // one property
	props = le.AppendUint16(le.AppendUint16(props, 0x0102), 0x1009) // PT_BINARY PidTagRtfCompressed
	props = le.AppendUint32(le.AppendUint32(props, 1), uint32(len(stream)))
	attr(1, 0x00069003, pad(append(props, stream...))) // attMSGProps
	rend := le.AppendUint16(nil, 2)                    // atyp: OLE
	rend = le.AppendUint32(rend, 0xFFFFFFFF)           // position
	rend = le.AppendUint32(le.AppendUint16(le.AppendUint16(rend, 32), 32), 0)
	attr(2, 0x00069002, rend)                                              // attAttachRenddata
	attr(2, 0x00018010, []byte("Picture (Device Independent Bitmap)\x00")) // attAttachTitle
	attr(2, 0x0006800F, ole)                                               // attAttachData
	aprops := le.AppendUint32(nil, 1)
	aprops = le.AppendUint16(le.AppendUint16(aprops, 0x0003), 0x3705) // PT_LONG PidTagAttachMethod
	attr(2, 0x00069005, le.AppendUint32(aprops, 6))                   // attAttachment: ATTACH_OLE
	return b.Bytes()
}

// airsOLEMIME is TestSuiteHelper.CreateMIME's AttachOLE message.
func airsOLEMIME(from, to, subject, body string) string {
	rtf := `{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}\f0\fs22 ` + body + `\par}`
	data := base64.StdEncoding.EncodeToString(airsTNEF(rtf, []byte("OLE object of "+body)))
	var lines []string
	for len(data) > 76 {
		lines, data = append(lines, data[:76]), data[76:]
	}
	lines = append(lines, data)
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed;\r\n    boundary=\"_boundary_\"\r\nX-MS-TNEF-Correlator: <15CFAB655027B944AD65A26C7A6F2D7A0126D4994B34@DC01.contoso.com>\r\n\r\n" +
		body + " \r\n\r\n--_boundary_\r\nContent-Type: text/plain;\r\n    charset=\"us-ascii\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + body + "  \r\n\r\n" +
		"--_boundary_\r\nContent-Type: application/ms-tnef;\r\n    name=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n    filename=\"winmail.dat\"\r\n\r\n" +
		strings.Join(lines, "\r\n") + "\r\n\r\n--_boundary_--"
}

// sendOLE is SendEmail with the AttachOLE message; the client is
// User02's afterwards.
func (c *airsClient) sendOLE(subject, body string) {
	c.s.t.Helper()
	c.switchUser(airsUser1)
	mime := airsOLEMIME(mailAddress(airsUser1), mailAddress(airsUser2), subject, body)
	if c.s.version.AtLeast(eas.Version140) {
		c.send(eas.CommandSendMail, &eas.SendMailRequest{ClientId: airsClientID(), SaveInSentItems: true, Mime: []byte(mime)})
	} else {
		req := c.l.request(c.user, eas.CommandSendMail)
		req.Options |= eas.OptionSaveInSent
		c.sendRaw(req, []byte(mime))
	}
	c.switchUser(airsUser2)
}

// MSASAIRS_S02_TC12: a message whose body came as RTF in a winmail.dat
// is sent as RTF (Type 3) and says so (NativeBodyType 3).
func TestMSASAIRS_S02_TC12_NativeBodyTypeAndType_RTF(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendOLE(subject, body)
		prefs := []eas.BodyPreference{{Type: eas.BodyTypeRTF}}
		it := c.getSyncResult(subject, c.inbox(), prefs, nil)
		if it.email.Body == nil || it.email.Body.Type != eas.BodyTypeRTF {
			t.Fatalf("the Body by Sync is %+v, want Type 3", it.email.Body)
		}
		s.equal(239, "the NativeBodyType of a message with an RTF body", 3, it.email.NativeBodyType)
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, prefs, nil, false)
		s.capture(306, fetched.email.Body != nil && fetched.email.Body.Type == eas.BodyTypeRTF, "the Body by ItemOperations is %+v, want Type 3", fetched.email.Body)
	})
}

// MSASAIRS_S03_TC04: an OLE object (from a winmail.dat) is an attachment
// of Method 6, inline.
func TestMSASAIRS_S03_TC04_OLEAttachment(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendOLE(subject, body)
		it := c.getSyncResult(subject, c.inbox(), nil, nil)
		a := c.verifyMethod(&it.email, eas.AttachmentMethodOLE, "Sync")
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, nil, nil, false)
		c.verifyMethod(&fetched.email, eas.AttachmentMethodOLE, "ItemOperations")
		s.capture(230, true, "")
		s.capture(100299, a.IsInline != nil && *a.IsInline, "the OLE attachment's IsInline is %s", fmtBool(a.IsInline))
	})
}
