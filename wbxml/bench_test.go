package wbxml_test

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/easlab/easlab/wbxml"
	"github.com/easlab/easlab/wbxml/internal/synth"
)

// A realistic 1 MiB Sync response: hundreds of e-mails with HTML bodies.
var syncResponse = sync.OnceValue(func() []byte { return synth.SyncResponse(1 << 20) })

func BenchmarkDecodeTokens(b *testing.B) {
	in := syncResponse()
	d := wbxml.NewBytesDecoder(in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(in)
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeTokensReader decodes from an io.Reader, as a server reads a
// request body.
func BenchmarkDecodeTokensReader(b *testing.B) {
	in := syncResponse()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d := wbxml.NewDecoder(bytes.NewReader(in))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkEncodeTokens(b *testing.B) {
	in := syncResponse()
	var toks []wbxml.Token
	d := wbxml.NewBytesDecoder(in)
	for {
		t, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		toks = append(toks, t) // Data stays valid: it points into in
	}
	e := wbxml.NewEncoder(nil)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		e.Reset(nil)
		for _, t := range toks {
			e.EncodeToken(t)
		}
		if err := e.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Equal(e.Bytes(), in) {
		b.Fatal("re-encoded stream differs")
	}
}

func BenchmarkWriteXML(b *testing.B) {
	in := syncResponse()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := wbxml.WriteXML(io.Discard, wbxml.NewBytesDecoder(in)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTree(b *testing.B) {
	in := syncResponse()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wbxml.Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
