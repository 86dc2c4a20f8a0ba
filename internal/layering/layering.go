// Package layering checks, in a package's own tests, that it imports only
// what ARCHITECTURE.md's layer rules allow it: the standard library and
// the module paths given (a path allows the packages under it too).
package layering

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// module is this module's path.
const module = "github.com/easlab/easlab"

// Check fails t for each import of the package in the current directory,
// its tests included, that is neither the standard library nor under one
// of allowed.
func Check(t testing.TB, allowed ...string) {
	t.Helper()
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	self := filepath.ToSlash(dir)
	for _, imp := range append(append(p.Imports, p.TestImports...), p.XTestImports...) {
		if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			continue // the standard library
		}
		if rel := strings.TrimPrefix(imp, module); rel != imp && strings.HasSuffix(self, rel) {
			continue // the package itself, imported by its external tests
		}
		ok := false
		for _, a := range allowed {
			if imp == a || strings.HasPrefix(imp, a+"/") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("package %s imports %s; ARCHITECTURE.md allows it only the standard library and %s", p.Name, imp, strings.Join(allowed, ", "))
		}
	}
}
