package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/store"
)

// serveConfig is what `easlab serve` is told on the command line.
type serveConfig struct {
	listen       string
	tls          bool
	certFile     string
	keyFile      string
	demoPassword string
	demoUsers    int
	mailRate     float64
	orgFile      string
	adminToken   string
	iisLog       string
	casDelay     time.Duration
	// noCompression turns IIS's dynamic compression off.
	noCompression bool
	// park parks held Pings and hanging Syncs (simulator.Options.NoPark).
	park        bool
	releaseHang bool
	serverLang  string
	smtpRelay   string
	profile     string
	logFormat   string
	logLevel    string
	dataDir     string
	stateFile   string
	maxConc     int
	lockout     simulator.Lockout
	externalURL string
	maxSendSize int64
	// ps is the throttling policy's PowerShell limits (only those fields
	// of simulator.Options are set).
	ps simulator.Options
	// http is what http.sys and IIS would limit (simulator.HTTPLimits).
	http simulator.HTTPLimits
	// maxContentLength is IIS's maxAllowedContentLength.
	maxContentLength int64
	// timeZone is the server's local time zone (an IANA name) and
	// identityStyle the form of device Identities.
	timeZone, identityStyle string

	// deviceInfoFrom is the first protocol version whose Provision must
	// carry DeviceInformation (simulator.Options.DeviceInformationRequiredFrom).
	deviceInfoFrom string
}

func newServeCmd() *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the fake Exchange (ActiveSync, Autodiscover) with a demo organization",
		Long: `Run the simulator: a fake Exchange that speaks ActiveSync over real WBXML.
With no flags it serves a demo organization, contoso.com, in memory on
http://127.0.0.1:8080, with the users alice, bob and admin (password
Passw0rd!), each with seeded mail, calendar, contacts, tasks and notes.
Users may sign in as alice@contoso.com, CONTOSO\alice or alice.`,
		Example: `  easlab serve
  easlab serve --listen 0.0.0.0:8443 --tls
  easlab serve --demo-users 500 --profile Exchange2013 --log-format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cfg, cmd.OutOrStdout(), cmd.ErrOrStderr(), nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "address to listen on")
	f.BoolVar(&cfg.tls, "tls", false, "serve HTTPS with a generated self-signed certificate")
	f.StringVar(&cfg.certFile, "cert", "", "serve HTTPS with this certificate (PEM); needs --key")
	f.StringVar(&cfg.keyFile, "key", "", "private key (PEM) for --cert")
	f.StringVar(&cfg.demoPassword, "demo-password", demo.Password, "password of the demo users")
	f.StringVar(&cfg.orgFile, "org", "", "load users, mailboxes and content from this YAML file instead of the demo organization")
	f.IntVar(&cfg.demoUsers, "demo-users", 0, "add this many users user00001@contoso.com ... for fleets")
	f.Float64Var(&cfg.mailRate, "mail-rate", 0, "deliver this many new mails a second, to the mailboxes in turn (load: devices in Ping wake and Sync)")
	f.StringVar(&cfg.profile, "profile", eas.ProfileExchange2019, "Exchange version to play: Exchange2010SP3, Exchange2013, Exchange2016, Exchange2019")
	f.StringVar(&cfg.adminToken, "admin-token", os.Getenv("EASLAB_ADMIN_TOKEN"), "bearer token of the admin API (default $EASLAB_ADMIN_TOKEN, else a random one, printed)")
	f.StringVar(&cfg.iisLog, "iis-log", "", "append an IIS-style W3C line per EAS request, with Exchange's Log= items, to this file")
	f.StringVar(&cfg.smtpRelay, "smtp-relay", "", "also send the quarantine and block notices to this SMTP server (host:port, e.g. Mailpit's 127.0.0.1:1025)")
	f.DurationVar(&cfg.casDelay, "cas-cache-delay", simulator.DefaultCASCacheRefresh, "refresh interval of the directory cache through which the EAS side sees allow/block lists (Exchange's ADCacheRefreshInterval, 60s: a change shows within 0 to 3 intervals); 0 shows it at once")
	f.BoolVar(&cfg.park, "park", true, "park held Pings and hanging Syncs without a goroutine (Linux, plain HTTP/1.1; under TLS and HTTP/2 they block); --park=false keeps the blocking path")
	f.BoolVar(&cfg.noCompression, "no-compression", false, "never gzip WBXML answers (IIS's dynamic compression is on by default: an answer is compressed when the client accepts gzip and the URL was hit twice within 10 s)")
	f.BoolVar(&cfg.releaseHang, "release-hanging-on-approval", false, "answer a quarantined device's waiting Ping or Sync as soon as it is approved (Exchange holds it to its heartbeat: the device sees the approval at its next request)")
	f.StringVar(&cfg.serverLang, "server-language", "", "the Exchange server's language, in which the admin notice is written: en-US (default) or de-DE; user notices follow each mailbox's Languages")
	f.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.StringVar(&cfg.dataDir, "data", "", "keep the organization, mailboxes, devices and events in this directory (SQLite), so they survive a restart; the first start seeds it from --org or the demo organization")
	f.StringVar(&cfg.stateFile, "state", "", "start from this state file (easlab state export) instead of the demo organization")
	f.StringVar(&cfg.externalURL, "external-url", "", "the URL devices reach this server by, given out by Autodiscover and in the Basic realm, as Exchange's ExternalUrl (e.g. https://mail.contoso.com); default: the request's Host")
	f.IntVar(&cfg.lockout.Threshold, "lockout-threshold", 0, "lock an account after this many failed sign-ins (Active Directory's LockoutBadCount; 0, the default, never locks)")
	f.DurationVar(&cfg.lockout.Window, "lockout-window", 0, "how long failed sign-ins count towards the threshold (ResetLockoutCount; default 30m)")
	f.DurationVar(&cfg.lockout.Duration, "lockout-duration", 0, "how long a locked account stays locked (LockoutDuration; default 30m)")
	f.IntVar(&cfg.maxConc, "eas-max-concurrency", 0, "requests one user may have in progress at once (the throttling policy's EasMaxConcurrency; 0 keeps the organization's, Exchange's default 10; -1 is Unlimited, for fleets of many devices per user)")
	f.IntVar(&cfg.ps.PowerShellMaxConcurrency, "powershell-max-concurrency", 0, "Remote PowerShell sessions one user may have open at once (the throttling policy's PowerShellMaxConcurrency; 0 is Exchange's default 18; -1 is Unlimited)")
	f.IntVar(&cfg.ps.PowerShellMaxCmdlets, "powershell-max-cmdlets", 0, "Exchange cmdlets one user may run per --powershell-max-cmdlets-time-period over Remote PowerShell before the pipeline is stopped (PowerShellMaxCmdlets; 0, Exchange's default, is Unlimited)")
	f.DurationVar(&cfg.ps.PowerShellMaxCmdletsTimePeriod, "powershell-max-cmdlets-time-period", 0, "the window of --powershell-max-cmdlets and --exchange-max-cmdlets (PowerShellMaxCmdletsTimePeriod; Exchange's default Unlimited)")
	f.IntVar(&cfg.ps.ExchangeMaxCmdlets, "exchange-max-cmdlets", 0, "Exchange cmdlets one user may run per --powershell-max-cmdlets-time-period before the next ones wait for the window's end (ExchangeMaxCmdlets; 0, Exchange's default, is Unlimited)")
	f.IntVar(&cfg.ps.PowerShellMaxDestructiveCmdlets, "powershell-max-destructive-cmdlets", 0, "destructive cmdlets (Remove-MobileDevice, Remove-ActiveSyncDevice, Set-Mailbox...) one user may run per --powershell-max-destructive-cmdlets-time-period (PowerShellMaxDestructiveCmdlets; 0, Exchange's default, is Unlimited)")
	f.DurationVar(&cfg.ps.PowerShellMaxDestructiveCmdletsTimePeriod, "powershell-max-destructive-cmdlets-time-period", 0, "the window of --powershell-max-destructive-cmdlets (PowerShellMaxDestructiveCmdletsTimePeriod; Exchange's default Unlimited)")
	f.IntVar(&cfg.ps.PowerShellMaxRunspaces, "powershell-max-runspaces", 0, "Remote PowerShell sessions one user may open per --powershell-max-runspaces-time-period; over it Create is refused (PowerShellMaxRunspaces; 0, Exchange's default, is Unlimited)")
	f.DurationVar(&cfg.ps.PowerShellMaxRunspacesTimePeriod, "powershell-max-runspaces-time-period", 0, "the window of --powershell-max-runspaces (PowerShellMaxRunspacesTimePeriod; Exchange's default Unlimited)")
	f.IntVar(&cfg.ps.PowerShellMaxCmdletQueueDepth, "powershell-max-cmdlet-queue-depth", 0, "WS-Management operations one user may have in progress at once over Remote PowerShell (PowerShellMaxCmdletQueueDepth as WinRM's per-user operation quota; 0, Exchange's Unlimited, keeps WinRM's 1500; -1 is no limit)")
	f.Int64Var(&cfg.maxSendSize, "max-send-size", simulator.DefaultMaxSendSize, "largest message SendMail, SmartReply and SmartForward submit, in bytes (Exchange's MaxSendSize, 10 MB); larger: status 120; -1: no limit")
	f.StringVar(&cfg.timeZone, "time-zone", "UTC", "the server's local time zone (an IANA name such as Europe/Berlin), in which cmdlets show WhenCreated and WhenChanged")
	f.StringVar(&cfg.identityStyle, "identity-style", "on-premises", "how cmdlets write a device's Identity: on-premises (the canonical name, contoso.com/Users/Alice Wilber/ExchangeActiveSyncDevices/iPhone§...) or online (Exchange Online's alice\\ExchangeActiveSyncDevices\\iPhone§...)")
	d := simulator.DefaultHTTPLimits()
	f.IntVar(&cfg.http.MaxFieldLength, "max-field-length", d.MaxFieldLength, "longest request header line, as http.sys's MaxFieldLength (over it: 400 Header Field Too Long)")
	f.IntVar(&cfg.http.MaxRequestBytes, "max-request-bytes", d.MaxRequestBytes, "longest request line and headers together, as http.sys's MaxRequestBytes (over it: 400 Request Too Long)")
	f.DurationVar(&cfg.http.ConnectionTimeout, "connection-timeout", d.ConnectionTimeout, "idle keep-alive, header and body timeout, as IIS's connectionTimeout and http.sys's IdleConnection, HeaderWait and EntityBody")
	f.IntVar(&cfg.http.MinBytesPerSecond, "min-bytes-per-second", d.MinBytesPerSecond, "slowest rate at which a client may send a body or take a response, as IIS's minBytesPerSecond")
	f.IntVar(&cfg.http.MaxConcurrentStreams, "http2-max-streams", d.MaxConcurrentStreams, "concurrent streams of one HTTP/2 connection")
	f.Int64Var(&cfg.maxContentLength, "max-allowed-content-length", simulator.DefaultMaxRequestBytes, "largest request body, as IIS's maxAllowedContentLength (over it: 404.13, before the body is read)")
	f.StringVar(&cfg.deviceInfoFrom, "device-info-required-from", eas.Version141.String(), "first protocol version whose initial Provision must carry DeviceInformation, else status 165 (Exchange's code: 14.1; 16.1 is the lenient behaviour field reports describe)")
	return cmd
}

// zoneAndStyle reads --time-zone and --identity-style.
func zoneAndStyle(cfg serveConfig) (*time.Location, simulator.IdentityStyle, error) {
	zone, err := time.LoadLocation(cfg.timeZone)
	if err != nil {
		return nil, 0, fmt.Errorf("--time-zone: %w", err)
	}
	switch strings.ToLower(cfg.identityStyle) {
	case "on-premises", "onpremises", "":
		return zone, simulator.IdentityOnPremises, nil
	case "online", "exchange-online":
		return zone, simulator.IdentityExchangeOnline, nil
	}
	return nil, 0, fmt.Errorf("--identity-style: %q is neither on-premises nor online", cfg.identityStyle)
}

// runServe runs the simulator until ctx is done. ready, if not nil,
// receives the listening address.
func runServe(ctx context.Context, cfg serveConfig, stdout, stderr io.Writer, ready chan<- string) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	var handler slog.Handler
	switch cfg.logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	case "json":
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		return fmt.Errorf("--log-format %q: want text or json", cfg.logFormat)
	}
	logger := slog.New(handler)
	var deviceInfoFrom eas.ProtocolVersion // zero: the simulator's default, 14.1
	if cfg.deviceInfoFrom != "" {
		v, err := eas.ParseProtocolVersion(cfg.deviceInfoFrom)
		if err != nil {
			return fmt.Errorf("--device-info-required-from: %w", err)
		}
		deviceInfoFrom = v
	}
	profile, ok := eas.Profile(cfg.profile)
	if !ok {
		return fmt.Errorf("--profile %q: unknown Exchange version", cfg.profile)
	}
	if (cfg.certFile == "") != (cfg.keyFile == "") {
		return errors.New("--cert and --key go together")
	}
	if cfg.stateFile != "" && cfg.orgFile != "" {
		return errors.New("--state and --org both name an organization: give one")
	}
	seed := func() (*simulator.Directory, error) {
		if cfg.stateFile != "" {
			f, err := os.Open(cfg.stateFile)
			if err != nil {
				return nil, fmt.Errorf("--state: %w", err)
			}
			defer f.Close()
			st, err := store.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("--state %s: %w", cfg.stateFile, err)
			}
			dir, err := simulator.RestoreDirectory(st)
			if err != nil {
				return nil, fmt.Errorf("--state %s: %w", cfg.stateFile, err)
			}
			return dir, nil
		}
		if cfg.orgFile == "" {
			return demo.NewDirectory(cfg.demoPassword, cfg.demoUsers, clock.Real().Now())
		}
		return loadOrgFile(cfg.orgFile)
	}
	var (
		dir      *simulator.Directory
		restored bool // the organization came from --data
		err      error
	)
	if cfg.dataDir != "" {
		st, err := store.OpenSQLite(cfg.dataDir)
		if err != nil {
			return fmt.Errorf("--data: %w", err)
		}
		defer st.Close()
		seeded := false
		dir, err = simulator.OpenDirectory(st, func() (*simulator.Directory, error) { seeded = true; return seed() })
		if err != nil {
			return fmt.Errorf("--data %s: %w", cfg.dataDir, err)
		}
		restored = !seeded
	} else if dir, err = seed(); err != nil {
		return err
	}
	if cfg.maxConc != 0 {
		dir.SetOrganizationSettings(func(o *simulator.OrganizationSettings) { o.EasMaxConcurrency = cfg.maxConc })
	}
	var iis *simulator.IISLog
	if cfg.iisLog != "" {
		f, err := os.OpenFile(cfg.iisLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("--iis-log: %w", err)
		}
		defer f.Close()
		iis = simulator.NewIISLog(f)
	}
	zone, style, err := zoneAndStyle(cfg)
	if err != nil {
		return err
	}
	if cfg.serverLang != "" {
		c, ok := simulator.CanonicalCulture(cfg.serverLang)
		if !ok {
			return fmt.Errorf("--server-language %q is not a culture name such as de-DE", cfg.serverLang)
		}
		cfg.serverLang = c
	}
	srv, err := simulator.New(simulator.Options{
		TimeZone:             zone,
		IdentityStyle:        style,
		AdminToken:           cfg.adminToken,
		Lockout:              cfg.lockout,
		ExternalURL:          cfg.externalURL,
		CASMailboxCacheDelay: cfg.casDelay,
		SMTPRelay:            cfg.smtpRelay,

		ReleaseHangingOnApproval: cfg.releaseHang,
		NoCompression:            cfg.noCompression,
		NoPark:                   !cfg.park,
		ServerLanguage:           cfg.serverLang,
		IISLog:                   iis,
		Directory:                dir,
		Logger:                   logger,
		Profile:                  profile,
		MaxSendSize:              cfg.maxSendSize,
		MaxRequestBytes:          cfg.maxContentLength,

		DeviceInformationRequiredFrom: deviceInfoFrom,

		PowerShellMaxConcurrency:                  cfg.ps.PowerShellMaxConcurrency,
		PowerShellMaxCmdlets:                      cfg.ps.PowerShellMaxCmdlets,
		PowerShellMaxCmdletsTimePeriod:            cfg.ps.PowerShellMaxCmdletsTimePeriod,
		ExchangeMaxCmdlets:                        cfg.ps.ExchangeMaxCmdlets,
		PowerShellMaxDestructiveCmdlets:           cfg.ps.PowerShellMaxDestructiveCmdlets,
		PowerShellMaxDestructiveCmdletsTimePeriod: cfg.ps.PowerShellMaxDestructiveCmdletsTimePeriod,
		PowerShellMaxRunspaces:                    cfg.ps.PowerShellMaxRunspaces,
		PowerShellMaxRunspacesTimePeriod:          cfg.ps.PowerShellMaxRunspacesTimePeriod,
		PowerShellMaxCmdletQueueDepth:             cfg.ps.PowerShellMaxCmdletQueueDepth,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	ln = simulator.Listener(ln)
	scheme := "http"
	var tlsConfig *tls.Config
	switch {
	case cfg.certFile != "":
		cert, err := tls.LoadX509KeyPair(cfg.certFile, cfg.keyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--cert/--key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	case cfg.tls:
		cert, err := selfSigned(ln.Addr().String())
		if err != nil {
			ln.Close()
			return err
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	if tlsConfig != nil {
		scheme = "https"
		// HTTP/2 by ALPN, as IIS 10 offers it over TLS, and HTTP/1.1.
		tlsConfig.NextProtos = []string{"h2", "http/1.1"}
		ln = tls.NewListener(ln, tlsConfig)
	}
	base := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(stdout, "easlab is serving a fake Exchange (%s, %s)\n", profile.Name, profile.ServerVersion)
	fmt.Fprintf(stdout, "  ActiveSync:   %s/Microsoft-Server-ActiveSync\n", base)
	fmt.Fprintf(stdout, "  Autodiscover: %s/autodiscover/autodiscover.xml\n", base)
	fmt.Fprintf(stdout, "  Health:       %s/healthz\n", base)
	fmt.Fprintf(stdout, "  Admin API:    POST %s/api/cmdlet, GET %s/api/events\n", base, base)
	fmt.Fprintf(stdout, "                Authorization: Bearer %s\n", srv.AdminToken())
	fmt.Fprintf(stdout, "                (easlab admin reads EASLAB_ADMIN_URL=%s and EASLAB_ADMIN_TOKEN)\n", base)
	fmt.Fprintf(stdout, "  PowerShell:   %s/PowerShell/ (Exchange's Remote PowerShell; Basic, or Negotiate with NTLM)\n", base)
	if u, ok := dir.AdminAccount(); ok {
		fmt.Fprintf(stdout, "                as %s\\%s, password %q (in %s)\n", dir.Org.NetBIOS, u.Alias, u.Password, strings.Join(u.RoleGroups, ", "))
	} else {
		fmt.Fprintf(stdout, "                nobody may open it: no user is in a role group\n")
	}
	fmt.Fprintf(stdout, "  Admin center: %s/ecp/ (sign in as the PowerShell account, or with the admin API token)\n", base)
	switch {
	case cfg.dataDir != "" && restored:
		fmt.Fprintf(stdout, "State kept in %s (restored: %d users; flags that seed an organization are ignored)\n", cfg.dataDir, len(dir.Users()))
	case cfg.dataDir != "":
		fmt.Fprintf(stdout, "State kept in %s (a new data directory, seeded now)\n", cfg.dataDir)
	default:
		fmt.Fprintf(stdout, "State kept in memory only (--data DIR keeps it across restarts)\n")
	}
	if restored || cfg.stateFile != "" {
		org := dir.Org
		fmt.Fprintf(stdout, "Organization %s:\n", org.Domain)
		for i, u := range dir.Users() {
			if i == 10 {
				fmt.Fprintf(stdout, "  ... and %d more\n", len(dir.Users())-10)
				break
			}
			fmt.Fprintf(stdout, "  %-22s %s (also %s\\%s)\n", u.UserPrincipalName, u.DisplayName, org.NetBIOS, u.Alias)
		}
	} else if cfg.orgFile != "" {
		org := dir.Org
		fmt.Fprintf(stdout, "Organization %s from %s:\n", org.Domain, cfg.orgFile)
		for _, u := range dir.Users() {
			fmt.Fprintf(stdout, "  %-22s %s (also %s\\%s)\n", u.UserPrincipalName, u.DisplayName, org.NetBIOS, u.Alias)
		}
	} else {
		fmt.Fprintf(stdout, "Demo organization %s, password %q:\n", demo.Organization.Domain, cfg.demoPassword)
		for _, u := range demo.Users {
			fmt.Fprintf(stdout, "  %-22s %s (also %s\\%s)\n", u.Alias+"@"+demo.Organization.Domain, u.DisplayName, demo.Organization.NetBIOS, u.Alias)
		}
	}
	if !restored && cfg.orgFile == "" && cfg.stateFile == "" && cfg.demoUsers > 0 {
		fmt.Fprintf(stdout, "  and user00001 ... user%05d@%s\n", cfg.demoUsers, demo.Organization.Domain)
	}
	limits := cfg.http
	limits.Logger = logger
	hs := simulator.NewHTTPServer(srv, limits)
	hs.TLSConfig = tlsConfig
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if cfg.mailRate > 0 {
		go deliverMail(ctx, srv, cfg.mailRate)
	}
	if ready != nil {
		ready <- base
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
		return nil
	}
}

// selfSigned makes a throwaway certificate for localhost and the address.
func selfSigned(addr string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	host, _, _ := net.SplitHostPort(addr)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "easlab", Organization: []string{"easlab"}},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     []string{"localhost", "autodiscover.contoso.com", "mail.contoso.com"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// deliverMail puts rate new mails a second into the mailboxes, one after
// the other, until ctx ends: incoming mail for a fleet's devices to Sync.
func deliverMail(ctx context.Context, srv *simulator.Server, rate float64) {
	users := srv.Directory().Users()
	if len(users) == 0 {
		return
	}
	clk := srv.Clock()
	interval := time.Duration(float64(time.Second) / rate)
	start := clk.Now()
	for n := 0; ; n++ {
		// Keep to the rate on average: sleep until the n-th mail is due.
		if wait := start.Add(time.Duration(n) * interval).Sub(clk.Now()); wait > 0 {
			if clk.Sleep(ctx, wait) != nil {
				return
			}
		} else if ctx.Err() != nil {
			return
		}
		u := users[n%len(users)]
		_, mb, ok := srv.Directory().Resolve(u.UserPrincipalName)
		if !ok {
			continue
		}
		demo.AddMail(mb, demo.Mail{From: "Load Generator <load@contoso.com>", Subject: fmt.Sprintf("Load mail %d", n+1), Body: "Delivered by easlab serve --mail-rate."}, clk.Now())
	}
}

// loadOrgFile reads the organization file of --org.
func loadOrgFile(path string) (*simulator.Directory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--org: %w", err)
	}
	defer f.Close()
	dir, err := demo.LoadOrgFile(f, clock.Real().Now())
	if err != nil {
		return nil, fmt.Errorf("--org %s: %w", path, err)
	}
	return dir, nil
}
