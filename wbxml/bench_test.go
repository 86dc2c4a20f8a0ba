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

// A Sync response as a client would declare it, for the Marshal and
// Unmarshal benchmarks.
type benchSync struct {
	WBXMLName   wbxml.Name `wbxml:"AirSync:Sync"`
	Collections struct {
		Collection []struct {
			SyncKey      string `wbxml:"SyncKey"`
			CollectionId string `wbxml:"CollectionId"`
			Status       int    `wbxml:"Status"`
			Commands     struct {
				Add []struct {
					ServerId        string    `wbxml:"ServerId"`
					ApplicationData benchMail `wbxml:"ApplicationData"`
				} `wbxml:"Add"`
			} `wbxml:"Commands"`
			MoreAvailable bool `wbxml:"MoreAvailable,empty"`
		} `wbxml:"Collection"`
	} `wbxml:"Collections"`
}

type benchMail struct {
	To           string `wbxml:"Email:To"`
	From         string `wbxml:"Email:From"`
	Subject      string `wbxml:"Email:Subject"`
	DateReceived string `wbxml:"Email:DateReceived"`
	DisplayTo    string `wbxml:"Email:DisplayTo"`
	ThreadTopic  string `wbxml:"Email:ThreadTopic"`
	Importance   int    `wbxml:"Email:Importance"`
	Read         int    `wbxml:"Email:Read"`
	Body         struct {
		Type              int    `wbxml:"AirSyncBase:Type"`
		EstimatedDataSize int    `wbxml:"AirSyncBase:EstimatedDataSize"`
		Data              string `wbxml:"AirSyncBase:Data"`
	} `wbxml:"AirSyncBase:Body"`
	MessageClass      string `wbxml:"Email:MessageClass"`
	InternetCPID      int    `wbxml:"Email:InternetCPID"`
	Flag              bool   `wbxml:"Email:Flag,empty"`
	ContentClass      string `wbxml:"Email:ContentClass"`
	NativeBodyType    int    `wbxml:"AirSyncBase:NativeBodyType"`
	ConversationId    []byte `wbxml:"Email2:ConversationId,opaque"`
	ConversationIndex []byte `wbxml:"Email2:ConversationIndex,opaque"`
	Categories        struct {
		Category []string `wbxml:"Email:Category"`
	} `wbxml:"Email:Categories"`
}

func BenchmarkUnmarshal(b *testing.B) {
	in := syncResponse()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var v benchSync
		if err := wbxml.Unmarshal(in, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	in := syncResponse()
	var v benchSync
	if err := wbxml.Unmarshal(in, &v); err != nil {
		b.Fatal(err)
	}
	out, err := wbxml.Marshal(&v)
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Equal(out, in) {
		b.Fatal("Marshal(Unmarshal(x)) differs from x")
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wbxml.Marshal(&v); err != nil {
			b.Fatal(err)
		}
	}
}
