package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// reference tokenizes with encoding/xml: whether Token (which checks the
// document) accepts it, and RawToken's tokens (names as written).
func reference(data []byte) ([]xml.Token, bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
	}
	d = xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var out []xml.Token
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			return out, true
		}
		if err != nil {
			return nil, false
		}
		out = append(out, xml.CopyToken(t))
	}
}

func ours(data []byte) ([]xml.Token, error) {
	d := New(data)
	var out []xml.Token
	for {
		t, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, xml.CopyToken(t))
	}
}

// normalize makes empty attribute lists and data comparable.
func normalize(ts []xml.Token) []xml.Token {
	for i, t := range ts {
		switch x := t.(type) {
		case xml.StartElement:
			if len(x.Attr) == 0 {
				x.Attr = nil
			}
			ts[i] = x
		case xml.CharData:
			if len(x) == 0 {
				ts[i] = xml.CharData(nil)
			}
		case xml.ProcInst:
			if len(x.Inst) == 0 {
				x.Inst = nil
			}
			ts[i] = x
		case xml.Comment:
			if len(x) == 0 {
				ts[i] = xml.Comment(nil)
			}
		}
	}
	// Adjacent character data is one run in either tokenizer's view.
	var out []xml.Token
	for _, t := range ts {
		if c, ok := t.(xml.CharData); ok && len(out) > 0 {
			if p, ok := out[len(out)-1].(xml.CharData); ok {
				out[len(out)-1] = append(append(xml.CharData(nil), p...), c...)
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

func check(t *testing.T, data []byte) {
	want, ok := reference(data)
	got, err := ours(data)
	if !ok {
		return // encoding/xml refuses it; ours may refuse it with another reason
	}
	for _, tok := range want {
		if _, ok := tok.(xml.Directive); ok {
			// Every reader of xmlscan refuses a declaration; where one ends
			// (encoding/xml's quoting rules) does not matter.
			return
		}
	}
	if err != nil {
		t.Fatalf("encoding/xml reads %q, xmlscan refuses it: %v", data, err)
	}
	if g, w := normalize(got), normalize(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("%q:\nxmlscan  %#v\nencoding %#v", data, g, w)
	}
}

func corpus(tb testing.TB) [][]byte {
	out := [][]byte{
		[]byte(`<?xml version="1.0" encoding="utf-8"?><a x="1" y='&lt;&#65;&#x42;'><b/>t&amp;u<![CDATA[<c>]]><!--k--></a>`),
		[]byte("<a>\r\nline\rnext</a>"),
		[]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`),
		[]byte(`<!DOCTYPE x [<!ENTITY e "v">]><x>&e;</x>`),
		[]byte(`<a></b>`), []byte(`<a>`), []byte(`</a>`), []byte(`<a x=1/>`), []byte("<a>\x01</a>"),
	}
	files, _ := filepath.Glob("../../powershell/clixml/testdata/fuzz/FuzzUnmarshal/*")
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// TestMatchesEncodingXML holds the tokenizer to encoding/xml on a corpus of
// hand-made documents and the CLIXML fuzz seeds (real messages).
func TestMatchesEncodingXML(t *testing.T) {
	for _, c := range corpus(t) {
		check(t, c)
	}
}

func TestErrors(t *testing.T) {
	for _, bad := range []string{`<a></b>`, `<a>`, `</a>`, `<a x=1/>`, "<a>\x01</a>", `<a>&nope;</a>`, `<a x="<"/>`, `<a><!-- x -- y --></a>`, "<a>\xff</a>"} {
		if _, err := ours([]byte(bad)); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v, want a syntax error", bad, err)
		}
	}
}

// FuzzTokensMatchEncodingXML: on every document encoding/xml accepts,
// xmlscan accepts it too and returns the same tokens.
func FuzzTokensMatchEncodingXML(f *testing.F) {
	for _, c := range corpus(f) {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, data []byte) { check(t, data) })
}

// TestInternTables: every known name and value is found in its table,
// so none is allocated anew on each document.
func TestInternTables(t *testing.T) {
	for _, c := range []struct {
		m map[string]string
		t *internTable
	}{{known, nameTable}, {values, valueTable}} {
		for s := range c.m {
			if got, ok := c.t.lookup([]byte(s)); !ok || got != s {
				t.Errorf("%q is not interned", s)
			}
		}
	}
	if _, ok := valueTable.lookup([]byte("NotAKnownValue")); ok {
		t.Error("an unknown value was found")
	}
}
