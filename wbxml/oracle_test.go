package wbxml

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/easlab/easlab/internal/oracle"
)

// vectorsDir returns ../shared/vectors, beside the repository.
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "vectors")
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		oracle.RequireExternal(t, "../shared/vectors is not beside the repository", "check out the shared folder next to it")
	}
	return dir
}

// decodeXML is WriteXML over a byte slice.
func decodeXML(b []byte, lenient bool) ([]byte, error) {
	d := NewBytesDecoder(b)
	d.Lenient = lenient
	var out bytes.Buffer
	err := WriteXML(&out, d)
	return out.Bytes(), err
}

// encodeXML is EncodeXML over a byte slice.
func encodeXML(x []byte) ([]byte, error) {
	var out bytes.Buffer
	err := EncodeXML(&out, bytes.NewReader(x))
	return out.Bytes(), err
}
