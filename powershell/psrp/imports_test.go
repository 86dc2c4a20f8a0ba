package psrp

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImports keeps the layering of ARCHITECTURE.md: psrp imports clixml
// and the XML tokenizer (CREATE_PIPELINE's fast path), its tests also
// wsman, to replay recorded sessions; never Exchange.
func TestImports(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/powershell/clixml", "github.com/easlab/easlab/internal/xmlscan", "github.com/google/uuid",
		"github.com/easlab/easlab/internal/layering", "github.com/easlab/easlab/powershell/wsman", "github.com/easlab/easlab/powershell/psrpshell",
		"gopkg.in/yaml.v3", "github.com/easlab/easlab/internal/oracle")
}
