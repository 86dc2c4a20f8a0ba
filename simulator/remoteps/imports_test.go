package remoteps

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: remoteps
// imports powershell/..., simulator/admin, google/uuid and the standard
// library, never the simulator, which imports it.
func TestImportsNoSimulator(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/powershell", "github.com/easlab/easlab/simulator/admin",
		"github.com/google/uuid", "github.com/easlab/easlab/internal/layering")
}
