package mfaagent

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/easlab/easlab/adminapi"
)

// Cmdlets is a transport for Exchange's management cmdlets: easlab's
// admin API (*adminapi.Client, POST /api/cmdlet) or Remote PowerShell
// (*PowerShell, Exchange's /PowerShell endpoint, as a production agent
// runs them). out receives the cmdlet's output as the admin API's JSON
// shapes it: a slice for many objects, a struct for one.
type Cmdlets interface {
	Run(ctx context.Context, cmdlet string, params map[string]any, out any) error
}

// Exchange is the agent's view of Exchange: the cmdlets, through one of
// the transports, and easlab's event stream (FollowEvents), which only
// the admin API has.
type Exchange struct {
	Cmdlets
	// Events is the admin API whose /api/events FollowEvents reads; nil
	// when the agent was given none.
	Events *adminapi.Client
}

// NewExchange returns an Exchange whose cmdlets go through the admin API
// at baseURL.
func NewExchange(baseURL, token string) *Exchange {
	c := newAdminAPI(baseURL, token)
	return &Exchange{Cmdlets: c, Events: c}
}

func newAdminAPI(baseURL, token string) *adminapi.Client {
	return &adminapi.Client{URL: strings.TrimSuffix(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// Close ends the transport's session, if it keeps one.
func (x *Exchange) Close() {
	if c, ok := x.Cmdlets.(interface{ Close() }); ok {
		c.Close()
	}
}

// Device is a partnership as Get-MobileDevice shows it.
type Device struct {
	DeviceId          string
	DeviceType        string
	DeviceModel       string
	DeviceOS          string
	DeviceUserAgent   string
	FriendlyName      string
	UserDisplayName   string
	UserPrincipalName string
	DeviceAccessState string
}

// FollowEvents reads easlab's event stream (/api/events, Server-Sent
// Events) until ctx ends, calling kick for every device event, and
// reconnects (resuming after the last event id) when the stream breaks.
// Exchange itself has no such stream; an agent that can use it reacts at
// once instead of at its next poll.
func (x *Exchange) FollowEvents(ctx context.Context, kick func(kind string)) {
	if x.Events == nil {
		return
	}
	last := ""
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, x.Events.URL+"/api/events", nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+x.Events.Token)
		if last != "" {
			req.Header.Set("Last-Event-ID", last)
		}
		resp, err := http.DefaultClient.Do(req) // no timeout: the stream stays open
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				last = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				kick(strings.TrimPrefix(line, "event: "))
			}
		}
		resp.Body.Close()
		sleepCtx(ctx, 100*time.Millisecond)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
