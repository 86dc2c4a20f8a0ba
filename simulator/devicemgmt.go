package simulator

import (
	"fmt"
	"net/http"
	"slices"
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

// maxCASVersions bounds the history kept.
const maxCASVersions = 64

// rememberCASLocked counts a change of the settings, which a directory
// cache entry read before it lags behind (cacheLagLocked), and keeps the
// settings about to change in their history (the mailbox's store record).
func (m *Mailbox) rememberCASLocked() {
	m.casChanges++
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

// DefaultCASCacheRefresh is Exchange's ADCacheRefreshInterval, the
// default and the minimum of its web.config setting (S1
// GlobalSettingsSchema): the value `easlab serve` and the harness run
// with (Options.CASMailboxCacheDelay).
const DefaultCASCacheRefresh = 60 * time.Second

// casViewLocked returns the mailbox's settings as the EAS side sees them
// at now, and when its directory cache read them. Exchange's ADUserCache
// (S1 ADUserCache.cs) keeps a user's entry in three generations rotated
// every refresh interval from the app pool's start: an entry read at a
// request that misses the cache goes into the newest generation and
// drops out at the third rotation after; a hit does not read it again.
// The mailbox lock is held.
func (s *Server) casViewLocked(m *Mailbox, now time.Time) (CASMailbox, time.Time) {
	if s.opts.CASMailboxCacheDelay <= 0 {
		return m.cas, now
	}
	e := &m.casCache
	if e.read.IsZero() || e.read.After(now) || !now.Before(s.cacheExpiry(e.read)) {
		e.cas = m.cas
		e.cas.ActiveSyncAllowedDeviceIDs = slices.Clone(m.cas.ActiveSyncAllowedDeviceIDs)
		e.cas.ActiveSyncBlockedDeviceIDs = slices.Clone(m.cas.ActiveSyncBlockedDeviceIDs)
		e.read, e.changes = now, m.casChanges
	}
	return e.cas, e.read
}

// casCacheEntry is a mailbox's entry in the EAS side's directory cache:
// the settings as read, when, and how many changes they had then.
type casCacheEntry struct {
	cas     CASMailbox
	read    time.Time
	changes uint64
}

// cacheExpiry is when an entry the directory cache read at loaded drops
// out: the third rotation after loaded.
func (s *Server) cacheExpiry(loaded time.Time) time.Time {
	r := s.opts.CASMailboxCacheDelay
	k := max(loaded.Sub(s.cacheEpoch)/r, 0)
	return s.cacheEpoch.Add((k + 3) * r)
}

// CASCacheWait is how long the EAS side will still see a mailbox's
// settings from before their last change: the longest time until such an
// entry drops out of the directory cache, over all mailboxes (zero if
// none lags). The harness warps its clock over it.
func (s *Server) CASCacheWait() time.Duration {
	if s.opts.CASMailboxCacheDelay <= 0 {
		return 0
	}
	now := s.clock.Now()
	var longest time.Duration
	for _, ref := range s.dir.mailboxRefs() {
		m := ref.mb
		m.lock()
		if wait, lags := s.cacheLagLocked(m, now); lags {
			longest = max(longest, wait)
		}
		m.unlock()
	}
	return longest
}

// cacheLagLocked reports whether the cached entry of the mailbox's
// settings predates their last change, and how long until it drops out.
func (s *Server) cacheLagLocked(m *Mailbox, now time.Time) (time.Duration, bool) {
	e := &m.casCache
	if e.read.IsZero() || e.changes == m.casChanges {
		return 0, false
	}
	return max(s.cacheExpiry(e.read).Sub(now), 0), true
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
		return err == nil && (req.Wait != nil || req.HeartbeatInterval != 0)
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
	in, viewAt := s.accessInputLocked(c, dev, org, rules, now, kind)
	dec := access.Decide(in)
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
				n := s.noticeOf(c, m, dev, org)
				if raw, err := notice.MaxDevicesUser(n, len(m.devices), limit); err == nil {
					if _, err := m.postLocked(raw, now); err == nil {
						m.maxDevicesMail = now
						m.metaGen++
						m.emit(Event{Kind: EventMailPosted, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, Subject: notice.MaxDevicesSubject})
					}
				}
			}
			m.unlock()
			// Thrown from the device manager, 177 takes Exchange's error
			// path and its tarpit (exchange-admin.md 2.2, 2.4).
			s.tarpit(c, 0)
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
		if !s.staleViewLocked(m, dev, viewAt) {
			m.stampAccessLocked(dev, dec)
		}
		notices = access.Notices(lastStamped, dec.State, dec.Reason, org.AdminMailRecipients)
		dn = s.noticeOf(c, m, dev, org)
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
		if dec.State == access.Blocked && dec.Reason.IsAutoblock() && lastStamped != access.Blocked {
			if s.postAutoblockNoticeLocked(m, dev, dn, thresholds, now) {
				c.extra().mailSent = "B"
			}
		}
	}
	if dec.Record {
		c.accessLog = accessLogValue(dec.State, dec.Reason)
		s.metrics.decisions.WithLabelValues(dec.State.String(), dec.Reason.String()).Inc()
	}
	if dec.Promoted {
		c.accessLog = "DeviceInformationPromoted"
	}
	for _, k := range notices {
		if k == access.NoticeQuarantineUser || k == access.NoticeBlockedUser {
			c.extra().mailSent = "ABQ"
		}
	}
	c.dev.DeviceAccessState = dev.DeviceAccessState
	c.dev.noticeItem = dev.noticeItem
	var heartbeat time.Duration
	if dec.State == access.Blocked && dec.Reason.IsAutoblock() {
		heartbeat = hangingHeartbeatLocked(c, dev)
	}
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
			// The 503 is an error response: tarpitted, and a hanging
			// command is held up to its heartbeat when that is longer
			// (exchange-admin.md 2.2; S1 Command.IsDeviceAccessAllowed).
			s.tarpit(c, heartbeat)
			return eas.NewHTTPError(http.StatusServiceUnavailable, "the device is autoblocked ("+dec.Reason.String()+")")
		}
		s.tarpit(c, 0)
		return eas.NewStatusError(eas.StatusDeviceIsBlockedForThisUser, "the device is blocked ("+dec.Reason.String()+")")
	case access.Quarantined, access.DeviceDiscovery:
		c.quarantined = true
		if !quarantineAllowed[c.req.Command] {
			refusal := quarantineRefusal(c.req.Command)
			if refusal.HTTPStatus != http.StatusOK {
				// Only the refusals Exchange raises as errors
				// (SetErrorResponse: SendMail's 500/120, GetAttachment's
				// 500) are tarpitted; the others are normal replies
				// carrying a status and come back at once
				// (exchange-admin.md 2.1; S1 HandleQuarantinedState).
				s.tarpit(c, 0)
			}
			return refusal
		}
	}
	return nil
}

// accessInputLocked is the input of the access decision for the device of
// c at now, with the mailbox's settings as the EAS side sees them: through
// Exchange's directory cache (ADCacheRefreshInterval, 60 s by default;
// exchange-admin.md 4.3), which Options.CASMailboxCacheDelay models
// (casViewLocked). It also returns when the cache read them.
func (s *Server) accessInputLocked(c *call, dev *Device, org OrganizationSettings, rules []access.Rule, now time.Time, kind access.RequestKind) (access.Input, time.Time) {
	cas, viewAt := s.casViewLocked(c.mb, now)
	return access.Input{
		Now: now, DefaultAccessLevel: org.DefaultAccessLevel, Rules: rules,
		ActiveSyncEnabled: cas.ActiveSyncEnabled, ActiveSyncAllowedDeviceIDs: cas.ActiveSyncAllowedDeviceIDs, ActiveSyncBlockedDeviceIDs: cas.ActiveSyncBlockedDeviceIDs,
		DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, DeviceModel: dev.Info.Model, DeviceOS: dev.Info.OS, DeviceUserAgent: dev.DeviceUserAgent,
		DeviceInformationReceived: dev.HasInfo, DeviceInformationPromoted: dev.InformationPromoted, FirstSyncTime: dev.FirstSyncTime,
		Request: kind, UserAgent: c.req.UserAgent, DeviceDiscoveryPeriod: s.opts.DeviceDiscoveryPeriod,
		RemoteWipePending: dev.wipe.pending(),
		AutoblockReason:   dev.behaviour.reason, AutoblockUntil: dev.behaviour.until,
	}, viewAt
}

// staleViewLocked reports whether the EAS side's cached view of the
// mailbox's settings, read at viewAt and since changed, is older than the partnership's last stamp by
// a cmdlet. Such a view still decides the request (the device waits for
// the cache, as in Exchange), but it is not written over the newer stamp:
// an approval made while the cache lags is one change on the event
// stream, not Allowed, Quarantined, Allowed.
// The mailbox lock is held.
func (s *Server) staleViewLocked(m *Mailbox, dev *Device, viewAt time.Time) bool {
	if _, lags := s.cacheLagLocked(m, viewAt); !lags {
		return false
	}
	return !dev.adminStamped.IsZero() && !dev.adminStamped.Before(viewAt)
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
// when it wakes, under Options.ReleaseHangingOnApproval: an approval then reaches the waiting request at once
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
	in, viewAt := s.accessInputLocked(c, dev, org, rules, now, access.RequestHanging)
	dec := access.Decide(in)
	if dec.UserDisabled {
		return eas.NewStatusError(eas.StatusUserDisabledForSync, "the user is not enabled for ActiveSync")
	}
	if dec.Record && !s.staleViewLocked(m, dev, viewAt) {
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

// cacheCatchUpWait returns how long until the EAS side's cached entry of
// the mailbox's settings, older than their last change, drops out of the
// directory cache, for a quarantined device's hanging request (false when
// there is nothing to wait for): an approval made while the cache lags
// reaches the request when the cache reads it again. A lag already over
// waits zero, so the request decides again at once.
func (c *call) cacheCatchUpWait() (time.Duration, bool) {
	if !c.quarantined || c.s.opts.CASMailboxCacheDelay <= 0 || !c.s.opts.ReleaseHangingOnApproval {
		return 0, false
	}
	m := c.mb
	m.lock()
	wait, lags := c.s.cacheLagLocked(m, c.s.clock.Now())
	m.unlock()
	return wait, lags
}

// tarpit holds an error response until ErrorResponseDelay after the
// request arrived, as Exchange does (AirSyncResponse.SetErrorResponse sets
// the time to respond to the request time plus ErrorResponseDelay for
// every error but 441 and 449; exchange-admin.md 2.2), or until heartbeat
// after it when that is longer (the autoblock 503 of a hanging command).
// A negative Options.ErrorResponseDelay turns both off.
func (s *Server) tarpit(c *call, heartbeat time.Duration) {
	d := s.opts.ErrorResponseDelay
	if d < 0 {
		return
	}
	if d == 0 {
		d = DefaultErrorResponseDelay
	}
	d = max(d, heartbeat)
	if wait := c.start.Add(d).Sub(s.clock.Now()); wait > 0 {
		s.clock.Sleep(c.r.Context(), wait)
	}
}

// hangingHeartbeatLocked is how long a hanging request would wait: a
// Ping's HeartbeatInterval (the request's, else the one cached from the
// device's last Ping), a Sync's Wait or HeartbeatInterval; zero for any
// other request or a body that does not parse. The mailbox lock is held.
func hangingHeartbeatLocked(c *call, dev *Device) time.Duration {
	switch c.req.Command {
	case eas.CommandPing:
		var req eas.PingRequest
		if len(c.body) > 0 && c.decode(&req) != nil {
			return 0
		}
		if req.HeartbeatInterval > 0 {
			return time.Duration(req.HeartbeatInterval) * time.Second
		}
		if dev.ping != nil {
			return dev.ping.heartbeat
		}
	case eas.CommandSync:
		req, err := c.syncRequest()
		if err != nil {
			return 0
		}
		if req.Wait != nil && *req.Wait > 0 {
			return time.Duration(*req.Wait) * time.Minute
		}
		return time.Duration(req.HeartbeatInterval) * time.Second
	}
	return 0
}

// noticeOf fills a notification from the mailbox and the device, for the
// request c: the admin mail links to the mailbox's mobile devices in the
// simulator's own admin center (/ecp/, at the external URL or the
// request's host), by its ExchangeGuid, as Exchange links to
// <ECP URL>UsersGroups/EditMobileMailbox.aspx?id=<MailboxInfo.MailboxGuid>
// &dtm=Isolation (S1 ABQMailHelper.GetUserActiveSyncOptionsPageUrl;
// exchange-admin.md 3.2), the page ECP itself opens for a mailbox's
// mobile devices (S1 ControlPanel EASMailboxFeatureInfo:
// /ecp/UsersGroups/EditMobileMailbox.aspx?id=...&DataTransferMode=Isolation). The user mails are in the mailbox's first
// language, the admin mail in the server's (Options.ServerLanguage).
func (s *Server) noticeOf(c *call, m *Mailbox, dev *Device, org OrganizationSettings) notice.Device {
	u := m.owner
	scheme, host := s.publicBase(c.r)
	var lang string
	if len(u.Languages) > 0 {
		lang = u.Languages[0]
	}
	return notice.Device{
		DisplayName: u.DisplayName, Alias: u.Alias, PrimarySmtpAddress: u.PrimarySmtpAddress,
		MailboxGuid: exchangeGuid(&u), ECPURL: scheme + "://" + host + "/ecp/",
		Language: lang, ServerLanguage: s.opts.ServerLanguage, TimeZone: s.opts.TimeZone,
		DeviceModel: dev.Info.Model, DeviceType: dev.DeviceType, DeviceID: dev.DeviceID, DeviceOS: dev.Info.OS,
		UserAgent: dev.DeviceUserAgent, DeviceIMEI: dev.Info.IMEI, PhoneNumber: dev.Info.PhoneNumber, EASVersion: dev.ProtocolVersion,
		AccessState: dev.DeviceAccessState, AccessStateReason: dev.DeviceAccessStateReason, AccessControlRule: dev.DeviceAccessControlRule,
		UserMailInsert: org.UserMailInsert, OrgDomain: s.dir.Org.Domain, Time: s.clock.Now(),
	}
}

// AutoblockNoticeKind is the autoblock mail's kind on the event stream
// (MailPosted's Subject, as the access notices have theirs).
const AutoblockNoticeKind = "AutoblockUser"

// postAutoblockNoticeLocked posts the autoblock mail to the owner's Inbox
// when Exchange sends it (S1 Command.ShouldSendAutoBlockNotificationMail;
// exchange-admin.md 3.1, 4.9): the device has just become autoblocked, the
// EnableNotificationEmail threshold is on (its BehaviorTypeIncidenceLimit
// is not 0), the behaviour's threshold blocks for a while
// (DeviceBlockDuration) and some of it is left. The mail carries the
// behaviour threshold's AdminEmailInsert. It reports whether it posted.
// The mailbox lock is held.
func (s *Server) postAutoblockNoticeLocked(m *Mailbox, dev *Device, n notice.Device, ths []AutoblockThreshold, now time.Time) bool {
	var enabled bool
	var th AutoblockThreshold
	for _, t := range ths {
		switch t.BehaviorType {
		case access.ReasonEnableNotificationEmail:
			enabled = t.BehaviorTypeIncidenceLimit != 0
		case dev.behaviour.reason:
			th = t
		}
	}
	left := dev.behaviour.until.Sub(now)
	if !enabled || th.DeviceBlockDuration <= 0 || left <= 0 {
		return false
	}
	n.AccessState, n.AccessStateReason = access.Blocked, dev.behaviour.reason
	raw, err := notice.AutoblockUser(n, left, th.AdminEmailInsert)
	if err != nil {
		s.log.Error("building the autoblock notice", "error", err)
		return false
	}
	if _, err := m.postLocked(raw, now); err != nil {
		return false
	}
	m.emit(Event{Kind: EventMailPosted, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, Subject: AutoblockNoticeKind})
	s.relay(raw, []string{m.owner.PrimarySmtpAddress})
	return true
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
