package access

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImportsNothingOfOurs keeps the package a leaf (ARCHITECTURE.md,
// "Layers"): the standard library only, so the decision stays pure and
// simulator can never be imported back.
func TestImportsNothingOfOurs(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/internal/layering")
}
