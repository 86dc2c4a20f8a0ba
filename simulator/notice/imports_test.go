package notice

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: notice
// imports access, eas, internal/htmltext, go-message and the standard
// library, never the simulator, so that the simulator can import it.
func TestImportsNoSimulator(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/simulator/access", "github.com/easlab/easlab/eas",
		"github.com/easlab/easlab/internal/htmltext", "github.com/emersion/go-message", "github.com/easlab/easlab/internal/layering")
}
