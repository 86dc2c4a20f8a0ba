package simulator

import (
	"crypto/rand"
	"crypto/sha1"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/admin"
)

// The cmdlets of the admin API (admin.go): what Exchange's management
// shell shows and changes of device partnerships, CAS mailboxes, the
// ActiveSync organization settings and device access rules
// (exchange-admin.md 4.1 to 4.6).

// ---- Objects, with Exchange's property names ----

// mobileDeviceObject is what Get-MobileDevice writes: the device's AD
// object (exchange-admin.md 4.1).
type mobileDeviceObject struct {
	FriendlyName            string  `json:"FriendlyName"`
	DeviceId                string  `json:"DeviceId"`
	DeviceImei              string  `json:"DeviceImei"`
	DeviceMobileOperator    string  `json:"DeviceMobileOperator"`
	DeviceOS                string  `json:"DeviceOS"`
	DeviceOSLanguage        string  `json:"DeviceOSLanguage"`
	DeviceTelephoneNumber   string  `json:"DeviceTelephoneNumber"`
	DeviceType              string  `json:"DeviceType"`
	DeviceUserAgent         string  `json:"DeviceUserAgent"`
	DeviceModel             string  `json:"DeviceModel"`
	FirstSyncTime           *string `json:"FirstSyncTime"`
	UserDisplayName         string  `json:"UserDisplayName"`
	UserPrincipalName       string  `json:"UserPrincipalName"`
	DeviceAccessState       string  `json:"DeviceAccessState"`
	DeviceAccessStateReason string  `json:"DeviceAccessStateReason"`
	DeviceAccessControlRule *string `json:"DeviceAccessControlRule"`
	ClientVersion           string  `json:"ClientVersion"`
	ClientType              string  `json:"ClientType"`
	ProvisioningFlags       int     `json:"ProvisioningFlags"`
	IsManaged               bool    `json:"IsManaged"`
	IsCompliant             bool    `json:"IsCompliant"`
	IsDisabled              bool    `json:"IsDisabled"`
	Name                    string  `json:"Name"`
	Identity                string  `json:"Identity"`
	DistinguishedName       string  `json:"DistinguishedName"`
	Guid                    string  `json:"Guid"`
	WhenChanged             *string `json:"WhenChanged"`
	WhenCreated             *string `json:"WhenCreated"`
	WhenChangedUTC          *string `json:"WhenChangedUTC"`
	WhenCreatedUTC          *string `json:"WhenCreatedUTC"`
}

// mobileDeviceStatisticsObject is what Get-MobileDeviceStatistics writes:
// the device's sync state (exchange-admin.md 4.2).
type mobileDeviceStatisticsObject struct {
	FirstSyncTime                 *string `json:"FirstSyncTime"`
	LastPolicyUpdateTime          *string `json:"LastPolicyUpdateTime"`
	LastSyncAttemptTime           *string `json:"LastSyncAttemptTime"`
	LastSuccessSync               *string `json:"LastSuccessSync"`
	DeviceType                    string  `json:"DeviceType"`
	DeviceID                      string  `json:"DeviceID"`
	DeviceUserAgent               string  `json:"DeviceUserAgent"`
	DeviceWipeSentTime            *string `json:"DeviceWipeSentTime"`
	DeviceWipeRequestTime         *string `json:"DeviceWipeRequestTime"`
	DeviceWipeAckTime             *string `json:"DeviceWipeAckTime"`
	LastPingHeartbeat             *int    `json:"LastPingHeartbeat"`
	RecoveryPassword              *string `json:"RecoveryPassword"`
	DeviceModel                   string  `json:"DeviceModel"`
	DeviceImei                    string  `json:"DeviceImei"`
	DeviceFriendlyName            string  `json:"DeviceFriendlyName"`
	DeviceOS                      string  `json:"DeviceOS"`
	DeviceOSLanguage              string  `json:"DeviceOSLanguage"`
	DevicePhoneNumber             string  `json:"DevicePhoneNumber"`
	MailboxLogReport              *string `json:"MailboxLogReport"`
	DeviceEnableOutboundSMS       bool    `json:"DeviceEnableOutboundSMS"`
	DeviceMobileOperator          string  `json:"DeviceMobileOperator"`
	Identity                      string  `json:"Identity"`
	Guid                          string  `json:"Guid"`
	IsRemoteWipeSupported         bool    `json:"IsRemoteWipeSupported"`
	Status                        string  `json:"Status"`
	StatusNote                    string  `json:"StatusNote"`
	DeviceAccessState             string  `json:"DeviceAccessState"`
	DeviceAccessStateReason       string  `json:"DeviceAccessStateReason"`
	DeviceAccessControlRule       *string `json:"DeviceAccessControlRule"`
	DevicePolicyApplied           string  `json:"DevicePolicyApplied"`
	DevicePolicyApplicationStatus string  `json:"DevicePolicyApplicationStatus"`
	LastDeviceWipeRequestor       *string `json:"LastDeviceWipeRequestor"`
	ClientVersion                 string  `json:"ClientVersion"`
	NumberOfFoldersSynced         int     `json:"NumberOfFoldersSynced"`
	SyncStateUpgradeTime          *string `json:"SyncStateUpgradeTime"`
	ClientType                    string  `json:"ClientType"`
}

// casMailboxObject is what Get-CASMailbox writes (its ActiveSync part,
// exchange-admin.md 4.3).
type casMailboxObject struct {
	Identity                           string   `json:"Identity"`
	Name                               string   `json:"Name"`
	DisplayName                        string   `json:"DisplayName"`
	PrimarySmtpAddress                 string   `json:"PrimarySmtpAddress"`
	SamAccountName                     string   `json:"SamAccountName"`
	ActiveSyncEnabled                  bool     `json:"ActiveSyncEnabled"`
	ActiveSyncAllowedDeviceIDs         []string `json:"ActiveSyncAllowedDeviceIDs"`
	ActiveSyncBlockedDeviceIDs         []string `json:"ActiveSyncBlockedDeviceIDs"`
	ActiveSyncMailboxPolicy            string   `json:"ActiveSyncMailboxPolicy"`
	ActiveSyncMailboxPolicyIsDefaulted bool     `json:"ActiveSyncMailboxPolicyIsDefaulted"`
	ActiveSyncDebugLogging             bool     `json:"ActiveSyncDebugLogging"`
	HasActiveSyncDevicePartnership     bool     `json:"HasActiveSyncDevicePartnership"`
	Guid                               string   `json:"Guid"`
}

// mailboxObject is what Get-Mailbox writes (the properties agents read).
type mailboxObject struct {
	Identity             string   `json:"Identity"`
	Name                 string   `json:"Name"`
	Alias                string   `json:"Alias"`
	DisplayName          string   `json:"DisplayName"`
	UserPrincipalName    string   `json:"UserPrincipalName"`
	PrimarySmtpAddress   string   `json:"PrimarySmtpAddress"`
	WindowsEmailAddress  string   `json:"WindowsEmailAddress"`
	EmailAddresses       []string `json:"EmailAddresses"`
	SamAccountName       string   `json:"SamAccountName"`
	RecipientType        string   `json:"RecipientType"`
	RecipientTypeDetails string   `json:"RecipientTypeDetails"`
	DistinguishedName    string   `json:"DistinguishedName"`
	Guid                 string   `json:"Guid"`
	ExchangeGuid         string   `json:"ExchangeGuid"`
	Languages            []string `json:"Languages"`
}

// organizationSettingsObject is what Get-ActiveSyncOrganizationSettings
// writes (exchange-admin.md 4.4).
type organizationSettingsObject struct {
	Identity                          string   `json:"Identity"`
	Name                              string   `json:"Name"`
	DefaultAccessLevel                string   `json:"DefaultAccessLevel"`
	AdminMailRecipients               []string `json:"AdminMailRecipients"`
	UserMailInsert                    *string  `json:"UserMailInsert"`
	OtaNotificationMailInsert         *string  `json:"OtaNotificationMailInsert"`
	AllowAccessForUnSupportedPlatform bool     `json:"AllowAccessForUnSupportedPlatform"`
	IsIntuneManaged                   bool     `json:"IsIntuneManaged"`
	DistinguishedName                 string   `json:"DistinguishedName"`
	Guid                              string   `json:"Guid"`
}

// deviceAccessRuleObject is what Get-ActiveSyncDeviceAccessRule writes
// (exchange-admin.md 4.5).
type deviceAccessRuleObject struct {
	Identity          string `json:"Identity"`
	Name              string `json:"Name"`
	QueryString       string `json:"QueryString"`
	Characteristic    string `json:"Characteristic"`
	AccessLevel       string `json:"AccessLevel"`
	DistinguishedName string `json:"DistinguishedName"`
	Guid              string `json:"Guid"`
}

// organizationSettingsName is the name and identity of the ActiveSync
// organization settings object.
const organizationSettingsName = "Mobile Mailbox Settings"

// ---- Value spellings ----

// netTick is the resolution of .NET's DateTime, 100 ns.
const netTick = 100 * time.Nanosecond

// isoTime renders a time as .NET's round-trip format ("o") does a UTC
// DateTime: ISO 8601 with seven fractional digits and "Z"
// ("2026-11-23T09:00:00.0000000Z"), nil when unset.
func isoTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Truncate(netTick).Format("2006-01-02T15:04:05.0000000Z")
	return &s
}

// localTime renders a time as .NET's round-trip format does a DateTime
// of kind Local, in the server's time zone (Options.TimeZone): seven
// fractional digits and the offset, "+00:00" in UTC
// ("2026-11-23T10:00:00.0000000+01:00"); nil when unset. Exchange's
// WhenCreated and WhenChanged are such times, WhenCreatedUTC and
// WhenChangedUTC the same instants in UTC.
func (s *Server) localTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	loc := s.opts.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	v := t.In(loc).Truncate(netTick).Format("2006-01-02T15:04:05.0000000-07:00")
	return &v
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// obfuscatePhoneNumber masks all but the last four characters, as
// Exchange does before it shows a device's phone number
// (DeviceInfo.ObfuscatePhoneNumber).
func obfuscatePhoneNumber(s string) string {
	r := []rune(strings.TrimSpace(s))
	for i := 0; i < len(r)-4; i++ {
		r[i] = '*'
	}
	return string(r)
}

// nameGuid derives a stable GUID from parts (an RFC 4122 version 5 UUID
// in the simulator's own namespace): objects keep their Guid across
// requests and restarts of the same organization.
func nameGuid(parts ...string) string {
	h := sha1.New()
	h.Write([]byte("easlab\x00"))
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatGuid(b)
}

// newGuid returns a random (version 4) GUID.
func newGuid() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("simulator: no randomness for a GUID: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGuid(b)
}

func formatGuid(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// parseGuid returns a GUID in the canonical form if s is one (braces
// allowed), or "".
func parseGuid(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
	if len(s) != 36 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return ""
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return ""
			}
		}
	}
	return strings.ToLower(s)
}

// dcPart is the domain's DN suffix ("DC=contoso,DC=com").
func (s *Server) dcPart() string {
	return "DC=" + strings.Join(strings.Split(s.dir.Org.Domain, "."), ",DC=")
}

// ---- Mailboxes and their identities ----

// mailboxRef is a mailbox and its owner.
type mailboxRef struct {
	user User
	mb   *Mailbox
}

// mailboxRefs returns every mailbox, by alias.
func (d *Directory) mailboxRefs() []mailboxRef {
	d.mu.RLock()
	out := make([]mailboxRef, 0, len(d.users))
	for _, a := range d.users {
		out = append(out, mailboxRef{a.user, a.mailbox})
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b mailboxRef) int { return strings.Compare(a.user.Alias, b.user.Alias) })
	return out
}

// mailboxIdentity is the Identity the admin API shows for a mailbox.
func mailboxIdentity(u *User) string { return u.Alias }

func mailboxGuid(u *User) string  { return nameGuid("mailbox", strings.ToLower(u.Alias)) }
func exchangeGuid(u *User) string { return nameGuid("exchangeguid", strings.ToLower(u.Alias)) }

// resolveMailbox finds a mailbox by any of its identities (admin.go).
func (s *Server) resolveMailbox(identity string) (mailboxRef, error) {
	id := strings.TrimSpace(identity)
	if u, mb, ok := s.dir.Resolve(id); ok {
		return mailboxRef{u, mb}, nil
	}
	name := id
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		name = id[i+1:] // a canonical name: domain/OU/Name
	}
	guid := parseGuid(id)
	var found []mailboxRef
	for _, ref := range s.dir.mailboxRefs() {
		u := &ref.user
		if name != "" && (strings.EqualFold(u.DisplayName, name) || strings.EqualFold(u.Alias, name)) ||
			guid != "" && (mailboxGuid(u) == guid || exchangeGuid(u) == guid) {
			found = append(found, ref)
		}
	}
	switch len(found) {
	case 0:
		return mailboxRef{}, s.errNotFound(identity)
	case 1:
		return found[0], nil
	}
	return mailboxRef{}, admin.Ambiguous(identity)
}

// mailboxScope returns the mailbox an optional -Mailbox or -Identity
// names, or every mailbox.
func (s *Server) mailboxScope(p *admin.String) ([]mailboxRef, error) {
	if !p.Set || p.Null {
		return s.dir.mailboxRefs(), nil
	}
	ref, err := s.resolveMailbox(p.V)
	if err != nil {
		return nil, err
	}
	return []mailboxRef{ref}, nil
}

// ---- Devices and their identities ----

// deviceGuid is the Guid of a partnership: stable while it lives, new for
// a partnership created again after Remove-MobileDevice.
func deviceGuid(u *User, d *Device) string {
	return nameGuid("device", strings.ToLower(u.Alias), strings.ToLower(d.DeviceID), strconv.FormatInt(d.FirstSyncTime.UnixNano(), 10))
}

// deviceOSOf is the DeviceOS Exchange shows: the device's own, or the one
// it derives from an Android or SAMSUNG User-Agent (access.go).
func deviceOSOf(d *Device) string {
	os := d.Info.OS
	if os == "" || strings.EqualFold(os, "Android") {
		if derived, ok := access.DeviceOS(d.DeviceType, d.DeviceUserAgent); ok {
			return derived
		}
	}
	return os
}

// deviceModelOf is the DeviceModel Exchange shows: the device's own, or
// its DeviceType until it sends one. Exchange fills an empty model with
// the DeviceType before deciding access and again when it completes the
// request and writes the device object (Exchange 2013's
// Command.IsDeviceAccessAllowed and CompleteDeviceAccessProcessing,
// "if (string.IsNullOrEmpty(GlobalInfo.DeviceModel)) GlobalInfo.DeviceModel
// = DeviceIdentity.DeviceType"; exchange-admin.md 1.3 step 6), so a device
// in discovery shows its DeviceType as its model.
func deviceModelOf(d *Device) string {
	if d.Info.Model == "" {
		return d.DeviceType
	}
	return d.Info.Model
}

func deviceUserAgentOf(d *Device) string {
	if d.DeviceUserAgent != "" {
		return d.DeviceUserAgent
	}
	return d.Info.UserAgent
}

// deviceRef is one partnership: its mailbox and its key there.
type deviceRef struct {
	mailboxRef
	key string // lower-case DeviceId
}

// mobileDeviceObject renders a partnership; the mailbox's lock is held.
func (s *Server) mobileDeviceObject(u *User, d *Device) mobileDeviceObject {
	created := isoTime(d.FirstSyncTime)
	changed := d.WhenChanged
	if changed.IsZero() {
		changed = d.FirstSyncTime // not written since its first request
	}
	return mobileDeviceObject{
		FriendlyName:            d.Info.FriendlyName,
		DeviceId:                d.DeviceID,
		DeviceImei:              d.Info.IMEI,
		DeviceMobileOperator:    d.Info.MobileOperator,
		DeviceOS:                deviceOSOf(d),
		DeviceOSLanguage:        d.Info.OSLanguage,
		DeviceTelephoneNumber:   obfuscatePhoneNumber(d.Info.PhoneNumber),
		DeviceType:              d.DeviceType,
		DeviceUserAgent:         deviceUserAgentOf(d),
		DeviceModel:             deviceModelOf(d),
		FirstSyncTime:           created,
		UserDisplayName:         s.canonicalName(u),
		UserPrincipalName:       u.UserPrincipalName,
		DeviceAccessState:       d.DeviceAccessState.String(),
		DeviceAccessStateReason: d.DeviceAccessStateReason.String(),
		DeviceAccessControlRule: nullable(d.DeviceAccessControlRule),
		ClientVersion:           d.ProtocolVersion,
		ClientType:              "EAS",
		Name:                    deviceName(d),
		Identity:                s.deviceIdentity(u, d),
		DistinguishedName:       s.deviceDN(u, d),
		Guid:                    deviceGuid(u, d),
		WhenChanged:             s.localTime(changed),
		WhenCreated:             s.localTime(d.FirstSyncTime),
		WhenChangedUTC:          isoTime(changed),
		WhenCreatedUTC:          created,
	}
}

// mobileDeviceStatisticsObject renders a partnership's sync state; the
// mailbox's lock is held.
func (s *Server) mobileDeviceStatisticsObject(u *User, d *Device, showRecoveryPassword bool) mobileDeviceStatisticsObject {
	provisioned := d.PolicyKey != 0
	o := mobileDeviceStatisticsObject{
		FirstSyncTime:           isoTime(d.FirstSyncTime),
		LastPolicyUpdateTime:    isoTime(d.LastPolicyUpdate),
		LastSyncAttemptTime:     isoTime(d.LastSyncAttemptTime),
		LastSuccessSync:         isoTime(d.LastSuccessSync),
		DeviceType:              d.DeviceType,
		DeviceID:                d.DeviceID,
		DeviceUserAgent:         deviceUserAgentOf(d),
		DeviceModel:             deviceModelOf(d),
		DeviceImei:              d.Info.IMEI,
		DeviceFriendlyName:      d.Info.FriendlyName,
		DeviceOS:                deviceOSOf(d),
		DeviceOSLanguage:        d.Info.OSLanguage,
		DevicePhoneNumber:       obfuscatePhoneNumber(d.Info.PhoneNumber),
		DeviceEnableOutboundSMS: d.Info.EnableOutboundSMS,
		DeviceMobileOperator:    d.Info.MobileOperator,
		Identity:                s.deviceIdentity(u, d),
		Guid:                    deviceGuid(u, d),
		IsRemoteWipeSupported:   provisioned,
		Status:                  d.Status(),
		DeviceAccessState:       d.DeviceAccessState.String(),
		DeviceAccessStateReason: d.DeviceAccessStateReason.String(),
		DeviceAccessControlRule: nullable(d.DeviceAccessControlRule),
		DevicePolicyApplied:     d.PolicyApplied,
		ClientVersion:           d.ProtocolVersion,
		NumberOfFoldersSynced:   len(d.collections),
		ClientType:              "EAS",
	}
	if o.DevicePolicyApplied == "" && provisioned {
		o.DevicePolicyApplied = s.dir.policyFor("").Name
	}
	requested, sent, acked, _ := d.WipeTimes()
	o.DeviceWipeRequestTime, o.DeviceWipeSentTime, o.DeviceWipeAckTime = isoTime(requested), isoTime(sent), isoTime(acked)
	o.LastDeviceWipeRequestor = nullable(d.wipeOf().requestor)
	o.DevicePolicyApplicationStatus = "Unknown"
	if provisioned {
		o.DevicePolicyApplicationStatus = "AppliedInFull"
	}
	if d.ping != nil {
		hb := int(d.ping.heartbeat / time.Second)
		o.LastPingHeartbeat = &hb
	}
	if d.RecoveryPassword != "" {
		rp := "********"
		if showRecoveryPassword {
			rp = d.RecoveryPassword
		}
		o.RecoveryPassword = &rp
	}
	return o
}

// deviceRow is what a Get-MobileDevice filter reads.
type deviceRow struct {
	user            *User
	userDisplayName string
	dev             *Device
}

func accessStateName(n int64) string  { return access.State(n).String() }
func accessReasonName(n int64) string { return access.Reason(n).String() }

// mobileDeviceFilter is the schema of Get-MobileDevice -Filter: the
// properties of exchange-admin.md 4.1.
var mobileDeviceFilter = admin.NewFilterSchema(
	admin.StringProp("ClientType", func(*deviceRow) string { return "EAS" }),
	admin.StringProp("DeviceAccessControlRule", func(r *deviceRow) string { return r.dev.DeviceAccessControlRule }),
	admin.EnumProp("DeviceAccessState", "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessState",
		func(r *deviceRow) int64 { return int64(r.dev.DeviceAccessState) }, accessStateName,
		admin.EnumParser([]int64{0, 1, 2, 3, 4}, accessStateName)),
	admin.EnumProp("DeviceAccessStateReason", "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessStateReason",
		func(r *deviceRow) int64 { return int64(r.dev.DeviceAccessStateReason) }, accessReasonName,
		admin.EnumParser([]int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 51, 52, 53}, accessReasonName)),
	admin.StringProp("DeviceActiveSyncVersion", func(r *deviceRow) string { return r.dev.ProtocolVersion }),
	admin.StringProp("DeviceId", func(r *deviceRow) string { return r.dev.DeviceID }),
	admin.StringProp("DeviceImei", func(r *deviceRow) string { return r.dev.Info.IMEI }),
	admin.StringProp("DeviceMobileOperator", func(r *deviceRow) string { return r.dev.Info.MobileOperator }),
	admin.StringProp("DeviceModel", func(r *deviceRow) string { return deviceModelOf(r.dev) }),
	admin.StringProp("DeviceOS", func(r *deviceRow) string { return deviceOSOf(r.dev) }),
	admin.StringProp("DeviceOSLanguage", func(r *deviceRow) string { return r.dev.Info.OSLanguage }),
	admin.StringProp("DeviceTelephoneNumber", func(r *deviceRow) string { return obfuscatePhoneNumber(r.dev.Info.PhoneNumber) }),
	admin.StringProp("DeviceType", func(r *deviceRow) string { return r.dev.DeviceType }),
	admin.StringProp("DeviceUserAgent", func(r *deviceRow) string { return deviceUserAgentOf(r.dev) }),
	admin.TimeProp("FirstSyncTime", func(r *deviceRow) time.Time { return r.dev.FirstSyncTime }),
	admin.StringProp("FriendlyName", func(r *deviceRow) string { return r.dev.Info.FriendlyName }),
	admin.IntProp("ProvisioningFlags", func(*deviceRow) int64 { return 0 }),
	admin.StringProp("UserDisplayName", func(r *deviceRow) string { return r.userDisplayName }),
)

// compileFilter parses an optional -Filter; nil means none.
func compileFilter[T any](schema *admin.FilterSchema[T], p *admin.String) (func(*T) bool, error) {
	if !p.Set || p.Null {
		return nil, nil
	}
	f, err := schema.Parse(p.V)
	if err != nil {
		fe := err.(*admin.FilterError)
		return nil, &admin.Error{Status: http.StatusBadRequest, Category: "InvalidArgument", Message: fe.Error(), Position: fe.Pos}
	}
	return f, nil
}

// errParameterSet is PowerShell's error for parameters of different sets.
func errParameterSet() *admin.Error {
	return admin.InvalidArgument("Parameter set cannot be resolved using the specified named parameters.")
}

// clientTypeSwitches are Get-MobileDevice's switches that pick client
// types; the simulator's partnerships are all ActiveSync (EAS).
type clientTypeSwitches struct {
	ActiveSync, OWAforDevices, RestApi, UniversalOutlook admin.Bool `ps:"switch"`
}

// includesEAS reports whether the switches select ActiveSync devices:
// when none is given, or -ActiveSync is.
func (c *clientTypeSwitches) includesEAS() bool {
	picked := c.ActiveSync.V || c.OWAforDevices.V || c.RestApi.V || c.UniversalOutlook.V
	return !picked || c.ActiveSync.V
}

// ---- Get-MobileDevice, Get-MobileDeviceStatistics, Remove-MobileDevice ----

type getMobileDeviceParams struct {
	Identity                                             admin.String
	Mailbox                                              admin.String
	Filter                                               admin.String
	ResultSize                                           admin.ResultSize
	ActiveSync, OWAforDevices, RestApi, UniversalOutlook admin.Bool `ps:"switch"`
}

// getMobileDevice lists partnerships by mailbox alias, then DeviceId.
func (s *Server) getMobileDevice(p *getMobileDeviceParams) (admin.Output, error) {
	if p.Identity.Set && p.Mailbox.Set {
		return admin.Output{}, errParameterSet()
	}
	filter, err := compileFilter(mobileDeviceFilter, &p.Filter)
	if err != nil {
		return admin.Output{}, err
	}
	types := clientTypeSwitches{p.ActiveSync, p.OWAforDevices, p.RestApi, p.UniversalOutlook}
	if p.Identity.Set && !p.Identity.Null {
		found, err := s.resolveDevices(p.Identity.V)
		if err != nil {
			return admin.Output{}, err
		}
		var out []mobileDeviceObject
		for _, ref := range found {
			ref.mb.lock()
			if d := ref.mb.devices[ref.key]; d != nil && types.includesEAS() {
				row := deviceRow{&ref.user, s.canonicalName(&ref.user), d}
				if filter == nil || filter(&row) {
					out = append(out, s.mobileDeviceObject(&ref.user, d))
				}
			}
			ref.mb.unlock()
		}
		return admin.OutputOf(out), nil
	}
	refs, err := s.mailboxScope(&p.Mailbox)
	if err != nil || !types.includesEAS() {
		return admin.OutputOf[mobileDeviceObject](nil), err
	}
	limit := p.ResultSize.Limit()
	if limit < 0 {
		// Unlimited: made mailbox by mailbox as the transport reads it,
		// so a large organization's partnerships are never held at once.
		return admin.Output{Objects: admin.Stream{Each: func(fn func(any) error) error {
			var row deviceRow
			var batch []mobileDeviceObject
			for i := range refs {
				ref := &refs[i]
				row.user, row.userDisplayName = &ref.user, s.canonicalName(&ref.user)
				batch = batch[:0]
				ref.mb.lock()
				for _, d := range ref.mb.devices {
					row.dev = d
					if filter == nil || filter(&row) {
						batch = append(batch, s.mobileDeviceObject(&ref.user, d))
					}
				}
				ref.mb.unlock()
				slices.SortFunc(batch, func(a, b mobileDeviceObject) int {
					return strings.Compare(strings.ToLower(a.DeviceId), strings.ToLower(b.DeviceId))
				})
				for _, o := range batch {
					if err := fn(o); err != nil {
						return err
					}
				}
			}
			return nil
		}}}, nil
	}
	var out []mobileDeviceObject
	var row deviceRow
	for i := range refs {
		ref := &refs[i]
		row.user, row.userDisplayName = &ref.user, s.canonicalName(&ref.user)
		start := len(out)
		ref.mb.lock()
		for _, d := range ref.mb.devices {
			row.dev = d
			if filter == nil || filter(&row) {
				out = append(out, s.mobileDeviceObject(&ref.user, d))
			}
		}
		ref.mb.unlock()
		slices.SortFunc(out[start:], func(a, b mobileDeviceObject) int {
			return strings.Compare(strings.ToLower(a.DeviceId), strings.ToLower(b.DeviceId))
		})
		if limit >= 0 && len(out) > limit {
			break
		}
	}
	out, warnings := admin.Cut(out, &p.ResultSize)
	return admin.OutputOf(out, warnings...), nil
}

type getMobileDeviceStatisticsParams struct {
	Identity                                             admin.String
	Mailbox                                              admin.String
	ShowRecoveryPassword                                 admin.Bool `ps:"switch"`
	ActiveSync, OWAforDevices, RestApi, UniversalOutlook admin.Bool `ps:"switch"`
}

func (s *Server) getMobileDeviceStatistics(p *getMobileDeviceStatisticsParams) (admin.Output, error) {
	switch {
	case p.Identity.Set && p.Mailbox.Set:
		return admin.Output{}, errParameterSet()
	case !p.Identity.Set && !p.Mailbox.Set:
		return admin.Output{}, admin.InvalidArgument("Cannot process command because of one or more missing mandatory parameters: Identity.")
	}
	types := clientTypeSwitches{p.ActiveSync, p.OWAforDevices, p.RestApi, p.UniversalOutlook}
	var out []mobileDeviceStatisticsObject
	if p.Identity.Set {
		found, err := s.resolveDevices(p.Identity.V)
		if err != nil {
			return admin.Output{}, err
		}
		for _, ref := range found {
			ref.mb.lock()
			if d := ref.mb.devices[ref.key]; d != nil && types.includesEAS() {
				out = append(out, s.mobileDeviceStatisticsObject(&ref.user, d, p.ShowRecoveryPassword.V))
			}
			ref.mb.unlock()
		}
		return admin.OutputOf(out), nil
	}
	ref, err := s.resolveMailbox(p.Mailbox.V)
	if err != nil || !types.includesEAS() {
		return admin.OutputOf(out), err
	}
	ref.mb.lock()
	for _, d := range ref.mb.devices {
		out = append(out, s.mobileDeviceStatisticsObject(&ref.user, d, p.ShowRecoveryPassword.V))
	}
	ref.mb.unlock()
	slices.SortFunc(out, func(a, b mobileDeviceStatisticsObject) int {
		return strings.Compare(strings.ToLower(a.DeviceID), strings.ToLower(b.DeviceID))
	})
	return admin.OutputOf(out), nil
}

type clearMobileDeviceParams struct {
	Identity                   admin.String `ps:"mandatory"`
	AccountOnly                admin.Bool   `ps:"switch"`
	Cancel                     admin.Bool   `ps:"switch"`
	NotificationEmailAddresses admin.Multi
}

// clearMobileDevice asks for a remote wipe of a device, account-only with
// -AccountOnly, or withdraws it with -Cancel (exchange-admin.md 4.6).
func (s *Server) clearMobileDevice(p *clearMobileDeviceParams) (admin.Output, error) {
	ref, err := s.resolveDevice(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	var notify []string
	if p.NotificationEmailAddresses.Set {
		notify = p.NotificationEmailAddresses.Apply(nil)
	}
	if err := ref.mb.ClearMobileDevice(ref.key, p.AccountOnly.V, p.Cancel.V, "Administrator", s.clock.Now(), notify...); err != nil {
		return admin.Output{}, s.errNotFound(p.Identity.V)
	}
	return admin.NoOutput(), nil
}

type removeMobileDeviceParams struct {
	Identity admin.String `ps:"mandatory"`
}

// removeMobileDevice deletes the partnership, its AD object and sync state
// (exchange-admin.md 4.6). The device's next request starts a new one;
// the mailbox's allow and block lists are left as they are.
func (s *Server) removeMobileDevice(p *removeMobileDeviceParams) (admin.Output, error) {
	ref, err := s.resolveDevice(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	if !ref.mb.RemoveDevice(ref.key) {
		return admin.Output{}, s.errNotFound(p.Identity.V)
	}
	return admin.NoOutput(), nil
}

// ---- Get-CASMailbox, Set-CASMailbox, Get-Mailbox ----

// mailboxRow is what Get-Mailbox and Get-CASMailbox filters read.
type mailboxRow struct {
	user       *User
	cas        CASMailbox
	partnered  bool
	smtpProxys []string
}

func (s *Server) mailboxRow(ref *mailboxRef) mailboxRow {
	ref.mb.lock()
	partnered := len(ref.mb.devices) > 0
	ref.mb.unlock()
	return mailboxRow{user: &ref.user, cas: ref.mb.CASMailbox(), partnered: partnered, smtpProxys: []string{"SMTP:" + ref.user.PrimarySmtpAddress}}
}

// mailboxFilterProps are the filterable properties Get-Mailbox and
// Get-CASMailbox share.
func mailboxFilterProps() []admin.Prop[mailboxRow] {
	return []admin.Prop[mailboxRow]{
		admin.StringProp("Alias", func(r *mailboxRow) string { return r.user.Alias }),
		admin.StringProp("DisplayName", func(r *mailboxRow) string { return r.user.DisplayName }),
		admin.StringProp("Name", func(r *mailboxRow) string { return r.user.DisplayName }),
		admin.StringProp("PrimarySmtpAddress", func(r *mailboxRow) string { return r.user.PrimarySmtpAddress }),
		admin.StringProp("SamAccountName", func(r *mailboxRow) string { return r.user.Alias }),
	}
}

var mailboxFilter = admin.NewFilterSchema(append(mailboxFilterProps(),
	admin.StringProp("UserPrincipalName", func(r *mailboxRow) string { return r.user.UserPrincipalName }),
	admin.StringProp("WindowsEmailAddress", func(r *mailboxRow) string { return r.user.PrimarySmtpAddress }),
	admin.StringsProp("EmailAddresses", func(r *mailboxRow) []string { return r.smtpProxys }),
	admin.StringProp("RecipientTypeDetails", func(*mailboxRow) string { return "UserMailbox" }),
)...)

var casMailboxFilter = admin.NewFilterSchema(append(mailboxFilterProps(),
	admin.BoolProp("ActiveSyncEnabled", func(r *mailboxRow) bool { return r.cas.ActiveSyncEnabled }),
	admin.StringsProp("ActiveSyncAllowedDeviceIDs", func(r *mailboxRow) []string { return r.cas.ActiveSyncAllowedDeviceIDs }),
	admin.StringsProp("ActiveSyncBlockedDeviceIDs", func(r *mailboxRow) []string { return r.cas.ActiveSyncBlockedDeviceIDs }),
	admin.BoolProp("HasActiveSyncDevicePartnership", func(r *mailboxRow) bool { return r.partnered }),
)...)

// listMailboxes renders the mailboxes an optional -Identity names that
// pass the filter, up to the result size.
func listMailboxes[O any](s *Server, identity, filterText *admin.String, rs *admin.ResultSize, schema *admin.FilterSchema[mailboxRow], render func(*mailboxRow) O) (admin.Output, error) {
	filter, err := compileFilter(schema, filterText)
	if err != nil {
		return admin.Output{}, err
	}
	refs, err := s.mailboxScope(identity)
	if err != nil {
		return admin.Output{}, err
	}
	limit := rs.Limit()
	var out []O
	for i := range refs {
		row := s.mailboxRow(&refs[i])
		if filter == nil || filter(&row) {
			out = append(out, render(&row))
		}
		if limit >= 0 && len(out) > limit {
			break
		}
	}
	out, warnings := admin.Cut(out, rs)
	return admin.OutputOf(out, warnings...), nil
}

type getCASMailboxParams struct {
	Identity   admin.String
	Filter     admin.String
	ResultSize admin.ResultSize
}

func (s *Server) getCASMailbox(p *getCASMailboxParams) (admin.Output, error) {
	return listMailboxes(s, &p.Identity, &p.Filter, &p.ResultSize, casMailboxFilter, s.casMailboxObject)
}

func (s *Server) casMailboxObject(r *mailboxRow) casMailboxObject {
	return casMailboxObject{
		Identity:                           mailboxIdentity(r.user),
		Name:                               r.user.DisplayName,
		DisplayName:                        r.user.DisplayName,
		PrimarySmtpAddress:                 r.user.PrimarySmtpAddress,
		SamAccountName:                     r.user.Alias,
		ActiveSyncEnabled:                  r.cas.ActiveSyncEnabled,
		ActiveSyncAllowedDeviceIDs:         append([]string{}, r.cas.ActiveSyncAllowedDeviceIDs...),
		ActiveSyncBlockedDeviceIDs:         append([]string{}, r.cas.ActiveSyncBlockedDeviceIDs...),
		ActiveSyncMailboxPolicy:            s.dir.policyFor(r.cas.ActiveSyncMailboxPolicy).Name,
		ActiveSyncMailboxPolicyIsDefaulted: r.cas.ActiveSyncMailboxPolicy == "",
		HasActiveSyncDevicePartnership:     r.partnered,
		Guid:                               mailboxGuid(r.user),
	}
}

type getMailboxParams struct {
	Identity   admin.String
	Filter     admin.String
	ResultSize admin.ResultSize
}

func (s *Server) getMailbox(p *getMailboxParams) (admin.Output, error) {
	return listMailboxes(s, &p.Identity, &p.Filter, &p.ResultSize, mailboxFilter, s.mailboxObject)
}

func (s *Server) mailboxObject(r *mailboxRow) mailboxObject {
	u := r.user
	return mailboxObject{
		Identity:             mailboxIdentity(u),
		Name:                 u.DisplayName,
		Alias:                u.Alias,
		DisplayName:          u.DisplayName,
		UserPrincipalName:    u.UserPrincipalName,
		PrimarySmtpAddress:   u.PrimarySmtpAddress,
		WindowsEmailAddress:  u.PrimarySmtpAddress,
		EmailAddresses:       append([]string{}, r.smtpProxys...),
		SamAccountName:       u.Alias,
		RecipientType:        "UserMailbox",
		RecipientTypeDetails: "UserMailbox",
		DistinguishedName:    s.userDN(u),
		Guid:                 mailboxGuid(u),
		ExchangeGuid:         exchangeGuid(u),
		Languages:            append([]string{}, u.Languages...),
	}
}

type setCASMailboxParams struct {
	Identity                   admin.String `ps:"mandatory"`
	ActiveSyncEnabled          admin.Bool
	ActiveSyncAllowedDeviceIDs admin.Multi
	ActiveSyncBlockedDeviceIDs admin.Multi
	ActiveSyncMailboxPolicy    admin.String // a policy's name; $null: back to the default
}

// errDeviceIDInBothLists is Exchange's ErrorDeviceIdInBothLists.
func errDeviceIDInBothLists(id string) *admin.Error {
	return &admin.Error{Status: http.StatusBadRequest, Category: "InvalidData",
		Message: fmt.Sprintf("The device ID '%s' can't be in both the ActiveSyncAllowedDeviceIDs and the ActiveSyncBlockedDeviceIDs lists.", id)}
}

// maxDeviceIDEntry bounds an entry of ActiveSyncAllowedDeviceIDs and
// ActiveSyncBlockedDeviceIDs (issue 12: a 100,000-character entry was
// accepted). A DeviceId has at most 32 characters (MS-ASHTTP
// 2.2.1.1.1.1.3), so no longer entry can match a device; the bound is the
// length of a directory string value Exchange's other device properties
// take (1,024; the exact rangeUpper of msExchMobileAllowedDeviceIDs is
// UNCONFIRMED), and a longer value is refused with Exchange's
// property-length error, before anything is saved.
const maxDeviceIDEntry = 1024

// checkDeviceIDEntries refuses a list value longer than maxDeviceIDEntry.
func checkDeviceIDEntries(l *admin.Multi) error {
	for _, vs := range [][]string{l.Replace, l.Add} {
		for _, v := range vs {
			if n := utf8.RuneCountInString(v); n > maxDeviceIDEntry {
				return &admin.Error{Status: http.StatusBadRequest, Category: "InvalidData",
					Message: fmt.Sprintf("The length of the property is too long. The maximum length is %d and the length of the value provided is %d.", maxDeviceIDEntry, n)}
			}
		}
	}
	return nil
}

// noChangeWarning is PowerShell's warning of a Set- cmdlet that changed
// nothing.
func noChangeWarning(identity string) string {
	return fmt.Sprintf("The command completed successfully but no settings of '%s' have been modified.", identity)
}

// setCASMailbox changes the ActiveSync settings of a mailbox as Exchange's
// SetCASMailboxBase does (exchange-admin.md 4.3): the same ID in both
// lists when both are given is an error; when one list is given, an ID it
// holds is silently dropped from the other. Once saved, the user's devices
// are stamped at once: in the block list Blocked/Individual, else in the
// allow list Allowed/Individual, else a device that was Allowed or Blocked
// for an Individual reason becomes Unknown/Unknown, to be decided again at
// its next request.
func (s *Server) setCASMailbox(p *setCASMailboxParams) (admin.Output, error) {
	ref, err := s.resolveMailbox(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	policy := ""
	if p.ActiveSyncMailboxPolicy.Set && !p.ActiveSyncMailboxPolicy.Null {
		found := false
		for _, x := range s.dir.Policies() {
			if strings.EqualFold(x.Name, p.ActiveSyncMailboxPolicy.V) {
				policy, found = x.Name, true
			}
		}
		if !found {
			return admin.Output{}, s.errNotFound(p.ActiveSyncMailboxPolicy.V)
		}
	}
	allowed, blocked := &p.ActiveSyncAllowedDeviceIDs, &p.ActiveSyncBlockedDeviceIDs
	for _, l := range []*admin.Multi{allowed, blocked} {
		if err := checkDeviceIDEntries(l); err != nil {
			return admin.Output{}, err
		}
	}
	lists := allowed.Set || blocked.Set
	changed, err := ref.mb.changeCASMailbox(func(c *CASMailbox) error {
		if p.ActiveSyncEnabled.Set {
			c.ActiveSyncEnabled = p.ActiveSyncEnabled.V
		}
		if p.ActiveSyncMailboxPolicy.Set {
			c.ActiveSyncMailboxPolicy = policy
		}
		if allowed.Set {
			c.ActiveSyncAllowedDeviceIDs = allowed.Apply(c.ActiveSyncAllowedDeviceIDs)
		}
		if blocked.Set {
			c.ActiveSyncBlockedDeviceIDs = blocked.Apply(c.ActiveSyncBlockedDeviceIDs)
		}
		if !lists {
			return nil
		}
		var dropAllowed, dropBlocked []string
		for _, a := range c.ActiveSyncAllowedDeviceIDs {
			for _, b := range c.ActiveSyncBlockedDeviceIDs {
				if !strings.EqualFold(a, b) {
					continue
				}
				switch {
				case allowed.Set && blocked.Set:
					return errDeviceIDInBothLists(a)
				case allowed.Set:
					dropBlocked = append(dropBlocked, a)
				default:
					dropAllowed = append(dropAllowed, a)
				}
			}
		}
		c.ActiveSyncAllowedDeviceIDs = (&admin.Multi{Delta: true, Remove: dropAllowed}).Apply(c.ActiveSyncAllowedDeviceIDs)
		c.ActiveSyncBlockedDeviceIDs = (&admin.Multi{Delta: true, Remove: dropBlocked}).Apply(c.ActiveSyncBlockedDeviceIDs)
		return nil
	}, lists)
	if err != nil {
		return admin.Output{}, err
	}
	if !changed {
		return admin.NoOutput(noChangeWarning(mailboxIdentity(&ref.user))), nil
	}
	return admin.NoOutput(), nil
}

// changeCASMailbox changes the mailbox's ActiveSync settings under its
// lock, as SetCASMailbox does; change may refuse with an error, and then
// nothing changes. With rewrite, the device partnerships are stamped from
// the new allow and block lists (see setCASMailbox). It reports whether
// the settings changed.
func (m *Mailbox) changeCASMailbox(change func(*CASMailbox) error, rewrite bool) (bool, error) {
	m.lock()
	defer m.unlock()
	m.sweep = true // the partnerships are stamped again
	m.metaGen++
	m.rememberCASLocked()
	c := m.cas
	c.ActiveSyncAllowedDeviceIDs = append([]string(nil), c.ActiveSyncAllowedDeviceIDs...)
	c.ActiveSyncBlockedDeviceIDs = append([]string(nil), c.ActiveSyncBlockedDeviceIDs...)
	if err := change(&c); err != nil {
		return false, err
	}
	changed := c.ActiveSyncEnabled != m.cas.ActiveSyncEnabled || c.ActiveSyncMailboxPolicy != m.cas.ActiveSyncMailboxPolicy ||
		!slices.Equal(c.ActiveSyncAllowedDeviceIDs, m.cas.ActiveSyncAllowedDeviceIDs) ||
		!slices.Equal(c.ActiveSyncBlockedDeviceIDs, m.cas.ActiveSyncBlockedDeviceIDs)
	m.cas = c
	if rewrite {
		for _, d := range m.devices {
			var dec access.Decision
			switch {
			case admin.IndexFold(c.ActiveSyncBlockedDeviceIDs, d.DeviceID) >= 0:
				dec = access.Decision{State: access.Blocked, Reason: access.ReasonIndividual}
			case admin.IndexFold(c.ActiveSyncAllowedDeviceIDs, d.DeviceID) >= 0:
				dec = access.Decision{State: access.Allowed, Reason: access.ReasonIndividual}
			case d.DeviceAccessStateReason == access.ReasonIndividual &&
				(d.DeviceAccessState == access.Allowed || d.DeviceAccessState == access.Blocked):
				dec = access.Decision{State: access.Unknown, Reason: access.ReasonUnknown}
			default:
				continue
			}
			// The AD object changes now, and the event stream says so once
			// (the device's next request finds nothing new to report).
			if m.stampAccessLocked(d, dec) && m.now != nil {
				d.adminStamped = m.now()
			}
		}
	}
	m.commitLocked() // wakes hanging requests, which then see the change
	return changed, nil
}

// ---- ActiveSync organization settings ----

type getOrganizationSettingsParams struct {
	Identity admin.String
}

func (s *Server) checkOrganizationSettingsIdentity(p *admin.String) error {
	if p.Set && !p.Null && !strings.EqualFold(strings.TrimSpace(p.V), organizationSettingsName) && parseGuid(p.V) != s.organizationSettingsGuid() {
		return s.errNotFound(p.V)
	}
	return nil
}

func (s *Server) organizationSettingsGuid() string {
	return nameGuid("organization-settings", strings.ToLower(s.dir.Org.Domain))
}

func (s *Server) getOrganizationSettings(p *getOrganizationSettingsParams) (admin.Output, error) {
	if err := s.checkOrganizationSettingsIdentity(&p.Identity); err != nil {
		return admin.Output{}, err
	}
	o := s.dir.OrganizationSettings()
	return admin.OutputOf([]organizationSettingsObject{{
		Identity:                  organizationSettingsName,
		Name:                      organizationSettingsName,
		DefaultAccessLevel:        o.DefaultAccessLevel.String(),
		AdminMailRecipients:       append([]string{}, o.AdminMailRecipients...),
		UserMailInsert:            nullable(o.UserMailInsert),
		OtaNotificationMailInsert: nullable(o.OtaNotificationMailInsert),
		DistinguishedName:         "CN=" + organizationSettingsName + ",CN=" + s.dir.Org.Name + ",CN=Microsoft Exchange,CN=Services,CN=Configuration," + s.dcPart(),
		Guid:                      s.organizationSettingsGuid(),
	}}), nil
}

type setOrganizationSettingsParams struct {
	Identity                  admin.String
	DefaultAccessLevel        admin.AccessLevel
	AdminMailRecipients       admin.Multi
	UserMailInsert            admin.String
	OtaNotificationMailInsert admin.String
}

// maxMailInsertLength is the longest UserMailInsert and
// OtaNotificationMailInsert, in UTF-16 code units.
const maxMailInsertLength = 256

func checkMailInsert(name string, p *admin.String) error {
	if n := len(utf16.Encode([]rune(p.V))); p.Set && n > maxMailInsertLength {
		return admin.InvalidArgument("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"The length of the property is too long. The maximum length is %d and the length of the value provided is %d.\"", name, name, maxMailInsertLength, n)
	}
	return nil
}

func (s *Server) setOrganizationSettings(p *setOrganizationSettingsParams) (admin.Output, error) {
	if err := s.checkOrganizationSettingsIdentity(&p.Identity); err != nil {
		return admin.Output{}, err
	}
	for _, a := range p.AdminMailRecipients.Values() {
		if addr, err := mail.ParseAddress(a); err != nil || !strings.EqualFold(addr.Address, a) {
			return admin.Output{}, admin.InvalidArgument("Cannot bind parameter 'AdminMailRecipients' to the target. Exception setting \"AdminMailRecipients\": \"The email address \"%s\" isn't correct. Please use this format: user name, the @ sign, followed by the domain name. For example, tonysmith@contoso.com or tony.smith@contoso.com.\"", a)
		}
	}
	if err := checkMailInsert("UserMailInsert", &p.UserMailInsert); err != nil {
		return admin.Output{}, err
	}
	if err := checkMailInsert("OtaNotificationMailInsert", &p.OtaNotificationMailInsert); err != nil {
		return admin.Output{}, err
	}
	changed := false
	s.dir.SetOrganizationSettings(func(o *OrganizationSettings) {
		old := *o
		if p.DefaultAccessLevel.Set {
			o.DefaultAccessLevel = p.DefaultAccessLevel.V
		}
		if p.AdminMailRecipients.Set {
			o.AdminMailRecipients = p.AdminMailRecipients.Apply(o.AdminMailRecipients)
		}
		if p.UserMailInsert.Set {
			o.UserMailInsert = p.UserMailInsert.V
		}
		if p.OtaNotificationMailInsert.Set {
			o.OtaNotificationMailInsert = p.OtaNotificationMailInsert.V
		}
		changed = old.DefaultAccessLevel != o.DefaultAccessLevel || !slices.Equal(old.AdminMailRecipients, o.AdminMailRecipients) ||
			old.UserMailInsert != o.UserMailInsert || old.OtaNotificationMailInsert != o.OtaNotificationMailInsert
	})
	if !changed {
		return admin.NoOutput(noChangeWarning(organizationSettingsName)), nil
	}
	return admin.NoOutput(), nil
}

// ---- Device access rules ----

func (s *Server) deviceAccessRuleObject(r *access.Rule) deviceAccessRuleObject {
	return deviceAccessRuleObject{
		Identity:          r.Name,
		Name:              r.Name,
		QueryString:       r.QueryString,
		Characteristic:    r.Characteristic.String(),
		AccessLevel:       r.AccessLevel.String(),
		DistinguishedName: "CN=" + r.Name + ",CN=" + organizationSettingsName + ",CN=" + s.dir.Org.Name + ",CN=Microsoft Exchange,CN=Services,CN=Configuration," + s.dcPart(),
		Guid:              ruleGuid(r),
	}
}

// ruleGuid is a rule's Guid, derived from its name when whoever stored the
// rule left it empty.
func ruleGuid(r *access.Rule) string {
	if r.Guid != "" {
		return r.Guid
	}
	return nameGuid("rule", strings.ToLower(r.Name))
}

// resolveRule finds a rule by Name or Guid.
func (s *Server) resolveRule(identity string) (access.Rule, error) {
	id := strings.TrimSpace(identity)
	guid := parseGuid(id)
	for _, r := range s.dir.DeviceAccessRules() {
		if strings.EqualFold(r.Name, id) || guid != "" && strings.EqualFold(ruleGuid(&r), guid) {
			return r, nil
		}
	}
	return access.Rule{}, s.errNotFound(identity)
}

type newDeviceAccessRuleParams struct {
	QueryString    admin.String         `ps:"mandatory"`
	Characteristic admin.Characteristic `ps:"mandatory"`
	AccessLevel    admin.AccessLevel    `ps:"mandatory"`
}

func (s *Server) newDeviceAccessRule(p *newDeviceAccessRuleParams) (admin.Output, error) {
	r := access.NewRule(p.QueryString.V, p.Characteristic.V, p.AccessLevel.V)
	r.Guid = newGuid()
	exists := func() error {
		return &admin.Error{Status: http.StatusConflict, Category: "ADObjectAlreadyExists",
			Message: fmt.Sprintf("Active Directory operation failed on %s. The object '%s' already exists.", s.domainController(), s.deviceAccessRuleObject(&r).DistinguishedName)}
	}
	if _, err := s.resolveRule(r.Name); err == nil {
		return admin.Output{}, exists()
	}
	if err := s.dir.AddDeviceAccessRule(r); err != nil {
		return admin.Output{}, exists()
	}
	return admin.OutputOf([]deviceAccessRuleObject{s.deviceAccessRuleObject(&r)}), nil
}

type getDeviceAccessRuleParams struct {
	Identity admin.String
}

func (s *Server) getDeviceAccessRule(p *getDeviceAccessRuleParams) (admin.Output, error) {
	var out []deviceAccessRuleObject
	if p.Identity.Set && !p.Identity.Null {
		r, err := s.resolveRule(p.Identity.V)
		if err != nil {
			return admin.Output{}, err
		}
		return admin.OutputOf([]deviceAccessRuleObject{s.deviceAccessRuleObject(&r)}), nil
	}
	for _, r := range s.dir.DeviceAccessRules() {
		out = append(out, s.deviceAccessRuleObject(&r))
	}
	return admin.OutputOf(out), nil
}

type setDeviceAccessRuleParams struct {
	Identity    admin.String `ps:"mandatory"`
	AccessLevel admin.AccessLevel
}

// setDeviceAccessRule changes a rule's AccessLevel, the only property
// Set-ActiveSyncDeviceAccessRule changes. Devices are judged by it at
// their next request.
func (s *Server) setDeviceAccessRule(p *setDeviceAccessRuleParams) (admin.Output, error) {
	r, err := s.resolveRule(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	if !p.AccessLevel.Set || r.AccessLevel == p.AccessLevel.V {
		return admin.NoOutput(noChangeWarning(r.Name)), nil
	}
	if !s.dir.setDeviceAccessRuleLevel(r.Name, p.AccessLevel.V) {
		return admin.Output{}, s.errNotFound(p.Identity.V)
	}
	return admin.NoOutput(), nil
}

// setDeviceAccessRuleLevel changes the AccessLevel of the rule with the
// given name.
func (d *Directory) setDeviceAccessRuleLevel(name string, level access.Level) bool {
	d.mu.Lock()
	defer d.unlock()
	for i := range d.rules {
		if strings.EqualFold(d.rules[i].Name, name) {
			d.rules[i].AccessLevel = level
			return true
		}
	}
	return false
}

type removeDeviceAccessRuleParams struct {
	Identity admin.String `ps:"mandatory"`
}

func (s *Server) removeDeviceAccessRule(p *removeDeviceAccessRuleParams) (admin.Output, error) {
	r, err := s.resolveRule(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	if !s.dir.RemoveDeviceAccessRule(r.Name) {
		return admin.Output{}, s.errNotFound(p.Identity.V)
	}
	return admin.NoOutput(), nil
}
