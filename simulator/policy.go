package simulator

import (
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/admin"
	"github.com/easlab/easlab/wbxml"
)

// Unlimited is the value of an unlimited numeric policy parameter.
const Unlimited = admin.Unlimited

// MobileDeviceMailboxPolicy is a mobile device mailbox policy, with the
// parameters and defaults of New-MobileDeviceMailboxPolicy
// (exchange-admin.md 4.7). Numbers use Unlimited (-1) for "Unlimited";
// durations are whole seconds or days as the EASProvisionDoc carries them.
type MobileDeviceMailboxPolicy struct {
	Name      string
	IsDefault bool

	PasswordEnabled                          bool
	AlphanumericPasswordRequired             bool
	PasswordRecoveryEnabled                  bool
	RequireStorageCardEncryption             bool
	AttachmentsEnabled                       bool
	MinPasswordLength                        int // Unlimited: not set
	MaxInactivityTimeLock                    int // seconds; Unlimited
	MaxPasswordFailedAttempts                int // Unlimited
	MaxAttachmentSize                        int // bytes; Unlimited
	AllowSimplePassword                      bool
	PasswordExpiration                       int // days; Unlimited
	PasswordHistory                          int
	AllowStorageCard                         bool
	AllowCamera                              bool
	RequireDeviceEncryption                  bool
	AllowUnsignedApplications                bool
	AllowUnsignedInstallationPackages        bool
	MinPasswordComplexCharacters             int
	AllowWiFi                                bool
	AllowTextMessaging                       bool
	AllowPOPIMAPEmail                        bool
	AllowBluetooth                           int // 0 Disable, 1 HandsfreeOnly, 2 Allow
	AllowIrDA                                bool
	RequireManualSyncWhenRoaming             bool
	AllowDesktopSync                         bool
	MaxCalendarAgeFilter                     int // EAS filter number; 0 = All
	AllowHTMLEmail                           bool
	MaxEmailAgeFilter                        int // EAS filter number; 0 = All
	MaxEmailBodyTruncationSize               int // Unlimited
	MaxEmailHTMLBodyTruncationSize           int // Unlimited
	RequireSignedSMIMEMessages               bool
	RequireEncryptedSMIMEMessages            bool
	RequireSignedSMIMEAlgorithm              int // 0 SHA1, 1 MD5
	RequireEncryptionSMIMEAlgorithm          int // 0 TripleDES, 1 DES, 2 RC2-128, 3 RC2-64, 4 RC2-40
	AllowSMIMEEncryptionAlgorithmNegotiation int // 0 block, 1 strongest only, 2 any
	AllowSMIMESoftCerts                      bool
	AllowBrowser                             bool
	AllowConsumerEmail                       bool
	AllowRemoteDesktop                       bool
	AllowInternetSharing                     bool
	UnapprovedInROMApplicationList           []string
	ApprovedApplicationList                  []string // base64 SHA-1 hashes

	// Server-side only.
	AllowNonProvisionableDevices bool
	DevicePolicyRefreshInterval  time.Duration // 0: Unlimited

	version int // bumped by every change; a device's key is for one version
}

// Policies returns copies of the organization's mobile device mailbox
// policies, the default one first.
func (d *Directory) Policies() []MobileDeviceMailboxPolicy {
	d.mu.RLock()
	defer d.mu.RUnlock()
	d.ensurePoliciesLocked()
	return append([]MobileDeviceMailboxPolicy(nil), d.policies...)
}

// SetPolicy adds or replaces the policy of p's name (New- and
// Set-MobileDeviceMailboxPolicy). A changed policy invalidates the policy
// keys devices hold, so they provision again (144, 449 up to 12.1).
func (d *Directory) SetPolicy(p MobileDeviceMailboxPolicy) {
	d.changePolicies(func(ps []MobileDeviceMailboxPolicy) ([]MobileDeviceMailboxPolicy, error) {
		for i, x := range ps {
			if strings.EqualFold(x.Name, p.Name) {
				ps[i] = p
				return ps, nil
			}
		}
		return append(ps, p), nil
	})
}

// policyFor returns the policy a mailbox is under: the one its CAS
// settings name, else the default.
func (d *Directory) policyFor(name string) MobileDeviceMailboxPolicy {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.policies == nil {
		return DefaultPolicy()
	}
	var def MobileDeviceMailboxPolicy
	for _, p := range d.policies {
		if name != "" && strings.EqualFold(p.Name, name) {
			return p
		}
		if p.IsDefault {
			def = p
		}
	}
	return def
}

func (d *Directory) ensurePoliciesLocked() {
	if d.policies == nil {
		d.policies = []MobileDeviceMailboxPolicy{DefaultPolicy()} // version 0, as devices hold it
	}
}

// DefaultPolicy returns Exchange's "Default" mobile device mailbox policy.
func DefaultPolicy() MobileDeviceMailboxPolicy {
	return MobileDeviceMailboxPolicy{
		Name: "Default", IsDefault: true,
		AttachmentsEnabled:                       true,
		MinPasswordLength:                        Unlimited,
		MaxInactivityTimeLock:                    Unlimited,
		MaxPasswordFailedAttempts:                Unlimited,
		MaxAttachmentSize:                        Unlimited,
		AllowSimplePassword:                      true,
		PasswordExpiration:                       Unlimited,
		AllowStorageCard:                         true,
		AllowCamera:                              true,
		AllowUnsignedApplications:                true,
		AllowUnsignedInstallationPackages:        true,
		MinPasswordComplexCharacters:             1,
		AllowWiFi:                                true,
		AllowTextMessaging:                       true,
		AllowPOPIMAPEmail:                        true,
		AllowBluetooth:                           2,
		AllowIrDA:                                true,
		AllowDesktopSync:                         true,
		AllowHTMLEmail:                           true,
		MaxEmailBodyTruncationSize:               Unlimited,
		MaxEmailHTMLBodyTruncationSize:           Unlimited,
		AllowSMIMEEncryptionAlgorithmNegotiation: 2,
		AllowSMIMESoftCerts:                      true,
		AllowBrowser:                             true,
		AllowConsumerEmail:                       true,
		AllowRemoteDesktop:                       true,
		AllowInternetSharing:                     true,
		AllowNonProvisionableDevices:             true,
	}
}

// provisionElement maps one policy parameter to its EASProvisionDoc
// element and the protocol version from which Exchange sends it
// (exchange-admin.md 4.7; elements of EAS 2.0 count as 2.5 here).
type provisionElement struct {
	name  string
	since eas.ProtocolVersion
	value func(p *MobileDeviceMailboxPolicy) string // "" = empty element
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func num(n int) string {
	if n == Unlimited {
		return ""
	}
	return strconv.Itoa(n)
}

// provisionElements is in schema (token) order.
var provisionElements = []provisionElement{
	{"DevicePasswordEnabled", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return b01(p.PasswordEnabled) }},
	{"AlphanumericDevicePasswordRequired", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AlphanumericPasswordRequired) }},
	{"RequireStorageCardEncryption", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return b01(p.RequireStorageCardEncryption) }},
	{"PasswordRecoveryEnabled", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return b01(p.PasswordRecoveryEnabled) }},
	{"AttachmentsEnabled", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AttachmentsEnabled) }},
	{"MinDevicePasswordLength", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return num(p.MinPasswordLength) }},
	{"MaxInactivityTimeDeviceLock", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return num(p.MaxInactivityTimeLock) }},
	{"MaxDevicePasswordFailedAttempts", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return num(p.MaxPasswordFailedAttempts) }},
	{"MaxAttachmentSize", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return num(p.MaxAttachmentSize) }},
	{"AllowSimpleDevicePassword", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowSimplePassword) }},
	{"DevicePasswordExpiration", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return num(p.PasswordExpiration) }},
	{"DevicePasswordHistory", eas.Version25, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.PasswordHistory) }},
	{"AllowStorageCard", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowStorageCard) }},
	{"AllowCamera", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowCamera) }},
	{"RequireDeviceEncryption", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.RequireDeviceEncryption) }},
	{"AllowUnsignedApplications", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowUnsignedApplications) }},
	{"AllowUnsignedInstallationPackages", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowUnsignedInstallationPackages) }},
	{"MinDevicePasswordComplexCharacters", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.MinPasswordComplexCharacters) }},
	{"AllowWiFi", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowWiFi) }},
	{"AllowTextMessaging", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowTextMessaging) }},
	{"AllowPOPIMAPEmail", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowPOPIMAPEmail) }},
	{"AllowBluetooth", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.AllowBluetooth) }},
	{"AllowIrDA", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowIrDA) }},
	{"RequireManualSyncWhenRoaming", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.RequireManualSyncWhenRoaming) }},
	{"AllowDesktopSync", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowDesktopSync) }},
	{"MaxCalendarAgeFilter", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.MaxCalendarAgeFilter) }},
	{"AllowHTMLEmail", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowHTMLEmail) }},
	{"MaxEmailAgeFilter", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.MaxEmailAgeFilter) }},
	{"MaxEmailBodyTruncationSize", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.MaxEmailBodyTruncationSize) }},
	{"MaxEmailHTMLBodyTruncationSize", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.MaxEmailHTMLBodyTruncationSize) }},
	{"RequireSignedSMIMEMessages", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.RequireSignedSMIMEMessages) }},
	{"RequireEncryptedSMIMEMessages", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.RequireEncryptedSMIMEMessages) }},
	{"RequireSignedSMIMEAlgorithm", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.RequireSignedSMIMEAlgorithm) }},
	{"RequireEncryptionSMIMEAlgorithm", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return strconv.Itoa(p.RequireEncryptionSMIMEAlgorithm) }},
	{"AllowSMIMEEncryptionAlgorithmNegotiation", eas.Version121, func(p *MobileDeviceMailboxPolicy) string {
		return strconv.Itoa(p.AllowSMIMEEncryptionAlgorithmNegotiation)
	}},
	{"AllowSMIMESoftCerts", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowSMIMESoftCerts) }},
	{"AllowBrowser", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowBrowser) }},
	{"AllowConsumerEmail", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowConsumerEmail) }},
	{"AllowRemoteDesktop", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowRemoteDesktop) }},
	{"AllowInternetSharing", eas.Version121, func(p *MobileDeviceMailboxPolicy) string { return b01(p.AllowInternetSharing) }},
}

// ProvisionDoc builds the EASProvisionDoc for a device speaking version v:
// every element the version knows, in schema order, an unlimited value as
// an empty element (MS-ASPROV 2.2.2.x).
func (p *MobileDeviceMailboxPolicy) ProvisionDoc(v eas.ProtocolVersion) *wbxml.Node {
	doc := &wbxml.Node{Tag: mustTag("Provision:EASProvisionDoc")}
	for _, e := range provisionElements {
		if !v.AtLeast(e.since) {
			continue
		}
		doc.Children = append(doc.Children, wbxml.NewText(mustTag("Provision:"+e.name), e.value(p)))
	}
	if v.AtLeast(eas.Version121) {
		if len(p.UnapprovedInROMApplicationList) > 0 {
			list := &wbxml.Node{Tag: mustTag("Provision:UnapprovedInROMApplicationList")}
			for _, name := range p.UnapprovedInROMApplicationList {
				list.Children = append(list.Children, wbxml.NewText(mustTag("Provision:ApplicationName"), name))
			}
			doc.Children = append(doc.Children, list)
		}
		if len(p.ApprovedApplicationList) > 0 {
			list := &wbxml.Node{Tag: mustTag("Provision:ApprovedApplicationList")}
			for _, h := range p.ApprovedApplicationList {
				list.Children = append(list.Children, wbxml.NewText(mustTag("Provision:Hash"), h))
			}
			doc.Children = append(doc.Children, list)
		}
	}
	return doc
}
