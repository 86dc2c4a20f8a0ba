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
	"github.com/spf13/pflag"

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

	read                       string // mail --read
	userAgent, os, newPassword string // update-os, set-useragent, change-password
}

func newDeviceCmd() *cobra.Command {
	var cfg deviceConfig
	cmd := &cobra.Command{
		Use:   "device <action>",
		Short: "Run a simulated phone against any ActiveSync server",
		Long: `Run a simulated device (a real client profile: its DeviceType, DeviceId format,
User-Agent, protocol version and first-time flow) against any Exchange
ActiveSync server: easlab serve, a real Exchange, Z-Push, or an MFA gateway.

With --state FILE the device remembers what a phone remembers (its
DeviceId, protocol version, policy key, folders, sync keys, the items it
holds and the ClientIds it used) between runs, so that each action is one
invocation. Every action but setup and run needs the state of an earlier
setup or run; each has its own --help.

Exit status: 0 when the device syncs; 1 when a step failed or the server
refused the device (blocked, wiped, wrong password...); 3 when the server
holds the device (quarantined, or in device discovery) until it is allowed.
The access state is the device's own view: a held device's Inbox holds
only Exchange's notice.`,
		Example: `  easlab device setup --profile iphone --url http://127.0.0.1:8080 --user alice@contoso.com --password 'Passw0rd!'
  easlab device setup --profile gmail --state gmail.json
  easlab device send --state gmail.json --to bob@contoso.com --subject hello
  easlab device sync --state gmail.json
  easlab device mail --state gmail.json --read 1:3
  easlab device run --profile samsung --state samsung.json --duration 2m
  easlab device setup --profile tbsync-legacy --url https://mail.contoso.com --user 'CONTOSO\alice' --password ... --json`,
		Args: cobra.NoArgs,
	}
	f := cmd.PersistentFlags()
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
	f.BoolVar(&cfg.verbose, "verbose", false, "print every step's request and response")
	f.BoolVar(&cfg.asJSON, "json", false, "print the report as JSON")
	f.StringVar(&cfg.stateFile, "state", "", "keep the device's state (DeviceId, policy key, folders, sync keys) in this JSON file between runs")

	action := func(name, short, long string, flags func(*pflag.FlagSet)) *cobra.Command {
		c := &cobra.Command{
			Use:   name,
			Short: short,
			Long:  long,
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, args []string) error {
				return runDeviceAction(c.Context(), c.OutOrStdout(), cfg, name)
			},
		}
		if flags != nil {
			flags(c.Flags())
		}
		cmd.AddCommand(c)
		return c
	}
	folder := func(fs *pflag.FlagSet, what string) {
		fs.StringVar(&cfg.folder, "folder", "Inbox", what+": the folder's display name")
	}
	heartbeat := func(fs *pflag.FlagSet) {
		fs.IntVar(&cfg.heartbeat, "heartbeat", 0, "the Ping HeartbeatInterval in seconds (default: the profile's)")
	}
	action("setup", "The first-time flow, step by step, as the Remote Connectivity Analyzer reports it",
		`Run the profile's first-time flow (OPTIONS, Provision, FolderSync, Sync of the
Inbox...) and report each step as Microsoft's Remote Connectivity Analyzer does
(pass, warn or fail), with the decoded request and response of a failed step
(of every step with --verbose), and the device's access state as it can see it:
a quarantined device shows Exchange's notice and exits 3. With --autodiscover,
the first step is mobilesync Autodiscover (following redirects), and the
device then uses the endpoint it names. Saves the state.`,
		func(fs *pflag.FlagSet) {
			fs.StringVar(&cfg.autodiscover, "autodiscover", "", "first run Autodiscover for this e-mail address at <url>/autodiscover/autodiscover.xml")
		})
	action("sync", "FolderSync, then an incremental Sync of --folder; prints what came",
		`FolderSync, then an incremental Sync of --folder, printing what came; after a
Sync of the Inbox, the access state as the device sees it (exit 3 when held).`,
		func(fs *pflag.FlagSet) { folder(fs, "the folder to sync") })
	action("ping", "One Ping on --folder for the heartbeat; prints what changed", "",
		func(fs *pflag.FlagSet) { folder(fs, "the folder to watch"); heartbeat(fs) })
	action("send", "SendMail of a plain-text message", `SendMail of a plain-text message --to --subject --body. Each send uses the next
ClientId (the state keeps the count), as a phone never reuses one.`,
		func(fs *pflag.FlagSet) {
			fs.StringVar(&cfg.to, "to", "", "the recipient (default: the user)")
			fs.StringVar(&cfg.subject, "subject", "easlab test message", "the subject")
			fs.StringVar(&cfg.body, "body", "Sent by a simulated device from easlab.", "the text")
		})
	action("wipe-ack", "A Provision that acknowledges a pending remote wipe",
		`A Provision: acknowledges a pending remote wipe (the device then forgets
everything); exit 1 when no wipe was pending.`, nil)
	action("run", "Setup when there is no state yet, then Ping and Sync as a phone does",
		`Setup when there is no state yet, then Ping and Sync as the phone does,
printing each new mail, for --duration (until interrupted when 0).`,
		func(fs *pflag.FlagSet) {
			folder(fs, "the folder to watch")
			heartbeat(fs)
			fs.DurationVar(&cfg.duration, "duration", 0, "how long to keep the Ping+Sync loop going (0: until interrupted)")
		})
	action("mail", "List the messages the device holds, or read one",
		`List the messages the device holds in --folder (from its state: ServerId and
subject), or with --read SERVERID fetch one in full (ItemOperations Fetch, as
a client does when its user opens a message) and print its headers and body.`,
		func(fs *pflag.FlagSet) {
			folder(fs, "mail")
			fs.StringVar(&cfg.read, "read", "", "fetch and print the message with this ServerId")
		})
	action("update-os", "An OS or app update: a new User-Agent (and OS) from the next request on",
		`Model an OS or app update: from the next request on, the device sends the new
User-Agent, and its next DeviceInformation carries the new User-Agent and OS;
the DeviceId stays. Exchange records the change and counts it toward the
UserAgentsChanges autoblock threshold. Talks to no server by itself: run
sync or setup next.`,
		func(fs *pflag.FlagSet) {
			fs.StringVar(&cfg.userAgent, "user-agent", "", "the new User-Agent (required)")
			fs.StringVar(&cfg.os, "os", "", "the new OS string (default: unchanged)")
		})
	action("set-useragent", "Change the User-Agent the device sends from the next request on",
		`Change the User-Agent the device sends (as update-os without a new OS). Talks
to no server by itself: run sync or setup next.`,
		func(fs *pflag.FlagSet) {
			fs.StringVar(&cfg.userAgent, "user-agent", "", "the new User-Agent (required)")
		})
	action("factory-reset", "A factory reset: a new DeviceId, everything forgotten",
		`Model a factory reset, a restore or an app reinstall: the device mints a new
DeviceId in its profile's format and forgets everything, so the server sees a
new device that must be approved again. Run setup next.`, nil)
	action("change-password", "The user retypes a changed password: a FolderSync with it",
		`Model the user retyping a (changed) password: the device authenticates with
--new-password from now on, and a FolderSync shows whether the server takes
it (exit 1 when it refuses it). The state keeps no password: pass the new one
with --password to later runs.`,
		func(fs *pflag.FlagSet) {
			fs.StringVar(&cfg.newPassword, "new-password", "", "the new password (required)")
		})
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
