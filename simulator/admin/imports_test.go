package admin

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: admin, its
// tests included, imports simulator/access and the standard library only,
// never the simulator, so that the simulator and any other transport can
// import it.
func TestImportsNoSimulator(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/simulator/access", "github.com/easlab/easlab/internal/layering")
}
