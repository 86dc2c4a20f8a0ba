package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/simulator/admin"
)

// The mobile device mailbox policy cmdlets of the admin API (admin.go):
// New-, Get-, Set- and Remove-MobileDeviceMailboxPolicy, with the 2010
// names *-ActiveSyncMailboxPolicy as aliases (exchange-admin.md 4.7).
//
// A policy is identified by its Name or Guid. A changed policy gets a new
// version, so the devices under it provision again (144, or 449 up to
// 12.1) at their next command; making another policy the default, or
// removing one, changes the default's version too.
//
// Set-CASMailbox has no -ActiveSyncMailboxPolicy parameter yet: every
// mailbox that names no policy is under the default one.

// mobilePoliciesContainer is the CN of the container of the policies.
const mobilePoliciesContainer = "Mobile Mailbox Policies"

// mobileDeviceMailboxPolicyObject is what Get-MobileDeviceMailboxPolicy
// writes. Unlimited values are "Unlimited"; time spans are .NET's
// "[d.]hh:mm:ss"; enumerations by name.
type mobileDeviceMailboxPolicyObject struct {
	AllowNonProvisionableDevices             bool     `json:"AllowNonProvisionableDevices"`
	AlphanumericPasswordRequired             bool     `json:"AlphanumericPasswordRequired"`
	AttachmentsEnabled                       bool     `json:"AttachmentsEnabled"`
	DeviceEncryptionEnabled                  bool     `json:"DeviceEncryptionEnabled"`
	RequireStorageCardEncryption             bool     `json:"RequireStorageCardEncryption"`
	PasswordEnabled                          bool     `json:"PasswordEnabled"`
	PasswordRecoveryEnabled                  bool     `json:"PasswordRecoveryEnabled"`
	DevicePolicyRefreshInterval              string   `json:"DevicePolicyRefreshInterval"`
	AllowSimplePassword                      bool     `json:"AllowSimplePassword"`
	MaxAttachmentSize                        string   `json:"MaxAttachmentSize"`
	WSSAccessEnabled                         bool     `json:"WSSAccessEnabled"`
	UNCAccessEnabled                         bool     `json:"UNCAccessEnabled"`
	MinPasswordLength                        *int     `json:"MinPasswordLength"`
	MaxInactivityTimeLock                    string   `json:"MaxInactivityTimeLock"`
	MaxPasswordFailedAttempts                any      `json:"MaxPasswordFailedAttempts"`
	PasswordExpiration                       string   `json:"PasswordExpiration"`
	PasswordHistory                          int      `json:"PasswordHistory"`
	IsDefault                                bool     `json:"IsDefault"`
	AllowStorageCard                         bool     `json:"AllowStorageCard"`
	AllowCamera                              bool     `json:"AllowCamera"`
	RequireDeviceEncryption                  bool     `json:"RequireDeviceEncryption"`
	AllowUnsignedApplications                bool     `json:"AllowUnsignedApplications"`
	AllowUnsignedInstallationPackages        bool     `json:"AllowUnsignedInstallationPackages"`
	AllowWiFi                                bool     `json:"AllowWiFi"`
	AllowTextMessaging                       bool     `json:"AllowTextMessaging"`
	AllowPOPIMAPEmail                        bool     `json:"AllowPOPIMAPEmail"`
	AllowIrDA                                bool     `json:"AllowIrDA"`
	RequireManualSyncWhenRoaming             bool     `json:"RequireManualSyncWhenRoaming"`
	AllowDesktopSync                         bool     `json:"AllowDesktopSync"`
	AllowHTMLEmail                           bool     `json:"AllowHTMLEmail"`
	RequireSignedSMIMEMessages               bool     `json:"RequireSignedSMIMEMessages"`
	RequireEncryptedSMIMEMessages            bool     `json:"RequireEncryptedSMIMEMessages"`
	AllowSMIMESoftCerts                      bool     `json:"AllowSMIMESoftCerts"`
	AllowBrowser                             bool     `json:"AllowBrowser"`
	AllowConsumerEmail                       bool     `json:"AllowConsumerEmail"`
	AllowRemoteDesktop                       bool     `json:"AllowRemoteDesktop"`
	AllowInternetSharing                     bool     `json:"AllowInternetSharing"`
	AllowBluetooth                           string   `json:"AllowBluetooth"`
	MaxCalendarAgeFilter                     string   `json:"MaxCalendarAgeFilter"`
	MaxEmailAgeFilter                        string   `json:"MaxEmailAgeFilter"`
	RequireSignedSMIMEAlgorithm              string   `json:"RequireSignedSMIMEAlgorithm"`
	RequireEncryptionSMIMEAlgorithm          string   `json:"RequireEncryptionSMIMEAlgorithm"`
	AllowSMIMEEncryptionAlgorithmNegotiation string   `json:"AllowSMIMEEncryptionAlgorithmNegotiation"`
	MinPasswordComplexCharacters             int      `json:"MinPasswordComplexCharacters"`
	MaxEmailBodyTruncationSize               any      `json:"MaxEmailBodyTruncationSize"`
	MaxEmailHTMLBodyTruncationSize           any      `json:"MaxEmailHTMLBodyTruncationSize"`
	UnapprovedInROMApplicationList           []string `json:"UnapprovedInROMApplicationList"`
	ApprovedApplicationList                  []string `json:"ApprovedApplicationList"`
	AllowExternalDeviceManagement            bool     `json:"AllowExternalDeviceManagement"`
	IrmEnabled                               bool     `json:"IrmEnabled"`
	Identity                                 string   `json:"Identity"`
	Name                                     string   `json:"Name"`
	DistinguishedName                        string   `json:"DistinguishedName"`
	Guid                                     string   `json:"Guid"`
}

// Enumerations of the policy, by name; the values are the
// EASProvisionDoc's (policy.go).
var (
	bluetoothNames       = []string{"Disable", "HandsfreeOnly", "Allow"}
	bluetoothValues      = []int{0, 1, 2}
	emailAgeNames        = []string{"All", "OneDay", "ThreeDays", "OneWeek", "TwoWeeks", "OneMonth"}
	emailAgeValues       = []int{0, 1, 2, 3, 4, 5}
	calendarAgeNames     = []string{"All", "TwoWeeks", "OneMonth", "ThreeMonths", "SixMonths"}
	calendarAgeValues    = []int{0, 4, 5, 6, 7}
	signAlgorithmNames   = []string{"SHA1", "MD5"}
	signAlgorithmValues  = []int{0, 1}
	cryptAlgorithmNames  = []string{"TripleDES", "DES", "RC2128bit", "RC264bit", "RC240bit"}
	cryptAlgorithmValues = []int{0, 1, 2, 3, 4}
	negotiationNames     = []string{"BlockNegotiation", "OnlyStrongAlgorithmNegotiation", "AllowAnyAlgorithmNegotiation"}
	negotiationValues    = []int{0, 1, 2}
)

func enumName(names []string, values []int, v int) string {
	if i := slices.Index(values, v); i >= 0 {
		return names[i]
	}
	return strconv.Itoa(v)
}

func unlimitedOr(n int) any {
	if n == Unlimited {
		return "Unlimited"
	}
	return n
}

// formatByteSize renders a size as Exchange's ByteQuantifiedSize does:
// "1.5 MB (1,572,864 bytes)".
func formatByteSize(n int) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	u, v := 0, float64(n)
	for u < len(units)-1 && v >= 1024 {
		v /= 1024
		u++
	}
	num := strconv.FormatFloat(v, 'f', 3, 64)
	num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	digits := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s %s (%s bytes)", num, units[u], b.String())
}

func policyGuid(p *MobileDeviceMailboxPolicy) string {
	return nameGuid("mobile-mailbox-policy", strings.ToLower(p.Name))
}

func (s *Server) policyObject(p *MobileDeviceMailboxPolicy) mobileDeviceMailboxPolicyObject {
	o := mobileDeviceMailboxPolicyObject{
		AllowNonProvisionableDevices:             p.AllowNonProvisionableDevices,
		AlphanumericPasswordRequired:             p.AlphanumericPasswordRequired,
		AttachmentsEnabled:                       p.AttachmentsEnabled,
		DeviceEncryptionEnabled:                  p.RequireStorageCardEncryption,
		RequireStorageCardEncryption:             p.RequireStorageCardEncryption,
		PasswordEnabled:                          p.PasswordEnabled,
		PasswordRecoveryEnabled:                  p.PasswordRecoveryEnabled,
		DevicePolicyRefreshInterval:              "Unlimited",
		AllowSimplePassword:                      p.AllowSimplePassword,
		MaxAttachmentSize:                        "Unlimited",
		WSSAccessEnabled:                         true,
		UNCAccessEnabled:                         true,
		MaxInactivityTimeLock:                    "Unlimited",
		MaxPasswordFailedAttempts:                unlimitedOr(p.MaxPasswordFailedAttempts),
		PasswordExpiration:                       "Unlimited",
		PasswordHistory:                          p.PasswordHistory,
		IsDefault:                                p.IsDefault,
		AllowStorageCard:                         p.AllowStorageCard,
		AllowCamera:                              p.AllowCamera,
		RequireDeviceEncryption:                  p.RequireDeviceEncryption,
		AllowUnsignedApplications:                p.AllowUnsignedApplications,
		AllowUnsignedInstallationPackages:        p.AllowUnsignedInstallationPackages,
		AllowWiFi:                                p.AllowWiFi,
		AllowTextMessaging:                       p.AllowTextMessaging,
		AllowPOPIMAPEmail:                        p.AllowPOPIMAPEmail,
		AllowIrDA:                                p.AllowIrDA,
		RequireManualSyncWhenRoaming:             p.RequireManualSyncWhenRoaming,
		AllowDesktopSync:                         p.AllowDesktopSync,
		AllowHTMLEmail:                           p.AllowHTMLEmail,
		RequireSignedSMIMEMessages:               p.RequireSignedSMIMEMessages,
		RequireEncryptedSMIMEMessages:            p.RequireEncryptedSMIMEMessages,
		AllowSMIMESoftCerts:                      p.AllowSMIMESoftCerts,
		AllowBrowser:                             p.AllowBrowser,
		AllowConsumerEmail:                       p.AllowConsumerEmail,
		AllowRemoteDesktop:                       p.AllowRemoteDesktop,
		AllowInternetSharing:                     p.AllowInternetSharing,
		AllowBluetooth:                           enumName(bluetoothNames, bluetoothValues, p.AllowBluetooth),
		MaxCalendarAgeFilter:                     enumName(calendarAgeNames, calendarAgeValues, p.MaxCalendarAgeFilter),
		MaxEmailAgeFilter:                        enumName(emailAgeNames, emailAgeValues, p.MaxEmailAgeFilter),
		RequireSignedSMIMEAlgorithm:              enumName(signAlgorithmNames, signAlgorithmValues, p.RequireSignedSMIMEAlgorithm),
		RequireEncryptionSMIMEAlgorithm:          enumName(cryptAlgorithmNames, cryptAlgorithmValues, p.RequireEncryptionSMIMEAlgorithm),
		AllowSMIMEEncryptionAlgorithmNegotiation: enumName(negotiationNames, negotiationValues, p.AllowSMIMEEncryptionAlgorithmNegotiation),
		MinPasswordComplexCharacters:             p.MinPasswordComplexCharacters,
		MaxEmailBodyTruncationSize:               unlimitedOr(p.MaxEmailBodyTruncationSize),
		MaxEmailHTMLBodyTruncationSize:           unlimitedOr(p.MaxEmailHTMLBodyTruncationSize),
		UnapprovedInROMApplicationList:           append([]string{}, p.UnapprovedInROMApplicationList...),
		ApprovedApplicationList:                  append([]string{}, p.ApprovedApplicationList...),
		IrmEnabled:                               true,
		Identity:                                 p.Name,
		Name:                                     p.Name,
		DistinguishedName:                        "CN=" + p.Name + ",CN=" + mobilePoliciesContainer + ",CN=" + s.dir.Org.Name + ",CN=Microsoft Exchange,CN=Services,CN=Configuration," + s.dcPart(),
		Guid:                                     policyGuid(p),
	}
	if p.DevicePolicyRefreshInterval > 0 {
		o.DevicePolicyRefreshInterval = admin.FormatTimeSpan(p.DevicePolicyRefreshInterval)
	}
	if p.MaxAttachmentSize != Unlimited {
		o.MaxAttachmentSize = formatByteSize(p.MaxAttachmentSize)
	}
	if p.MinPasswordLength != Unlimited {
		n := p.MinPasswordLength
		o.MinPasswordLength = &n
	}
	if p.MaxInactivityTimeLock != Unlimited {
		o.MaxInactivityTimeLock = admin.FormatTimeSpan(time.Duration(p.MaxInactivityTimeLock) * time.Second)
	}
	if p.PasswordExpiration != Unlimited {
		o.PasswordExpiration = admin.FormatTimeSpan(time.Duration(p.PasswordExpiration) * 24 * time.Hour)
	}
	return o
}

// ---- Parameter types ----

// The numeric and time parameters are admin.Int, admin.UnlimitedInt,
// admin.NullableInt and admin.TimeSpan.

const policyEnumNamespace = "Microsoft.Exchange.Data.Directory.SystemConfiguration."

// pBluetooth is a BluetoothType parameter.
type pBluetooth struct {
	Set bool
	V   int
}

func (*pBluetooth) PSType() string { return policyEnumNamespace + "BluetoothType" }

func (p *pBluetooth) Bind(name string, raw json.RawMessage) (err error) {
	p.Set = true
	p.V, err = admin.BindEnum(name, raw, policyEnumNamespace+"BluetoothType", bluetoothNames, bluetoothValues)
	return err
}

// pEmailAge is an EmailAgeFilterType parameter.
type pEmailAge struct {
	Set bool
	V   int
}

func (*pEmailAge) PSType() string { return policyEnumNamespace + "EmailAgeFilterType" }

func (p *pEmailAge) Bind(name string, raw json.RawMessage) (err error) {
	p.Set = true
	p.V, err = admin.BindEnum(name, raw, policyEnumNamespace+"EmailAgeFilterType", emailAgeNames, emailAgeValues)
	return err
}

// pCalendarAge is a CalendarAgeFilterType parameter.
type pCalendarAge struct {
	Set bool
	V   int
}

func (*pCalendarAge) PSType() string { return policyEnumNamespace + "CalendarAgeFilterType" }

func (p *pCalendarAge) Bind(name string, raw json.RawMessage) (err error) {
	p.Set = true
	p.V, err = admin.BindEnum(name, raw, policyEnumNamespace+"CalendarAgeFilterType", calendarAgeNames, calendarAgeValues)
	return err
}

// ---- Parameters ----

// policySettings are the policy parameters New- and Set- share; both
// parameter structs embed them.
type policySettings struct {
	IsDefault                         admin.Bool
	PasswordEnabled                   admin.Bool
	AlphanumericPasswordRequired      admin.Bool
	PasswordRecoveryEnabled           admin.Bool
	RequireDeviceEncryption           admin.Bool
	RequireStorageCardEncryption      admin.Bool
	AttachmentsEnabled                admin.Bool
	AllowSimplePassword               admin.Bool
	MinPasswordLength                 admin.NullableInt
	MaxPasswordFailedAttempts         admin.UnlimitedInt
	MaxInactivityTimeLock             admin.TimeSpan
	PasswordExpiration                admin.TimeSpan
	PasswordHistory                   admin.Int
	MinPasswordComplexCharacters      admin.Int
	AllowCamera                       admin.Bool
	AllowBluetooth                    pBluetooth
	AllowNonProvisionableDevices      admin.Bool
	DevicePolicyRefreshInterval       admin.TimeSpan
	MaxEmailAgeFilter                 pEmailAge
	MaxCalendarAgeFilter              pCalendarAge
	AllowStorageCard                  admin.Bool
	AllowUnsignedApplications         admin.Bool
	AllowUnsignedInstallationPackages admin.Bool
	AllowWiFi                         admin.Bool
	AllowTextMessaging                admin.Bool
	AllowPOPIMAPEmail                 admin.Bool
	AllowIrDA                         admin.Bool
	RequireManualSyncWhenRoaming      admin.Bool
	AllowDesktopSync                  admin.Bool
	AllowHTMLEmail                    admin.Bool
	RequireSignedSMIMEMessages        admin.Bool
	RequireEncryptedSMIMEMessages     admin.Bool
	AllowSMIMESoftCerts               admin.Bool
	AllowBrowser                      admin.Bool
	AllowConsumerEmail                admin.Bool
	AllowRemoteDesktop                admin.Bool
	AllowInternetSharing              admin.Bool
	MaxAttachmentSize                 admin.UnlimitedInt
	MaxEmailBodyTruncationSize        admin.UnlimitedInt
	MaxEmailHTMLBodyTruncationSize    admin.UnlimitedInt
}

type newPolicyParams struct {
	Name admin.String `ps:"mandatory"`
	policySettings
}

type setPolicyParams struct {
	Identity admin.String `ps:"mandatory"`
	policySettings
}

// errRange is PowerShell's ValidateRange error.
func errRange(name, value, min, max string, tooBig bool) *admin.Error {
	if tooBig {
		return admin.InvalidArgument("Cannot validate argument on parameter '%s'. The %s argument is greater than the maximum allowed range of %s. Supply an argument that is less than or equal to %s and then try the command again.", name, value, max, max)
	}
	return admin.InvalidArgument("Cannot validate argument on parameter '%s'. The %s argument is less than the minimum allowed range of %s. Supply an argument that is greater than or equal to %s and then try the command again.", name, value, min, min)
}

func checkIntRange(name string, n, min, max int) error {
	if n == Unlimited || n >= min && n <= max {
		return nil
	}
	return errRange(name, strconv.Itoa(n), strconv.Itoa(min), strconv.Itoa(max), n > max)
}

func checkSpanRange(name string, p *admin.TimeSpan, min, max time.Duration) error {
	if !p.Set || p.Unlimited || p.V >= min && p.V <= max {
		return nil
	}
	return errRange(name, admin.FormatTimeSpan(p.V), admin.FormatTimeSpan(min), admin.FormatTimeSpan(max), p.V > max)
}

// maxTimeSpan is .NET's TimeSpan.MaxValue, whole seconds.
const maxTimeSpan = time.Duration(1<<63-1) / time.Second * time.Second

// validate checks the ranges of exchange-admin.md 4.7.
func (ps *policySettings) validate() error {
	if ps.MinPasswordLength.Set {
		if err := checkIntRange("MinPasswordLength", ps.MinPasswordLength.V, 1, 16); err != nil {
			return err
		}
	}
	if ps.MaxPasswordFailedAttempts.Set {
		if err := checkIntRange("MaxPasswordFailedAttempts", ps.MaxPasswordFailedAttempts.V, 4, 16); err != nil {
			return err
		}
	}
	if ps.PasswordHistory.Set {
		if err := checkIntRange("PasswordHistory", ps.PasswordHistory.V, 0, 50); err != nil {
			return err
		}
	}
	if ps.MinPasswordComplexCharacters.Set {
		if err := checkIntRange("MinPasswordComplexCharacters", ps.MinPasswordComplexCharacters.V, 1, 4); err != nil {
			return err
		}
	}
	if err := checkSpanRange("MaxInactivityTimeLock", &ps.MaxInactivityTimeLock, time.Minute, time.Hour); err != nil {
		return err
	}
	if err := checkSpanRange("PasswordExpiration", &ps.PasswordExpiration, 24*time.Hour, 730*24*time.Hour); err != nil {
		return err
	}
	return checkSpanRange("DevicePolicyRefreshInterval", &ps.DevicePolicyRefreshInterval, time.Second, maxTimeSpan)
}

// apply sets the given parameters on p; validate first.
func (ps *policySettings) apply(p *MobileDeviceMailboxPolicy) {
	bools := []struct {
		param *admin.Bool
		field *bool
	}{
		{&ps.IsDefault, &p.IsDefault},
		{&ps.PasswordEnabled, &p.PasswordEnabled},
		{&ps.AlphanumericPasswordRequired, &p.AlphanumericPasswordRequired},
		{&ps.PasswordRecoveryEnabled, &p.PasswordRecoveryEnabled},
		{&ps.RequireDeviceEncryption, &p.RequireDeviceEncryption},
		{&ps.RequireStorageCardEncryption, &p.RequireStorageCardEncryption},
		{&ps.AttachmentsEnabled, &p.AttachmentsEnabled},
		{&ps.AllowSimplePassword, &p.AllowSimplePassword},
		{&ps.AllowCamera, &p.AllowCamera},
		{&ps.AllowNonProvisionableDevices, &p.AllowNonProvisionableDevices},
		{&ps.AllowStorageCard, &p.AllowStorageCard},
		{&ps.AllowUnsignedApplications, &p.AllowUnsignedApplications},
		{&ps.AllowUnsignedInstallationPackages, &p.AllowUnsignedInstallationPackages},
		{&ps.AllowWiFi, &p.AllowWiFi},
		{&ps.AllowTextMessaging, &p.AllowTextMessaging},
		{&ps.AllowPOPIMAPEmail, &p.AllowPOPIMAPEmail},
		{&ps.AllowIrDA, &p.AllowIrDA},
		{&ps.RequireManualSyncWhenRoaming, &p.RequireManualSyncWhenRoaming},
		{&ps.AllowDesktopSync, &p.AllowDesktopSync},
		{&ps.AllowHTMLEmail, &p.AllowHTMLEmail},
		{&ps.RequireSignedSMIMEMessages, &p.RequireSignedSMIMEMessages},
		{&ps.RequireEncryptedSMIMEMessages, &p.RequireEncryptedSMIMEMessages},
		{&ps.AllowSMIMESoftCerts, &p.AllowSMIMESoftCerts},
		{&ps.AllowBrowser, &p.AllowBrowser},
		{&ps.AllowConsumerEmail, &p.AllowConsumerEmail},
		{&ps.AllowRemoteDesktop, &p.AllowRemoteDesktop},
		{&ps.AllowInternetSharing, &p.AllowInternetSharing},
	}
	for _, b := range bools {
		if b.param.Set {
			*b.field = b.param.V
		}
	}
	ints := []struct {
		set   bool
		v     int
		field *int
	}{
		{ps.MinPasswordLength.Set, ps.MinPasswordLength.V, &p.MinPasswordLength},
		{ps.MaxPasswordFailedAttempts.Set, ps.MaxPasswordFailedAttempts.V, &p.MaxPasswordFailedAttempts},
		{ps.PasswordHistory.Set, ps.PasswordHistory.V, &p.PasswordHistory},
		{ps.MinPasswordComplexCharacters.Set, ps.MinPasswordComplexCharacters.V, &p.MinPasswordComplexCharacters},
		{ps.AllowBluetooth.Set, ps.AllowBluetooth.V, &p.AllowBluetooth},
		{ps.MaxEmailAgeFilter.Set, ps.MaxEmailAgeFilter.V, &p.MaxEmailAgeFilter},
		{ps.MaxCalendarAgeFilter.Set, ps.MaxCalendarAgeFilter.V, &p.MaxCalendarAgeFilter},
		{ps.MaxAttachmentSize.Set, ps.MaxAttachmentSize.V, &p.MaxAttachmentSize},
		{ps.MaxEmailBodyTruncationSize.Set, ps.MaxEmailBodyTruncationSize.V, &p.MaxEmailBodyTruncationSize},
		{ps.MaxEmailHTMLBodyTruncationSize.Set, ps.MaxEmailHTMLBodyTruncationSize.V, &p.MaxEmailHTMLBodyTruncationSize},
	}
	for _, n := range ints {
		if n.set {
			*n.field = n.v
		}
	}
	if t := &ps.MaxInactivityTimeLock; t.Set {
		p.MaxInactivityTimeLock = Unlimited
		if !t.Unlimited {
			p.MaxInactivityTimeLock = int(t.V / time.Second)
		}
	}
	if t := &ps.PasswordExpiration; t.Set {
		p.PasswordExpiration = Unlimited
		if !t.Unlimited {
			p.PasswordExpiration = int(t.V / (24 * time.Hour))
		}
	}
	if t := &ps.DevicePolicyRefreshInterval; t.Set {
		p.DevicePolicyRefreshInterval = 0
		if !t.Unlimited {
			p.DevicePolicyRefreshInterval = t.V
		}
	}
}

// ---- Directory ----

// samePolicy reports whether a and b are equal but for their versions.
func samePolicy(a, b MobileDeviceMailboxPolicy) bool {
	a.version, b.version = 0, 0
	if !slices.Equal(a.UnapprovedInROMApplicationList, b.UnapprovedInROMApplicationList) ||
		!slices.Equal(a.ApprovedApplicationList, b.ApprovedApplicationList) {
		return false
	}
	a.UnapprovedInROMApplicationList, b.UnapprovedInROMApplicationList = nil, nil
	a.ApprovedApplicationList, b.ApprovedApplicationList = nil, nil
	return reflect.DeepEqual(a, b)
}

// changePolicies changes the policies under the directory's lock: change
// gets a copy of the list and returns the new one, or an error and
// nothing changes. Each added or changed policy gets a version above all
// the current ones, so that no device's key matches it; when a policy is
// removed the default one gets a new version too (its devices fall back
// on it). It reports whether anything changed.
func (d *Directory) changePolicies(change func([]MobileDeviceMailboxPolicy) ([]MobileDeviceMailboxPolicy, error)) (bool, error) {
	d.mu.Lock()
	defer d.unlock()
	d.ensurePoliciesLocked()
	old := d.policies
	next, err := change(append([]MobileDeviceMailboxPolicy(nil), old...))
	if err != nil {
		return false, err
	}
	top := 0
	for _, p := range old {
		top = max(top, p.version)
	}
	removed := false
	for _, o := range old {
		removed = removed || !slices.ContainsFunc(next, func(p MobileDeviceMailboxPolicy) bool { return strings.EqualFold(p.Name, o.Name) })
	}
	changed := removed
	for i := range next {
		j := slices.IndexFunc(old, func(o MobileDeviceMailboxPolicy) bool { return strings.EqualFold(o.Name, next[i].Name) })
		if j >= 0 && samePolicy(old[j], next[i]) && !(removed && next[i].IsDefault) {
			next[i].version = old[j].version
			continue
		}
		top++
		next[i].version = top
		changed = true
	}
	d.policies = next
	return changed, nil
}

// ---- Cmdlets ----

// resolvePolicy finds a policy by Name or Guid.
func (s *Server) resolvePolicy(identity string) (MobileDeviceMailboxPolicy, error) {
	id := strings.TrimSpace(identity)
	guid := parseGuid(id)
	for _, p := range s.dir.Policies() {
		if strings.EqualFold(p.Name, id) || guid != "" && policyGuid(&p) == guid {
			return p, nil
		}
	}
	return MobileDeviceMailboxPolicy{}, s.errNotFound(identity)
}

// makeOnlyDefault clears IsDefault of every policy but the one named.
func makeOnlyDefault(list []MobileDeviceMailboxPolicy, name string) {
	for i := range list {
		list[i].IsDefault = strings.EqualFold(list[i].Name, name)
	}
}

func errNotDefaultable(name string) *admin.Error {
	return &admin.Error{Status: http.StatusBadRequest, Category: "InvalidOperation",
		Message: fmt.Sprintf("The policy '%s' is the default mobile device mailbox policy. To change the default, run Set-MobileDeviceMailboxPolicy -IsDefault $true on another policy.", name)}
}

func (s *Server) newMobileDeviceMailboxPolicy(p *newPolicyParams) (admin.Output, error) {
	ps := p.policySettings
	if err := ps.validate(); err != nil {
		return admin.Output{}, err
	}
	pol := DefaultPolicy()
	pol.Name, pol.IsDefault = strings.TrimSpace(p.Name.V), false
	ps.apply(&pol)
	obj := s.policyObject(&pol)
	_, err := s.dir.changePolicies(func(list []MobileDeviceMailboxPolicy) ([]MobileDeviceMailboxPolicy, error) {
		for _, x := range list {
			if strings.EqualFold(x.Name, pol.Name) {
				return nil, &admin.Error{Status: http.StatusConflict, Category: "ADObjectAlreadyExists",
					Message: fmt.Sprintf("Active Directory operation failed on %s. The object '%s' already exists.", s.domainController(), obj.DistinguishedName)}
			}
		}
		list = append(list, pol)
		if pol.IsDefault {
			makeOnlyDefault(list, pol.Name)
		}
		return list, nil
	})
	if err != nil {
		return admin.Output{}, err
	}
	return admin.OutputOf([]mobileDeviceMailboxPolicyObject{obj}), nil
}

type getPolicyParams struct {
	Identity admin.String
}

func (s *Server) getMobileDeviceMailboxPolicy(p *getPolicyParams) (admin.Output, error) {
	if p.Identity.Set && !p.Identity.Null {
		pol, err := s.resolvePolicy(p.Identity.V)
		if err != nil {
			return admin.Output{}, err
		}
		return admin.OutputOf([]mobileDeviceMailboxPolicyObject{s.policyObject(&pol)}), nil
	}
	list := s.dir.Policies()
	slices.SortStableFunc(list, func(a, b MobileDeviceMailboxPolicy) int {
		switch {
		case a.IsDefault == b.IsDefault:
			return 0
		case a.IsDefault:
			return -1
		}
		return 1
	})
	var out []mobileDeviceMailboxPolicyObject
	for _, pol := range list {
		out = append(out, s.policyObject(&pol))
	}
	return admin.OutputOf(out), nil
}

// setMobileDeviceMailboxPolicy changes a policy. -IsDefault $true makes
// it the only default; -IsDefault $false on the default is refused, as
// the organization must keep one.
func (s *Server) setMobileDeviceMailboxPolicy(p *setPolicyParams) (admin.Output, error) {
	ps := p.policySettings
	if err := ps.validate(); err != nil {
		return admin.Output{}, err
	}
	cur, err := s.resolvePolicy(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	changed, err := s.dir.changePolicies(func(list []MobileDeviceMailboxPolicy) ([]MobileDeviceMailboxPolicy, error) {
		i := slices.IndexFunc(list, func(x MobileDeviceMailboxPolicy) bool { return strings.EqualFold(x.Name, cur.Name) })
		if i < 0 {
			return nil, s.errNotFound(p.Identity.V)
		}
		if ps.IsDefault.Set && !ps.IsDefault.V && list[i].IsDefault {
			return nil, errNotDefaultable(list[i].Name)
		}
		ps.apply(&list[i])
		if list[i].IsDefault {
			makeOnlyDefault(list, list[i].Name)
		}
		return list, nil
	})
	if err != nil {
		return admin.Output{}, err
	}
	if !changed {
		return admin.NoOutput(noChangeWarning(cur.Name)), nil
	}
	return admin.NoOutput(), nil
}

type removePolicyParams struct {
	Identity admin.String `ps:"mandatory"`
}

// removeMobileDeviceMailboxPolicy removes a policy other than the default;
// the mailboxes that named it are under the default from then on.
func (s *Server) removeMobileDeviceMailboxPolicy(p *removePolicyParams) (admin.Output, error) {
	cur, err := s.resolvePolicy(p.Identity.V)
	if err != nil {
		return admin.Output{}, err
	}
	_, err = s.dir.changePolicies(func(list []MobileDeviceMailboxPolicy) ([]MobileDeviceMailboxPolicy, error) {
		i := slices.IndexFunc(list, func(x MobileDeviceMailboxPolicy) bool { return strings.EqualFold(x.Name, cur.Name) })
		if i < 0 {
			return nil, s.errNotFound(p.Identity.V)
		}
		if list[i].IsDefault {
			return nil, &admin.Error{Status: http.StatusBadRequest, Category: "InvalidOperation",
				Message: fmt.Sprintf("The default mobile device mailbox policy '%s' can't be removed. Make another policy the default with Set-MobileDeviceMailboxPolicy -IsDefault $true, and then try again.", list[i].Name)}
		}
		return slices.Delete(list, i, i+1), nil
	})
	if err != nil {
		return admin.Output{}, err
	}
	return admin.NoOutput(), nil
}
