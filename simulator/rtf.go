package simulator

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf16"
)

// RTF bodies (AirSyncBase Type 3). Exchange sends an RTF body as the
// compressed RTF the store keeps (MS-OXRTFCP), base64-encoded: its
// ConvertToRtfStream reads the body as RTF, which for a body kept as
// text converts it (TextToRtf) and then compresses it (RtfToRtfCompressed,
// whose default mode is Compressed), and the stream does the base64
// (BodyConversionUtilities, BodyReadDelegates; Exchange 2013). So a note
// or message asked for as RTF comes back as RTF whatever it was written
// in (MSASNOTE_S01_TC06 R40).

// textToRTF is plain text as an RTF document: one paragraph per line,
// the RTF specials escaped and any other character outside ASCII as a
// \u escape (with a surrogate pair beyond the BMP).
func textToRTF(text string) string {
	var b strings.Builder
	b.WriteString(`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss\fcharset0 Calibri;}}\uc1\pard\plain\f0\fs22 `)
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, r := range text {
		switch {
		case r == '\\' || r == '{' || r == '}':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString("\\par\r\n")
		case r == '\t':
			b.WriteString(`\tab `)
		case r < 0x20:
			// Other control characters have no place in RTF text.
		case r < 0x80:
			b.WriteRune(r)
		default:
			units := []uint16{uint16(r)}
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				units = []uint16{uint16(r1), uint16(r2)}
			}
			for _, u := range units {
				fmt.Fprintf(&b, `\u%d?`, int16(u))
			}
		}
	}
	b.WriteString(`\par}`)
	return b.String()
}

// lzfuPrebuffer is the text the dictionary of compressed RTF starts with
// (MS-OXRTFCP 2.1.3.1.1).
const lzfuPrebuffer = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

// Compressed RTF's header values (MS-OXRTFCP 2.1.3.1.1).
const (
	rtfCompressed   = 0x75465A4C // "LZFu"
	lzfuDictSize    = 4096
	lzfuMaxMatch    = 17
	lzfuCandidates  = 256 // the most recent dictionary positions tried per token
	lzfuHeaderBytes = 16
)

// rtfCRC is the CRC of compressed RTF (MS-OXRTFCP 2.1.3.2): the CRC-32
// table's, started at 0 and not inverted at the end.
func rtfCRC(b []byte) uint32 {
	return ^crc32.Update(^uint32(0), crc32.IEEETable, b)
}

// compressRTF compresses an RTF document as MS-OXRTFCP says (LZFu): runs
// of a control byte and eight tokens, each a literal byte or a
// reference (12-bit dictionary offset, 4-bit length less 2) into a
// 4096-byte circular dictionary that starts with lzfuPrebuffer, ended by
// a reference to the dictionary's write position. Matches are found
// among the most recent positions holding the token's first byte.
func compressRTF(raw []byte) []byte {
	var dict [lzfuDictSize]byte
	copy(dict[:], lzfuPrebuffer)
	wp, filled := len(lzfuPrebuffer), len(lzfuPrebuffer)
	// at[c] lists dictionary positions that held byte c when written,
	// newest last; an entry overwritten since is skipped when tried.
	var at [256][]uint16
	for q := 0; q < wp; q++ {
		at[dict[q]] = append(at[dict[q]], uint16(q))
	}
	put := func(c byte) {
		dict[wp] = c
		l := append(at[c], uint16(wp))
		if len(l) > 4*lzfuDictSize {
			l = append(l[:0:0], l[len(l)-lzfuDictSize:]...)
		}
		at[c] = l
		wp = (wp + 1) % lzfuDictSize
		if filled < lzfuDictSize {
			filled++
		}
	}
	// matchLen is how many bytes from raw[pos] a reference to offset o
	// reproduces: a position the token itself writes before reading it
	// holds the token's own earlier byte, as the decompressor sees it.
	matchLen := func(o, pos int) int {
		n := 0
		for n < lzfuMaxMatch && pos+n < len(raw) {
			p := (o + n) % lzfuDictSize
			d := (p - wp + lzfuDictSize) % lzfuDictSize
			var c byte
			switch {
			case d < n:
				c = raw[pos+d]
			case filled < lzfuDictSize && p >= filled:
				return n // never written
			default:
				c = dict[p]
			}
			if c != raw[pos+n] {
				break
			}
			n++
		}
		return n
	}
	// age orders positions from the dictionary's start: its oldest
	// byte once it is full, else its first.
	age := func(o int) int {
		if filled < lzfuDictSize {
			return lzfuDictSize - o
		}
		return lzfuDictSize - (o-wp+lzfuDictSize)%lzfuDictSize
	}
	out := make([]byte, lzfuHeaderBytes, lzfuHeaderBytes+len(raw)+len(raw)/8+4)
	pos := 0
	for done := false; !done; {
		ctrlAt := len(out)
		out = append(out, 0)
		var ctrl byte
		for bit := 0; bit < 8; bit++ {
			if pos >= len(raw) {
				ctrl |= 1 << bit
				out = append(out, byte(wp>>4), byte(wp<<4))
				done = true
				break
			}
			best, bestOff := 0, 0
			l := at[raw[pos]]
			for k, tried := len(l)-1, 0; k >= 0 && tried < lzfuCandidates; k-- {
				o := int(l[k])
				if o == wp || dict[o] != raw[pos] {
					continue
				}
				tried++
				// Of equal matches the oldest position wins, as in the
				// spec's search from the dictionary's start (MS-OXRTFCP
				// 3.1.1.1.3), so the spec's example compresses to its
				// bytes.
				if n := matchLen(o, pos); n > best || n == best && n >= 2 && age(o) > age(bestOff) {
					best, bestOff = n, o
				}
			}
			if best < 2 {
				out = append(out, raw[pos])
				put(raw[pos])
				pos++
				continue
			}
			ctrl |= 1 << bit
			out = append(out, byte(bestOff>>4), byte(bestOff<<4)|byte(best-2))
			for i := 0; i < best; i++ {
				put(raw[pos+i])
			}
			pos += best
		}
		out[ctrlAt] = ctrl
	}
	data := out[lzfuHeaderBytes:]
	binary.LittleEndian.PutUint32(out[0:], uint32(len(out)-4))
	binary.LittleEndian.PutUint32(out[4:], uint32(len(raw)))
	binary.LittleEndian.PutUint32(out[8:], rtfCompressed)
	binary.LittleEndian.PutUint32(out[12:], rtfCRC(data))
	return out
}
