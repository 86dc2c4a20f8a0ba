package oracle

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// RequireExternal skips a test whose outside input is missing, or fails it
// when EASLAB_REQUIRE_ORACLES=1 (as CI sets it), so CI cannot pass by skipping.
func RequireExternal(t testing.TB, missing, howTo string) {
	t.Helper()
	if os.Getenv("EASLAB_REQUIRE_ORACLES") == "1" {
		t.Fatalf("%s (EASLAB_REQUIRE_ORACLES=1): %s", missing, howTo)
	}
	t.Skipf("%s: %s", missing, howTo)
}

// RequireLibwbxml skips or fails when libwbxml's tools are not installed.
func RequireLibwbxml(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"wbxml2xml", "xml2wbxml"} {
		if _, err := exec.LookPath(tool); err != nil {
			RequireExternal(t, "libwbxml's "+tool+" is not installed", "install it with `apt-get install libwbxml2-utils`")
		}
	}
}

// run runs a libwbxml tool on input and returns its output file.
func run(t testing.TB, tool string, input []byte, args ...string) ([]byte, error) {
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

// Decode is `wbxml2xml -m 1 -i 2 -l ACTIVESYNC`.
func Decode(t testing.TB, b []byte) ([]byte, error) {
	return run(t, "wbxml2xml", b, "-m", "1", "-i", "2", "-l", "ACTIVESYNC")
}

// Encode is `xml2wbxml -a -n -v 1.3` of our XML, with our element
// names and namespaces translated to libwbxml's.
func Encode(t testing.TB, ourXML []byte) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(ourXML); err != nil {
		return nil, err
	}
	walkNS(doc.Root(), "", func(e *etree.Element, ns string) {
		if lib, ok := Names[ns+":"+e.Tag]; ok {
			e.Tag = lib
		}
		if a := e.SelectAttr("xmlns"); a != nil {
			if lib, ok := Namespaces[strings.TrimSuffix(a.Value, ":")]; ok {
				a.Value = lib + ":"
			}
		}
	})
	src, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	return run(t, "xml2wbxml", src, "-a", "-n", "-v", "1.3")
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

// Canonical renders an XML document as one line per element and text,
// with namespaces resolved, text trimmed and line ends unified, so that
// documents differing only in formatting, namespace form or (with
// fromLibwbxml) libwbxml's element names compare equal.
func Canonical(doc []byte, fromLibwbxml bool) (string, error) {
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
		for ours, lib := range Namespaces {
			reverseNS[lib] = ours
		}
		for ours, lib := range Names {
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

func MustCanonical(t testing.TB, doc []byte, fromLibwbxml bool) string {
	t.Helper()
	s, err := Canonical(doc, fromLibwbxml)
	if err != nil {
		t.Fatalf("canonical XML: %v\n%s", err, doc)
	}
	return s
}
