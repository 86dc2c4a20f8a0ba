package simulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/notice"
)

// Exchange's device management on the request path: the access decision
// (simulator/access) taken on every request from a snapshot of the organization,
// the mailbox and the device, stamped on the partnership, the notification
// mails of a transition (built by simulator/notice), and what a blocked,
// quarantined or discovering device sees on the wire (exchange-admin.md
// 1.3, 2.1, 2.2, 3.1).

// OrganizationSettings are the ActiveSync organization settings
// (Get-ActiveSyncOrganizationSettings).
type OrganizationSettings struct {
	DefaultAccessLevel        access.Level
	AdminMailRecipients       []string
	UserMailInsert            string
	OtaNotificationMailInsert string
	// EasMaxDevices is the throttling policy's partnership limit per
	// mailbox (Get-ThrottlingPolicy; not an ActiveSync organization
	// setting). Zero means Exchange's default, 100.
	EasMaxDevices int
	// EasMaxConcurrency is the throttling policy's limit of requests one
	// user may have in progress at once (a held Ping counts). Zero means
	// Exchange's default, 10; a negative value, Unlimited.
	EasMaxConcurrency int
}

// DefaultEasMaxDevices is the on-premises default of EasMaxDevices
// (exchange-admin.md 2.4).
const DefaultEasMaxDevices = 100

// OrganizationSettings returns a copy of the organization settings.
func (d *Directory) OrganizationSettings() OrganizationSettings {
	d.mu.RLock()
	defer d.mu.RUnlock()
	s := d.settings
	s.AdminMailRecipients = append([]string(nil), s.AdminMailRecipients...)
	return s
}

// SetOrganizationSettings changes the organization settings.
func (d *Directory) SetOrganizationSettings(change func(*OrganizationSettings)) {
	d.mu.Lock()
	defer d.unlock()
	change(&d.settings)
}

// DeviceAccessRules returns a copy of the organization's device access rules.
func (d *Directory) DeviceAccessRules() []access.Rule {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return append([]access.Rule(nil), d.rules...)
}

// AddDeviceAccessRule adds a rule; there can be one rule per QueryString
// and Characteristic, as the rule's name is derived from both.
func (d *Directory) AddDeviceAccessRule(r access.Rule) error {
	d.mu.Lock()
	defer d.unlock()
	for _, x := range d.rules {
		if x.Characteristic == r.Characteristic && strings.EqualFold(x.QueryString, r.QueryString) {
			return fmt.Errorf("simulator: a device access rule %q already exists", x.Name)
		}
	}
	d.rules = append(d.rules, r)
	return nil
}

// RemoveDeviceAccessRule removes the rule with the given name.
func (d *Directory) RemoveDeviceAccessRule(name string) bool {
	d.mu.Lock()
	defer d.unlock()
	for i, x := range d.rules {
		if strings.EqualFold(x.Name, name) {
			d.rules = append(d.rules[:i], d.rules[i+1:]...)
			return true
		}
	}
	return false
}

// CASMailbox holds a mailbox's ActiveSync settings (Get-CASMailbox).
type CASMailbox struct {
	ActiveSyncEnabled          bool
	ActiveSyncAllowedDeviceIDs []string
	ActiveSyncBlockedDeviceIDs []string
	// ActiveSyncMailboxPolicy names the mailbox's policy; "" is the
	// organization's default.
	ActiveSyncMailboxPolicy string
}

// CASMailbox returns a copy of the mailbox's ActiveSync settings.
func (m *Mailbox) CASMailbox() CASMailbox {
	m.lock()
	defer m.unlock()
	c := m.cas
	c.ActiveSyncAllowedDeviceIDs = append([]string(nil), c.ActiveSyncAllowedDeviceIDs...)
	c.ActiveSyncBlockedDeviceIDs = append([]string(nil), c.ActiveSyncBlockedDeviceIDs...)
	return c
}

// SetCASMailbox changes the mailbox's ActiveSync settings as
// Set-CASMailbox does: the partnerships on the new allow and block lists
// are stamped at once (through the one writer, so the event stream says
// so), hanging requests wake, and each device's next request is decided
// again against them.
func (m *Mailbox) SetCASMailbox(change func(*CASMailbox)) {
	m.changeCASMailbox(func(c *CASMailbox) error { change(c); return nil }, true)
}

// casVersion is a CAS setting as it was until a change.
type casVersion struct {
	until time.Time
	cas   CASMailbox
}

// maxCASVersions bounds the history kept for the cache delay.
const maxCASVersions = 64

// rememberCASLocked keeps the settings about to change, for devices that
// see them through Exchange's directory cache (Options.CASMailboxCacheDelay).
func (m *Mailbox) rememberCASLocked() {
	if m.now == nil {
		return
	}
	old := m.cas
	old.ActiveSyncAllowedDeviceIDs = append([]string(nil), old.ActiveSyncAllowedDeviceIDs...)
	old.ActiveSyncBlockedDeviceIDs = append([]string(nil), old.ActiveSyncBlockedDeviceIDs...)
	m.casHistory = append(m.casHistory, casVersion{until: m.now(), cas: old})
	if len(m.casHistory) > maxCASVersions {
		m.casHistory = m.casHistory[len(m.casHistory)-maxCASVersions:]
	}
}

// casAsOfLocked returns the settings as they were at t: what the EAS side
// sees when its directory cache is that old.
func (m *Mailbox) casAsOfLocked(t time.Time) CASMailbox {
	for _, v := range m.casHistory {
		if v.until.After(t) {
			return v.cas
		}
	}
	return m.cas
}

// DefaultErrorResponseDelay is Exchange's ErrorResponseDelay: refusals are
// held this long before they are answered (the tarpit, exchange-admin.md
// 2.2).
const DefaultErrorResponseDelay = 20 * time.Second

// quarantineAllowed are the commands a quarantined or discovering device
// may run (exchange-admin.md 2.1); Sync, GetItemEstimate and Ping are
// restricted inside their handlers.
var quarantineAllowed = map[eas.Command]bool{
	eas.CommandProvision: true, eas.CommandSettings: true, eas.CommandFolderSync: true, eas.CommandGetHierarchy: true,
	eas.CommandSync: true, eas.CommandGetItemEstimate: true, eas.CommandPing: true,
	// These answer with a status per item or per store, inside their
	// handlers.
	eas.CommandMoveItems: true, eas.CommandMeetingResponse: true, eas.CommandSearch: true,
}

// quarantineRefusal is what a quarantined device gets for the other
// commands (exchange-admin.md 2.1).
func quarantineRefusal(cmd eas.Command) *eas.StatusError {
	switch cmd {
	case eas.CommandItemOperations, eas.CommandFind:
		return &eas.StatusError{Status: 3, HTTPStatus: http.StatusOK, Message: "device is quarantined"}
	case eas.CommandResolveRecipients:
		return &eas.StatusError{Status: 6, HTTPStatus: http.StatusOK, Message: "device is quarantined"}
	case eas.CommandValidateCert:
		return &eas.StatusError{Status: 17, HTTPStatus: http.StatusOK, Message: "device is quarantined"}
	case eas.CommandFolderCreate, eas.CommandFolderUpdate, eas.CommandFolderDelete,
		eas.CommandCreateCollection, eas.CommandDeleteCollection, eas.CommandMoveCollection:
		return &eas.StatusError{Status: 6, HTTPStatus: http.StatusOK, Message: "device is quarantined"}
	case eas.CommandSendMail, eas.CommandSmartReply, eas.CommandSmartForward:
		return &eas.StatusError{Status: int(eas.StatusMailSubmissionFailed), HTTPStatus: http.StatusInternalServerError, Message: "device is quarantined"}
	}
	return eas.NewHTTPError(http.StatusInternalServerError, "device is quarantined")
}

// isHanging reports whether a request waits for changes: Ping, or Sync
// with Wait or HeartbeatInterval. Such a request ends device discovery.
func isHanging(c *call) bool {
	switch c.req.Command {
	case eas.CommandPing:
		return true
	case eas.CommandSync:
		// Decoded once: handleSync takes the same request.
		req, err := c.syncRequest()
		return err == nil && (req.Wait != 0 || req.HeartbeatInterval != 0)
	}
	return false
}

// checkAccess decides the device's access as Exchange does on every
// request, records it, posts the notification mails of a transition, and
// refuses the request when the device may not run it.
func (s *Server) checkAccess(c *call) error {
	org := s.dir.OrganizationSettings()
	rules := s.dir.DeviceAccessRules()
	thresholds := s.dir.AutoblockThresholds()
	now := s.clock.Now()
	kind := access.RequestCommand
	if isHanging(c) {
		kind = access.RequestHanging
	}
	m := c.mb
	m.lock()
	dev := c.deviceLocked()
	dev.behaviour.record(now, dev.uaChanged, c.req.Command == eas.CommandSync, thresholds)
	dev.uaChanged = false
	dec := access.Decide(s.accessInputLocked(c, dev, org, rules, now, kind))
	if dec.UserDisabled {
		m.unlock()
		return eas.NewStatusError(eas.StatusUserDisabledForSync, "the user is not enabled for ActiveSync")
	}
	if dec.Promoted {
		dev.InformationPromoted = true
	}
	var notices []access.NoticeKind
	var dn notice.Device
	if !dev.announced {
		// A new partnership: refused when the mailbox has as many as the
		// throttling policy allows (403/177), with the owner told at most
		// once a day (exchange-admin.md 2.4).
		limit := org.EasMaxDevices
		if limit == 0 {
			limit = DefaultEasMaxDevices
		}
		if len(m.devices)-1 >= limit {
			delete(m.devices, strings.ToLower(dev.DeviceID))
			if m.maxDevicesMail.IsZero() || now.Sub(m.maxDevicesMail) >= 24*time.Hour {
				n := s.noticeOf(m, dev, org)
				if raw, err := notice.MaxDevicesUser(n, len(m.devices), limit); err == nil {
					if _, err := m.postLocked(raw, now); err == nil {
						m.maxDevicesMail = now
						m.metaGen++
						m.emit(Event{Kind: EventMailPosted, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, Subject: notice.MaxDevicesSubject})
					}
				}
			}
			m.unlock()
			return eas.NewStatusError(eas.StatusMaximumDevicesReached, fmt.Sprintf("the mailbox has %d device partnerships", limit))
		}
		dev.announced = true
		m.emit(Event{Kind: EventDeviceCreated, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType})
	}
	if dec.Record {
		// The mail trigger compares with the state stamped at the device's
		// previous request (its sync state), not with the AD object that
		// Set-CASMailbox may have rewritten since (exchange-admin.md 3.1).
		lastStamped := dev.stamped
		dev.stamped = dec.State
		if !s.staleViewLocked(dev, now) {
			m.stampAccessLocked(dev, dec)
		}
		notices = access.Notices(lastStamped, dec.State, dec.Reason, org.AdminMailRecipients)
		dn = s.noticeOf(m, dev, org)
		for _, k := range notices {
			if k == access.NoticeQuarantineAdmin {
				continue
			}
			raw, err := notice.Build(k, dn, nil)
			if err != nil {
				s.log.Error("building a device notice", "kind", k, "error", err)
				continue
			}
			if id, err := m.postLocked(raw, now); err == nil {
				dev.noticeItem = id
				m.emit(Event{Kind: EventMailPosted, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, Subject: string(k)})
			}
			s.relay(raw, relayTo(k, m.owner.PrimarySmtpAddress, nil))
		}
	}
	if dec.Record {
		c.accessLog = accessLogValue(dec.State, dec.Reason)
	}
	if dec.Promoted {
		c.accessLog = "DeviceInformationPromoted"
	}
	for _, k := range notices {
		if k == access.NoticeQuarantineUser || k == access.NoticeBlockedUser {
			c.mailSent = "ABQ"
		}
	}
	c.dev.DeviceAccessState = dev.DeviceAccessState
	c.dev.noticeItem = dev.noticeItem
	m.unlock()
	for _, k := range notices {
		if k == access.NoticeQuarantineAdmin {
			s.mailAdmins(dn, org.AdminMailRecipients, now)
		}
	}
	if dec.RemoteWipe {
		return nil
	}
	switch dec.State {
	case access.Blocked:
		eas.SetHeader(c.w.Header(), eas.HeaderThrottle, dec.Reason.String())
		if dec.Reason.IsAutoblock() {
			c.w.Header().Set(headerRetryAfter, retryAfterValue(dec.RetryAfter))
			return eas.NewHTTPError(http.StatusServiceUnavailable, "the device is autoblocked ("+dec.Reason.String()+")")
		}
		s.tarpit(c)
		return eas.NewStatusError(eas.StatusDeviceIsBlockedForThisUser, "the device is blocked ("+dec.Reason.String()+")")
	case access.Quarantined, access.DeviceDiscovery:
		c.quarantined = true
		if !quarantineAllowed[c.req.Command] {
			s.tarpit(c)
			return quarantineRefusal(c.req.Command)
		}
	}
	return nil
}

// accessInputLocked is the input of the access decision for the device of
// c at now, with the mailbox's settings as the EAS side sees them: through
// Exchange's directory cache (ADCacheRefreshInterval, 60 s by default;
// exchange-admin.md 4.3), which Options.CASMailboxCacheDelay models.
func (s *Server) accessInputLocked(c *call, dev *Device, org OrganizationSettings, rules []access.Rule, now time.Time, kind access.RequestKind) access.Input {
	cas := c.mb.casAsOfLocked(now.Add(-s.opts.CASMailboxCacheDelay))
	return access.Input{
		Now: now, DefaultAccessLevel: org.DefaultAccessLevel, Rules: rules,
		ActiveSyncEnabled: cas.ActiveSyncEnabled, ActiveSyncAllowedDeviceIDs: cas.ActiveSyncAllowedDeviceIDs, ActiveSyncBlockedDeviceIDs: cas.ActiveSyncBlockedDeviceIDs,
		DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, DeviceModel: dev.Info.Model, DeviceOS: dev.Info.OS, DeviceUserAgent: dev.DeviceUserAgent,
		DeviceInformationReceived: dev.HasInfo, DeviceInformationPromoted: dev.InformationPromoted, FirstSyncTime: dev.FirstSyncTime,
		Request: kind, UserAgent: c.req.UserAgent, DeviceDiscoveryPeriod: s.opts.DeviceDiscoveryPeriod,
		RemoteWipePending: dev.wipe.pending(),
		AutoblockReason:   dev.behaviour.reason, AutoblockUntil: dev.behaviour.until,
	}
}

// staleViewLocked reports whether the EAS side's cached view of the
// mailbox's settings is older than the partnership's last stamp by a
// cmdlet. Such a view still decides the request (the device waits for the
// cache, as in Exchange), but it is not written over the newer stamp: an
// approval made while the cache lags is one change on the event stream,
// not Allowed, Quarantined, Allowed.
func (s *Server) staleViewLocked(dev *Device, now time.Time) bool {
	d := s.opts.CASMailboxCacheDelay
	return d > 0 && !dev.adminStamped.IsZero() && dev.adminStamped.After(now.Add(-d))
}

// stampAccessLocked is the one writer of a partnership's access state: the
// request path (checkAccess, and a hanging request that decides again when
// woken) and the cmdlets (Set-CASMailbox) stamp through it. When the
// state, reason or rule changes it puts one AccessStateChanged on the
// event stream and reports true.
func (m *Mailbox) stampAccessLocked(dev *Device, dec access.Decision) bool {
	m.touchLocked(strings.ToLower(dev.DeviceID))
	rule := ""
	if dec.Rule != nil {
		rule = dec.Rule.Name
	}
	old, oldReason, oldRule := dev.DeviceAccessState, dev.DeviceAccessStateReason, dev.DeviceAccessControlRule
	if old == dec.State && oldReason == dec.Reason && oldRule == rule {
		return false
	}
	dev.DeviceAccessState, dev.DeviceAccessStateReason, dev.DeviceAccessControlRule = dec.State, dec.Reason, rule
	if m.now != nil {
		m.noteADWriteLocked(strings.ToLower(dev.DeviceID), dev, m.now(), false)
	}
	m.emit(Event{Kind: EventAccessStateChanged, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType,
		From: old.String(), To: dec.State.String(), Reason: dec.Reason.String(), Rule: rule})
	return true
}

// redecide decides the access of a quarantined or discovering device's
// hanging request (Ping, or Sync with Wait or HeartbeatInterval) again,
// when it wakes: an approval then reaches the waiting request at once
// rather than at its heartbeat, and the request goes on as the new state
// allows (released: the mailbox's changes count; blocked: it ends with
// the refusal a new request would get, 129, or 126 for a user disabled
// for ActiveSync). A new state is stamped through the one writer; the
// notices of the transition go out at the device's next request, which
// compares with the state stamped at its last one (exchange-admin.md 3.1).
func (s *Server) redecide(c *call) error {
	org := s.dir.OrganizationSettings()
	rules := s.dir.DeviceAccessRules()
	now := s.clock.Now()
	m := c.mb
	m.lock()
	defer m.unlock()
	dev := c.deviceLocked()
	dec := access.Decide(s.accessInputLocked(c, dev, org, rules, now, access.RequestHanging))
	if dec.UserDisabled {
		return eas.NewStatusError(eas.StatusUserDisabledForSync, "the user is not enabled for ActiveSync")
	}
	if dec.Record && !s.staleViewLocked(dev, now) {
		m.stampAccessLocked(dev, dec)
	}
	switch dec.State {
	case access.Blocked:
		return eas.NewStatusError(eas.StatusDeviceIsBlockedForThisUser, "the device was blocked while its request waited ("+dec.Reason.String()+")")
	case access.Quarantined, access.DeviceDiscovery:
	default:
		c.quarantined = false
	}
	return nil
}

// cacheCatchUp returns a channel that fires when the EAS side's cached view
// of the mailbox's settings catches up with their last change, for a
// quarantined device's hanging request (nil when there is nothing to wait
// for): an approval made while the cache lags reaches the request when
// the cache refreshes. Stop the timer when done.
func (c *call) cacheCatchUp() clockTimer {
	d := c.s.opts.CASMailboxCacheDelay
	if !c.quarantined || d <= 0 {
		return clockTimer{}
	}
	m := c.mb
	m.lock()
	var last time.Time
	if n := len(m.casHistory); n > 0 {
		last = m.casHistory[n-1].until
	}
	m.unlock()
	wait := last.Add(d).Sub(c.s.clock.Now())
	if last.IsZero() || wait <= 0 {
		return clockTimer{}
	}
	return newClockTimer(c.s, wait+time.Millisecond)
}

// tarpit holds a refusal for the ErrorResponseDelay on the server's clock.
func (s *Server) tarpit(c *call) {
	d := s.opts.ErrorResponseDelay
	if d == 0 {
		d = DefaultErrorResponseDelay
	}
	if d > 0 {
		s.clock.Sleep(c.r.Context(), d)
	}
}

// noticeOf fills a notification from the mailbox and the device.
func (s *Server) noticeOf(m *Mailbox, dev *Device, org OrganizationSettings) notice.Device {
	u := m.owner
	return notice.Device{
		DisplayName: u.DisplayName, Alias: u.Alias, PrimarySmtpAddress: u.PrimarySmtpAddress,
		DeviceModel: dev.Info.Model, DeviceType: dev.DeviceType, DeviceID: dev.DeviceID, DeviceOS: dev.Info.OS,
		UserAgent: dev.DeviceUserAgent, DeviceIMEI: dev.Info.IMEI, PhoneNumber: dev.Info.PhoneNumber, EASVersion: dev.ProtocolVersion,
		AccessState: dev.DeviceAccessState, AccessStateReason: dev.DeviceAccessStateReason, AccessControlRule: dev.DeviceAccessControlRule,
		UserMailInsert: org.UserMailInsert, OrgDomain: s.dir.Org.Domain, Time: s.clock.Now(),
	}
}

// postLocked creates a message directly in the mailbox's Inbox, unread, as
// Exchange posts its notices (not through transport), and returns its
// ServerId.
func (m *Mailbox) postLocked(raw []byte, now time.Time) (string, error) {
	msg, err := ParseMail(raw)
	if err != nil {
		return "", err
	}
	inbox := m.folderOfTypeLocked(eas.FolderTypeInbox)
	if inbox == nil {
		return "", errNoFolder
	}
	it, err := m.addItemLocked(inbox.ServerID, EmailItem(msg, now, false))
	if err != nil {
		return "", err
	}
	return it.ServerID, nil
}

// mailAdmins delivers the admin notice to every AdminMailRecipients
// address that is a mailbox here (others would leave through transport).
func (s *Server) mailAdmins(n notice.Device, admins []string, now time.Time) {
	raw, err := notice.QuarantineAdmin(n, admins)
	if err != nil {
		if err != notice.ErrNoAdminRecipients {
			s.log.Error("building the admin notice", "error", err)
		}
		return
	}
	s.relay(raw, relayTo(access.NoticeQuarantineAdmin, "", admins))
	msg, err := ParseMail(raw)
	if err != nil {
		s.log.Error("parsing the admin notice", "error", err)
		return
	}
	for _, a := range admins {
		_, mb, ok := s.dir.Resolve(a)
		if !ok {
			continue
		}
		inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
		if _, err := mb.AddItem(inbox.ServerID, EmailItem(msg, now, false)); err == nil {
			mb.emit(Event{Kind: EventMailPosted, DeviceID: n.DeviceID, DeviceType: n.DeviceType, Subject: string(access.NoticeQuarantineAdmin)})
		}
	}
}

// deviceLocked returns the request's partnership; the mailbox lock is
// held. Remove-MobileDevice may have deleted it while the request ran:
// then the device's request starts a new one, as its next would.
func (c *call) deviceLocked() *Device {
	return c.mb.deviceLocked(c.req.DeviceID, c.req.DeviceType, c.req.UserAgent, c.s.clock.Now())
}
