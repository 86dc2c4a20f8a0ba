package ecp

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImportsNoSimulator keeps the layering of ARCHITECTURE.md: ecp, its
// tests included, imports simulator/admin and the standard library only,
// never the simulator, which implements its Backend. Its handler tests
// are the simulator's (simulator/ecp_test.go), over a real server.
func TestImportsNoSimulator(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/simulator/admin", "github.com/easlab/easlab/internal/layering")
}
