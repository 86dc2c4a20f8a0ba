package clixml

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"
)

// vectorDir is ../shared/vectors/psrp relative to the repository root.
var vectorDir = filepath.Join("..", "..", "..", "shared", "vectors", "psrp")

var payloadRE = regexp.MustCompile(`<(?:rsp:)?(?:creationXml|Arguments|Stream)\b[^>]*>([A-Za-z0-9+/=\s]+)</`)

// psrpMessage is one reassembled PSRP message's CLIXML and where it came from.
type psrpMessage struct {
	file    string
	msgType uint32
	clixml  []byte
}

// vectorMessages reassembles the PSRP messages of every recorded session:
// base64 payloads hold fragments (object id, fragment id, flags, length,
// bytes); a whole message is destination, type, two GUIDs, an optional
// BOM and the CLIXML.
func vectorMessages(t testing.TB) []psrpMessage {
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(vectorDir); os.IsNotExist(err) {
		t.Skipf("%s is absent: no recorded PSRP vectors to decode", vectorDir)
	}
	var out []psrpMessage
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Messages []map[string]any `yaml:"messages"`
		}
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, dir := range []string{"request", "response"} {
			pending := map[uint64][]byte{}
			for _, m := range doc.Messages {
				for _, sm := range payloadRE.FindAllStringSubmatch(allStrings(m[dir]), -1) {
					blob, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields([]byte(sm[1])), nil)))
					if err != nil {
						t.Fatalf("%s: base64: %v", f, err)
					}
					for len(blob) > 0 {
						if len(blob) < 21 {
							t.Fatalf("%s: short fragment header", f)
						}
						oid := binary.BigEndian.Uint64(blob[0:8])
						flags := blob[16]
						n := binary.BigEndian.Uint32(blob[17:21])
						if uint64(len(blob)-21) < uint64(n) {
							t.Fatalf("%s: fragment longer than its blob", f)
						}
						data := blob[21 : 21+n]
						blob = blob[21+n:]
						if flags&1 != 0 {
							pending[oid] = nil
						}
						pending[oid] = append(pending[oid], data...)
						if flags&2 != 0 {
							msg := pending[oid]
							delete(pending, oid)
							if len(msg) < 40 {
								t.Fatalf("%s: short message", f)
							}
							out = append(out, psrpMessage{
								file:    filepath.Base(f),
								msgType: binary.LittleEndian.Uint32(msg[4:8]),
								clixml:  bytes.TrimPrefix(msg[40:], []byte("\xef\xbb\xbf")),
							})
						}
					}
				}
			}
		}
	}
	return out
}

func TestVectors(t *testing.T) {
	msgs := vectorMessages(t)
	n, empty := 0, 0
	for _, m := range msgs {
		if len(bytes.TrimSpace(m.clixml)) == 0 {
			empty++ // e.g. a PIPELINE_INPUT end marker with no data
			continue
		}
		v, err := Unmarshal(m.clixml)
		if err != nil {
			t.Errorf("%s: message type %#x: %v\n%s", m.file, m.msgType, err, m.clixml)
			continue
		}
		again, err := Marshal(v)
		if err != nil {
			t.Errorf("%s: message type %#x: Marshal: %v", m.file, m.msgType, err)
			continue
		}
		v2, err := Unmarshal(again)
		if err != nil {
			t.Errorf("%s: message type %#x: Unmarshal(Marshal): %v\n%s", m.file, m.msgType, err, again)
			continue
		}
		if !equal(v, v2) {
			t.Errorf("%s: message type %#x: re-marshalled tree differs\n%s\n%s", m.file, m.msgType, m.clixml, again)
			continue
		}
		n++
	}
	t.Logf("%d PSRP messages decoded and round-tripped (%d without CLIXML)", n, empty)
	if n == 0 {
		t.Fatal("no PSRP messages found in the vectors")
	}
}

// TestVectorFacts checks a few decoded values against what the recording
// shows, so that decoding cannot pass by yielding empty trees.
func TestVectorFacts(t *testing.T) {
	msgs := vectorMessages(t)
	var sawCaps, sawUnicode bool
	for _, m := range msgs {
		v, err := Unmarshal(m.clixml)
		if err != nil {
			continue
		}
		o, ok := v.(*Object)
		if !ok {
			continue
		}
		if m.msgType == 0x00010002 { // SESSION_CAPABILITY
			if pv, _ := o.Get("protocolversion"); pv != nil {
				if _, ok := pv.(Version); !ok {
					t.Errorf("protocolversion is %T", pv)
				}
				sawCaps = true
			}
		}
		walk(o, map[*Object]bool{}, func(s string) {
			if s == "こんにちは - actual_x000A_string\nnewline: \U00010437" {
				sawUnicode = true
			}
		})
	}
	if !sawCaps {
		t.Error("no SESSION_CAPABILITY with a protocolversion")
	}
	if !sawUnicode {
		t.Error("the recorded unicode string (escaped _x005F_x000A_, CR/LF, surrogates) did not decode as PowerShell sent it")
	}
}

func walk(v any, seen map[*Object]bool, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case *Object:
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		walk(x.Value, seen, f)
		for _, i := range x.List {
			walk(i, seen, f)
		}
		for _, e := range x.Dict {
			walk(e.Key, seen, f)
			walk(e.Value, seen, f)
		}
		for _, p := range x.Props {
			walk(p.Value, seen, f)
		}
		for _, p := range x.Members {
			walk(p.Value, seen, f)
		}
	}
}

// allStrings joins the strings anywhere in a YAML value (a recorded
// response is sometimes a map rather than a string).
func allStrings(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		var s string
		for _, e := range x {
			s += allStrings(e) + "\n"
		}
		return s
	case []any:
		var s string
		for _, e := range x {
			s += allStrings(e) + "\n"
		}
		return s
	}
	return ""
}
