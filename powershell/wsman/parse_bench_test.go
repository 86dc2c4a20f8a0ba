package wsman

import (
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// BenchmarkParseRequest parses the recorded Command (an 18 KB
// CREATE_PIPELINE in its Arguments) and Receive envelopes of a real
// client's session, against encoding/xml reading them into the same
// struct in the same run.
func BenchmarkParseRequest(b *testing.B) {
	raw, err := os.ReadFile("../../../shared/vectors/psrp/test_psrp_multiple_commands.yml")
	if err != nil {
		b.Skip("the recorded sessions are missing")
	}
	var s struct {
		Messages []struct{ Request string } `yaml:"messages"`
	}
	if err := yaml.Unmarshal(raw, &s); err != nil {
		b.Fatal(err)
	}
	pick := func(action string) []byte {
		for _, m := range s.Messages {
			if strings.Contains(m.Request, "/shell/"+action+"<") {
				return []byte(m.Request)
			}
		}
		b.Fatalf("no %s in the session", action)
		return nil
	}
	for _, action := range []string{"Command", "Receive"} {
		env := pick(action)
		b.Run(action, func(b *testing.B) {
			b.SetBytes(int64(len(env)))
			for b.Loop() {
				if _, err := ParseRequest(env); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The baseline: encoding/xml into the same struct, what the
		// scanner is held to (TestScanMatchesUnmarshal).
		b.Run(action+"/encoding-xml", func(b *testing.B) {
			b.SetBytes(int64(len(env)))
			for b.Loop() {
				var raw rawEnvelope
				if err := xml.Unmarshal(env, &raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
