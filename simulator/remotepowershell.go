package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/powershell/negotiate"
	"github.com/google/uuid"

	"github.com/easlab/easlab/powershell/wsman"
	"github.com/easlab/easlab/simulator/admin"
	"github.com/easlab/easlab/simulator/remoteps"
)

// DefaultPowerShellMaxConcurrency is the default throttling policy's
// PowerShellMaxConcurrency: Exchange 2010 SP1 and later allow a user 18
// concurrent Remote PowerShell sessions ("This user is allowed a maximum
// number of 18 concurrent shells, which has been exceeded.").
const DefaultPowerShellMaxConcurrency = 18

// serverName is the Exchange server's name in Remote PowerShell's error
// ids and shell owner.
const serverName = "EX01"

// newRemotePowerShell builds /PowerShell: WinRM's shell service with
// Exchange's session configuration (package remoteps) over the same
// cmdlets as /api/cmdlet.
func (s *Server) newRemotePowerShell() *wsman.Server {
	max := s.opts.PowerShellMaxConcurrency
	switch {
	case max == 0:
		max = DefaultPowerShellMaxConcurrency
	case max < 0:
		max = 1 << 30
	}
	queueDepth := s.opts.PowerShellMaxCmdletQueueDepth
	if queueDepth < 0 {
		queueDepth = 1 << 30
	}
	return &wsman.Server{
		Plugin: &remoteps.Plugin{Backend: rpsBackend{s}, Server: serverName, Now: s.clock.Now, Logger: s.log, Budget: s.powerShellBudget()},
		// Exchange's endpoint serves its own configuration; the default
		// Microsoft.PowerShell one is not exposed at /PowerShell.
		ResourceURIs:     []string{remoteps.ResourceURI},
		MaxShellsPerUser: max,
		// UNCONFIRMED: that Exchange hands PowerShellMaxCmdletQueueDepth to
		// WinRM as the user's concurrent operations (WSMAN_AUTHZ_QUOTA's
		// maxAllowedConcurrentOperations, beside maxAllowedConcurrentShells,
		// which PowerShellMaxConcurrency fills). Set-ThrottlingPolicy says
		// only "the number of operations allowed to be executed by the user".
		MaxOperationsPerUser: queueDepth,
		IdleTimeout:          s.opts.PowerShellIdleTimeout,
		Machine:              serverName + "." + s.dir.Org.Domain,
		Now:                  s.clock.Now,
		Logger:               s.log,
	}
}

// powerShellBudget is the throttling policy's PowerShell budgets from the
// options (all Unlimited by default, as Exchange's default policy).
func (s *Server) powerShellBudget() *remoteps.Budget {
	o := s.opts
	maxConcurrency := o.PowerShellMaxConcurrency
	if maxConcurrency == 0 {
		maxConcurrency = DefaultPowerShellMaxConcurrency
	}
	return &remoteps.Budget{
		MaxCmdlets:                   o.PowerShellMaxCmdlets,
		ExchangeMaxCmdlets:           o.ExchangeMaxCmdlets,
		CmdletsTimePeriod:            o.PowerShellMaxCmdletsTimePeriod,
		MaxDestructiveCmdlets:        o.PowerShellMaxDestructiveCmdlets,
		DestructiveCmdletsTimePeriod: o.PowerShellMaxDestructiveCmdletsTimePeriod,
		MaxRunspaces:                 o.PowerShellMaxRunspaces,
		RunspacesTimePeriod:          o.PowerShellMaxRunspacesTimePeriod,
		MaxConcurrency:               maxConcurrency,
		PolicyDN:                     throttlingPolicyDN(s.dir.Org.Domain),
		Sleep:                        s.clock.Sleep,
	}
}

// throttlingPolicyDN is the default throttling policy's distinguished
// name, as Exchange 2013 and later name it (GlobalThrottlingPolicy_<guid>
// under the organization's Global Settings; Get-ThrottlingPolicy, Microsoft
// Q&A 125609). The guid is the organization's own; easlab derives one from
// the domain, and the organization is "First Organization", setup's default.
func throttlingPolicyDN(domain string) string {
	dc := ""
	for _, l := range strings.Split(domain, ".") {
		dc += ",DC=" + l
	}
	id := uuid.NewSHA1(uuid.NameSpaceDNS, []byte("throttling."+domain))
	return "CN=GlobalThrottlingPolicy_" + id.String() + ",CN=Global Settings,CN=First Organization,CN=Microsoft Exchange,CN=Services,CN=Configuration" + dc
}

// newPowerShellAuth puts IIS's authentication in front of /PowerShell:
// Negotiate (NTLM, with WinRM's message encryption over HTTP) and Basic,
// both against the directory's passwords. Kerberos is not offered.
func (s *Server) newPowerShellAuth() *negotiate.Handler {
	return &negotiate.Handler{
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, user, _ := negotiate.User(r.Context())
			u, _, ok := s.dir.Resolve(user)
			if !ok {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			s.rps.Serve(w, r, u.Alias)
		}),
		Fallback: http.HandlerFunc(s.servePowerShellBasic),
		Lookup: func(domain, user string) (string, bool) {
			u, _, ok := s.dir.Resolve(user)
			if !ok || s.lockouts.locked(u.Alias, s.clock.Now()) {
				return "", false
			}
			return u.Password, true
		},
		// NTLM failures count toward the account lockout as Basic ones do
		// (AD counts failed logons whatever the protocol).
		Result: func(domain, user string, ok bool) {
			if u, _, exists := s.dir.Resolve(user); exists && s.lockouts.record(u.Alias, ok, s.clock.Now()) {
				s.log.Warn("account locked out after failed sign-ins", "user", u.Alias, "protocol", "NTLM", "threshold", s.lockouts.policy.Threshold)
			}
		},
		NetBIOSDomain: s.dir.Org.NetBIOS,
		DNSDomain:     s.dir.Org.Domain,
		ComputerName:  serverName,
		Logger:        s.log,
	}
}

// servePowerShell answers /PowerShell (any case, with or without the
// trailing slash): IIS's authentication (Negotiate or Basic), then
// WS-Management.
func (s *Server) servePowerShell(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > int64(s.opts.MaxRequestBytes) {
		w.WriteHeader(http.StatusNotFound) // IIS request filtering, 404.13
		return
	}
	s.rpsAuth.ServeHTTP(w, r)
}

// servePowerShellBasic serves a request without Negotiate authorization:
// Basic against the directory, as IIS does before WinRM sees the request.
func (s *Server) servePowerShellBasic(w http.ResponseWriter, r *http.Request) {
	u, _, ok := s.authenticate(r)
	if !ok {
		// IIS offers every enabled provider: Negotiate and NTLM, then Basic.
		s.rpsAuth.AddChallenge(w.Header())
		w.Header().Add("WWW-Authenticate", s.basicChallenge(r))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.rps.Serve(w, r, u.Alias)
}

// rpsBackend gives remoteps the directory's accounts and the cmdlets.
type rpsBackend struct{ s *Server }

func (b rpsBackend) Account(user string) (remoteps.Account, bool) {
	u, _, ok := b.s.dir.Resolve(user)
	if !ok {
		return remoteps.Account{}, false
	}
	return remoteps.Account{Name: b.s.dir.Org.NetBIOS + `\` + u.Alias, Identity: b.s.canonicalName(&u), RoleGroups: u.RoleGroups}, true
}

// cmdletOutputTypes are the .NET types the Get- cmdlets write, as a remote
// session shows them (without the client's "Deserialized." prefix).
var cmdletOutputTypes = map[string][]string{
	"Get-MobileDevice":                       {"Microsoft.Exchange.Data.Directory.Management.MobileDevice", "Microsoft.Exchange.Data.Directory.ADPresentationObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"Get-MobileDeviceStatistics":             {"Microsoft.Exchange.Data.Directory.Management.MobileDeviceConfiguration", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"Get-CASMailbox":                         {"Microsoft.Exchange.Data.Directory.Management.CASMailbox", "Microsoft.Exchange.Data.Directory.ADPresentationObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"Get-Mailbox":                            {"Microsoft.Exchange.Data.Directory.Management.Mailbox", "Microsoft.Exchange.Data.Directory.Management.MailEnabledOrgPerson", "Microsoft.Exchange.Data.Directory.Management.MailEnabledRecipient", "Microsoft.Exchange.Data.Directory.ADPresentationObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"Get-ActiveSyncOrganizationSettings":     {"Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncOrganizationSettings", "Microsoft.Exchange.Data.Directory.ADConfigurationObject", "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"Get-ActiveSyncDeviceAccessRule":         {"Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncDeviceAccessRule", "Microsoft.Exchange.Data.Directory.ADConfigurationObject", "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"New-ActiveSyncDeviceAccessRule":         {"Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncDeviceAccessRule", "Microsoft.Exchange.Data.Directory.ADConfigurationObject", "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"Get-MobileDeviceMailboxPolicy":          {"Microsoft.Exchange.Data.Directory.SystemConfiguration.MobileMailboxPolicy", "Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxPolicy", "Microsoft.Exchange.Data.Directory.ADConfigurationObject", "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"New-MobileDeviceMailboxPolicy":          {"Microsoft.Exchange.Data.Directory.SystemConfiguration.MobileMailboxPolicy", "Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxPolicy", "Microsoft.Exchange.Data.Directory.ADConfigurationObject", "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
	"Get-ActiveSyncDeviceAutoblockThreshold": {"Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncDeviceAutoblockThreshold", "Microsoft.Exchange.Data.Directory.ADConfigurationObject", "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.ConfigurableObject", "System.Object"},
}

func (b rpsBackend) Cmdlets() []remoteps.Cmdlet {
	out := make([]remoteps.Cmdlet, 0, len(cmdletTable))
	for _, d := range cmdletTable {
		out = append(out, remoteps.Cmdlet{Name: d.Name(), Aliases: d.Aliases(), Params: d.Params(),
			OutputType: cmdletOutputTypes[d.Name()], Module: "Microsoft.Exchange.Management.PowerShell.E2010"})
	}
	return out
}

// Run runs a cmdlet as /api/cmdlet does (runInProcess).
func (b rpsBackend) Run(ctx context.Context, name string, params json.RawMessage) (admin.Output, error) {
	return b.s.runInProcess(ctx, "powershell", name, params)
}

// runInProcess runs a cmdlet for an in-process transport (Remote
// PowerShell, the admin center) as /api/cmdlet does: faults injected for
// it apply, and what it changed is in the store before it says so.
func (s *Server) runInProcess(ctx context.Context, transport, name string, params json.RawMessage) (admin.Output, error) {
	def, spelt, err := cmdlets.Lookup(name)
	if err != nil {
		return admin.Output{}, err
	}
	if f := s.cmdletFault(spelt); f != nil {
		if f.Action.Latency > 0 {
			if err := s.clock.Sleep(ctx, time.Duration(f.Action.Latency)); err != nil {
				return admin.Output{}, err
			}
		}
		if f.Action.HTTPStatus != 0 || f.Action.Drop {
			return admin.Output{}, &admin.Error{Status: http.StatusServiceUnavailable, Category: "ResourceUnavailable",
				Message: "The server is busy and cannot run " + spelt + " now (injected fault " + f.ID + "). Try again later."}
		}
	}
	start := s.clock.Now()
	out, err := def.Run(s, params)
	if err == nil {
		if serr := s.dir.storeErr(); serr != nil {
			err = &admin.Error{Status: http.StatusServiceUnavailable, Category: "WriteError", Message: "The change could not be stored: " + serr.Error()}
		}
	}
	attrs := []any{"transport", transport, "cmdlet", spelt, "duration", s.clock.Since(start).String()}
	var ae *admin.Error
	if errors.As(err, &ae) {
		attrs = append(attrs, "status", strconv.Itoa(ae.Status), "error", ae.Message)
	}
	s.log.Info("admin", attrs...)
	return out, err
}

// PowerShellSessions says how many Remote PowerShell sessions are open,
// in all or for one user ("" for all).
func (s *Server) PowerShellSessions(user string) int { return s.rps.Shells(user) }
