package mfaagent

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/easlab/easlab/adminapi"
)

// Exchange runs management cmdlets through easlab's admin API, where a
// production agent would run them in a remote PowerShell session.
type Exchange struct {
	adminapi.Client
}

// NewExchange returns a cmdlet client of the admin API at baseURL.
func NewExchange(baseURL, token string) *Exchange {
	return &Exchange{adminapi.Client{URL: strings.TrimSuffix(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}}
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
	last := ""
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, x.URL+"/api/events", nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+x.Token)
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
