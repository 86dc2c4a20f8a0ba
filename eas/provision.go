package eas

import "github.com/easlab/easlab/wbxml"

// PolicyType values (MS-ASPROV 2.2.2.44).
const (
	PolicyTypeWBXML = "MS-EAS-Provisioning-WBXML" // 12.0+
	PolicyTypeXML   = "MS-WAP-Provisioning-XML"   // 2.5
)

// ProvisionRequest is a Provision request (MS-ASPROV 2.2.2.42, protocol.md
// §4.1). The initial request asks for the policy (and, from 14.1, carries
// DeviceInformation); the acknowledgment returns the temporary PolicyKey
// with the client's Status. After a remote wipe the client acknowledges it
// with RemoteWipe (or, 16.1, AccountOnlyRemoteWipe) instead.
type ProvisionRequest struct {
	WBXMLName             wbxml.Name                `wbxml:"Provision:Provision"`
	DeviceInformation     *DeviceInformation        `wbxml:"Settings:DeviceInformation,omitempty"`
	Policies              *ProvisionRequestPolicies `wbxml:"Policies,omitempty"`
	RemoteWipe            *WipeAcknowledgment       `wbxml:"RemoteWipe,omitempty"`
	AccountOnlyRemoteWipe *WipeAcknowledgment       `wbxml:"AccountOnlyRemoteWipe,omitempty"`
	Extra                 []*wbxml.Node             `wbxml:",any"`
}

// ProvisionRequestPolicies holds the policy a client asks for or
// acknowledges.
type ProvisionRequestPolicies struct {
	Policy ProvisionRequestPolicy `wbxml:"Policy"`
	Extra  []*wbxml.Node          `wbxml:",any"`
}

// ProvisionRequestPolicy is the client's Policy: in the initial request
// only PolicyType; in the acknowledgment also the temporary PolicyKey and
// the client's Status (1 applied, 2 partially, 3 not at all, 4 externally
// managed), in that order.
type ProvisionRequestPolicy struct {
	PolicyType string        `wbxml:"PolicyType"`
	PolicyKey  string        `wbxml:"PolicyKey,omitempty"`
	Status     int           `wbxml:"Status,omitempty"`
	Extra      []*wbxml.Node `wbxml:",any"`
}

// WipeAcknowledgment is the client's report on a remote wipe: Status 1
// wiped, 2 failed.
type WipeAcknowledgment struct {
	Status int           `wbxml:"Status"`
	Extra  []*wbxml.Node `wbxml:",any"`
}

// ProvisionResponse is a Provision response, in the order of the
// ProvisionResponse schema: DeviceInformation (its Status, when the request
// carried it), Status, Policies, and the wipe directives, which are empty
// elements present only when a wipe is pending.
type ProvisionResponse struct {
	WBXMLName             wbxml.Name                 `wbxml:"Provision:Provision"`
	DeviceInformation     *DeviceInformation         `wbxml:"Settings:DeviceInformation,omitempty"`
	Status                int                        `wbxml:"Status"`
	Policies              *ProvisionResponsePolicies `wbxml:"Policies,omitempty"`
	RemoteWipe            bool                       `wbxml:"RemoteWipe,empty"`
	AccountOnlyRemoteWipe bool                       `wbxml:"AccountOnlyRemoteWipe,empty"` // 16.1
	Extra                 []*wbxml.Node              `wbxml:",any"`
}

// ProvisionResponsePolicies holds the server's policy.
type ProvisionResponsePolicies struct {
	Policy ProvisionResponsePolicy `wbxml:"Policy"`
	Extra  []*wbxml.Node           `wbxml:",any"`
}

// ProvisionResponsePolicy is the server's Policy: its Status (1 success,
// 2 no policy, 3 unknown PolicyType, 4 corrupt, 5 wrong policy key), the
// PolicyKey (temporary in the answer to the initial request, final in the
// answer to the acknowledgment) and, in the first answer only, the Data.
type ProvisionResponsePolicy struct {
	PolicyType string        `wbxml:"PolicyType"`
	Status     int           `wbxml:"Status"`
	PolicyKey  string        `wbxml:"PolicyKey,omitempty"`
	Data       *PolicyData   `wbxml:"Data,omitempty"`
	Extra      []*wbxml.Node `wbxml:",any"`
}

// PolicyData is the policy itself: an EASProvisionDoc from 12.0, or in 2.5
// the text of a wap-provisioningdoc XML document.
type PolicyData struct {
	EASProvisionDoc *EASProvisionDoc `wbxml:"EASProvisionDoc,omitempty"`
	Text            string           `wbxml:",chardata"`
	Extra           []*wbxml.Node    `wbxml:",any"`
}

// EASProvisionDoc holds the policy settings (MS-ASPROV 2.2.2.27, protocol.md
// §4.3), every one optional, in schema (token) order. Booleans are 0/1.
// The *OrEmpty settings may be sent as an empty element, meaning no limit.
// Elements 0x1B and later exist from 12.1.
type EASProvisionDoc struct {
	DevicePasswordEnabled                    *bool                    `wbxml:"DevicePasswordEnabled,omitempty"`
	AlphanumericDevicePasswordRequired       *bool                    `wbxml:"AlphanumericDevicePasswordRequired,omitempty"`
	RequireStorageCardEncryption             *bool                    `wbxml:"RequireStorageCardEncryption,omitempty"`
	PasswordRecoveryEnabled                  *bool                    `wbxml:"PasswordRecoveryEnabled,omitempty"`
	AttachmentsEnabled                       *bool                    `wbxml:"AttachmentsEnabled,omitempty"`
	MinDevicePasswordLength                  *IntOrEmpty              `wbxml:"MinDevicePasswordLength,omitempty"`
	MaxInactivityTimeDeviceLock              *IntOrEmpty              `wbxml:"MaxInactivityTimeDeviceLock,omitempty"` // seconds
	MaxDevicePasswordFailedAttempts          *IntOrEmpty              `wbxml:"MaxDevicePasswordFailedAttempts,omitempty"`
	MaxAttachmentSize                        *IntOrEmpty              `wbxml:"MaxAttachmentSize,omitempty"` // bytes
	AllowSimpleDevicePassword                *bool                    `wbxml:"AllowSimpleDevicePassword,omitempty"`
	DevicePasswordExpiration                 *IntOrEmpty              `wbxml:"DevicePasswordExpiration,omitempty"` // days
	DevicePasswordHistory                    *int                     `wbxml:"DevicePasswordHistory,omitempty"`
	AllowStorageCard                         *bool                    `wbxml:"AllowStorageCard,omitempty"`
	AllowCamera                              *bool                    `wbxml:"AllowCamera,omitempty"`
	RequireDeviceEncryption                  *bool                    `wbxml:"RequireDeviceEncryption,omitempty"`
	AllowUnsignedApplications                *bool                    `wbxml:"AllowUnsignedApplications,omitempty"`
	AllowUnsignedInstallationPackages        *bool                    `wbxml:"AllowUnsignedInstallationPackages,omitempty"`
	MinDevicePasswordComplexCharacters       *int                     `wbxml:"MinDevicePasswordComplexCharacters,omitempty"`
	AllowWiFi                                *bool                    `wbxml:"AllowWiFi,omitempty"`
	AllowTextMessaging                       *bool                    `wbxml:"AllowTextMessaging,omitempty"`
	AllowPOPIMAPEmail                        *bool                    `wbxml:"AllowPOPIMAPEmail,omitempty"`
	AllowBluetooth                           *int                     `wbxml:"AllowBluetooth,omitempty"` // 0 disabled, 1 hands-free only, 2 allowed
	AllowIrDA                                *bool                    `wbxml:"AllowIrDA,omitempty"`
	RequireManualSyncWhenRoaming             *bool                    `wbxml:"RequireManualSyncWhenRoaming,omitempty"`
	AllowDesktopSync                         *bool                    `wbxml:"AllowDesktopSync,omitempty"`
	MaxCalendarAgeFilter                     *int                     `wbxml:"MaxCalendarAgeFilter,omitempty"` // 0, 4..7 (FilterType values)
	AllowHTMLEmail                           *bool                    `wbxml:"AllowHTMLEmail,omitempty"`
	MaxEmailAgeFilter                        *int                     `wbxml:"MaxEmailAgeFilter,omitempty"`          // 0..5 (FilterType values)
	MaxEmailBodyTruncationSize               *int                     `wbxml:"MaxEmailBodyTruncationSize,omitempty"` // -1 none, 0 headers only
	MaxEmailHTMLBodyTruncationSize           *int                     `wbxml:"MaxEmailHTMLBodyTruncationSize,omitempty"`
	RequireSignedSMIMEMessages               *bool                    `wbxml:"RequireSignedSMIMEMessages,omitempty"`
	RequireEncryptedSMIMEMessages            *bool                    `wbxml:"RequireEncryptedSMIMEMessages,omitempty"`
	RequireSignedSMIMEAlgorithm              *int                     `wbxml:"RequireSignedSMIMEAlgorithm,omitempty"`
	RequireEncryptionSMIMEAlgorithm          *int                     `wbxml:"RequireEncryptionSMIMEAlgorithm,omitempty"`
	AllowSMIMEEncryptionAlgorithmNegotiation *int                     `wbxml:"AllowSMIMEEncryptionAlgorithmNegotiation,omitempty"`
	AllowSMIMESoftCerts                      *bool                    `wbxml:"AllowSMIMESoftCerts,omitempty"`
	AllowBrowser                             *bool                    `wbxml:"AllowBrowser,omitempty"`
	AllowConsumerEmail                       *bool                    `wbxml:"AllowConsumerEmail,omitempty"`
	AllowRemoteDesktop                       *bool                    `wbxml:"AllowRemoteDesktop,omitempty"`
	AllowInternetSharing                     *bool                    `wbxml:"AllowInternetSharing,omitempty"`
	UnapprovedInROMApplicationList           *ApplicationNameList     `wbxml:"UnapprovedInROMApplicationList,omitempty"`
	ApprovedApplicationList                  *ApprovedApplicationList `wbxml:"ApprovedApplicationList,omitempty"`
	Extra                                    []*wbxml.Node            `wbxml:",any"`
}

// ApplicationNameList lists in-ROM applications that must not run.
type ApplicationNameList struct {
	ApplicationName []string      `wbxml:"ApplicationName"`
	Extra           []*wbxml.Node `wbxml:",any"`
}

// ApprovedApplicationList lists the hashes of applications that may run.
type ApprovedApplicationList struct {
	Hash  []string      `wbxml:"Hash"`
	Extra []*wbxml.Node `wbxml:",any"`
}
