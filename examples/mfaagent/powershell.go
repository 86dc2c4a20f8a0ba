package mfaagent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/easlab/easlab/powershell/client"
	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
)

// PowerShell runs cmdlets in a Remote PowerShell session at Exchange's
// /PowerShell endpoint (Basic authentication, an account in a role
// group), as a production agent does with New-PSSession. It opens the
// session at the first cmdlet, keeps it, and opens a new one after a
// failure of the transport.
type PowerShell struct {
	cfg client.Config

	mu      sync.Mutex
	session *client.Session
}

// NewPowerShell returns a transport to the endpoint at url (e.g.
// http://host/PowerShell/) as user.
func NewPowerShell(url, user, password string) *PowerShell {
	return &PowerShell{cfg: client.Config{URL: url, User: user, Password: password, HTTP: &http.Client{Timeout: 60 * time.Second}}}
}

// NewPowerShellExchange returns an Exchange whose cmdlets go through
// Remote PowerShell; adminURL and token, if given, are easlab's admin API
// for FollowEvents only.
func NewPowerShellExchange(url, user, password, adminURL, token string) *Exchange {
	x := &Exchange{Cmdlets: NewPowerShell(url, user, password)}
	if adminURL != "" {
		x.Events = newAdminAPI(adminURL, token)
	}
	return x
}

// CmdletError is a cmdlet's error record, non-terminating or terminating.
type CmdletError struct {
	Cmdlet string
	Record *psrp.ErrorRecord
}

func (e *CmdletError) Error() string {
	return fmt.Sprintf("%s: %s (%s)", e.Cmdlet, e.Record.Message, e.Record.FullyQualifiedErrorID)
}

// Run runs one cmdlet with named parameters: a map becomes a hashtable
// (@{Add=...}), a []string an array. An error record, terminating or
// not, is the cmdlet's error, as -ErrorAction Stop would make it.
func (p *PowerShell) Run(ctx context.Context, cmdlet string, params map[string]any, out any) error {
	cmd := psrp.Command{Name: cmdlet}
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		cmd.Args = append(cmd.Args, psrp.Argument{Name: n, Value: toPS(params[n])})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	res, err := p.invoke(ctx, cmd)
	if err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	if res.Failed != nil {
		return &CmdletError{Cmdlet: cmdlet, Record: res.Failed}
	}
	if len(res.Errors) > 0 {
		return &CmdletError{Cmdlet: cmdlet, Record: res.Errors[0]}
	}
	if out == nil || len(res.Output) == 0 {
		return nil
	}
	var v any
	items := make([]any, len(res.Output))
	for i, o := range res.Output {
		items[i] = plain(o)
	}
	v = items
	if t := reflect.TypeOf(out); t.Kind() == reflect.Pointer && t.Elem().Kind() != reflect.Slice {
		v = items[0]
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	return nil
}

// invoke runs cmd in the session, opening one if there is none; a
// transport failure on a session opened earlier (it may have expired) is
// tried once more on a new one. p.mu is held.
func (p *PowerShell) invoke(ctx context.Context, cmd psrp.Command) (*client.Result, error) {
	fresh := false
	for {
		if p.session == nil {
			s, err := client.Open(ctx, p.cfg)
			if err != nil {
				return nil, fmt.Errorf("opening a Remote PowerShell session at %s: %w", p.cfg.URL, err)
			}
			p.session, fresh = s, true
		}
		res, err := p.session.Invoke(ctx, cmd)
		if err == nil {
			return res, nil
		}
		p.dropSession()
		if fresh || ctx.Err() != nil {
			return nil, err
		}
	}
}

func (p *PowerShell) dropSession() {
	if p.session == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	p.session.Close(ctx)
	p.session = nil
}

// Close deletes the session (Remove-PSSession).
func (p *PowerShell) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropSession()
}

// toPS is a parameter's value as CLIXML carries it.
func toPS(v any) any {
	switch x := v.(type) {
	case []string:
		l := make([]any, len(x))
		for i, s := range x {
			l[i] = s
		}
		return l
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = toPS(e)
		}
		return m
	}
	return v
}

// plain is a deserialized value as JSON would carry it: an object's
// properties as a map, an enum (or any object without properties) as its
// string, a collection as a slice.
func plain(v any) any {
	switch x := v.(type) {
	case *clixml.Object:
		if x == nil {
			return nil
		}
		switch {
		case x.Dict != nil:
			m := make(map[string]any, len(x.Dict))
			for _, e := range x.Dict {
				m[fmt.Sprint(e.Key)] = plain(e.Value)
			}
			return m
		case x.ListKind != "":
			l := make([]any, len(x.List))
			for i, e := range x.List {
				l[i] = plain(e)
			}
			return l
		case len(x.Props) > 0 || len(x.Members) > 0:
			m := make(map[string]any, len(x.Props)+len(x.Members))
			for _, p := range x.Props {
				m[p.Name] = plain(p.Value)
			}
			for _, p := range x.Members {
				m[p.Name] = plain(p.Value)
			}
			return m
		case x.HasToString:
			return x.ToString
		}
		return plain(x.Value)
	case clixml.GUID:
		return x.String()
	case clixml.Duration:
		return time.Duration(x).String()
	}
	return v
}

var _ Cmdlets = (*PowerShell)(nil)
