package simulator

import (
	"strings"
	"time"

	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/admin"
)

// Autoblock (exchange-admin.md 4.9): Exchange blocks a device for a while
// when its behaviour crosses a threshold: too many User-Agent changes, too
// many Syncs, too many commands. The simulator tracks the behaviours a
// client can show it (UserAgentsChanges, SyncCommands, CommandFrequency);
// the others (RecentCommands, Watsons, OutOfBudgets) need server internals
// it does not have, and their thresholds are kept but never fire.

// AutoblockThreshold is one Get-ActiveSyncDeviceAutoblockThreshold entry.
// A zero BehaviorTypeIncidenceLimit turns it off, as on a fresh Exchange.
type AutoblockThreshold struct {
	BehaviorType                  access.Reason
	BehaviorTypeIncidenceLimit    int
	BehaviorTypeIncidenceDuration time.Duration
	DeviceBlockDuration           time.Duration
	AdminEmailInsert              string
}

// autoblockTypes are the thresholds' identities, in Exchange's order.
var autoblockTypes = []access.Reason{
	access.ReasonUserAgentsChanges, access.ReasonRecentCommands, access.ReasonWatsons,
	access.ReasonOutOfBudgets, access.ReasonSyncCommands, access.ReasonEnableNotificationEmail,
	access.ReasonCommandFrequency,
}

// AutoblockThresholds returns the organization's thresholds.
func (d *Directory) AutoblockThresholds() []AutoblockThreshold {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]AutoblockThreshold, 0, len(autoblockTypes))
	for _, t := range autoblockTypes {
		th := d.autoblock[t]
		th.BehaviorType = t
		out = append(out, th)
	}
	return out
}

// SetAutoblockThreshold changes one threshold.
func (d *Directory) SetAutoblockThreshold(th AutoblockThreshold) {
	d.mu.Lock()
	defer d.unlock()
	if d.autoblock == nil {
		d.autoblock = map[access.Reason]AutoblockThreshold{}
	}
	d.autoblock[th.BehaviorType] = th
}

// behaviour is what the autoblock tracker remembers of a device.
type behaviour struct {
	userAgentChanges []time.Time
	syncs            []time.Time
	commands         []time.Time
	reason           access.Reason // autoblocked for, or Unknown
	until            time.Time
}

// record notes a request and sets the autoblock it triggers, if any. The
// mailbox lock is held.
func (b *behaviour) record(now time.Time, uaChanged, isSync bool, ths []AutoblockThreshold) {
	if uaChanged {
		b.userAgentChanges = append(b.userAgentChanges, now)
	}
	if isSync {
		b.syncs = append(b.syncs, now)
	}
	b.commands = append(b.commands, now)
	if !b.until.IsZero() && now.Before(b.until) {
		return
	}
	b.reason, b.until = access.ReasonUnknown, time.Time{}
	for _, th := range ths {
		var events *[]time.Time
		switch th.BehaviorType {
		case access.ReasonUserAgentsChanges:
			events = &b.userAgentChanges
		case access.ReasonSyncCommands:
			events = &b.syncs
		case access.ReasonCommandFrequency:
			events = &b.commands
		default:
			continue
		}
		*events = within(*events, now.Add(-th.BehaviorTypeIncidenceDuration))
		if th.BehaviorTypeIncidenceLimit > 0 && len(*events) >= th.BehaviorTypeIncidenceLimit {
			b.reason, b.until = th.BehaviorType, now.Add(th.DeviceBlockDuration)
			*events = nil
			return
		}
	}
	// Without a threshold the history need not grow without bound.
	const keep = 1000
	for _, e := range []*[]time.Time{&b.userAgentChanges, &b.syncs, &b.commands} {
		if len(*e) > keep {
			*e = (*e)[len(*e)-keep:]
		}
	}
}

// within keeps the times after cutoff.
func within(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	return ts[i:]
}

// ---- Get/Set-ActiveSyncDeviceAutoblockThreshold ----

type getAutoblockThresholdParams struct {
	Identity admin.String
}

type autoblockThresholdObject struct {
	Identity                      string `json:"Identity"`
	Name                          string `json:"Name"`
	BehaviorType                  string `json:"BehaviorType"`
	BehaviorTypeIncidenceLimit    int    `json:"BehaviorTypeIncidenceLimit"`
	BehaviorTypeIncidenceDuration string `json:"BehaviorTypeIncidenceDuration"`
	DeviceBlockDuration           string `json:"DeviceBlockDuration"`
	AdminEmailInsert              string `json:"AdminEmailInsert"`
}

func (s *Server) autoblockThreshold(identity string) (AutoblockThreshold, error) {
	for _, th := range s.dir.AutoblockThresholds() {
		if strings.EqualFold(th.BehaviorType.String(), identity) {
			return th, nil
		}
	}
	return AutoblockThreshold{}, s.errNotFound(identity)
}

func (s *Server) getAutoblockThreshold(p *getAutoblockThresholdParams) (admin.Output, error) {
	var out []autoblockThresholdObject
	for _, th := range s.dir.AutoblockThresholds() {
		if p.Identity.Set && !strings.EqualFold(th.BehaviorType.String(), p.Identity.V) {
			continue
		}
		name := th.BehaviorType.String()
		out = append(out, autoblockThresholdObject{
			Identity: name, Name: name, BehaviorType: name, BehaviorTypeIncidenceLimit: th.BehaviorTypeIncidenceLimit,
			BehaviorTypeIncidenceDuration: admin.FormatTimeSpan(th.BehaviorTypeIncidenceDuration),
			DeviceBlockDuration:           admin.FormatTimeSpan(th.DeviceBlockDuration), AdminEmailInsert: th.AdminEmailInsert,
		})
	}
	if p.Identity.Set && len(out) == 0 {
		return admin.Output{}, s.errNotFound(p.Identity.V)
	}
	return admin.OutputOf(out), nil
}

type setAutoblockThresholdParams struct {
	Identity                      admin.String `ps:"mandatory"`
	BehaviorTypeIncidenceLimit    admin.Int
	BehaviorTypeIncidenceDuration admin.TimeSpan
	DeviceBlockDuration           admin.TimeSpan
	AdminEmailInsert              admin.String
}

func (s *Server) setAutoblockThreshold(p *setAutoblockThresholdParams) (admin.Output, error) {
	th, err := s.autoblockThreshold(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	if p.BehaviorTypeIncidenceLimit.Set {
		if p.BehaviorTypeIncidenceLimit.V < 0 {
			return admin.Output{}, admin.InvalidArgument("Cannot validate argument on parameter 'BehaviorTypeIncidenceLimit'. The %d argument is less than the minimum allowed range of 0.", p.BehaviorTypeIncidenceLimit.V)
		}
		th.BehaviorTypeIncidenceLimit = p.BehaviorTypeIncidenceLimit.V
	}
	if p.BehaviorTypeIncidenceDuration.Set {
		th.BehaviorTypeIncidenceDuration = p.BehaviorTypeIncidenceDuration.V
	}
	if p.DeviceBlockDuration.Set {
		th.DeviceBlockDuration = p.DeviceBlockDuration.V
	}
	if p.AdminEmailInsert.Set {
		th.AdminEmailInsert = p.AdminEmailInsert.V
	}
	s.dir.SetAutoblockThreshold(th)
	return admin.NoOutput(), nil
}
