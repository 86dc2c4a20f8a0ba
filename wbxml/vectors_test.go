package wbxml

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"github.com/easlab/easlab/internal/oracle"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifestRow is one line of ../shared/vectors/MANIFEST.tsv.
type manifestRow struct {
	file, root, pages, kind, description string
}

func readManifest(t testing.TB) (string, []manifestRow) {
	t.Helper()
	dir := vectorsDir(t)
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 0 || len(cols) < 9 {
			continue
		}
		rows = append(rows, manifestRow{file: cols[0], root: cols[2], pages: cols[3], kind: cols[4], description: cols[8]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return dir, rows
}

// TestVectors checks every stream captured from Exchange and from other EAS
// implementations: it decodes, its tokens re-encode to the same bytes, it
// decodes to the document libwbxml printed for it (names mapped), and that
// XML encodes back to the same bytes.
func TestVectors(t *testing.T) {
	dir, rows := readManifest(t)
	streams := 0
	for _, row := range rows {
		if row.root != "(multipart)" {
			streams++
		}
	}
	if streams != 22 {
		t.Fatalf("MANIFEST.tsv lists %d WBXML streams, want 22", streams)
	}
	for _, row := range rows {
		t.Run(row.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, row.file))
			if err != nil {
				t.Fatal(err)
			}
			if row.root == "(multipart)" {
				checkMultipart(t, dir, row, in)
				return
			}
			toks, err := tokens(NewBytesDecoder(in))
			if err != nil {
				t.Fatalf("decode (%s): %v", row.description, err)
			}
			if toks[0].Tag.Name != row.root {
				t.Errorf("root %s, manifest says %s", toks[0].Tag.Name, row.root)
			}
			if out := reencode(t, toks, false); !bytes.Equal(out, in) {
				t.Errorf("token round trip differs:\n got % X\nwant % X", out, in)
			}
			ours, err := decodeXML(in, false)
			if err != nil {
				t.Fatal(err)
			}
			libXML, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(row.file, ".wbxml")+".libwbxml.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := oracle.MustCanonical(t, ours, false), oracle.MustCanonical(t, libXML, true); got != want {
				t.Errorf("our XML and libwbxml's differ:\n--- ours\n%s--- libwbxml\n%s", got, want)
			}
			back, err := encodeXML(ours)
			if err != nil {
				t.Fatalf("encode our XML: %v", err)
			}
			if !bytes.Equal(back, in) {
				t.Errorf("XML round trip differs:\n got % X\nwant % X", back, in)
			}
			// libwbxml's own XML, with its names, encodes to the same bytes too.
			fromLib, err := encodeXML(libXML)
			if err != nil {
				t.Fatalf("encode libwbxml's XML: %v", err)
			}
			if !bytes.Equal(fromLib, in) {
				t.Errorf("libwbxml's XML encodes differently:\n got % X\nwant % X", fromLib, in)
			}
			// The tree re-encodes byte for byte as well.
			tree, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := tree.MarshalBinary(); err != nil || !bytes.Equal(out, in) {
				t.Errorf("tree round trip: %v\n got % X\nwant % X", err, out, in)
			}
		})
	}
}

// checkMultipart reads an application/vnd.ms-sync.multipart body (MS-ASCMD
// 2.2.2.9.1.1: a little-endian part count, then offset/length pairs, then the
// parts) and checks that part 0 is the WBXML stream stored beside it.
func checkMultipart(t *testing.T, dir string, row manifestRow, body []byte) {
	if len(body) < 4 {
		t.Fatal("multipart body too short")
	}
	count := int(binary.LittleEndian.Uint32(body))
	if count != 2 || len(body) < 4+8*count {
		t.Fatalf("part count %d", count)
	}
	var parts [][]byte
	for i := 0; i < count; i++ {
		off := int(binary.LittleEndian.Uint32(body[4+8*i:]))
		n := int(binary.LittleEndian.Uint32(body[8+8*i:]))
		if off+n > len(body) {
			t.Fatalf("part %d (%d+%d) past the end", i, off, n)
		}
		parts = append(parts, body[off:off+n])
	}
	part0, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(row.file, ".multipart")+".part0.wbxml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(parts[0], part0) {
		t.Error("part 0 differs from the .part0.wbxml stream")
	}
	if _, err := Parse(parts[0]); err != nil {
		t.Errorf("part 0: %v", err)
	}
	if string(parts[1]) != "This is the body.\r\n" {
		t.Errorf("part 1 = %q", parts[1])
	}
}
