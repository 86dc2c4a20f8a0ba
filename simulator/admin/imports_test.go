package admin

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: admin, its
// tests included, imports simulator/access and the standard library only,
// never the simulator, so that the simulator and any other transport can
// import it.
func TestImportsNoSimulator(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			allowed := path == "github.com/easlab/easlab/simulator/access" || path == "github.com/easlab/easlab/simulator/admin"
			if strings.Contains(first, ".") && !allowed {
				t.Errorf("%s imports %s; admin may import simulator/access and the standard library only", name, path)
			}
		}
	}
}
