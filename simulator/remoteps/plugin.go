package remoteps

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/powershell/psrpshell"
	"github.com/easlab/easlab/powershell/wsman"
)

// ResourceURI is the shell resource of Exchange's session configuration,
// what WSManConnectionInfo and New-PSSession -ConfigurationName
// Microsoft.Exchange ask for.
const ResourceURI = "http://schemas.microsoft.com/powershell/Microsoft.Exchange"

// Plugin opens Exchange runspaces for WS-Management's Create.
type Plugin struct {
	Backend Backend
	// Server is the Exchange server's name in error ids ("EX01").
	Server string
	// ExchangeVersion is what $PSVersionTable-like private data reports.
	ExchangeVersion string
	Now             func() time.Time
	Logger          *slog.Logger
	// Budget is the throttling policy's PowerShell budgets, kept per user
	// across sessions; nil limits nothing.
	Budget *Budget
}

// Open checks the user's roles and opens a runspace pool from the
// creationXml.
func (p *Plugin) Open(ctx context.Context, req wsman.OpenRequest) (wsman.Shell, error) {
	acct, ok := p.Backend.Account(req.User)
	if !ok || len(acct.RoleGroups) == 0 {
		// Exchange refuses a user without a management role when the
		// session opens (UNCONFIRMED: the exact wording of the fault).
		name := req.User
		if ok {
			name = acct.Identity
		}
		return nil, wsman.ErrPlugin(fmt.Sprintf("The user \"%s\" isn't assigned to any management roles.", name))
	}
	now := p.Now
	if now == nil {
		now = time.Now
	}
	if err := p.Budget.openRunspace(req.User, now()); err != nil {
		return nil, err
	}
	sh, err := psrpshell.Open(req, psrp.PoolConfig{
		Runspace:               newRunspace(p.Backend, acct, p.Server, now, p.Budget, req.User),
		ApplicationPrivateData: p.privateData(),
		Logger:                 p.Logger,
	}, func() { p.Budget.closeRunspace(req.User) })
	if err != nil {
		p.Budget.closeRunspace(req.User)
		return nil, err
	}
	return sh, nil
}

// privateData is APPLICATION_PRIVATE_DATA: the PSVersionTable a Windows
// PowerShell 5.1 server sends (recorded).
func (p *Plugin) privateData() *clixml.Object {
	dictTypes := []string{"System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable", "System.Object"}
	table := &clixml.Object{TypeNames: dictTypes, Dict: []clixml.Entry{
		{Key: "PSVersion", Value: clixml.Version("5.1.14393.2248")},
		{Key: "PSEdition", Value: "Desktop"},
		{Key: "CLRVersion", Value: clixml.Version("4.0.30319.42000")},
		{Key: "BuildVersion", Value: clixml.Version("10.0.14393.2248")},
		{Key: "WSManStackVersion", Value: clixml.Version("3.0")},
		{Key: "PSRemotingProtocolVersion", Value: clixml.Version("2.3")},
		{Key: "SerializationVersion", Value: clixml.Version("1.1.0.1")},
	}}
	return &clixml.Object{TypeNames: dictTypes, Dict: []clixml.Entry{{Key: "PSVersionTable", Value: table}}}
}
