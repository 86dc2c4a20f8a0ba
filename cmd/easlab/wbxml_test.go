package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run executes easlab in-process with args and stdin, returning stdout and
// the error main would print.
func run(t *testing.T, stdin []byte, args ...string) ([]byte, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(args)
	if stdin != nil {
		f := filepath.Join(t.TempDir(), "stdin")
		if err := os.WriteFile(f, stdin, 0o644); err != nil {
			t.Fatal(err)
		}
		old := os.Stdin
		in, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		os.Stdin = in
		defer func() { os.Stdin = old; in.Close() }()
	}
	err := cmd.Execute()
	return out.Bytes(), err
}

const example = "../../wbxml/testdata/example-sync-response.wbxml"

func TestWBXMLDecodeEncode(t *testing.T) {
	orig, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	xml, err := run(t, nil, "wbxml", "decode", example)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(xml, []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE ActiveSync")) || !bytes.Contains(xml, []byte(`<Sync xmlns="AirSync:">`)) {
		t.Fatalf("decode output:\n%s", xml)
	}
	// Through stdin, back to the same bytes.
	wb, err := run(t, xml, "wbxml", "encode")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wb, orig) {
		t.Errorf("encode(decode(x)) differs from x")
	}
	fromStdin, err := run(t, orig, "wbxml", "decode", "-")
	if err != nil || !bytes.Equal(fromStdin, xml) {
		t.Errorf("decode from stdin: %v", err)
	}
}

func TestWBXMLErrors(t *testing.T) {
	bad := []byte{0x03, 0x01, 0x6A, 0x00, 0x45, 0x5C, 0x3F}
	_, err := run(t, bad, "wbxml", "decode")
	if err == nil || !strings.Contains(err.Error(), "offset 6") || strings.Contains(err.Error(), "\n") {
		t.Errorf("decode error: %v", err)
	}
	_, err = run(t, []byte("<Ping xmlns=\"Ping:\">\n<Pong/>\n</Ping>"), "wbxml", "encode")
	if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "\n") {
		t.Errorf("encode error: %v", err)
	}
	_, err = run(t, nil, "wbxml", "decode", "/nonexistent/file.wbxml")
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestBinaryExitStatus runs the real binary: one line on stderr, exit 1.
func TestBinaryExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "easlab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "wbxml", "decode")
	cmd.Stdin = bytes.NewReader([]byte{0x02, 0x01, 0x6A, 0x00})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "offset 0") {
		t.Errorf("stderr: %q", stderr.String())
	}
	help, err := exec.Command(bin, "wbxml", "decode", "--help").Output()
	if err != nil || !strings.Contains(string(help), "Examples:") {
		t.Errorf("--help: %v\n%s", err, help)
	}
}
