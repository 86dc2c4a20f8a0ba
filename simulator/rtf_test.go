package simulator

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"strings"
	"testing"
)

// lzfuDecompress reads compressed RTF as MS-OXRTFCP 3.1 describes it.
func lzfuDecompress(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 16 || binary.LittleEndian.Uint32(b[8:]) != rtfCompressed {
		t.Fatalf("not LZFu: % x", b[:min(len(b), 16)])
	}
	if int(binary.LittleEndian.Uint32(b[0:])) != len(b)-4 {
		t.Fatalf("COMPSIZE %d, want %d", binary.LittleEndian.Uint32(b[0:]), len(b)-4)
	}
	if got, want := binary.LittleEndian.Uint32(b[12:]), rtfCRC(b[16:]); got != want {
		t.Fatalf("CRC %08x, want %08x", got, want)
	}
	var dict [lzfuDictSize]byte
	copy(dict[:], lzfuPrebuffer)
	wp := len(lzfuPrebuffer)
	var out []byte
	in := b[16:]
	for i := 0; i < len(in); {
		ctrl := in[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if ctrl&(1<<bit) == 0 {
				if i >= len(in) {
					t.Fatalf("the stream ends without its end marker")
				}
				dict[wp] = in[i]
				out = append(out, in[i])
				wp = (wp + 1) % lzfuDictSize
				i++
				continue
			}
			if i+2 > len(in) {
				t.Fatalf("a reference is cut")
			}
			ref := int(in[i])<<8 | int(in[i+1])
			i += 2
			off, n := ref>>4, ref&0xF+2
			if off == wp {
				if i != len(in) {
					t.Fatalf("%d bytes after the end marker", len(in)-i)
				}
				if raw := int(binary.LittleEndian.Uint32(b[4:])); raw != len(out) {
					t.Fatalf("RAWSIZE %d, decompressed %d bytes", raw, len(out))
				}
				return out
			}
			for k := 0; k < n; k++ {
				c := dict[(off+k)%lzfuDictSize]
				dict[wp] = c
				out = append(out, c)
				wp = (wp + 1) % lzfuDictSize
			}
		}
	}
	t.Fatalf("no end marker")
	return nil
}

// TestCompressRTFRoundTrip: compressed RTF decompresses to what went in,
// short, long (the dictionary wraps), repetitive and random, and the
// spec's example compresses to its bytes.
func TestCompressRTFRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 20000)
	rng.Read(random)
	for _, in := range [][]byte{
		nil,
		[]byte("{\\rtf1\\ansi\\ansicpg1252\\pard hello}"),
		[]byte(strings.Repeat("abcabcabd", 3000)),
		[]byte(strings.Repeat("x", 10000)),
		random,
		[]byte(textToRTF(strings.Repeat("Note body line with {braces} and \\ and é ü 😀\r\n", 400))),
	} {
		got := lzfuDecompress(t, compressRTF(in))
		if !bytes.Equal(got, in) {
			t.Errorf("round trip of %d bytes gave %d bytes, different", len(in), len(got))
		}
	}
	// MS-OXRTFCP 4.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
	want := []byte{0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
		0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
		0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0}
	if got := compressRTF([]byte("{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n")); !bytes.Equal(got, want) {
		t.Errorf("the spec's example compresses to\n% x\nwant\n% x", got, want)
	}
}

// TestTextToRTF: specials are escaped, lines are paragraphs, non-ASCII
// is \u.
func TestTextToRTF(t *testing.T) {
	got := textToRTF("a{b}\\c\r\nné😀")
	for _, want := range []string{`a\{b\}\\c\par`, `n\u233?`, `\u-10179?\u-8704?`} {
		if !strings.Contains(got, want) {
			t.Errorf("textToRTF = %q, want it to contain %q", got, want)
		}
	}
	if !strings.HasPrefix(got, `{\rtf1`) || !strings.HasSuffix(got, "}") {
		t.Errorf("textToRTF = %q, not an RTF group", got)
	}
}
