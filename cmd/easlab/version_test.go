package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersion prints the module version, the commit and whether the
// checkout was modified, from the build info.
func TestVersion(t *testing.T) {
	var b bytes.Buffer
	info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/easlab/easlab", Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "7111249abc"}, {Key: "vcs.time", Value: "2026-12-05T04:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if err := writeVersion(&b, info); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"easlab v0.3.0\n", "commit 7111249abc (with uncommitted changes), 2026-12-05T04:00:00Z\n", "go1."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("version output lacks %q:\n%s", want, b.String())
		}
	}
	out, err := run(t, nil, "version")
	if err != nil || !strings.HasPrefix(string(out), "easlab ") {
		t.Errorf("easlab version: %v\n%s", err, out)
	}
}
