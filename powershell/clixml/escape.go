package clixml

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

const hexDigits = "0123456789ABCDEF"

// needsEscape reports whether PowerShell writes rune r as _xHHHH_: the C0
// and C1 control characters (tab, CR and LF included) and anything outside
// the Basic Multilingual Plane (which .NET holds as a surrogate pair and
// PowerShell escapes one surrogate at a time). U+FFFE and U+FFFF, which XML
// cannot carry either, are escaped too; PowerShell does not guard them.
func needsEscape(r rune) bool {
	return r <= 0x1F || (r >= 0x7F && r <= 0x9F) || r >= 0x10000 || r == 0xFFFE || r == 0xFFFF
}

func writeUnitEscape(b *bytes.Buffer, u uint16) {
	b.WriteString("_x")
	b.WriteByte(hexDigits[u>>12&0xF])
	b.WriteByte(hexDigits[u>>8&0xF])
	b.WriteByte(hexDigits[u>>4&0xF])
	b.WriteByte(hexDigits[u&0xF])
	b.WriteByte('_')
}

// writeText writes s as CLIXML text: PowerShell's string encoding
// (MS-PSRP 2.2.5.3.2: characters XML cannot carry, and the underscore of
// "_x" or "_X", become _xHHHH_) followed by XML escaping, which also makes
// it safe inside a double-quoted attribute. Bytes of s that are not UTF-8
// are written as U+FFFD.
func writeText(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		// A run that needs nothing (most text) is written at once.
		if j := plainRun(s[i:]); j > 0 {
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c <= 0x1F || c == 0x7F:
				writeUnitEscape(b, uint16(c))
			case c == '_' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X'):
				b.WriteString("_x005F_")
			case c == '&':
				b.WriteString("&amp;")
			case c == '<':
				b.WriteString("&lt;")
			case c == '>':
				b.WriteString("&gt;")
			case c == '"':
				b.WriteString("&quot;")
			case c == '\'':
				b.WriteString("&apos;")
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case needsEscape(r):
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				writeUnitEscape(b, uint16(r1))
				writeUnitEscape(b, uint16(r2))
			} else {
				writeUnitEscape(b, uint16(r))
			}
		default:
			b.WriteRune(r)
		}
	}
}

// plainRun is how many leading bytes of s writeText writes as they are:
// printable ASCII but the characters XML escapes and an underscore.
func plainRun(s string) int {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return i
		}
	}
	return len(s)
}

var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7F; c++ {
		t[c] = true
	}
	for _, c := range "&<>\"'_" {
		t[c] = false
	}
	return t
}()

// hexValue parses s (only hex digits) or returns -1.
func hexValue(s string) int64 {
	var v int64
	for i := 0; i < len(s); i++ {
		d, ok := unhex(s[i])
		if !ok {
			return -1
		}
		v = v<<4 | int64(d)
	}
	return v
}

// escapeAt reports the escape starting at s[i] (which is '_'): its value
// and length, or n == 0 when there is none. Like .NET's XmlConvert.DecodeName
// it accepts "x" or "X" and four or eight hex digits.
func escapeAt(s string, i int) (v int64, n int) {
	if i+1 >= len(s) || (s[i+1] != 'x' && s[i+1] != 'X') {
		return 0, 0
	}
	if i+6 < len(s) && s[i+6] == '_' {
		if v := hexValue(s[i+2 : i+6]); v >= 0 {
			return v, 7
		}
	}
	if i+10 < len(s) && s[i+10] == '_' {
		if v := hexValue(s[i+2 : i+10]); v >= 0 {
			return v, 11
		}
	}
	return 0, 0
}

// decodeText reverses PowerShell's string encoding: each _xHHHH_ (or
// _xHHHHHHHH_) becomes the character it names; an escaped high surrogate
// followed by an escaped low surrogate becomes one character, and a lone
// surrogate (which a Go string cannot hold) becomes U+FFFD.
func decodeText(s string) string {
	i := strings.IndexByte(s, '_')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if s[i] != '_' {
			j := strings.IndexByte(s[i:], '_')
			if j < 0 {
				b.WriteString(s[i:])
				break
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		v, n := escapeAt(s, i)
		if n == 0 {
			b.WriteByte('_')
			i++
			continue
		}
		i += n
		switch {
		case n == 7 && utf16.IsSurrogate(rune(v)):
			if v < 0xDC00 && i < len(s) && s[i] == '_' {
				if v2, n2 := escapeAt(s, i); n2 == 7 && v2 >= 0xDC00 && v2 <= 0xDFFF {
					b.WriteRune(utf16.DecodeRune(rune(v), rune(v2)))
					i += n2
					continue
				}
			}
			b.WriteRune(utf8.RuneError)
		case v > utf8.MaxRune || utf16.IsSurrogate(rune(v)):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(rune(v))
		}
	}
	return b.String()
}
