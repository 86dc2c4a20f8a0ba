package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
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
}

func newDeviceCmd() *cobra.Command {
	var cfg deviceConfig
	cmd := &cobra.Command{
		Use:   "device setup",
		Short: "Set up a simulated phone against any ActiveSync server and report each step",
		Long: `Run a simulated device (a real client profile: its DeviceType, DeviceId format,
User-Agent, protocol version and first-time flow) against any Exchange
ActiveSync server: easlab serve, a real Exchange, Z-Push, or an MFA gateway.

With --autodiscover, the first step is mobilesync Autodiscover (following
redirects), and the device then uses the endpoint it names.

"setup" reports each step as Microsoft's Remote Connectivity Analyzer does
(pass, warn or fail), with the decoded request and response of a failed
step (of every step with --verbose). The exit status is 0 only when every
step passed.`,
		Example: `  easlab device setup --profile iphone --url http://127.0.0.1:8080 --user alice@contoso.com --password 'Passw0rd!'
  easlab device setup --profile tbsync-legacy --url https://mail.contoso.com --user 'CONTOSO\alice' --password ... --json`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"setup"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "setup" {
				return fmt.Errorf("unknown action %q (setup)", args[0])
			}
			report, err := runDeviceSetup(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if cfg.asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				enc.Encode(report)
			} else {
				report.print(cmd.OutOrStdout(), cfg.verbose)
			}
			if !report.Passed {
				return errSetupFailed
			}
			return nil
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
	return cmd
}

// errSetupFailed makes the command exit 1 after the report is printed.
var errSetupFailed = errors.New("setup failed")

// setupStep is one line of the report.
type setupStep struct {
	Name       string `json:"name"`
	Result     string `json:"result"` // pass, warn, fail
	Detail     string `json:"detail"`
	Transcript string `json:"transcript,omitempty"`
}

type setupReport struct {
	Profile  string      `json:"profile"`
	DeviceID string      `json:"deviceId"`
	URL      string      `json:"url"`
	Steps    []setupStep `json:"steps"`
	Passed   bool        `json:"passed"`
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
	if r.Passed {
		fmt.Fprintln(w, "\nAll steps passed.")
	} else {
		fmt.Fprintln(w, "\nSetup did not complete.")
	}
}

// runDeviceSetup runs the first-time flow step by step.
func runDeviceSetup(ctx context.Context, cfg deviceConfig) (*setupReport, error) {
	p, ok := clients.ProfileByName(cfg.profile)
	if !ok {
		return nil, fmt.Errorf("--profile %q: unknown profile", cfg.profile)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	httpClient := &http.Client{Timeout: 5 * time.Minute}
	if cfg.insecure {
		httpClient.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	d := clients.New(p, clients.Options{BaseURL: strings.TrimSuffix(cfg.url, "/") + "/Microsoft-Server-ActiveSync", User: cfg.user, Password: cfg.password, HTTPClient: httpClient, DeviceID: cfg.deviceID})
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
			s.Result, s.Detail, r.Passed = "fail", err.Error(), false
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
			return r, nil
		}
	}
	info, err := d.Options(ctx)
	if !step("OPTIONS", err, fmt.Sprintf("server %s offers %d versions up to %s; the device speaks %s", info.Server, len(info.Versions), highest(info.Versions), d.Profile.ProtocolVersion)) {
		return r, nil
	}
	if p.DeviceInfoIn == clients.InfoInSettings {
		if !step("Settings DeviceInformation", d.Settings(ctx), "the device told who it is") {
			return r, nil
		}
	}
	if !step("Provision", d.Provision(ctx), "policy acknowledged") {
		return r, nil
	}
	key, _ := d.PolicyKey()
	r.Steps[len(r.Steps)-1].Detail = fmt.Sprintf("policy acknowledged, policy key %d", key)
	if !step("FolderSync", d.FolderSync(ctx), "") {
		return r, nil
	}
	r.Steps[len(r.Steps)-1].Detail = fmt.Sprintf("%d folders", len(d.Folders()))
	inbox, ok := d.FolderByType(eas.FolderTypeInbox)
	if !ok {
		step("Sync Inbox", errors.New("the hierarchy has no Inbox"), "")
		return r, nil
	}
	changes, err := d.Sync(ctx, inbox.ServerId)
	if step("Sync Inbox", err, fmt.Sprintf("%d items", len(changes))) && len(changes) == 0 {
		// An empty Inbox is legal, but under quarantine it is what a
		// device sees: worth a look.
		r.Steps[len(r.Steps)-1].Result = "warn"
		r.Steps[len(r.Steps)-1].Detail = "the Inbox is empty (a quarantined or discovering device sees this too)"
	}
	return r, nil
}

// highest returns the highest of vs, or "none".
func highest(vs []eas.ProtocolVersion) string {
	var h eas.ProtocolVersion
	for _, v := range vs {
		h = max(h, v)
	}
	if h == 0 {
		return "none"
	}
	return h.String()
}
