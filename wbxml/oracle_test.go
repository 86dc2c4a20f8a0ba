package wbxml

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// Helpers for tests that check the codec against independent sources: the
// captured streams in ../shared/vectors and libwbxml's command-line tools
// (Debian libwbxml2-utils), a C implementation by other authors.

// requireExternal skips a test whose outside input is missing, or fails it
// when EASLAB_REQUIRE_ORACLES=1 (as CI sets it), so CI cannot pass by skipping.
func requireExternal(t testing.TB, missing, howTo string) {
	t.Helper()
	if os.Getenv("EASLAB_REQUIRE_ORACLES") == "1" {
		t.Fatalf("%s (EASLAB_REQUIRE_ORACLES=1): %s", missing, howTo)
	}
	t.Skipf("%s: %s", missing, howTo)
}

// requireLibwbxml skips or fails when libwbxml's tools are not installed.
func requireLibwbxml(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"wbxml2xml", "xml2wbxml"} {
		if _, err := exec.LookPath(tool); err != nil {
			requireExternal(t, "libwbxml's "+tool+" is not installed", "install it with `apt-get install libwbxml2-utils`")
		}
	}
}

// vectorsDir returns ../shared/vectors, beside the repository.
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "vectors")
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		requireExternal(t, "../shared/vectors is not beside the repository", "check out the shared folder next to it")
	}
	return dir
}

// runLibwbxml runs a libwbxml tool on input and returns its output file.
func runLibwbxml(t testing.TB, tool string, input []byte, args ...string) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if err := os.WriteFile(in, input, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, append(args, "-o", out, in)...)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", tool, err, msg)
	}
	return os.ReadFile(out)
}

// libwbxmlDecode is `wbxml2xml -m 1 -i 2 -l ACTIVESYNC`.
func libwbxmlDecode(t testing.TB, b []byte) ([]byte, error) {
	return runLibwbxml(t, "wbxml2xml", b, "-m", "1", "-i", "2", "-l", "ACTIVESYNC")
}

// libwbxmlEncode is `xml2wbxml -a -n -v 1.3` of our XML, with our element
// names and namespaces translated to libwbxml's.
func libwbxmlEncode(t testing.TB, ourXML []byte) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(ourXML); err != nil {
		return nil, err
	}
	walkNS(doc.Root(), "", func(e *etree.Element, ns string) {
		if lib, ok := libwbxmlNames[ns+":"+e.Tag]; ok {
			e.Tag = lib
		}
		if a := e.SelectAttr("xmlns"); a != nil {
			if lib, ok := libwbxmlNamespaces[strings.TrimSuffix(a.Value, ":")]; ok {
				a.Value = lib + ":"
			}
		}
	})
	src, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	return runLibwbxml(t, "xml2wbxml", src, "-a", "-n", "-v", "1.3")
}

// walkNS visits e and its descendants with each element's namespace
// (the nearest xmlns="NS:" or the prefix's declaration), colon trimmed.
func walkNS(e *etree.Element, inherited string, visit func(e *etree.Element, ns string)) {
	ns := inherited
	if e.Space != "" {
		ns = e.NamespaceURI()
	} else if a := e.SelectAttr("xmlns"); a != nil {
		ns = a.Value
	}
	ns = strings.TrimSuffix(ns, ":")
	visit(e, ns)
	for _, c := range e.ChildElements() {
		walkNS(c, ns, visit)
	}
}

// canonicalXML renders an XML document as one line per element and text,
// with namespaces resolved, text trimmed and line ends unified, so that
// documents differing only in formatting, namespace form or (with
// fromLibwbxml) libwbxml's element names compare equal.
func canonicalXML(doc []byte, fromLibwbxml bool) (string, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil {
		return "", err
	}
	if d.Root() == nil {
		return "", fmt.Errorf("no root element")
	}
	reverseNS := map[string]string{}
	reverseNames := map[string]string{}
	if fromLibwbxml {
		for ours, lib := range libwbxmlNamespaces {
			reverseNS[lib] = ours
		}
		for ours, lib := range libwbxmlNames {
			ns, _, _ := strings.Cut(ours, ":")
			reverseNames[ns+":"+lib] = ours
		}
	}
	var b strings.Builder
	var walk func(e *etree.Element, inherited string, depth int)
	walk = func(e *etree.Element, inherited string, depth int) {
		ns := inherited
		if e.Space != "" {
			ns = e.NamespaceURI()
		} else if a := e.SelectAttr("xmlns"); a != nil {
			ns = a.Value
		}
		ns = strings.TrimSuffix(ns, ":")
		if ours, ok := reverseNS[ns]; ok {
			ns = ours
		}
		name := ns + ":" + e.Tag
		if ours, ok := reverseNames[name]; ok {
			name = ours
		}
		fmt.Fprintf(&b, "%s<%s>", strings.Repeat(" ", depth), name)
		if text := strings.TrimSpace(strings.ReplaceAll(e.Text(), "\r\n", "\n")); text != "" {
			fmt.Fprintf(&b, " %q", text)
		}
		b.WriteByte('\n')
		for _, c := range e.ChildElements() {
			walk(c, ns, depth+1)
		}
	}
	walk(d.Root(), "", 0)
	return b.String(), nil
}

func mustCanonical(t testing.TB, doc []byte, fromLibwbxml bool) string {
	t.Helper()
	s, err := canonicalXML(doc, fromLibwbxml)
	if err != nil {
		t.Fatalf("canonical XML: %v\n%s", err, doc)
	}
	return s
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
