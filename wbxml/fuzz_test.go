package wbxml

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder. It must never panic,
// and whatever it accepts must survive re-encoding: the re-encoded stream
// decodes to the same tokens, and is byte-identical when the input used the
// canonical header. Run with: go test -fuzz=FuzzDecode ./wbxml
func FuzzDecode(f *testing.F) {
	f.Add(hexBytes(f, specExample))
	f.Add(hexBytes(f, `03 01 6A 00 00 03 45 47 03 "1" 00 01 01`))
	f.Add(hexBytes(f, `03 01 6A 00 45 4B C3 03 00 FF 01 01 01`))
	for _, pattern := range []string{
		filepath.Join("..", "..", "shared", "vectors", "*", "*.wbxml"),
		filepath.Join("testdata", "*.wbxml"),
	} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, lenient := range []bool{false, true} {
			d := NewBytesDecoder(in)
			d.Lenient = lenient
			d.Limits = Limits{MaxDepth: 32, MaxSize: 1 << 20}
			toks, err := tokens(d)
			if err != nil {
				continue
			}
			out := reencode(t, toks, lenient)
			d2 := NewBytesDecoder(out)
			d2.Lenient = lenient
			toks2, err := tokens(d2)
			if err != nil {
				t.Fatalf("re-encoded stream does not decode: %v", err)
			}
			if len(toks2) != len(toks) {
				t.Fatalf("re-encoded stream has %d tokens, want %d", len(toks2), len(toks))
			}
			for i := range toks {
				a, b := toks[i], toks2[i]
				if a.Kind != b.Kind || a.Tag != b.Tag || a.Empty != b.Empty || !bytes.Equal(a.Data, b.Data) {
					t.Fatalf("token %d: %+v became %+v", i, a, b)
				}
			}
			if bytes.HasPrefix(in, Header[:]) && !bytes.Equal(out, in) && !nonCanonical(in) {
				t.Fatalf("canonical stream did not re-encode byte for byte:\n in % X\nout % X", in, out)
			}
			// The XML view of an accepted stream never fails.
			var x bytes.Buffer
			d3 := NewBytesDecoder(in)
			d3.Lenient = lenient
			if err := WriteXML(&x, d3); err != nil {
				t.Fatalf("WriteXML of an accepted stream: %v", err)
			}
		}
	})
}

// nonCanonical reports whether a stream is valid but not as our encoder
// writes it, which makes a byte-identical re-encoding impossible: it
// switches code pages where no tag needs it (we switch only right before a
// tag of another page), or it writes an OPAQUE length with leading zero
// groups (0x80 0x00 for 0).
func nonCanonical(in []byte) bool {
	d := NewBytesDecoder(in)
	d.Lenient = true
	var page byte
	for {
		off := d.InputOffset()
		if off == 0 {
			off = int64(len(Header)) // callers check the header is canonical
		}
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switches := int64(0)
		i := off
		for ; i+1 < d.InputOffset() && in[i] == tokSwitchPage; i += 2 {
			switches++
		}
		if tok.Kind == Opaque {
			lenBytes := in[i+1 : d.InputOffset()-int64(len(tok.Data))]
			if !bytes.Equal(lenBytes, appendMbUint32(nil, uint32(len(tok.Data)))) {
				return true
			}
		}
		want := int64(0)
		if tok.Kind == StartElement && tok.Tag.Page != page {
			want = 1
			page = tok.Tag.Page
		}
		if switches != want {
			return true
		}
	}
}
