package clixml

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImports keeps the layering of ARCHITECTURE.md: clixml imports the
// XML tokenizer and the standard library (its tests, the recorded
// sessions' YAML and go-psrpcore as an oracle).
func TestImports(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/internal/xmlscan", "github.com/easlab/easlab/internal/layering",
		"gopkg.in/yaml.v3", "github.com/smnsjas/go-psrpcore", "github.com/google/uuid", "github.com/easlab/easlab/internal/oracle")
}
