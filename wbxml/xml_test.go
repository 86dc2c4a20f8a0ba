package wbxml

import (
	"bytes"
	"errors"
	"github.com/easlab/easlab/internal/oracle"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

const pingXML = XMLHeader + `<Ping xmlns="Ping:">
  <HeartbeatInterval>480</HeartbeatInterval>
  <Folders>
    <Folder>
      <Id>5</Id>
      <Class>Email</Class>
    </Folder>
  </Folders>
</Ping>
`

func TestWriteXMLForm(t *testing.T) {
	// ComposeMail SendMail with escaped text, an empty element, opaque data
	// on a binary tag, a page switch to Email2 and back.
	in := hexBytes(t, `03 01 6A 00 00 15 45 51 03 "c<1>'&" 22 00 01 08 50 C3 03 00 FF 41 01
		00 16 49 C3 01 7F 01 00 15 4D 03 "1" 00 01 01`)
	got, err := decodeXML(in, false)
	if err != nil {
		t.Fatal(err)
	}
	want := XMLHeader + `<SendMail xmlns="ComposeMail:">
  <ClientId>c&lt;1&gt;&apos;&amp;&quot;</ClientId>
  <SaveInSentItems/>
  <Mime>AP9B</Mime>
  <ConversationId xmlns="Email2:">fw==</ConversationId>
  <ItemId>1</ItemId>
</SendMail>
`
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	back, err := encodeXML(got)
	if err != nil || !bytes.Equal(back, in) {
		t.Errorf("round trip: %v\n% X", err, back)
	}
}

func TestEncodeXMLForms(t *testing.T) {
	want, err := encodeXML([]byte(pingXML))
	if err != nil {
		t.Fatal(err)
	}
	if w := hexBytes(t, `03 01 6A 00 00 0D 45 48 03 "480" 00 01 49 4A 4B 03 "5" 00 01 4C 03 "Email" 00 01 01 01 01`); !bytes.Equal(want, w) {
		t.Fatalf("libwbxml form: % X", want)
	}
	forms := map[string]string{
		"prefixed": `<?xml version="1.0"?><p:Ping xmlns:p="Ping:"><p:HeartbeatInterval>480</p:HeartbeatInterval>` +
			`<p:Folders><p:Folder><p:Id>5</p:Id><p:Class>Email</p:Class></p:Folder></p:Folders></p:Ping>`,
		"no DOCTYPE, colon-less namespace": `<Ping xmlns="Ping"><HeartbeatInterval>480</HeartbeatInterval><Folders><Folder><Id>5</Id><Class>Email</Class></Folder></Folders></Ping>`,
		"CDATA and comments":               `<Ping xmlns="Ping:"><!-- hi --><HeartbeatInterval><![CDATA[480]]></HeartbeatInterval><Folders><Folder><Id>5</Id><Class>Email</Class></Folder></Folders></Ping>`,
	}
	for name, src := range forms {
		got, err := encodeXML([]byte(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: % X, want % X", name, got, want)
		}
	}
}

func TestEncodeXMLMixedPrefixes(t *testing.T) {
	src := `<Sync xmlns="AirSync:" xmlns:email="Email:" xmlns:b="AirSyncBase:"><Collections><Collection>` +
		`<SyncKey>1</SyncKey><Commands><Add><ServerId>5:1</ServerId><ApplicationData>` +
		`<email:Subject>Grüße</email:Subject><b:Body><b:Type>1</b:Type></b:Body><email:Read>0</email:Read>` +
		`</ApplicationData></Add></Commands></Collection></Collections></Sync>`
	b, err := encodeXML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	x, err := decodeXML(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := oracle.MustCanonical(t, x, false), oracle.MustCanonical(t, []byte(src), false); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(string(x), `<Subject xmlns="Email:">Grüße</Subject>`) || !strings.Contains(string(x), `<Read xmlns="Email:">0</Read>`) {
		t.Errorf("namespaces not written libwbxml's way:\n%s", x)
	}
}

func TestEncodeXMLKeepsText(t *testing.T) {
	// Unlike libwbxml, which trims text, the text of a leaf is kept as is.
	src := `<Sync xmlns="AirSync:"><SyncKey>  a b  </SyncKey></Sync>`
	b, err := encodeXML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if want := hexBytes(t, `03 01 6A 00 45 4B 03 "  a b  " 00 01 01`); !bytes.Equal(b, want) {
		t.Errorf("% X", b)
	}
}

func TestEncodeXMLErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"not XML", "<Ping xmlns=\"Ping:\">\n<Folders>\n</Ping>", 3, "element <Folders> closed by </Ping>"},
		{"no namespace", "<Ping>\n</Ping>", 1, "has no namespace"},
		{"unknown namespace", "<Ping xmlns=\"Pong:\"/>", 1, `unknown namespace "Pong:"`},
		{"unknown element", "<Ping xmlns=\"Ping:\">\n\n<Pong/></Ping>", 3, "unknown element <Pong> in namespace Ping"},
		{"legacy element", "<Notify xmlns=\"AirNotify:\"/>", 1, "legacy tag"},
		{"bad base64", "<SendMail xmlns=\"ComposeMail:\">\n<Mime>not base64!</Mime></SendMail>", 2, "must hold base64"},
		{"text outside root", "<Ping xmlns=\"Ping:\"/>junk", 1, "text outside the root element"},
		{"two roots", "<Ping xmlns=\"Ping:\"/>\n<Ping xmlns=\"Ping:\"/>", 2, "second root element"},
		{"empty", "", 1, "no root element"},
		{"NUL in text", "<Ping xmlns=\"Ping:\"><Id>a&#0;b</Id></Ping>", 1, ""},
	}
	for _, tc := range tests {
		_, err := encodeXML([]byte(tc.src))
		var xe *XMLError
		if !errors.As(err, &xe) {
			t.Errorf("%s: error %v (%T), want *XMLError", tc.name, err, err)
			continue
		}
		if xe.Line != tc.line || !strings.Contains(xe.Msg, tc.msg) {
			t.Errorf("%s: got line %d %q, want line %d containing %q", tc.name, xe.Line, xe.Msg, tc.line, tc.msg)
		}
	}
}

func TestToXMLFromXML(t *testing.T) {
	in := hexBytes(t, specExample)
	doc, err := ToXML(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.FindElement("//FileAs"); got == nil || got.Text() != "Funk, Don" || got.SelectAttrValue("xmlns", "") != "Contacts:" {
		t.Fatalf("FileAs element: %v", got)
	}
	out, err := FromXML(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, in) {
		t.Errorf("FromXML(ToXML(x)) = % X", out)
	}
	// etree writes the document as WriteXML streams it.
	doc.Indent(2)
	s, _ := doc.WriteToString()
	streamed, _ := decodeXML(in, false)
	if s != string(streamed) {
		t.Errorf("etree output differs from WriteXML:\n%s\n---\n%s", s, streamed)
	}
	// A document built with etree in the prefixed form.
	built := etree.NewDocument()
	ping := built.CreateElement("p:Ping")
	ping.CreateAttr("xmlns:p", "Ping:")
	ping.CreateElement("p:HeartbeatInterval").SetText("480")
	b, err := FromXML(built)
	if err != nil {
		t.Fatal(err)
	}
	if want := hexBytes(t, `03 01 6A 00 00 0D 45 48 03 "480" 00 01 01`); !bytes.Equal(b, want) {
		t.Errorf("built doc: % X", b)
	}
}
