package wsman

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// recordedRequests are the request envelopes of the sessions recorded
// against real Windows servers.
func recordedRequests(tb testing.TB) [][]byte {
	tb.Helper()
	files, _ := filepath.Glob("../../../shared/vectors/psrp/*.yml")
	if len(files) == 0 {
		tb.Skip("the recorded sessions (../shared/vectors/psrp) are missing")
	}
	var out [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var s struct {
			Messages []struct{ Request string } `yaml:"messages"`
		}
		if err := yaml.Unmarshal(raw, &s); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for _, m := range s.Messages {
			out = append(out, []byte(m.Request))
		}
	}
	return out
}

// TestScanMatchesUnmarshal: the scanner reads every recorded request
// exactly as xml.Unmarshal reads it into the same struct.
func TestScanMatchesUnmarshal(t *testing.T) {
	reqs := recordedRequests(t)
	for i, env := range reqs {
		var want, got rawEnvelope
		if err := xml.Unmarshal(env, &want); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if err := scanEnvelope(env, &got); err != nil {
			t.Fatalf("request %d: scan: %v", i, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("request %d: scan read\n%+v\nUnmarshal read\n%+v", i, got, want)
		}
	}
	if len(reqs) < 100 {
		t.Fatalf("only %d recorded requests compared", len(reqs))
	}
}

// FuzzScanMatchesUnmarshal: on any input both accept, the scanner reads
// what xml.Unmarshal reads; it never panics.
func FuzzScanMatchesUnmarshal(f *testing.F) {
	for _, env := range recordedRequests(f) {
		f.Add(env)
	}
	f.Fuzz(func(t *testing.T, env []byte) {
		var want, got rawEnvelope
		uerr := xml.Unmarshal(env, &want)
		serr := scanEnvelope(env, &got)
		if uerr == nil && serr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("scan read\n%+v\nUnmarshal read\n%+v", got, want)
		}
	})
}
