package access

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsNothingOfOurs keeps the package a leaf (ARCHITECTURE.md,
// "Layers"): the standard library only, so the decision stays pure and
// simulator can never be imported back.
func TestImportsNothingOfOurs(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range append(p.Imports, p.TestImports...) {
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			t.Errorf("access imports %s; it may import the standard library only", imp)
		}
	}
}
