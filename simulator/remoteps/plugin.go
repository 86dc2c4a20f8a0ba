package remoteps

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
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
	maxFrag := (req.MaxEnvelopeSize-wsman.EnvelopeOverhead)*3/4 - psrp.FragmentHeaderLen
	if maxFrag < 256 {
		maxFrag = 256
	}
	pool, err := psrp.OpenPool(req.CreationXML, psrp.PoolConfig{
		Runspace:               newRunspace(p.Backend, acct, p.Server, now, p.Budget, req.User),
		ApplicationPrivateData: p.privateData(),
		MaxFragment:            maxFrag,
		MaxQueued:              4 * req.MaxEnvelopeSize,
		Logger:                 p.Logger,
	})
	if err != nil {
		p.Budget.closeRunspace(req.User)
		return nil, wsman.ErrPlugin(err.Error())
	}
	return shell{pool: pool, once: new(sync.Once), close: func() { p.Budget.closeRunspace(req.User) }}, nil
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

// shell adapts a pool to wsman.Shell, its errors to WinRM's faults.
type shell struct {
	pool  *psrp.Pool
	close func() // once the pool is closed
	once  *sync.Once
}

func fault(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, psrp.ErrNoPipeline):
		return wsman.ErrCommandNotFound()
	case errors.Is(err, psrp.ErrClosed):
		return wsman.ErrShellNotFound()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	}
	return wsman.ErrPlugin(err.Error())
}

func (s shell) Command(id string, args []byte) error { return fault(s.pool.Command(id, args)) }
func (s shell) Send(id, stream string, data []byte, end bool) error {
	return fault(s.pool.Send(id, stream, data, end))
}
func (s shell) Receive(ctx context.Context, id string, max int) ([][]byte, bool, error) {
	c, done, err := s.pool.Receive(ctx, id, max)
	return c, done, fault(err)
}
func (s shell) Signal(id, code string) error { return fault(s.pool.Signal(id, code)) }
func (s shell) Close() {
	s.pool.Close()
	s.once.Do(s.close)
}
