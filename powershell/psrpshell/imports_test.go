package psrpshell

import (
	"testing"

	"github.com/easlab/easlab/internal/layering"
)

// TestImports keeps the layering of ARCHITECTURE.md: psrpshell joins psrp
// and wsman and knows nothing of Exchange.
func TestImports(t *testing.T) {
	layering.Check(t, "github.com/easlab/easlab/powershell/psrp", "github.com/easlab/easlab/powershell/wsman",
		"github.com/easlab/easlab/powershell/clixml", "github.com/google/uuid", "github.com/easlab/easlab/internal")
}
