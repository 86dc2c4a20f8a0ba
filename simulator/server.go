// Package simulator is the fake Exchange: an http.Handler that speaks
// Exchange ActiveSync (MS-ASHTTP, MS-ASCMD, MS-ASPROV) over real WBXML, with
// a directory of users, their mailboxes, device partnerships and sync state,
// and Autodiscover.
//
//	dir, _ := demo.NewDirectory(demo.Password, 0, time.Now())
//	srv, _ := simulator.New(simulator.Options{Directory: dir})
//	http.ListenAndServe("127.0.0.1:8080", srv)
package simulator

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/powershell/negotiate"

	"github.com/easlab/easlab/powershell/wsman"

	"github.com/gorilla/mux"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/ecp"
	"github.com/easlab/easlab/wbxml"
)

// Options configure a Server. Directory is required; every other zero
// field has a default: the real clock, Exchange 2019, ...
type Options struct {
	// Directory is the organization's users and mailboxes. It is required:
	// New fails without it. The package simulator/demo builds the demo
	// organization (contoso.com) and reads organization files.
	Directory *Directory
	// Clock is the time source of every timer. If nil, clock.Real().
	Clock clock.Clock
	// Logger receives one line per request. If nil, slog.Default().
	Logger *slog.Logger
	// Profile is the Exchange version played. If zero, Exchange 2019.
	Profile eas.ServerProfile
	// MaxRequestBytes bounds a request body. If 0, DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// Limits bound the WBXML a request may carry; zero fields are the
	// codec's defaults.
	Limits wbxml.Limits
	// TrustedRoots are the root certificates ValidateCert trusts (the
	// organization's CA). None by default.
	TrustedRoots []*x509.Certificate
	// ErrorResponseDelay is how long, from its arrival, a request Exchange
	// answers through its error path is held (the tarpit, exchange-admin.md
	// 2.2): 129 for a blocked device, 177 for a partnership over the limit,
	// the autoblock 503 (a hanging Ping or Sync up to its heartbeat when
	// that is longer), and the quarantine refusals Exchange raises as
	// errors (SendMail's 500/120, GetAttachment's 500). The quarantine
	// answers built as normal replies (ItemOperations 3, Search,
	// ResolveRecipients 6, FolderCreate 6...) are not held. Zero means
	// DefaultErrorResponseDelay; negative, no tarpit at all.
	ErrorResponseDelay time.Duration
	// NoPark keeps held Pings and hanging Syncs on the blocking path (a
	// goroutine waits for each), where they would otherwise park: on
	// Linux, over plain HTTP/1.1 served by NewHTTPServer on Listener, a
	// held request's connection is hijacked and kept without a goroutine
	// until a wake hands it back to http.Server (park.go). Under TLS,
	// over HTTP/2, off Linux and behind another http.Server requests
	// block either way.
	NoPark bool
	// NoCompression turns off IIS's dynamic compression of WBXML answers
	// (compression.go), which is on as Exchange's sites have it.
	NoCompression bool
	// DeviceDiscoveryPeriod is how long Exchange waits for a new device's
	// DeviceInformation. Zero means 14 minutes; negative turns discovery off.
	DeviceDiscoveryPeriod time.Duration
	// CASMailboxCacheDelay is the refresh interval of the directory cache
	// through which the EAS side reads a mailbox's settings (allow and
	// block lists, ActiveSyncEnabled): Exchange's ADUserCache, three
	// generations rotated every ADCacheRefreshInterval (60 s by default,
	// and at least 60 s; DefaultCASCacheRefresh). A user's entry is read
	// at a request that misses the cache and lives until the third
	// rotation after that, between two and three intervals, so a change
	// is seen between at once (no entry) and three intervals later
	// (exchange-admin.md 4.3; S1 ADUserCache). Zero: at once, no cache.
	CASMailboxCacheDelay time.Duration
	// ReleaseHangingOnApproval decides a quarantined device's hanging Ping
	// or Sync again when a change (an approval) wakes it and when the
	// directory cache catches up, so that an approval answers it at once.
	// Exchange does not: a quarantined device's Ping subscribes to the
	// folder hierarchy only and a hanging Sync to nothing, so the request
	// holds to its heartbeat and the device sees its approval at its next
	// request (exchange-admin.md 2.1, 4.3; S1 HandleQuarantinedState).
	// False, the default, is Exchange's behaviour.
	ReleaseHangingOnApproval bool
	// DeviceInformationRequiredFrom is the first protocol version whose
	// initial Provision must carry DeviceInformation (else status 165).
	// Zero means 14.1, as Exchange 2013's code (exchange-admin.md 2.2)
	// and Microsoft's Interop suite (MSASCMD_S21_TC03) have it;
	// eas.Version161 is the lenient behaviour field reports describe
	// (EAS-4-TbSync at 14.1 provisioning without it).
	DeviceInformationRequiredFrom eas.ProtocolVersion
	// ServerLanguage is the culture of the Exchange server (its
	// installation), in which the admin notice is written; the user
	// notices follow each mailbox's Languages. Empty: en-US. The notices
	// exist in en-US and de-DE (simulator/notice).
	ServerLanguage string
	// SMTPRelay, "host:port", also sends every notification mail there
	// over SMTP (to watch them in a mail catcher such as Mailpit).
	SMTPRelay string
	// IISLog, if not nil, receives one W3C line per EAS request, with
	// Exchange's Log= items (exchange-admin.md 5.3).
	IISLog *IISLog
	// AdminToken is the bearer token of /api/*; empty: a random one, see
	// Server.AdminToken().
	AdminToken string
	// IdentityStyle is how cmdlets write a partnership's Identity: the
	// canonical name of Exchange Server (the default) or Exchange
	// Online's tenant path (identity.go).
	IdentityStyle IdentityStyle
	// TimeZone is the server's local time zone, in which the admin plane
	// shows WhenCreated and WhenChanged (beside WhenCreatedUTC and
	// WhenChangedUTC), as a .NET DateTime of kind Local. If nil, UTC.
	TimeZone *time.Location
	// ExternalURL is the base URL the server gives out (Autodiscover's
	// MobileSync URL, the Basic realm), as Exchange's virtual directories'
	// ExternalUrl, e.g. "https://mail.contoso.com". Empty: the request's
	// Host, for a lab reached by any name.
	ExternalURL string
	// ServerName is the NetBIOS name of the Exchange server played, which
	// the answers' X-FEServer, X-BEServer and X-CalculatedBETarget (with
	// the organization's domain) name from Exchange 2013 on. Empty means
	// DefaultServerName.
	ServerName string
	// Lockout is the directory's account lockout policy; off by default,
	// as in Active Directory.
	Lockout Lockout
	// EventWriteTimeout is how long a subscriber of /api/events may take
	// to accept a batch of events before it is dropped (it resumes with
	// Last-Event-ID). Zero means DefaultEventWriteTimeout.
	EventWriteTimeout time.Duration
	// MaxSendSize bounds the message SendMail, SmartReply and SmartForward
	// submit, in bytes. Zero means DefaultMaxSendSize; negative, no limit.
	MaxSendSize int64
	// PowerShellMaxConcurrency is how many Remote PowerShell sessions a
	// user may have open at once (the throttling policy's
	// PowerShellMaxConcurrency). Zero means DefaultPowerShellMaxConcurrency;
	// negative, no limit.
	PowerShellMaxConcurrency int
	// PowerShellIdleTimeout closes a Remote PowerShell session nothing
	// has used for this long. Zero means WinRM's default, 2 hours.
	PowerShellIdleTimeout time.Duration
	// The throttling policy's other PowerShell budgets, per user over time
	// windows on the server's clock (remoteps.Budget documents them, their
	// sources and Exchange's refusals). Exchange's on-premises default for
	// each is Unlimited, so zero (or a negative count) is Unlimited.
	//
	// PowerShellMaxCmdlets is how many Exchange cmdlets a user may run per
	// PowerShellMaxCmdletsTimePeriod; over it the pipeline stops.
	PowerShellMaxCmdlets           int
	PowerShellMaxCmdletsTimePeriod time.Duration
	// ExchangeMaxCmdlets is how many run per PowerShellMaxCmdletsTimePeriod
	// before the next ones are slowed down (each waits for the period's end).
	ExchangeMaxCmdlets int
	// PowerShellMaxDestructiveCmdlets is how many destructive cmdlets
	// (remoteps.IsDestructive) run per PowerShellMaxDestructiveCmdletsTimePeriod;
	// over it the pipeline stops.
	PowerShellMaxDestructiveCmdlets           int
	PowerShellMaxDestructiveCmdletsTimePeriod time.Duration
	// PowerShellMaxRunspaces is how many sessions a user may open per
	// PowerShellMaxRunspacesTimePeriod; over it, Create is refused.
	PowerShellMaxRunspaces           int
	PowerShellMaxRunspacesTimePeriod time.Duration
	// PowerShellMaxCmdletQueueDepth is how many WS-Management operations
	// of one user may be in progress at once (a waiting Receive is one),
	// WinRM's per-user operation quota. Zero, Exchange's Unlimited, leaves
	// WinRM's own MaxConcurrentOperationsPerUser, 1500; negative, no limit.
	PowerShellMaxCmdletQueueDepth int
}

// DefaultMaxSendSize is Exchange's organization-wide MaxSendSize
// (Set-TransportConfig; "Message size limits in Exchange Server": 10 MB by
// default since Exchange 2010). A larger message is not submitted:
// common status 120 MailSubmissionFailed (HTTP 500 up to 12.1), the answer
// Exchange's SendMail gives when the store refuses the submission
// (SendMailBase.SendMessage maps a StoragePermanentException, such as the
// store's MessageTooBigException, to MailSubmissionFailed). UNCONFIRMED:
// the 10 MB default is cited from memory, and whether Exchange refuses at
// submission rather than sending a non-delivery report later is inferred.
const DefaultMaxSendSize = 10 << 20

// DefaultMaxRequestBytes is IIS's default maxAllowedContentLength for the
// Microsoft-Server-ActiveSync virtual directory (30,000,000 bytes). IIS
// request filtering refuses a larger declared Content-Length before the
// body is read, and before authentication, with 404 and substatus 13
// ("Content Length Too Large", logged as 404.13; IIS's <requestLimits>
// documentation); easlab answers a chunked body that grows past the limit
// alike, at the limit.
const DefaultMaxRequestBytes = 30000000

// Server is the fake Exchange. It is an http.Handler.
type Server struct {
	opts     Options
	dir      *Directory
	clock    clock.Clock
	log      *slog.Logger
	profile  eas.ServerProfile
	lockouts *lockouts
	external *url.URL // Options.ExternalURL, parsed
	// cacheEpoch is when the directory cache's rotation timer started
	// (the server's start, as ADUserCache.Start at the app pool's).
	cacheEpoch time.Time
	router     *mux.Router
	handler    http.Handler
	faults     faultSet
	rps        *wsman.Server // /PowerShell
	rpsAuth    *negotiate.Handler
	hits       hitCounter // IIS's frequently hit URLs, for compression
	metrics    *metrics
	recent     recentRequests // the latest requests, for the admin center
	// dressPairs is the dressing but request-id, as name and value
	// pairs: the same on every answer (dressPairsOf).
	dressPairs []string
}

// New returns a server ready to serve.
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, dir: opts.Directory, clock: opts.Clock, log: opts.Logger, profile: opts.Profile}
	if s.clock == nil {
		s.clock = clock.Real()
	}
	s.cacheEpoch = s.clock.Now()
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.profile.Name == "" {
		s.profile = eas.DefaultProfile()
	}
	if s.dir != nil {
		s.dressPairs = s.dressPairsOf()
	}
	if s.opts.MaxRequestBytes == 0 {
		s.opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if s.opts.MaxSendSize == 0 {
		s.opts.MaxSendSize = DefaultMaxSendSize
	}
	if s.dir == nil {
		return nil, errors.New("simulator: Options.Directory is nil; simulator/demo builds the demo organization")
	}
	s.lockouts = newLockouts(opts.Lockout)
	ext, err := parseExternalURL(opts.ExternalURL)
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	s.external = ext
	s.dir.events.now = s.clock.Now
	if s.dir.store != nil {
		s.dir.store.log = s.log
	}
	// Every command the profile advertises must have a handler, so that a
	// gap fails here rather than on a device.
	for _, c := range s.profile.Commands() {
		if _, ok := commandHandlers[c]; !ok {
			return nil, fmt.Errorf("simulator: profile %s advertises %s, which has no handler", s.profile.Name, c)
		}
	}
	s.rps = s.newRemotePowerShell()
	s.rpsAuth = s.newPowerShellAuth()
	s.metrics = newMetrics(s)
	s.dir.events.observe(func(e Event) { s.metrics.events.WithLabelValues(e.Kind).Inc() })
	s.router = s.routes()
	s.handler = s.recoverPanics(s.router)
	return s, nil
}

// Directory returns the server's directory.
func (s *Server) Directory() *Directory { return s.dir }

// Clock returns the server's clock.
func (s *Server) Clock() clock.Clock { return s.clock }

// AdminToken returns the bearer token of the admin API (/api/*).
func (s *Server) AdminToken() string { return s.opts.AdminToken }

// ServeHTTP serves EAS, Autodiscover and the health check.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes builds every route in one place.
func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	eas := r.MatcherFunc(pathFold("/Microsoft-Server-ActiveSync")).Subrouter()
	// Every answer of ActiveSync and Autodiscover wears IIS's and
	// Exchange's headers (dressing.go).
	eas.Methods(http.MethodOptions).HandlerFunc(s.dressed(s.serveOptions))
	eas.Methods(http.MethodPost).HandlerFunc(s.dressed(s.serveEAS))
	eas.NewRoute().HandlerFunc(s.dressed(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "OPTIONS, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}))
	// Remote PowerShell's vdir comes second: a cmdlet is three requests,
	// and each would otherwise try every admin route's pattern first.
	r.MatcherFunc(pathFold("/PowerShell")).HandlerFunc(s.servePowerShell)
	r.MatcherFunc(pathFold("/autodiscover/autodiscover.xml")).Methods(http.MethodPost).HandlerFunc(s.dressed(s.serveAutodiscover))
	// Prometheus' scrape (metrics.go): the lab's own, no Exchange page.
	r.Path("/metrics").Methods(http.MethodGet).Handler(s.metrics.handler())
	r.Path("/healthz").Methods(http.MethodGet).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	s.adminRoutes(r)
	// The admin center (simulator/ecp), at /ecp/ in any case.
	center := ecp.New(ecpBackend{s}, s.log)
	r.MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool { return ecp.IsPath(r.URL.Path) }).Handler(center)
	return r
}

// pathFold matches a path case-insensitively, as IIS does.
func pathFold(path string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool {
		return strings.EqualFold(strings.TrimSuffix(r.URL.Path, "/"), path)
	}
}

// recoverPanics turns a handler panic into a bare 500 and a logged stack,
// so that no panic reaches a client.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "url", r.URL.String(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// serveOptions answers OPTIONS as the profile's Exchange does (MS-ASHTTP
// 2.2.4). IIS authenticates OPTIONS like any request (401 with a
// challenge), and Exchange refuses a user disabled for ActiveSync before
// dispatch, so even OPTIONS gets a bare 403 (exchange-admin.md 1.3 steps
// 1-2); the device access state is never evaluated for OPTIONS.
func (s *Server) serveOptions(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	_, mb, ok := s.authenticate(r)
	if !ok {
		s.challenge(w, r)
		return
	}
	mb.lock()
	cas, _ := s.casViewLocked(mb, s.clock.Now())
	mb.unlock()
	enabled := cas.ActiveSyncEnabled
	if !enabled {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	h.Set("Allow", "OPTIONS,POST")
	// Exchange's headers keep their spelling on the wire (eas.SetHeader).
	eas.SetHeader(h, eas.HeaderServerVersion, s.profile.ServerVersion)
	eas.SetHeader(h, eas.HeaderProtocolVersions, s.profile.VersionsHeader())
	eas.SetHeader(h, eas.HeaderProtocolCommands, s.profile.CommandsHeader())
	h.Set("Public", "OPTIONS,POST")
	h.Set("Cache-Control", "private")
	w.WriteHeader(http.StatusOK)
}

// authenticate checks the request's Basic credentials, as IIS does before
// Exchange sees the request.
func (s *Server) authenticate(r *http.Request) (User, *Mailbox, bool) {
	name, password, ok := r.BasicAuth()
	if !ok {
		return User{}, nil, false
	}
	now := s.clock.Now()
	known, _, exists := s.dir.Resolve(name)
	if exists && s.lockouts.locked(known.Alias, now) {
		// Locked out: even the right password is refused, as AD refuses
		// the logon (IIS answers 401 like any failed logon).
		s.log.Warn("sign-in refused: the account is locked out", "user", known.Alias, "remote", r.RemoteAddr)
		return User{}, nil, false
	}
	u, mb, ok := s.dir.Authenticate(name, password)
	if exists && s.lockouts.record(known.Alias, ok, now) {
		s.log.Warn("account locked out after failed sign-ins", "user", known.Alias, "remote", r.RemoteAddr, "threshold", s.lockouts.policy.Threshold)
	}
	return u, mb, ok
}

// basicChallenge is IIS's WWW-Authenticate for Basic authentication.
// The realm is the host the server is known by: ExternalURL's, else the
// request's, as IIS names it.
func (s *Server) basicChallenge(r *http.Request) string {
	_, host := s.publicBase(r)
	return `Basic realm="` + host + `"`
}

// challenge answers a bare 401 with the Basic challenge.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request) {
	eas.SetHeader(w.Header(), headerWWWAuthenticate, s.basicChallenge(r))
	w.WriteHeader(http.StatusUnauthorized)
}

// call is one EAS request being served.
type call struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	req     *eas.Request
	user    User
	mb      *Mailbox
	dev     *Device // a snapshot taken at the start of the request
	body    []byte
	start   time.Time
	wall    time.Time // the real arrival, for the latency metrics
	status  int       // EAS status answered, for the log
	written bool
	// abort: the handler must end by resetting the stream (a dropped
	// connection over HTTP/2), once the request is logged.
	abort bool
	// quarantined: the device is quarantined or in discovery, and sees
	// only what Exchange shows such a device.
	quarantined bool
	sw          *statusWriter
	empty       bool   // the handler answered HTTP 200 with no body
	accessLog   string // the IIS log's As: value
	out         []byte // the WBXML response, sent once the handler returns
	enc         *wbxml.Encoder
	// syncReq is a Sync request's body, decoded once for checkAccess and
	// handleSync (see syncRequest).
	syncReq *eas.SyncRequest
	// rare is what few calls set (extra, rareOf), nil until one does: a
	// call, and with it a parked Ping, is 512 bytes rather than 640.
	rare *callRare
	// hold is a held Ping's or hanging Sync's wait (park.go).
	hold *hold
	// cleanups run, last first, when the call ends: when serveCall
	// returns, or when a parked call finishes (they were serveCall's
	// defers).
	cleanups []func()
}

// callRare is what few calls set.
type callRare struct {
	mailSent string // the IIS log's Ms: value
	logError string // the IIS log's Error: value of an answer that is no error (NMStolen)
	syncErr  error  // the error decoding syncReq
	// invites are the meeting requests a Sync Add makes from 16.0, sent
	// once the mailbox is unlocked (meetingrequest.go).
	invites []pendingInvite
}

// extra returns the call's rare part, to set.
func (c *call) extra() *callRare {
	if c.rare == nil {
		c.rare = &callRare{}
	}
	return c.rare
}

// rareOf returns the call's rare part, to read: the zero one if none was
// set.
func (c *call) rareOf() callRare {
	if c.rare == nil {
		return callRare{}
	}
	return *c.rare
}

// onEnd registers f to run when the call ends, whether it parked or not.
func (c *call) onEnd(f func()) { c.cleanups = append(c.cleanups, f) }

// runCleanups runs the cleanups, last first.
func (c *call) runCleanups() {
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		c.cleanups[i]()
	}
	c.cleanups = nil
}

// handlerFunc serves one command. It writes its response with c.reply, or
// returns an error, typically an *eas.StatusError.
type handlerFunc func(c *call) error

// serveEAS handles a POST to /Microsoft-Server-ActiveSync.
func (s *Server) serveEAS(w http.ResponseWriter, r *http.Request) {
	if p := resumedCall(r); p != nil {
		// The stand-in of a parked request, on its handed-back
		// connection: the parked call finishes here.
		s.resume(p, w, r)
		return
	}
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	c := &call{s: s, w: sw, r: r, start: s.clock.Now(), wall: time.Now(), sw: sw}
	s.endCall(c, s.serveCall(c))
}

// endCall answers an error the call has not written, and logs the call;
// a parked call (errParked) ends later, through resume or endGone.
func (s *Server) endCall(c *call, err error) {
	if err == errParked {
		return
	}
	if err != nil && !c.written {
		s.writeError(c, err)
	}
	s.logCall(c, err)
	if c.abort {
		// A connection dropped by a fault over HTTP/2, which cannot be
		// hijacked: the stream is reset, after the request was logged.
		panic(http.ErrAbortHandler)
	}
}

// serveCall serves a request up to its answer, or until it parks.
func (s *Server) serveCall(c *call) (err error) {
	defer func() {
		if err != errParked {
			c.runCleanups()
		}
	}()
	if err := s.startCall(c); err != nil {
		return err
	}
	return s.commitCall(c)
}

// continueCall goes on with a parked call from its hold's wake: the rest
// of its handler, then what serveCall does after a handler.
func (s *Server) continueCall(c *call) (err error) {
	defer func() {
		if err != errParked {
			c.runCleanups()
		}
	}()
	if err := c.hold.loop(); err != nil {
		return err
	}
	return s.commitCall(c)
}

// startCall runs a request's lifecycle through its command's handler.
func (s *Server) startCall(c *call) error {
	// IIS request filtering comes first: a declared body over
	// maxAllowedContentLength is refused before anything is read.
	if c.r.ContentLength > s.opts.MaxRequestBytes {
		return errContentTooLarge(s.opts.MaxRequestBytes)
	}
	// IIS authenticates before Exchange sees the request: without valid
	// credentials the answer is 401 whatever the query string or body say
	// (and neither is parsed nor read).
	user, mb, ok := s.authenticate(c.r)
	if !ok {
		return errUnauthorized
	}
	c.user, c.mb = user, mb
	req, err := eas.ParseRequest(c.r)
	if req != nil {
		c.req = req
	}
	if err != nil {
		return err
	}
	// A request that ends in an error writes what its sections left for
	// the end before the error is answered.
	device := strings.ToLower(req.DeviceID)
	c.onEnd(func() { mb.commitDevices(device) })
	release, ok := s.enter(mb)
	if !ok {
		c.w.Header().Set(headerRetryAfter, concurrencyRetryAfter)
		return errTooManyConcurrent
	}
	// The concurrency slot stays taken while the request is parked.
	c.onEnd(release)
	if f := s.easFault(req, mb); f != nil {
		if err := s.applyEASFault(c, f); err != nil {
			return err
		}
	}
	if !s.profile.Supports(req.Command, req.ProtocolVersion) {
		if !s.profile.Supports(req.Command, s.profile.Versions()[len(s.profile.Versions())-1]) {
			return eas.NewHTTPError(http.StatusNotImplemented, fmt.Sprintf("command %s is not supported", req.Command))
		}
		return eas.NewStatusError(eas.StatusVersionNotSupported, fmt.Sprintf("protocol version %s is not supported for %s", req.ProtocolVersion, req.Command))
	}
	body, err := io.ReadAll(io.LimitReader(c.r.Body, s.opts.MaxRequestBytes+1))
	if err != nil {
		return eas.NewHTTPError(http.StatusBadRequest, "reading the request body: "+err.Error())
	}
	if int64(len(body)) > s.opts.MaxRequestBytes {
		return errContentTooLarge(s.opts.MaxRequestBytes)
	}
	c.body = body
	if err := checkContentType(c.r, req); err != nil {
		return err
	}
	now := s.clock.Now()
	mb.lock()
	dev := mb.deviceLocked(req.DeviceID, req.DeviceType, req.UserAgent, now)
	dev.ProtocolVersion = req.ProtocolVersion.String()
	snapshot := *dev
	mb.unlock()
	c.dev = &snapshot
	// Access is decided before policy, as in Exchange (exchange-admin.md 1.3).
	if err := s.checkAccess(c); err != nil {
		return err
	}
	if err := s.checkPolicy(c); err != nil {
		return err
	}
	h := commandHandlers[req.Command]
	if h == nil {
		return eas.NewHTTPError(http.StatusNotImplemented, fmt.Sprintf("command %s is not implemented", req.Command))
	}
	return h(c)
}

// commitCall commits a request its handler served and writes its answer.
func (s *Server) commitCall(c *call) error {
	mb, req := c.mb, c.req
	// The request's commit: its partnership's record and sync states,
	// which its lock sections left for the end (see Mailbox.unlock), go
	// to the store with LastSuccessSync, before the answer leaves. When
	// they cannot be written, the device is told to come back, as Exchange
	// answers when a mailbox database is unavailable.
	mb.lock()
	if d := mb.devices[strings.ToLower(req.DeviceID)]; d != nil {
		d.LastSuccessSync = s.clock.Now()
		mb.touchLocked(strings.ToLower(req.DeviceID))
	}
	mb.unlock()
	if err := mb.storeErr(); err != nil && !c.written {
		return eas.NewHTTPError(http.StatusServiceUnavailable, "the mailbox's changes could not be stored: "+err.Error())
	}
	switch {
	case c.out != nil:
		c.writeWBXML(c.out)
		c.release()
		if h := c.hold; h != nil && req.Command == eas.CommandPing {
			h.mu.Lock()
			woke := h.woke
			h.mu.Unlock()
			if !woke.IsZero() {
				s.metrics.pingWake.Observe(time.Since(woke).Seconds())
			}
		}
	case c.empty:
		c.s.setCommonHeaders(c)
		c.w.WriteHeader(http.StatusOK)
		c.written = true
	}
	return nil
}

// checkContentType refuses a body whose Content-Type is not the one the
// command carries: WBXML, or MIME for SendMail, SmartReply and SmartForward
// up to 12.1 (common status 101 InvalidContent, MS-ASCMD 2.2.2).
func checkContentType(r *http.Request, req *eas.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	want := req.ContentType()
	ok := strings.EqualFold(ct, want)
	if want == eas.ContentTypeWBXML {
		// Some clients send the older "application/vnd.ms-sync".
		ok = ok || strings.EqualFold(ct, "application/vnd.ms-sync")
	}
	if !ok {
		return &eas.StatusError{Status: int(eas.StatusInvalidContent), HTTPStatus: http.StatusBadRequest, Message: fmt.Sprintf("Content-Type %q, want %s", ct, want)}
	}
	return nil
}

var errUnauthorized = eas.NewHTTPError(http.StatusUnauthorized, "no or wrong credentials")

// contentTooLarge is IIS request filtering's refusal of a body over
// maxAllowedContentLength: 404.13, answered by IIS, not Exchange.
type contentTooLarge struct{ limit int64 }

func (e contentTooLarge) Error() string {
	return fmt.Sprintf("request body over maxAllowedContentLength (%d bytes): 404.13", e.limit)
}

func errContentTooLarge(limit int64) error { return contentTooLarge{limit} }

// iis404 is the page IIS sends remote clients for a 404, whatever its
// substatus (custom errors in their default, DetailedLocalOnly, mode).
const iis404 = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>404 - File or directory not found.</title>
</head>
<body>
<div id="header"><h1>Server Error</h1></div>
<div id="content">
 <div class="content-container"><fieldset>
  <h2>404 - File or directory not found.</h2>
  <h3>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</h3>
 </fieldset></div>
</div>
</body>
</html>
`

// writeContentTooLarge answers as IIS request filtering does, and closes
// the connection rather than read the rest of the body.
func (s *Server) writeContentTooLarge(c *call) {
	h := c.w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", fmt.Sprint(len(iis404)))
	h.Set("Connection", "close")
	c.w.WriteHeader(http.StatusNotFound)
	io.WriteString(c.w, iis404)
	c.written = true
}

// writeError renders an error as Exchange would (exchange-admin.md 2.2):
// a Status in the command's root element with HTTP 200 where the version
// defines it, the bare HTTP status otherwise.
func (s *Server) writeError(c *call, err error) {
	if errors.As(err, new(contentTooLarge)) {
		s.writeContentTooLarge(c)
		return
	}
	se, ok := eas.AsStatusError(err)
	if !ok {
		s.log.Error("serving EAS request", "error", err)
		se = eas.NewStatusError(eas.StatusServerError, err.Error())
	}
	var v eas.ProtocolVersion
	var cmd eas.Command
	if c.req != nil {
		v, cmd = c.req.ProtocolVersion, c.req.Command
	}
	httpStatus, bodyStatus := se.Outcome(v, cmd)
	if se.HTTPStatus == http.StatusUnauthorized {
		eas.SetHeader(c.w.Header(), headerWWWAuthenticate, s.basicChallenge(c.r))
	}
	if bodyStatus == 0 {
		c.status = se.Status
		s.setCommonHeaders(c)
		c.w.WriteHeader(httpStatus)
		c.written = true
		return
	}
	root := wbxml.LookupQualified(cmd.Namespace() + ":" + cmd.String())
	if root == nil {
		c.w.WriteHeader(http.StatusInternalServerError)
		return
	}
	e := wbxml.NewEncoder(nil)
	e.Start(root)
	e.Element(wbxml.Lookup(cmd.Namespace(), "Status"), fmt.Sprint(bodyStatus))
	e.End()
	if err := e.Close(); err != nil {
		c.w.WriteHeader(http.StatusInternalServerError)
		return
	}
	c.status = bodyStatus
	c.writeWBXML(e.Bytes())
}

// setCommonHeaders sets the headers Exchange puts on every EAS response.
func (s *Server) setCommonHeaders(c *call) {
	h := c.w.Header()
	eas.SetHeader(h, eas.HeaderServerVersion, s.profile.ServerVersion)
	h.Set("Cache-Control", "private")
}

// writeWBXML sends a WBXML response body, compressed as IIS compresses
// dynamic content (compression.go) unless Options.NoCompression.
func (c *call) writeWBXML(b []byte) {
	c.s.setCommonHeaders(c)
	c.w.Header().Set("Content-Type", "application/vnd.ms-sync.wbxml")
	if !c.s.opts.NoCompression && acceptsGzip(c.r.Header.Get("Accept-Encoding")) && c.s.hits.frequent(c.r.URL.Path, c.s.clock.Now()) {
		b = gzipBytes(b)
		c.w.Header().Set("Content-Encoding", "gzip")
		c.w.Header().Set("Vary", "Accept-Encoding")
	}
	c.w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	c.w.WriteHeader(http.StatusOK)
	c.w.Write(b)
	c.written = true
}

// encoders are reused across requests: a large Sync response grows an
// encoder's buffer once, not on every request.
var encoders = sync.Pool{New: func() any { return wbxml.NewEncoder(nil) }}

// reply marshals v as the response. It is sent once the handler returns,
// so handlers may reply while holding the mailbox lock.
func (c *call) reply(v any) error {
	e := encoders.Get().(*wbxml.Encoder)
	e.Reset(nil)
	e.Encode(v)
	if err := e.Close(); err != nil {
		encoders.Put(e)
		return fmt.Errorf("marshal %T: %w", v, err)
	}
	if c.enc != nil {
		encoders.Put(c.enc)
	}
	c.enc, c.out = e, e.Bytes()
	return nil
}

// release returns the response buffer once it has been written.
func (c *call) release() {
	if c.enc != nil {
		c.out = nil
		encoders.Put(c.enc)
		c.enc = nil
	}
}

// replyEmpty answers HTTP 200 with no body (SendMail success, an empty
// Sync).
func (c *call) replyEmpty() { c.empty = true }

// decode unmarshals the request body into v. A body that is not WBXML or
// not the command's gets the status Exchange gives: 102 InvalidWBXML or
// 103 InvalidXML (bare 400 up to 12.1).
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return eas.NewStatusError(eas.StatusInvalidContent, "empty request body")
	}
	d := wbxml.NewBytesDecoder(c.body)
	d.Limits = c.s.opts.Limits
	err := d.Decode(v)
	if err == nil {
		// Nothing may follow the command's root element.
		if _, end := d.Token(); end != io.EOF {
			err = end
		}
	}
	if err != nil {
		var se *wbxml.SyntaxError
		if errors.As(err, &se) {
			return &eas.StatusError{Status: int(eas.StatusInvalidWBXML), HTTPStatus: http.StatusBadRequest, Message: se.Error(), Err: err}
		}
		return &eas.StatusError{Status: int(eas.StatusInvalidXML), HTTPStatus: http.StatusBadRequest, Message: err.Error(), Err: err}
	}
	return nil
}

// logCall writes one line per request: command, user, device, status,
// duration.
func (s *Server) logCall(c *call, err error) {
	attrs := []any{"remote", c.r.RemoteAddr, "duration", s.clock.Since(c.start).String()}
	if c.req != nil {
		attrs = append(attrs, "cmd", c.req.Command.String(), "user", c.req.User, "device", c.req.DeviceID, "type", c.req.DeviceType, "version", c.req.ProtocolVersion.String())
	}
	if c.user.Alias != "" {
		attrs = append(attrs, "mailbox", c.user.PrimarySmtpAddress)
	}
	if c.status != 0 {
		attrs = append(attrs, "status", c.status)
	}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	s.log.Info("eas", attrs...)
	s.metrics.observe(c, time.Since(c.wall))
	e := s.iisEntryOf(c, err)
	if c.req != nil && c.user.Alias != "" {
		s.recent.add(c.user.PrimarySmtpAddress, c.req.DeviceID, e)
	}
	if s.opts.IISLog != nil {
		s.opts.IISLog.write(e)
	}
}

// iisEntryOf describes a served request for the IIS log.
func (s *Server) iisEntryOf(c *call, err error) *iisEntry {
	host, port, _ := net.SplitHostPort(c.r.Host)
	if host == "" {
		host = c.r.Host
	}
	clientIP, _, _ := net.SplitHostPort(c.r.RemoteAddr)
	e := &iisEntry{
		time: c.start, serverIP: host, method: c.r.Method, query: c.r.URL.RawQuery, port: port,
		username: c.user.Alias, clientIP: clientIP, userAgent: c.r.UserAgent(), status: c.sw.code,
		timeTaken: s.clock.Since(c.start), access: c.accessLog, mailSent: c.rareOf().mailSent, easStatus: c.status,
	}
	if c.req != nil {
		e.version = int(c.req.ProtocolVersion)
		if c.req.HasPolicyKey {
			e.policyKey = c.req.PolicyKey
		}
	}
	if errors.As(err, new(contentTooLarge)) {
		e.substatus = 13
	}
	if le := c.rareOf().logError; le != "" {
		// The handler named the error as Exchange logs it
		// (DeviceInfoRequiredInProvision rather than the status's name).
		e.errorToken = le
	} else if se, ok := eas.AsStatusError(err); ok && se.Status > 100 {
		e.errorToken = eas.Status(se.Status).String()
	}
	return e
}

// statusWriter remembers the HTTP status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

// Unwrap lets http.ResponseController reach the connection (a dropped
// connection fault hijacks it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Flush lets hanging responses flush through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
