package remoteps

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: remoteps
// imports powershell/..., simulator/admin, google/uuid and the standard
// library, never the simulator, which imports it.
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
			allowed := strings.HasPrefix(path, "github.com/easlab/easlab/powershell/") || path == "github.com/easlab/easlab/simulator/admin" || path == "github.com/google/uuid"
			if strings.Contains(first, ".") && !allowed {
				t.Errorf("%s imports %s; remoteps may import powershell/..., simulator/admin and the standard library only", name, path)
			}
		}
	}
}
