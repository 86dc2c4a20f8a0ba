package wbxml

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// hexBytes turns "03 01 6A 00 ..." into bytes; quoted runs are literal text.
func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	var out []byte
	for s != "" {
		s = strings.TrimLeft(s, " \n\t")
		if s == "" {
			break
		}
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			out = append(out, s[1:end+1]...)
			s = s[end+2:]
			continue
		}
		b, err := hex.DecodeString(s[:2])
		if err != nil {
			t.Fatalf("bad hex %q", s[:2])
		}
		out = append(out, b...)
		s = s[2:]
	}
	return out
}

// tokens decodes all tokens of b, copying their data.
func tokens(d *Decoder) ([]Token, error) {
	var out []Token
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		tok.Data = bytes.Clone(tok.Data)
		out = append(out, tok)
	}
}

func reencode(t testing.TB, toks []Token, allowLegacy bool) []byte {
	t.Helper()
	e := NewEncoder(nil)
	e.AllowLegacy = allowLegacy
	for _, tok := range toks {
		if err := e.EncodeToken(tok); err != nil {
			t.Fatalf("EncodeToken(%v %v): %v", tok.Kind, tok.Tag, err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return e.Bytes()
}

// The MS-ASWBXML section 3 example, the start of a Sync response.
const specExample = `03 01 6A 00 45 5C 4F 50 03 "Contacts" 00 01 4B 03 "2" 00 01 52 03 "2" 00 01 4E 03 "1" 00 01
56 47 4D 03 "2:1" 00 01 5D 00 11 4A 46 03 "1" 00 01 4C 03 "0" 00 01 4D 03 "1" 00 01 01
00 01 5E 03 "Funk, Don" 00 01 5F 03 "Don" 00 01 69 03 "Funk" 00 01 00 11 56 03 "1" 00 01 01 01 01 01 01 01`

func TestDecodeSpecExample(t *testing.T) {
	in := hexBytes(t, specExample)
	toks, err := tokens(NewBytesDecoder(in))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tok := range toks {
		switch tok.Kind {
		case StartElement:
			names = append(names, tok.Tag.String())
		case Text:
			names = append(names, string(tok.Data))
		}
	}
	want := "AirSync:Sync AirSync:Collections AirSync:Collection AirSync:Class Contacts AirSync:SyncKey 2 " +
		"AirSync:CollectionId 2 AirSync:Status 1 AirSync:Commands AirSync:Add AirSync:ServerId 2:1 " +
		"AirSync:ApplicationData AirSyncBase:Body AirSyncBase:Type 1 AirSyncBase:EstimatedDataSize 0 " +
		"AirSyncBase:Truncated 1 Contacts:FileAs Funk, Don Contacts:FirstName Don Contacts:LastName Funk " +
		"AirSyncBase:NativeBodyType 1"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("tokens:\n got %s\nwant %s", got, want)
	}
	if out := reencode(t, toks, false); !bytes.Equal(out, in) {
		t.Errorf("re-encoded:\n got % X\nwant % X", out, in)
	}
}

func TestDecodeReaderMatchesBytes(t *testing.T) {
	in := hexBytes(t, specExample)
	want, err := tokens(NewBytesDecoder(in))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]io.Reader{
		"one-byte": iotest.OneByteReader(bytes.NewReader(in)),
		"half":     iotest.HalfReader(bytes.NewReader(in)),
		"data-err": iotest.DataErrReader(bytes.NewReader(in)),
	} {
		got, err := tokens(NewDecoder(r))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d tokens, want %d", name, len(got), len(want))
		}
		for i := range got {
			if got[i].Kind != want[i].Kind || got[i].Tag != want[i].Tag || got[i].Empty != want[i].Empty || !bytes.Equal(got[i].Data, want[i].Data) {
				t.Fatalf("%s: token %d = %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
}

func TestDecodeEmptyAndContentFlag(t *testing.T) {
	// <Sync><SyncKey/> (bare) <ClientId> with content flag and nothing in it.
	in := hexBytes(t, `03 01 6A 00 45 0B 4C 01 01`)
	toks, err := tokens(NewBytesDecoder(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 6 || !toks[1].Empty || toks[3].Empty || toks[2].Kind != EndElement {
		t.Fatalf("tokens %+v", toks)
	}
	if out := reencode(t, toks, false); !bytes.Equal(out, in) {
		t.Errorf("re-encoded % X, want % X", out, in)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		limits  Limits
		offset  int64
		msg     string
		wrapped error
	}{
		{"empty stream", ``, Limits{}, 0, "empty stream", io.ErrUnexpectedEOF},
		{"truncated header", `03 01`, Limits{}, 2, "stream ends inside the charset", io.ErrUnexpectedEOF},
		{"bad version", `02 01 6A 00 05`, Limits{}, 0, "WBXML version 0x02", nil},
		{"public id from string table", `03 00 00 6A 00 05`, Limits{}, 1, "public identifier in the string table", nil},
		{"charset", `03 01 04 00 05`, Limits{}, 2, "charset 4", nil},
		{"string table", `03 01 6A 02 "a" 00 05`, Limits{}, 3, "string table of 2 bytes", nil},
		{"mb_u_int32 too long", `03 01 6A 00 45 50 C3 9F FF FF FF 7F`, Limits{}, 6, "does not fit in 32 bits", nil},
		{"unknown page", `03 01 6A 00 00 1A 05`, Limits{}, 4, "unknown code page 26", nil},
		{"unknown token", `03 01 6A 00 45 3F 01`, Limits{}, 5, "unknown token 0x3F on code page 0 (AirSync)", nil},
		{"unassigned token on Find", `03 01 6A 00 00 19 45 0F 01`, Limits{}, 7, "unknown token 0x0F on code page 25 (Find)", nil},
		{"END without element", `03 01 6A 00 01`, Limits{}, 4, "END without an open element", nil},
		{"unterminated STR_I", `03 01 6A 00 45 4B 03 "abc"`, Limits{}, 6, "no terminating NUL", io.ErrUnexpectedEOF},
		{"opaque past end", `03 01 6A 00 45 4B C3 05 "ab"`, Limits{}, 6, "opaque length 5 runs past the end", io.ErrUnexpectedEOF},
		{"depth over limit", `03 01 6A 00 45 5C 4F 56 01 01 01 01`, Limits{MaxDepth: 3}, 7, "nested deeper than the limit of 3", ErrLimit},
		{"attribute flag", `03 01 6A 00 C5 01`, Limits{}, 4, "attribute flag", nil},
		{"entity", `03 01 6A 00 45 02 41 01`, Limits{}, 5, "ENTITY token", nil},
		{"string table reference", `03 01 6A 00 45 83 00 01`, Limits{}, 5, "STR_T token", nil},
		{"literal", `03 01 6A 00 04 00`, Limits{}, 4, "LITERAL token", nil},
		{"processing instruction", `03 01 6A 00 45 43 01`, Limits{}, 5, "processing instruction", nil},
		{"extension", `03 01 6A 00 45 C0 01`, Limits{}, 5, "extension token EXT_0", nil},
		{"text outside root", `03 01 6A 00 03 "a" 00`, Limits{}, 4, "inline string outside the root element", nil},
		{"opaque outside root", `03 01 6A 00 C3 00`, Limits{}, 4, "opaque data outside the root element", nil},
		{"data after root", `03 01 6A 00 05 05`, Limits{}, 5, "data after the root element", nil},
		{"unclosed", `03 01 6A 00 45 5C`, Limits{}, 6, "2 open element(s)", io.ErrUnexpectedEOF},
		{"no root", `03 01 6A 00`, Limits{}, 4, "no root element", io.ErrUnexpectedEOF},
		{"legacy strict", `03 01 6A 00 45 11 01`, Limits{}, 5, "legacy tag AirSync:Version", nil},
		{"size limit", `03 01 6A 00 45 4B 03 "0123456789" 00 01 01`, Limits{MaxSize: 12}, 6, "stream longer than the 12-byte limit", ErrLimit},
		{"string limit", `03 01 6A 00 45 4B 03 "0123456789" 00 01 01`, Limits{MaxString: 4}, 6, "inline string longer than the 4-byte limit", ErrLimit},
		{"opaque limit", `03 01 6A 00 45 4B C3 0A "0123456789" 01 01`, Limits{MaxOpaque: 4}, 6, "opaque data of 10 bytes is over the 4-byte limit", ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := hexBytes(t, tc.in)
			for _, mode := range []string{"bytes", "reader"} {
				var d *Decoder
				if mode == "bytes" {
					d = NewBytesDecoder(in)
				} else {
					d = NewDecoder(iotest.OneByteReader(bytes.NewReader(in)))
				}
				d.Limits = tc.limits
				_, err := tokens(d)
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("%s: error %v (%T), want *SyntaxError", mode, err, err)
				}
				if se.Offset != tc.offset || !strings.Contains(se.Msg, tc.msg) {
					t.Errorf("%s: got offset %d %q, want offset %d containing %q", mode, se.Offset, se.Msg, tc.offset, tc.msg)
				}
				if tc.wrapped != nil && !errors.Is(err, tc.wrapped) {
					t.Errorf("%s: %v does not wrap %v", mode, err, tc.wrapped)
				}
				// Sticky: the same error again.
				if _, again := d.Token(); again != err {
					t.Errorf("%s: second call returned %v, want the same error", mode, again)
				}
			}
		})
	}
}

func TestDecodeErrorPath(t *testing.T) {
	in := hexBytes(t, `03 01 6A 00 45 5C 4F 3F`)
	_, err := tokens(NewBytesDecoder(in))
	want := "wbxml: offset 7: unknown token 0x3F on code page 0 (AirSync) (in AirSync:Sync/AirSync:Collections/AirSync:Collection)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestDecodeLenientLegacy(t *testing.T) {
	// AirNotify (page 3), dropped from the spec: <Notify><Version>1</Version></Notify>.
	in := hexBytes(t, `03 01 6A 00 00 03 45 47 03 "1" 00 01 01`)
	if _, err := tokens(NewBytesDecoder(in)); err == nil {
		t.Fatal("strict decoder accepted a legacy page")
	}
	d := NewBytesDecoder(in)
	d.Lenient = true
	toks, err := tokens(d)
	if err != nil {
		t.Fatal(err)
	}
	if toks[0].Tag.String() != "AirNotify:Notify" || !toks[0].Tag.Legacy {
		t.Fatalf("got %v", toks[0].Tag)
	}
	// Never emitted, unless a re-encoder asks for the stream as it came.
	e := NewEncoder(nil)
	if err := e.EncodeToken(toks[0]); err == nil || !strings.Contains(err.Error(), "legacy tag") {
		t.Errorf("encoding a legacy tag: %v", err)
	}
	if out := reencode(t, toks, true); !bytes.Equal(out, in) {
		t.Errorf("AllowLegacy re-encode % X", out)
	}
}

// A stream that announces far more than it holds must not make the decoder
// allocate what it announces.
func TestDecodeHostileLengthsAllocateLittle(t *testing.T) {
	hostile := map[string][]byte{
		"opaque 32 MiB claimed": hexBytes(t, `03 01 6A 00 45 4B C3 8F FF FF 7F "ab"`),
		"string without NUL":    append(hexBytes(t, `03 01 6A 00 45 4B 03`), bytes.Repeat([]byte("a"), 1000)...),
	}
	for name, in := range hostile {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		d := NewDecoder(bytes.NewReader(in))
		d.Limits = Limits{MaxOpaque: 64 << 20, MaxString: 64 << 20}
		if _, err := tokens(d); err == nil {
			t.Fatalf("%s: no error", name)
		}
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<10 {
			t.Errorf("%s: %d input bytes made the decoder allocate %d bytes", name, len(in), grew)
		}
	}
}

// failingReader yields the first n header bytes, then fails.
type failingReader struct{ i, n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.i == r.n {
		return 0, errors.New("connection reset")
	}
	p[0] = Header[r.i]
	r.i++
	return 1, nil
}

func TestDecodeReadError(t *testing.T) {
	_, err := tokens(NewDecoder(&failingReader{n: 2}))
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("got %v, want the read error", err)
	}
}

func TestDecoderSkipAndReset(t *testing.T) {
	in := hexBytes(t, specExample)
	d := NewBytesDecoder(in)
	for i := 0; i < 3; i++ { // Sync, Collections, Collection
		if _, err := d.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Skip(); err != nil {
		t.Fatal(err)
	}
	tok, err := d.Token()
	if err != nil || tok.Kind != EndElement || tok.Tag.Name != "Collections" {
		t.Fatalf("after Skip: %+v %v", tok, err)
	}
	d.Reset(in)
	tok, err = d.Token()
	if err != nil || tok.Tag.Name != "Sync" {
		t.Fatalf("after Reset: %+v %v", tok, err)
	}
}

func TestEncoderErrors(t *testing.T) {
	sync, syncKey := LookupQualified("AirSync:Sync"), LookupQualified("AirSync:SyncKey")
	tests := []struct {
		name string
		do   func(e *Encoder)
		want string
	}{
		{"end without start", func(e *Encoder) { e.End() }, "End without an open element"},
		{"text outside", func(e *Encoder) { e.Text("x") }, "text outside an element"},
		{"NUL in text", func(e *Encoder) { e.Start(sync); e.Text("a\x00b") }, "NUL byte at 1"},
		{"unclosed", func(e *Encoder) { e.Start(sync) }, "1 element(s) still open"},
		{"two roots", func(e *Encoder) { e.Empty(sync); e.Empty(sync) }, "second root element"},
		{"no root", func(e *Encoder) {}, "no root element"},
		{"nil tag", func(e *Encoder) { e.Start(nil) }, "without a tag"},
		{"empty with child", func(e *Encoder) {
			e.EncodeToken(Token{Kind: StartElement, Tag: sync, Empty: true})
			e.Empty(syncKey)
		}, "declared empty but has child"},
		{"mismatched end", func(e *Encoder) {
			e.Start(sync)
			e.EncodeToken(Token{Kind: EndElement, Tag: syncKey})
		}, "does not match"},
	}
	for _, tc := range tests {
		e := NewEncoder(nil)
		tc.do(e)
		if err := e.Close(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestEncoderPagesAndEmpty(t *testing.T) {
	e := NewEncoder(nil)
	e.Start(LookupQualified("AirSync:Sync"))
	e.Empty(LookupQualified("AirSync:MoreAvailable"))
	e.Start(LookupQualified("AirSyncBase:Body"))
	e.Element(LookupQualified("AirSyncBase:Type"), "2")
	e.End()
	e.Element(LookupQualified("AirSync:SyncKey"), "")
	e.Start(LookupQualified("ComposeMail:Mime"))
	e.Opaque([]byte{0, 1, 2, 0xFF})
	e.End()
	e.End()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	want := hexBytes(t, `03 01 6A 00 45 14 00 11 4A 46 03 "2" 00 01 01 00 00 0B 00 15 50 C3 04 00 01 02 FF 01 01`)
	if !bytes.Equal(e.Bytes(), want) {
		t.Errorf("got  % X\nwant % X", e.Bytes(), want)
	}
}

func TestEncoderStreamsToWriter(t *testing.T) {
	var out bytes.Buffer
	e := NewEncoder(&out)
	e.Start(LookupQualified("AirSync:Sync"))
	big := strings.Repeat("x", 3*flushAt)
	e.Element(LookupQualified("AirSync:SyncKey"), big)
	if out.Len() == 0 {
		t.Error("nothing written before Close despite a large buffer")
	}
	e.End()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	toks, err := tokens(NewBytesDecoder(out.Bytes()))
	if err != nil || string(toks[2].Data) != big {
		t.Fatalf("round trip: %v", err)
	}
}

func TestMbUint32(t *testing.T) {
	for _, tc := range []struct {
		v    uint32
		wire string
	}{{0, "00"}, {0x7F, "7F"}, {0x80, "81 00"}, {0x3FFF, "FF 7F"}, {0x4000, "81 80 00"}, {0xA0, "81 20"}, {0xFFFFFFFF, "8F FF FF FF 7F"}} {
		b := appendMbUint32(nil, tc.v)
		if want := hexBytes(t, tc.wire); !bytes.Equal(b, want) {
			t.Errorf("append %d: % X, want % X", tc.v, b, want)
		}
		d := NewBytesDecoder(b)
		d.lim = Limits{}.withDefaults()
		if got, err := d.readMbUint32("test"); err != nil || got != tc.v {
			t.Errorf("read %d: got %d, %v", tc.v, got, err)
		}
	}
}
