package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/access"
)

// deviceConfig is what `easlab device` is told.
type deviceConfig struct {
	profile  string
	url      string
	user     string
	password string
	deviceID string
	insecure bool
	verbose  bool
	asJSON   bool
	// autodiscover runs mobilesync Autodiscover for this address first and
	// uses the endpoint it names.
	autodiscover string

	stateFile, folder, to, subject, body string
	duration                             time.Duration
	heartbeat                            int
}

func newDeviceCmd() *cobra.Command {
	var cfg deviceConfig
	cmd := &cobra.Command{
		Use:   "device setup|sync|ping|send|wipe-ack|run",
		Short: "Run a simulated phone against any ActiveSync server",
		Long: `Run a simulated device (a real client profile: its DeviceType, DeviceId format,
User-Agent, protocol version and first-time flow) against any Exchange
ActiveSync server: easlab serve, a real Exchange, Z-Push, or an MFA gateway.

With --autodiscover, the first step is mobilesync Autodiscover (following
redirects), and the device then uses the endpoint it names.

"setup" reports each step as Microsoft's Remote Connectivity Analyzer does
(pass, warn or fail), with the decoded request and response of a failed
step (of every step with --verbose). The exit status is 0 only when every
step passed.

With --state FILE the device remembers what a phone remembers (its
DeviceId, protocol version, policy key, folders, sync keys and the items
it holds) between runs, so that each action below is one invocation:

  setup     the first-time flow, step by step (saves the state)
  sync      FolderSync, then an incremental Sync of --folder; prints what came
  ping      one Ping on --folder for the heartbeat; prints what changed
  send      SendMail of a plain-text message --to --subject --body
  wipe-ack  a Provision: acknowledges a pending remote wipe (the device then
            forgets everything); exit 1 when no wipe was pending
  run       setup when there is no state yet, then Ping and Sync as the
            phone does, printing each new mail, for --duration

Every action but setup needs the state of an earlier setup or run. The
exit status is 1 when the server refused the device (blocked, wiped,
wrong password...).`,
		Example: `  easlab device setup --profile iphone --url http://127.0.0.1:8080 --user alice@contoso.com --password 'Passw0rd!'
  easlab device setup --profile gmail --state gmail.json
  easlab device send --state gmail.json --to bob@contoso.com --subject hello
  easlab device sync --state gmail.json
  easlab device run --profile samsung --state samsung.json --duration 2m
  easlab device setup --profile tbsync-legacy --url https://mail.contoso.com --user 'CONTOSO\alice' --password ... --json`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: deviceActions,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeviceAction(cmd.Context(), cmd.OutOrStdout(), cfg, args[0])
		},
	}
	f := cmd.Flags()
	var names []string
	for _, p := range clients.Profiles() {
		names = append(names, p.Name)
	}
	f.StringVar(&cfg.profile, "profile", clients.IPhone, "device profile: "+strings.Join(names, ", "))
	f.StringVar(&cfg.url, "url", "http://127.0.0.1:8080", "the server's base URL")
	f.StringVar(&cfg.user, "user", "alice@contoso.com", "user name (UPN, DOMAIN\\alias or alias)")
	f.StringVar(&cfg.password, "password", "Passw0rd!", "password")
	f.StringVar(&cfg.deviceID, "device-id", "", "DeviceId to use (default: a new one in the profile's format)")
	f.BoolVar(&cfg.insecure, "insecure", false, "accept any TLS certificate (for easlab serve --tls)")
	f.StringVar(&cfg.autodiscover, "autodiscover", "", "first run Autodiscover for this e-mail address at <url>/autodiscover/autodiscover.xml")
	f.BoolVar(&cfg.verbose, "verbose", false, "print every step's request and response")
	f.BoolVar(&cfg.asJSON, "json", false, "print the report as JSON")
	f.StringVar(&cfg.stateFile, "state", "", "keep the device's state (DeviceId, policy key, folders, sync keys) in this JSON file between runs")
	f.StringVar(&cfg.folder, "folder", "Inbox", "sync and ping: the folder's display name")
	f.StringVar(&cfg.to, "to", "", "send: the recipient (default: the user)")
	f.StringVar(&cfg.subject, "subject", "easlab test message", "send: the subject")
	f.StringVar(&cfg.body, "body", "Sent by a simulated device from easlab.", "send: the text")
	f.DurationVar(&cfg.duration, "duration", 0, "run: how long to keep the Ping+Sync loop going (0: until interrupted)")
	f.IntVar(&cfg.heartbeat, "heartbeat", 0, "ping and run: the Ping HeartbeatInterval in seconds (default: the profile's)")
	return cmd
}

// errSetupFailed makes the command exit 1 after the report is printed.
var errSetupFailed = errors.New("setup failed")

// setupStep is one line of the report.
type setupStep struct {
	Name       string `json:"name"`
	Result     string `json:"result"` // pass, warn, skip, fail
	Detail     string `json:"detail"`
	Transcript string `json:"transcript,omitempty"`
}

type setupReport struct {
	Profile  string      `json:"profile"`
	DeviceID string      `json:"deviceId"`
	URL      string      `json:"url"`
	Steps    []setupStep `json:"steps"`
	Passed   bool        `json:"passed"`
	// AccessState is the device's DeviceAccessState as the device can
	// tell it (accessAsSeen): Allowed, Quarantined, DeviceDiscovery,
	// Blocked, or empty when nothing told.
	AccessState string `json:"accessState,omitempty"`
	// Held says the server holds the device (quarantine or discovery).
	Held   bool        `json:"held"`
	Notice *noticeSeen `json:"notice,omitempty"`
}

func (r *setupReport) print(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "Exchange ActiveSync setup of a simulated %s (DeviceId %s) against %s\n\n", r.Profile, r.DeviceID, r.URL)
	for _, s := range r.Steps {
		fmt.Fprintf(w, "[%s] %s: %s\n", strings.ToUpper(s.Result), s.Name, s.Detail)
		if s.Transcript != "" && (verbose || s.Result == "fail") {
			for _, line := range strings.Split(strings.TrimRight(s.Transcript, "\n"), "\n") {
				fmt.Fprintln(w, "      "+line)
			}
		}
	}
	switch {
	case r.Held:
		fmt.Fprintf(w, "\nThe server holds the device (%s): it syncs nothing but this notice until it is allowed.\n", r.AccessState)
		if r.Notice != nil {
			fmt.Fprintf(w, "\n  Subject: %s\n", r.Notice.Subject)
			for _, line := range strings.Split(r.Notice.Body, "\n") {
				fmt.Fprintln(w, strings.TrimRight("  "+line, " "))
			}
		}
	case r.Passed:
		fmt.Fprintln(w, "\nAll steps passed.")
	default:
		fmt.Fprintln(w, "\nSetup did not complete.")
	}
}

// httpClientFor is the HTTP client of a device command.
func httpClientFor(cfg deviceConfig) *http.Client {
	c := &http.Client{Timeout: 5 * time.Minute}
	if cfg.insecure {
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	return c
}

// newDevice returns a device that has never talked to the server.
func newDevice(cfg deviceConfig) (*clients.Device, error) {
	p, ok := clients.ProfileByName(cfg.profile)
	if !ok {
		return nil, fmt.Errorf("--profile %q: unknown profile", cfg.profile)
	}
	return clients.New(p, clients.Options{BaseURL: strings.TrimSuffix(cfg.url, "/") + "/Microsoft-Server-ActiveSync", User: cfg.user, Password: cfg.password, HTTPClient: httpClientFor(cfg), DeviceID: cfg.deviceID}), nil
}

// runDeviceSetup runs the first-time flow of d step by step.
func runDeviceSetup(ctx context.Context, cfg deviceConfig, d *clients.Device) *setupReport {
	if ctx == nil {
		ctx = context.Background()
	}
	p := d.Profile
	r := &setupReport{Profile: p.Name, DeviceID: d.DeviceID, URL: cfg.url, Passed: true}
	seen := 0
	step := func(name string, err error, detail string) bool {
		entries := d.Transcript().Entries()
		var tr strings.Builder
		for _, e := range entries[seen:] {
			tr.WriteString(e.String())
		}
		seen = len(entries)
		s := setupStep{Name: name, Result: "pass", Detail: detail, Transcript: tr.String()}
		if err != nil {
			s.Result, s.Detail, r.Passed = "fail", withTLSHint(err).Error(), false
			if st, ok := refusedState(err); ok {
				r.AccessState = st
			}
		}
		r.Steps = append(r.Steps, s)
		return err == nil
	}

	// OPTIONS: which versions and commands the server offers; the device
	// goes down to the highest it shares with the server.
	if cfg.autodiscover != "" {
		endpoint := strings.TrimSuffix(cfg.url, "/") + "/autodiscover/autodiscover.xml"
		found, err := d.Autodiscover(ctx, endpoint, cfg.autodiscover)
		if !step("Autodiscover", err, "the ActiveSync URL is "+found) {
			return r
		}
	}
	info, err := d.Options(ctx)
	if !step("OPTIONS", err, fmt.Sprintf("server %s offers %d versions (%s); the device speaks %s", info.Server, len(info.Offered), strings.Join(info.Offered, ", "), d.Profile.ProtocolVersion)) {
		return r
	}
	if p.DeviceInfoIn == clients.InfoInSettings {
		if !step("Settings DeviceInformation", d.Settings(ctx), "the device told who it is") {
			return r
		}
	}
	if p.NoPolicyKey {
		// As clients.Device.Setup: such a client never provisions (legacy
		// TbSync), and Exchange serves it while the policy allows
		// non-provisionable devices.
		r.Steps = append(r.Steps, setupStep{Name: "Provision", Result: "skip", Detail: "the client never provisions: it sends no X-MS-PolicyKey"})
	} else {
		if !step("Provision", d.Provision(ctx), "policy acknowledged") {
			return r
		}
		key, _ := d.PolicyKey()
		r.Steps[len(r.Steps)-1].Detail = fmt.Sprintf("policy acknowledged, policy key %d", key)
	}
	if !step("FolderSync", d.FolderSync(ctx), "") {
		return r
	}
	r.Steps[len(r.Steps)-1].Detail = fmt.Sprintf("%d folders", len(d.Folders()))
	inbox, ok := d.FolderByType(eas.FolderTypeInbox)
	if !ok {
		step("Sync Inbox", errors.New("the hierarchy has no Inbox"), "")
		return r
	}
	changes, err := d.Sync(ctx, inbox.ServerId)
	if !step("Sync Inbox", err, fmt.Sprintf("%d items", len(changes))) {
		return r
	}
	state, n, told := accessAsSeen(d)
	switch {
	case !told:
		// An empty Inbox is legal, but a device that was quarantined
		// and has read its notice sees this too: worth a look.
		r.Steps[len(r.Steps)-1].Result = "warn"
		r.Steps[len(r.Steps)-1].Detail = "the Inbox is empty: the device cannot tell whether it is allowed"
	case state != access.Allowed.String():
		r.AccessState, r.Held, r.Notice, r.Passed = state, true, n, false
		r.Steps = append(r.Steps, setupStep{Name: "Access", Result: "warn",
			Detail: fmt.Sprintf("%s: the Inbox holds only Exchange's notice", state)})
	default:
		r.AccessState = state
	}
	return r
}
