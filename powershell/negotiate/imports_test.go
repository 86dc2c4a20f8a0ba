package negotiate

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImports keeps the layering of ARCHITECTURE.md: negotiate is a leaf
// (with golang.org/x/crypto for MD4).
func TestImports(t *testing.T) {
	layering.Check(t, "golang.org/x/crypto", "github.com/easlab/easlab/internal/layering", "github.com/easlab/easlab/internal/oracle")
}
