// Package mfaagent is easlab's reference MFA agent: it runs beside
// Exchange, finds the devices Exchange quarantines, asks their owner to
// approve each one with a push, and allows (or blocks) the device on the
// owner's answer. It is small on purpose: read it as the shape a
// production agent takes.
//
// The agent polls Get-MobileDevice for quarantined devices (and, with
// FollowEvents, also at once on every event of easlab's stream), sends one
// push per device (UPN and DeviceId identify it), and on approval adds
// the DeviceId to the mailbox's ActiveSyncAllowedDeviceIDs with
// @{Add=...} (never replacing the list); on denial it adds it to
// ActiveSyncBlockedDeviceIDs. When the MFA provider cannot be reached it
// leaves the device quarantined (fails closed) and tries again. What it
// has pushed is kept in a state file, so a restart neither loses an
// approval nor pushes twice.
package mfaagent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/examples/mfaclient"
)

// Flaw is a deliberate bug, for the broken variants in examples/broken
// that prove the scenarios catch real mistakes. The reference agent has
// none.
type Flaw int

// The flaws, each seen in the field (shared/reference/field-notes.md D.4).
const (
	NoFlaw                Flaw = iota
	ApproveWithoutWait         // allows the device as soon as the push is sent
	DenyMeansApprove           // reads "denied" as a yes
	ReplaceAllowList           // sets the allow list to this one device
	ApproveAllUserDevices      // on approval allows every device of the user
	PushEveryPoll              // no memory of what it pushed
	FlipDefaultToAllow         // "fixes" quarantine by allowing everyone
	FailOpen                   // allows the device when the MFA provider is down
	DisplayNameOnly            // names the user by display name alone
	ForgetOnRestart            // keeps its pushes in memory only
)

// Config configures an Agent.
type Config struct {
	Exchange *Exchange
	MFA      *mfaclient.Client
	// StateFile keeps the pushes across restarts ("" : memory only).
	StateFile string
	// PollInterval is how often Get-MobileDevice is polled. Default 500ms.
	PollInterval time.Duration
	// PrepareOrg allow-lists every device Exchange allows by default and
	// then sets DefaultAccessLevel Quarantine, before the first poll.
	PrepareOrg bool
	// FollowEvents polls at once on every device event of easlab's event
	// stream, besides every PollInterval.
	FollowEvents bool
	Logger       *slog.Logger
	Flaw         Flaw
}

// record is what the agent remembers of one device.
type record struct {
	User     string `json:"user"` // UPN
	DeviceID string `json:"deviceId"`
	PushID   string `json:"pushId"`
	Status   string `json:"status"`  // the push's, as last seen
	Applied  bool   `json:"applied"` // the answer reached Exchange
}

// Agent is a running agent.
type Agent struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	records map[string]*record // by UPN/DeviceId, lower case
}

// New returns an agent; Run starts it.
func New(cfg Config) *Agent {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Flaw == ForgetOnRestart {
		cfg.StateFile = ""
	}
	return &Agent{cfg: cfg, log: cfg.Logger, records: map[string]*record{}}
}

func key(user, deviceID string) string { return strings.ToLower(user + "/" + deviceID) }

// Run polls until ctx is done.
func (a *Agent) Run(ctx context.Context) error {
	if err := a.load(); err != nil {
		return err
	}
	if a.cfg.Flaw == FlipDefaultToAllow {
		a.retry(ctx, "Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Allow"})
	}
	if a.cfg.PrepareOrg {
		if err := a.prepareOrg(ctx); err != nil {
			return err
		}
	}
	kick := make(chan struct{}, 1)
	if a.cfg.FollowEvents {
		go a.cfg.Exchange.FollowEvents(ctx, func(string) {
			select {
			case kick <- struct{}{}:
			default:
			}
		})
	}
	t := time.NewTicker(a.cfg.PollInterval)
	defer t.Stop()
	for {
		a.poll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-kick:
		}
	}
}

// prepareOrg keeps the devices that sync today: each one allowed by the
// organization's default goes on its owner's allow list before the
// default becomes Quarantine (the install guide's warning).
func (a *Agent) prepareOrg(ctx context.Context) error {
	var devs []Device
	if err := a.cfg.Exchange.Run(ctx, "Get-MobileDevice", map[string]any{"ResultSize": "Unlimited"}, &devs); err != nil {
		return err
	}
	for _, d := range devs {
		if d.DeviceAccessState != "Allowed" {
			continue
		}
		if err := a.cfg.Exchange.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": d.UserPrincipalName, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": d.DeviceId}}, nil); err != nil {
			return err
		}
	}
	return a.cfg.Exchange.Run(ctx, "Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"}, nil)
}

// poll is one round: push for new quarantined devices, then act on the
// answers that came.
func (a *Agent) poll(ctx context.Context) {
	var devs []Device
	err := a.cfg.Exchange.Run(ctx, "Get-MobileDevice", map[string]any{"Filter": "DeviceAccessState -eq 'Quarantined'", "ResultSize": "Unlimited"}, &devs)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("Get-MobileDevice failed; retrying at the next poll", "err", err)
		}
		return
	}
	for _, d := range devs {
		k := key(d.UserPrincipalName, d.DeviceId)
		a.mu.Lock()
		_, known := a.records[k]
		a.mu.Unlock()
		if known && a.cfg.Flaw != PushEveryPoll {
			continue
		}
		a.push(ctx, d)
	}
	a.mu.Lock()
	var pending []*record
	for _, r := range a.records {
		if !r.Applied {
			pending = append(pending, r)
		}
	}
	a.mu.Unlock()
	for _, r := range pending {
		a.settle(ctx, r)
	}
}

// push asks the device's owner.
func (a *Agent) push(ctx context.Context, d Device) {
	// Get-MobileDevice's UserDisplayName is the owner's canonical name,
	// "contoso.com/Users/Alice Wilber"; the display name is its last part.
	name := d.UserDisplayName[strings.LastIndex(d.UserDisplayName, "/")+1:]
	user := d.UserPrincipalName
	if a.cfg.Flaw == DisplayNameOnly {
		user = name
	}
	dev := mfaclient.Device{ID: d.DeviceId, Type: d.DeviceType, Model: d.DeviceModel, OS: d.DeviceOS, UserAgent: d.DeviceUserAgent, FriendlyName: d.FriendlyName}
	id, err := a.cfg.MFA.Push(ctx, user, name, dev)
	r := &record{User: d.UserPrincipalName, DeviceID: d.DeviceId, PushID: id, Status: mfaclient.Pending}
	if err != nil {
		if a.cfg.Flaw == FailOpen {
			a.log.Warn("MFA provider unreachable; allowing the device", "device", d.DeviceId, "err", err)
			r.Status = mfaclient.Approved
		} else {
			// Fail closed: the device stays quarantined and the push is
			// tried again at the next poll.
			a.log.Warn("push failed; the device stays quarantined", "user", user, "device", d.DeviceId, "err", err)
			return
		}
	}
	if a.cfg.Flaw == ApproveWithoutWait {
		r.Status = mfaclient.Approved
	}
	a.log.Info("push sent", "user", user, "device", d.DeviceId, "push", id)
	a.mu.Lock()
	a.records[key(r.User, r.DeviceID)] = r
	a.mu.Unlock()
	a.save()
}

// settle reads a push's answer and, once there is one, applies it.
func (a *Agent) settle(ctx context.Context, r *record) {
	if r.Status == mfaclient.Pending {
		st, err := a.cfg.MFA.Status(ctx, r.PushID, 0)
		if err != nil {
			a.log.Warn("push status failed", "push", r.PushID, "err", err)
			return
		}
		if st == mfaclient.Pending {
			return
		}
		a.mu.Lock()
		r.Status = st
		a.mu.Unlock()
		a.save()
	}
	var err error
	switch r.Status {
	case mfaclient.Approved:
		err = a.allow(ctx, r)
	case mfaclient.Denied:
		if a.cfg.Flaw == DenyMeansApprove {
			err = a.allow(ctx, r)
		} else {
			err = a.cfg.Exchange.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": r.User, "ActiveSyncBlockedDeviceIDs": map[string]any{"Add": r.DeviceID}}, nil)
		}
	case mfaclient.Expired:
		// No answer: the device stays quarantined; the user can ask the
		// helpdesk, or remove and re-add the account.
	}
	if err != nil {
		a.log.Warn("applying the answer failed; retrying at the next poll", "device", r.DeviceID, "status", r.Status, "err", err)
		return
	}
	a.log.Info("answer applied", "user", r.User, "device", r.DeviceID, "status", r.Status)
	a.mu.Lock()
	r.Applied = true
	a.mu.Unlock()
	a.save()
}

// allow adds the device to its owner's allow list.
func (a *Agent) allow(ctx context.Context, r *record) error {
	switch a.cfg.Flaw {
	case ReplaceAllowList:
		return a.cfg.Exchange.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": r.User, "ActiveSyncAllowedDeviceIDs": []string{r.DeviceID}}, nil)
	case ApproveAllUserDevices:
		var devs []Device
		if err := a.cfg.Exchange.Run(ctx, "Get-MobileDevice", map[string]any{"Mailbox": r.User}, &devs); err != nil {
			return err
		}
		ids := []string{}
		for _, d := range devs {
			ids = append(ids, d.DeviceId)
		}
		return a.cfg.Exchange.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": r.User, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": ids}}, nil)
	}
	return a.cfg.Exchange.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": r.User, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": r.DeviceID}}, nil)
}

// retry runs a cmdlet until it succeeds or ctx ends.
func (a *Agent) retry(ctx context.Context, cmdlet string, params map[string]any) {
	for ctx.Err() == nil {
		if err := a.cfg.Exchange.Run(ctx, cmdlet, params, nil); err == nil {
			return
		}
		time.Sleep(a.cfg.PollInterval)
	}
}

// load reads the state file.
func (a *Agent) load() error {
	if a.cfg.StateFile == "" {
		return nil
	}
	b, err := os.ReadFile(a.cfg.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var list []*record
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	for _, r := range list {
		a.records[key(r.User, r.DeviceID)] = r
	}
	a.log.Info("state loaded", "devices", len(list))
	return nil
}

// save writes the state file atomically.
func (a *Agent) save() {
	if a.cfg.StateFile == "" {
		return
	}
	a.mu.Lock()
	list := make([]*record, 0, len(a.records))
	for _, r := range a.records {
		list = append(list, r)
	}
	b, err := json.MarshalIndent(list, "", "  ")
	a.mu.Unlock()
	if err != nil {
		return
	}
	tmp := a.cfg.StateFile + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		a.log.Error("state not saved", "err", err)
		return
	}
	if err := os.Rename(tmp, filepath.Clean(a.cfg.StateFile)); err != nil {
		a.log.Error("state not saved", "err", err)
	}
}
