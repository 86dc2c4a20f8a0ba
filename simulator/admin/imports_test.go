package admin

import (
	"go/build"
	"slices"
	"strings"
	"testing"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: admin
// imports simulator/access and the standard library only, never the
// simulator, so that the simulator and any other transport can import it.
func TestImportsNoSimulator(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	ours := []string{"github.com/easlab/easlab/simulator/access", "github.com/easlab/easlab/simulator/admin"}
	for _, imp := range slices.Concat(p.Imports, p.TestImports, p.XTestImports) {
		if std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], "."); !std && !slices.Contains(ours, imp) {
			t.Errorf("admin imports %s; it may import simulator/access and the standard library only", imp)
		}
	}
}
