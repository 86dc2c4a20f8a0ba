package simulator_test

import (
	"testing"

	"github.com/easlab/easlab/simulator"
)

// TestNewNeedsDirectory: the simulator has no organization of its own;
// simulator/demo builds the demo one.
func TestNewNeedsDirectory(t *testing.T) {
	if _, err := simulator.New(simulator.Options{}); err == nil {
		t.Fatal("New accepted Options without a Directory")
	}
}
