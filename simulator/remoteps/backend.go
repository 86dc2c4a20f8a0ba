package remoteps

import (
	"context"
	"encoding/json"

	"github.com/easlab/easlab/simulator/admin"
)

// Backend is what the endpoint needs of the simulator: its accounts and
// its cmdlets, run as /api/cmdlet runs them (faults included).
type Backend interface {
	// Account finds an authenticated user's account.
	Account(user string) (Account, bool)
	// Cmdlets lists the cmdlets the organization's roles can grant.
	Cmdlets() []Cmdlet
	// Run binds params (a JSON object) and runs the cmdlet called name.
	// Errors are *admin.Error.
	Run(ctx context.Context, name string, params json.RawMessage) (admin.Output, error)
}

// Account is a user as RBAC sees them.
type Account struct {
	// Name is the account as Windows names it ("CONTOSO\admin"), the
	// shell's Owner.
	Name string
	// Identity is the user's canonical name ("contoso.com/Users/Administrator").
	Identity string
	// RoleGroups are the Exchange role groups the user is a member of
	// ("Organization Management"). None: the user may not open a session.
	RoleGroups []string
}

// Cmdlet is one cmdlet of the Backend.
type Cmdlet struct {
	Name    string
	Aliases []string
	Params  []admin.ParamInfo
	// OutputType is the .NET type names of what it writes, most derived
	// first (nil for a cmdlet that writes nothing).
	OutputType []string
	// Module is the snap-in or module Get-Command shows.
	Module string
}
