package mfaagent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Exchange runs management cmdlets through easlab's admin API, where a
// production agent would run them in a remote PowerShell session.
type Exchange struct {
	URL, Token string
	HTTP       *http.Client
}

// NewExchange returns a cmdlet client of the admin API at baseURL.
func NewExchange(baseURL, token string) *Exchange {
	return &Exchange{URL: strings.TrimSuffix(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// Run runs cmdlet and decodes its output into out (a pointer to a slice)
// when out is not nil.
func (x *Exchange) Run(ctx context.Context, cmdlet string, params map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"cmdlet": cmdlet, "parameters": params})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.URL+"/api/cmdlet", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+x.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := x.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", cmdlet, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out == nil {
		return nil
	}
	var r struct {
		Output json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: %w", cmdlet, err)
	}
	if len(r.Output) == 0 || string(r.Output) == "null" {
		return nil
	}
	return json.Unmarshal(r.Output, out)
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
