package notice

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: notice
// imports access, eas, internal/htmltext, go-message and the standard
// library, never the simulator, so that the simulator can import it.
func TestImportsNoSimulator(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{
		"github.com/easlab/easlab/simulator/access",
		"github.com/easlab/easlab/eas",
		"github.com/easlab/easlab/internal/htmltext",
		"github.com/emersion/go-message",
	}
	for _, imp := range append(p.Imports, p.TestImports...) {
		if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			continue // the standard library
		}
		ok := false
		for _, a := range allowed {
			if imp == a || strings.HasPrefix(imp, a+"/") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("notice imports %s; it may import access, eas, internal/htmltext, go-message and the standard library only", imp)
		}
	}
}
