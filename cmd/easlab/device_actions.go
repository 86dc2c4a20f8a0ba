package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/access"
)

// deviceActions are the words `easlab device` takes.
var deviceActions = []string{"setup", "sync", "ping", "send", "wipe-ack", "run", "mail", "update-os", "set-useragent", "factory-reset", "change-password"}

// errNoWipe is wipe-ack's failure when the server had no wipe pending.
var errNoWipe = errors.New("no remote wipe was pending for this device")

// actionReport is the --json form of sync, ping, send, wipe-ack and run.
type actionReport struct {
	Action   string   `json:"action"`
	Profile  string   `json:"profile"`
	DeviceID string   `json:"deviceId"`
	Folder   string   `json:"folder,omitempty"`
	Added    []string `json:"added,omitempty"` // subjects
	Changed  int      `json:"changed,omitempty"`
	Deleted  int      `json:"deleted,omitempty"`
	Pinged   []string `json:"pinged,omitempty"` // folders Ping named
	Wiped    bool     `json:"wiped,omitempty"`
	Error    string   `json:"error,omitempty"`
	// AccessState and Held: as in the setup report, after a sync.
	AccessState string `json:"accessState,omitempty"`
	Held        bool   `json:"held,omitempty"`
	// Messages: mail's list, or the one message it read.
	Messages []messageSeen `json:"messages,omitempty"`
	// UserAgent and OS: what update-os and set-useragent set.
	UserAgent string `json:"userAgent,omitempty"`
	OS        string `json:"os,omitempty"`
	// PreviousDeviceID: factory-reset's old DeviceId (DeviceID is the new).
	PreviousDeviceID string `json:"previousDeviceId,omitempty"`
}

// runDeviceAction runs one action, loading and saving --state.
func runDeviceAction(ctx context.Context, out io.Writer, cfg deviceConfig, action string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	known := false
	for _, a := range deviceActions {
		known = known || a == action
	}
	if !known {
		return fmt.Errorf("unknown action %q (%s)", action, strings.Join(deviceActions, ", "))
	}
	d, loaded, err := loadDevice(cfg)
	if err != nil {
		return err
	}
	if action != "setup" && action != "run" && !loaded {
		return fmt.Errorf("%s needs the state of a set-up device: run `easlab device setup --state FILE` first", action)
	}
	if action == "setup" || (action == "run" && !loaded) {
		report := runDeviceSetup(ctx, cfg, d)
		if cfg.asJSON && action == "setup" {
			writeJSON(out, report)
		} else {
			report.print(out, cfg.verbose)
		}
		if err := saveDevice(cfg, d); err != nil {
			return err
		}
		if report.Held {
			return errDeviceHeld
		}
		if !report.Passed {
			return errSetupFailed
		}
		if action == "setup" {
			return nil
		}
	}
	r := &actionReport{Action: action, Profile: d.Profile.Name, DeviceID: d.DeviceID}
	err = deviceAction(ctx, out, cfg, d, r)
	if serr := saveDevice(cfg, d); serr != nil && err == nil {
		err = serr
	}
	if errors.Is(err, clients.ErrWiped) {
		r.Wiped = true
		if action == "wipe-ack" {
			err = nil
		}
	}
	if err != nil && !errors.Is(err, errDeviceHeld) {
		r.Error = withTLSHint(err).Error()
		if st, ok := refusedState(err); ok {
			r.AccessState = st
		}
	}
	if cfg.asJSON {
		writeJSON(out, r)
	} else {
		r.print(out)
		if err != nil && cfg.verbose {
			fmt.Fprint(out, d.Transcript())
		}
	}
	return err
}

// deviceAction does the work of every action but setup.
func deviceAction(ctx context.Context, out io.Writer, cfg deviceConfig, d *clients.Device, r *actionReport) error {
	if cfg.heartbeat > 0 {
		d.Profile.Heartbeat = cfg.heartbeat
	}
	switch r.Action {
	case "sync":
		if err := d.FolderSync(ctx); err != nil {
			return err
		}
		if err := syncFolder(ctx, cfg, d, r); err != nil {
			return err
		}
		if state, _, told := accessAsSeen(d); told {
			r.AccessState = state
			if state != access.Allowed.String() {
				r.Held = true
				return errDeviceHeld
			}
		}
		return nil
	case "ping":
		f, err := folderNamed(d, cfg.folder)
		if err != nil {
			return err
		}
		r.Folder = f.DisplayName
		changed, err := d.Ping(ctx, []string{f.ServerId})
		r.Pinged = changed
		return err
	case "send":
		to := cfg.to
		if to == "" {
			to = cfg.user
		}
		msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%d.%s@easlab>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
			cfg.user, to, cfg.subject, time.Now().Format(time.RFC1123Z), time.Now().UnixNano(), d.DeviceID, cfg.body)
		return d.SendMail(ctx, []byte(msg))
	case "wipe-ack":
		if err := d.Provision(ctx); err != nil {
			return err
		}
		return errNoWipe
	case "run":
		return runLoop(ctx, out, cfg, d, r)
	case "mail":
		return mailAction(ctx, out, cfg, d, r)
	case "update-os", "set-useragent":
		if cfg.userAgent == "" {
			return fmt.Errorf("%s needs --user-agent", r.Action)
		}
		d.UpdateOS(cfg.userAgent, cfg.os)
		r.UserAgent, r.OS = d.Profile.UserAgent, d.Profile.OS
	case "factory-reset":
		r.PreviousDeviceID = d.DeviceID
		r.DeviceID = d.FactoryReset()
	case "change-password":
		if cfg.newPassword == "" {
			return errors.New("change-password needs --new-password")
		}
		d.ChangePassword(cfg.newPassword)
		return d.FolderSync(ctx)
	}
	return nil
}

// mailAction lists the messages the device holds in --folder, or fetches
// and prints the one --read names.
func mailAction(ctx context.Context, out io.Writer, cfg deviceConfig, d *clients.Device, r *actionReport) error {
	f, err := folderNamed(d, cfg.folder)
	if err != nil {
		return err
	}
	r.Folder = f.DisplayName
	items := d.Items(f.ServerId)
	if cfg.read == "" {
		ids := make([]string, 0, len(items))
		for id := range items {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, compareServerIDs)
		for _, id := range ids {
			r.Messages = append(r.Messages, messageSeen{ServerID: id, Subject: items[id].Subject})
		}
		return nil
	}
	if _, ok := items[cfg.read]; !ok {
		return fmt.Errorf("the device holds no message %q in %s (easlab device mail lists them)", cfg.read, f.DisplayName)
	}
	props, err := d.Fetch(ctx, f.ServerId, cfg.read)
	if err != nil {
		return err
	}
	m := messageSeen{ServerID: cfg.read, Body: bodyText(props)}
	for _, c := range props.Elements() {
		switch c.Tag.Name {
		case "Subject":
			m.Subject = c.Text()
		case "From":
			m.From = c.Text()
		case "To":
			m.To = c.Text()
		case "DateReceived":
			m.Date = c.Text()
		case "Attachments":
			for _, a := range c.Elements() {
				for _, p := range a.Elements() {
					if p.Tag.Name == "DisplayName" {
						m.Attachments = append(m.Attachments, p.Text())
					}
				}
			}
		}
	}
	r.Messages = append(r.Messages, m)
	return nil
}

// compareServerIDs orders ServerIds such as 1:2 and 1:10 by their
// numbers, others as strings.
func compareServerIDs(a, b string) int {
	af, an, aok := strings.Cut(a, ":")
	bf, bn, bok := strings.Cut(b, ":")
	if aok && bok && af == bf {
		x, errx := strconv.Atoi(an)
		y, erry := strconv.Atoi(bn)
		if errx == nil && erry == nil {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(a, b)
}

// messageSeen is a message as easlab device mail shows it.
type messageSeen struct {
	ServerID    string   `json:"serverId"`
	Subject     string   `json:"subject"`
	From        string   `json:"from,omitempty"`
	To          string   `json:"to,omitempty"`
	Date        string   `json:"date,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	Body        string   `json:"body,omitempty"`
}

// syncFolder syncs --folder and records what came.
func syncFolder(ctx context.Context, cfg deviceConfig, d *clients.Device, r *actionReport) error {
	f, err := folderNamed(d, cfg.folder)
	if err != nil {
		return err
	}
	r.Folder = f.DisplayName
	changes, err := d.Sync(ctx, f.ServerId)
	for _, c := range changes {
		switch c.Kind {
		case eas.SyncAdd:
			r.Added = append(r.Added, c.Subject)
		case eas.SyncChange:
			r.Changed++
		default:
			r.Deleted++
		}
	}
	return err
}

// runLoop is a phone in steady state: Ping on the folder, Sync when it
// changed, until --duration or the context ends.
func runLoop(ctx context.Context, out io.Writer, cfg deviceConfig, d *clients.Device, r *actionReport) error {
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	f, err := folderNamed(d, cfg.folder)
	if err != nil {
		return err
	}
	r.Folder = f.DisplayName
	if !cfg.asJSON {
		fmt.Fprintf(out, "%s %s: Ping on %s every %d s (Ctrl-C to stop)\n", d.Profile.Name, d.DeviceID, f.DisplayName, d.Profile.Heartbeat)
	}
	for {
		changed, err := d.Ping(ctx, []string{f.ServerId})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		if len(changed) == 0 {
			continue
		}
		before := len(r.Added)
		if err := syncFolder(ctx, cfg, d, r); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if !cfg.asJSON {
			for _, s := range r.Added[before:] {
				fmt.Fprintf(out, "%s  new mail: %s\n", time.Now().Format(time.TimeOnly), s)
			}
		}
	}
}

// folderNamed finds a folder by display name (ignoring case), or the
// Inbox for "Inbox".
func folderNamed(d *clients.Device, name string) (eas.Folder, error) {
	if strings.EqualFold(name, "inbox") {
		if f, ok := d.FolderByType(eas.FolderTypeInbox); ok {
			return f, nil
		}
	}
	for _, f := range d.Folders() {
		if strings.EqualFold(f.DisplayName, name) {
			return f, nil
		}
	}
	return eas.Folder{}, fmt.Errorf("--folder %q: no such folder on the device (run sync to refresh the hierarchy)", name)
}

func (r *actionReport) print(w io.Writer) {
	switch {
	case r.Wiped:
		fmt.Fprintf(w, "%s %s: remote wipe acknowledged; the device forgot its account data\n", r.Profile, r.DeviceID)
	case r.Error != "":
		fmt.Fprintf(w, "%s %s: %s failed: %s\n", r.Profile, r.DeviceID, r.Action, r.Error)
	case r.Action == "sync" || r.Action == "run":
		fmt.Fprintf(w, "%s %s: %s: %d new, %d changed, %d deleted\n", r.Profile, r.DeviceID, r.Folder, len(r.Added), r.Changed, r.Deleted)
		for _, s := range r.Added {
			fmt.Fprintf(w, "  + %s\n", s)
		}
		if r.Held {
			fmt.Fprintf(w, "The server holds the device (%s): its Inbox holds only Exchange's notice.\n", r.AccessState)
		}
	case r.Action == "ping" && len(r.Pinged) > 0:
		fmt.Fprintf(w, "%s %s: Ping: %s changed\n", r.Profile, r.DeviceID, r.Folder)
	case r.Action == "ping":
		fmt.Fprintf(w, "%s %s: Ping: heartbeat expired, nothing changed\n", r.Profile, r.DeviceID)
	case r.Action == "send":
		fmt.Fprintf(w, "%s %s: sent\n", r.Profile, r.DeviceID)
	case r.Action == "mail" && len(r.Messages) == 1 && r.Messages[0].Body != "":
		m := r.Messages[0]
		fmt.Fprintf(w, "Subject: %s\nFrom: %s\nTo: %s\nDate: %s\n", m.Subject, m.From, m.To, m.Date)
		for _, a := range m.Attachments {
			fmt.Fprintf(w, "Attachment: %s\n", a)
		}
		fmt.Fprintf(w, "\n%s\n", m.Body)
	case r.Action == "mail":
		fmt.Fprintf(w, "%s %s: %s: %d messages\n", r.Profile, r.DeviceID, r.Folder, len(r.Messages))
		for _, m := range r.Messages {
			fmt.Fprintf(w, "  %-8s %s\n", m.ServerID, m.Subject)
		}
	case r.Action == "update-os" || r.Action == "set-useragent":
		fmt.Fprintf(w, "%s %s: from the next request on, User-Agent %q, OS %q\n", r.Profile, r.DeviceID, r.UserAgent, r.OS)
	case r.Action == "factory-reset":
		fmt.Fprintf(w, "%s: factory reset: DeviceId %s is now %s, everything forgotten; run setup: the server sees a new device\n", r.Profile, r.PreviousDeviceID, r.DeviceID)
	case r.Action == "change-password":
		fmt.Fprintf(w, "%s %s: the server takes the new password\n", r.Profile, r.DeviceID)
	}
}

// loadDevice restores the device of --state, or makes a new one when
// there is no state (yet).
func loadDevice(cfg deviceConfig) (*clients.Device, bool, error) {
	if cfg.stateFile != "" {
		b, err := os.ReadFile(cfg.stateFile)
		switch {
		case err == nil:
			var st clients.State
			if err := json.Unmarshal(b, &st); err != nil {
				return nil, false, fmt.Errorf("--state %s: %w", cfg.stateFile, err)
			}
			d, err := clients.Restore(st, clients.Options{Password: cfg.password, HTTPClient: httpClientFor(cfg)})
			if err != nil {
				return nil, false, fmt.Errorf("--state %s: %w", cfg.stateFile, err)
			}
			// A wiped device has a state with no policy key and no
			// folders: it starts again as a new one would.
			_, hasKey := d.PolicyKey()
			return d, hasKey || len(d.Folders()) > 0, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, false, fmt.Errorf("--state: %w", err)
		}
	}
	d, err := newDevice(cfg)
	return d, false, err
}

// saveDevice writes the device's state to --state, atomically.
func saveDevice(cfg deviceConfig, d *clients.Device) error {
	if cfg.stateFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(d.State(), "", "  ")
	if err != nil {
		return err
	}
	tmp := cfg.stateFile + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("--state: %w", err)
	}
	return os.Rename(tmp, cfg.stateFile)
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
