package wsman

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImports keeps the layering of ARCHITECTURE.md: wsman knows nothing
// of PSRP or Exchange.
func TestImports(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/internal/xmlscan", "github.com/google/uuid",
		"github.com/easlab/easlab/internal/layering", "gopkg.in/yaml.v3")
}
