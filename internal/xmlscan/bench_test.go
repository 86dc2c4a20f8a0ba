package xmlscan

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkTokens tokenizes the largest CLIXML fuzz seed (a real message)
// with xmlscan (Token, and Next, which boxes nothing) and with
// encoding/xml's RawToken, in the same run.
func BenchmarkTokens(b *testing.B) {
	files, _ := filepath.Glob("../../powershell/clixml/testdata/fuzz/FuzzUnmarshal/*")
	var doc []byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// A seed file: "go test fuzz v1\n[]byte(\"...\")".
		lit := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(raw)), "go test fuzz v1\n[]byte("), ")")
		if s, err := strconv.Unquote(lit); err == nil && len(s) > len(doc) {
			doc = []byte(s)
		}
	}
	if len(doc) == 0 {
		b.Skip("no seeds")
	}
	b.Run("xmlscan", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			d := New(doc)
			for {
				if _, err := d.Token(); err != nil {
					break
				}
			}
		}
	})
	b.Run("xmlscan-next", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			d := New(doc)
			for {
				if _, err := d.Next(); err != nil {
					break
				}
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			d := xml.NewDecoder(bytes.NewReader(doc))
			for {
				if _, err := d.RawToken(); err == io.EOF || err != nil {
					break
				}
			}
		}
	})
}
