// Package mfagateway is easlab's reference MFA gateway: a reverse proxy in
// front of /Microsoft-Server-ActiveSync that lets a device through only
// once its owner approved it with a push.
//
// For a device it has not seen (user and DeviceId, from either query
// form), the gateway checks the password with an OPTIONS to Exchange (a
// 401 goes back as it came), sends one push, and holds the device's
// request up to Hold while the owner answers. Approved: the request, and
// every later one, goes through unchanged (long Pings included, streamed).
// Denied: 403. No answer yet: 503 with Retry-After, and the device comes
// back. The MFA provider down: 503 (fail closed). OPTIONS and Autodiscover
// carry nothing from the mailbox and go through.
package mfagateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/examples/mfaagent"
	"github.com/easlab/easlab/examples/mfaclient"
)

// Flaw is a deliberate bug, for the broken variants in examples/broken.
type Flaw int

// The flaws.
const (
	NoFlaw                 Flaw = iota
	LeakBeforeApproval          // forwards while the push is pending
	IgnoreBase64                // sees only plain queries; base64 ones pass unchecked
	FailOpen                    // forwards when the MFA provider is down
	RewriteErrors               // answers 502 for any upstream error but 401
	ShortUpstreamTimeout        // gives up on an upstream answer after 5 s, as a proxy with a default timeout does
	HoldsSyncPathOnly           // holds only the commands that sync mail (Sync, FolderSync, Ping, ItemOperations); the rest pass
	HoldsDangerousListOnly      // holds only a list of "dangerous" commands (Sync, ItemOperations, Search, the sends); the rest pass
	Base64SomeCommandsOnly      // in the base64 query form, judges only Sync, FolderSync and Ping; other base64 requests pass
)

// heldOnly are the commands the list-keeping flaws hold; every other
// command of a device not yet approved goes through, which is how real
// gateways that keep such lists go wrong.
var heldOnly = map[Flaw][]eas.Command{
	HoldsSyncPathOnly:      {eas.CommandSync, eas.CommandFolderSync, eas.CommandPing, eas.CommandItemOperations},
	HoldsDangerousListOnly: {eas.CommandSync, eas.CommandItemOperations, eas.CommandSearch, eas.CommandSendMail, eas.CommandSmartReply, eas.CommandSmartForward},
	Base64SomeCommandsOnly: {eas.CommandSync, eas.CommandFolderSync, eas.CommandPing},
}

// Config configures a Gateway.
type Config struct {
	Upstream *url.URL
	MFA      *mfaclient.Client
	// Exchange resolves the user name a device signs in with to a UPN and
	// display name for the push (nil: the name as typed).
	Exchange *mfaagent.Exchange
	// Hold is how long a request of a device awaiting approval is held.
	// Default 20 s.
	Hold time.Duration
	// RetryAfter is what a device still waiting is told. Default 5 s.
	RetryAfter time.Duration
	Logger     *slog.Logger
	Flaw       Flaw
}

// Gateway is the proxy; it is an http.Handler.
type Gateway struct {
	cfg   Config
	log   *slog.Logger
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	devices map[string]*device
}

// device is what the gateway knows of one user's device.
type device struct {
	status  string        // mfaclient status, "" before the push
	decided chan struct{} // closed when status leaves pending
}

// New returns a gateway.
func New(cfg Config) *Gateway {
	if cfg.Hold <= 0 {
		cfg.Hold = 20 * time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	g := &Gateway{cfg: cfg, log: cfg.Logger, devices: map[string]*device{}}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(cfg.Upstream)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		// Stream at once: a Ping or a hanging Sync answers whenever the
		// mailbox changes.
		FlushInterval: -1,
	}
	if cfg.Flaw == ShortUpstreamTimeout {
		// A long Ping waits up to its heartbeat (8 to 59 minutes) for an
		// answer: a proxy timeout cuts it.
		g.proxy.Transport = &http.Transport{ResponseHeaderTimeout: 5 * time.Second}
	}
	if cfg.Flaw == RewriteErrors {
		g.proxy.ModifyResponse = func(r *http.Response) error {
			if r.StatusCode >= 400 && r.StatusCode != http.StatusUnauthorized {
				return errors.New("upstream error")
			}
			return nil
		}
	}
	return g
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions || !strings.HasPrefix(strings.ToLower(r.URL.Path), "/microsoft-server-activesync") {
		g.proxy.ServeHTTP(w, r)
		return
	}
	if g.cfg.Flaw == IgnoreBase64 && !strings.Contains(strings.ToLower(r.URL.RawQuery), "cmd=") {
		g.proxy.ServeHTTP(w, r) // "not a query we know": through it goes
		return
	}
	req, err := eas.ParseRequest(r)
	if err != nil && req.DeviceID == "" {
		// Exchange will say what is wrong with the request; nothing from
		// a mailbox answers a request without a device.
		g.proxy.ServeHTTP(w, r)
		return
	}
	if list := heldOnly[g.cfg.Flaw]; list != nil && !slices.Contains(list, req.Command) &&
		(g.cfg.Flaw != Base64SomeCommandsOnly || req.Form == eas.Base64Query) {
		g.proxy.ServeHTTP(w, r) // "not a command that matters"
		return
	}
	user, _, ok := r.BasicAuth()
	if !ok || user == "" {
		g.proxy.ServeHTTP(w, r) // Exchange answers 401
		return
	}
	k := strings.ToLower(user + "/" + req.DeviceID)
	g.mu.Lock()
	d := g.devices[k]
	g.mu.Unlock()
	if d != nil {
		switch g.statusOf(d) {
		case mfaclient.Approved:
			g.proxy.ServeHTTP(w, r)
			return
		case mfaclient.Denied:
			http.Error(w, "This device was not approved.", http.StatusForbidden)
			return
		}
	}
	if code, hdr := g.checkPassword(r); code != http.StatusOK {
		if v := hdr.Get("WWW-Authenticate"); v != "" {
			w.Header().Set("WWW-Authenticate", v)
		}
		http.Error(w, http.StatusText(code), code)
		return
	}
	d, err = g.pushOnce(r.Context(), k, user, req)
	if err != nil {
		if g.cfg.Flaw == FailOpen {
			g.proxy.ServeHTTP(w, r)
			return
		}
		g.log.Warn("push failed; holding the device", "user", user, "device", req.DeviceID, "err", err)
		g.retryLater(w)
		return
	}
	if g.cfg.Flaw == LeakBeforeApproval {
		g.proxy.ServeHTTP(w, r)
		return
	}
	t := time.NewTimer(g.cfg.Hold)
	defer t.Stop()
	select {
	case <-d.decided:
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	switch g.statusOf(d) {
	case mfaclient.Approved:
		g.proxy.ServeHTTP(w, r)
	case mfaclient.Denied, mfaclient.Expired:
		http.Error(w, "This device was not approved.", http.StatusForbidden)
	default:
		g.retryLater(w)
	}
}

func (g *Gateway) retryLater(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(int(g.cfg.RetryAfter/time.Second)))
	http.Error(w, "Waiting for the device to be approved.", http.StatusServiceUnavailable)
}

func (g *Gateway) statusOf(d *device) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return d.status
}

// checkPassword asks Exchange whether the credentials are good: OPTIONS
// is authenticated and returns nothing from the mailbox.
func (g *Gateway) checkPassword(r *http.Request) (int, http.Header) {
	u := *g.cfg.Upstream
	u.Path = "/Microsoft-Server-ActiveSync"
	req, err := http.NewRequestWithContext(r.Context(), http.MethodOptions, u.String(), nil)
	if err != nil {
		return http.StatusBadGateway, nil
	}
	req.Header.Set("Authorization", r.Header.Get("Authorization"))
	req.Header.Set("User-Agent", r.UserAgent())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return http.StatusBadGateway, nil
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return http.StatusOK, nil
	}
	return resp.StatusCode, resp.Header
}

// pushOnce sends the device's one push, or returns the one in flight.
func (g *Gateway) pushOnce(ctx context.Context, k, user string, req *eas.Request) (*device, error) {
	g.mu.Lock()
	if d := g.devices[k]; d != nil {
		g.mu.Unlock()
		return d, nil
	}
	g.mu.Unlock()
	upn, name := user, ""
	if g.cfg.Exchange != nil {
		var mbx []struct{ UserPrincipalName, DisplayName string }
		if err := g.cfg.Exchange.Run(ctx, "Get-Mailbox", map[string]any{"Identity": user}, &mbx); err == nil && len(mbx) == 1 {
			upn, name = mbx[0].UserPrincipalName, mbx[0].DisplayName
		}
	}
	dev := mfaclient.Device{ID: req.DeviceID, Type: req.DeviceType, UserAgent: req.UserAgent}
	id, err := g.cfg.MFA.Push(ctx, upn, name, dev)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if d := g.devices[k]; d != nil {
		return d, nil // another request won the race; its push stands
	}
	d := &device{status: mfaclient.Pending, decided: make(chan struct{})}
	g.devices[k] = d
	g.log.Info("push sent", "user", upn, "device", req.DeviceID, "push", id)
	go g.watch(d, id)
	return d, nil
}

// watch long-polls the push until it is answered.
func (g *Gateway) watch(d *device, id string) {
	for {
		st, err := g.cfg.MFA.Status(context.Background(), id, 25*time.Second)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		if st == mfaclient.Pending {
			continue
		}
		g.mu.Lock()
		d.status = st
		g.mu.Unlock()
		close(d.decided)
		g.log.Info("push answered", "push", id, "status", st)
		return
	}
}
