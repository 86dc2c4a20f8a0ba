package clients

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/easlab/easlab/eas"
)

// DeviceInfoIn says where a profile sends Settings:DeviceInformation.
type DeviceInfoIn int

// Where DeviceInformation goes.
const (
	// InfoInProvision sends it in the initial Provision request (14.1 and
	// later); at an older protocol version the device sends it in Settings
	// after provisioning instead, as AOSP Email does.
	InfoInProvision DeviceInfoIn = iota
	// InfoInSettings sends it in a Settings request after provisioning.
	InfoInSettings
	// InfoNever never sends it (TbSync before 2026).
	InfoNever
)

func (w DeviceInfoIn) String() string {
	switch w {
	case InfoInProvision:
		return "Provision"
	case InfoInSettings:
		return "Settings"
	case InfoNever:
		return "Never"
	}
	return fmt.Sprintf("DeviceInfoIn(%d)", int(w))
}

// Profile is the fingerprint and habits of one client: data plus small
// hooks, so that a new client is a few lines. The values come from
// shared/reference/exchange-admin.md section 5.2 (cited per profile).
type Profile struct {
	Name        string
	DeviceType  string
	NewDeviceID func(*rand.Rand) string // the client's DeviceId format
	UserAgent   string
	Model       string
	OS          string
	// FriendlyName is sent in DeviceInformation; "{DeviceIdTail}" in it is
	// replaced by the DeviceId without its first four characters (TbSync).
	FriendlyName    string
	OSLanguage      string
	ProtocolVersion eas.ProtocolVersion
	QueryForm       eas.QueryForm
	DeviceInfoIn    DeviceInfoIn
	// Heartbeat is the Ping HeartbeatInterval in seconds.
	Heartbeat int
	// WindowSize is the Sync WindowSize the client asks for.
	WindowSize int
	// NoPolicyKey makes a client that never provisions: it sends no
	// X-MS-PolicyKey header at all, and Exchange serves it while the
	// mailbox policy allows non-provisionable devices (Outlook's desktop
	// ActiveSync connector; Microsoft's MS-ASCMD test suite). A client
	// that provisions sends key 0 until it has one, as phones do.
	NoPolicyKey bool
}

// deviceInfo returns the DeviceInformation Set the profile sends for id.
func (p Profile) deviceInfo(id string) *eas.DeviceInformation {
	tail := id
	if len(tail) > 4 {
		tail = tail[4:]
	}
	return &eas.DeviceInformation{Set: &eas.DeviceInformationSet{
		Model:        p.Model,
		FriendlyName: strings.ReplaceAll(p.FriendlyName, "{DeviceIdTail}", tail),
		OS:           p.OS,
		OSLanguage:   p.OSLanguage,
		UserAgent:    p.UserAgent,
	}}
}

// infoInProvision and infoInSettings apply the version rule of
// InfoInProvision.
func (p Profile) infoInProvision() bool {
	return p.DeviceInfoIn == InfoInProvision && p.ProtocolVersion.AtLeast(eas.Version141)
}

func (p Profile) infoInSettings() bool {
	return p.DeviceInfoIn == InfoInSettings ||
		(p.DeviceInfoIn == InfoInProvision && !p.ProtocolVersion.AtLeast(eas.Version141) && p.ProtocolVersion.AtLeast(eas.Version120))
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerHex   = "0123456789abcdef"
	upperHex   = "0123456789ABCDEF"
	digits     = "0123456789"
)

func randFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// idOf returns a DeviceId generator: prefix + n characters of alphabet.
func idOf(prefix, alphabet string, n int) func(*rand.Rand) string {
	return func(r *rand.Rand) string { return prefix + randFrom(r, alphabet, n) }
}

// Profile names.
const (
	IPhone        = "iphone"
	IPad          = "ipad"
	AOSPEmail     = "aosp"
	Gmail         = "gmail"
	SamsungEmail  = "samsung"
	Outlook       = "outlook"
	WindowsMail   = "windowsmail"
	TbSync        = "tbsync"
	TbSyncLegacy  = "tbsync-legacy"
	defaultWindow = 25
)

var profiles = []Profile{
	// 5.2 "iOS native Mail (iPhone)": DeviceType iPhone; recent DeviceIds are
	// 26 uppercase alphanumerics; UA Apple-<hw>/<build>; OS "iOS <ver>
	// <build>", Model the hardware id; 16.1 since iOS 10. iOS sends
	// DeviceInformation in the initial Provision (14.1+ rule).
	{Name: IPhone, DeviceType: "iPhone", NewDeviceID: idOf("", upperAlnum, 26),
		UserAgent: "Apple-iPhone15C2/2201.1", Model: "iPhone15C2", OS: "iOS 18.1 22B83",
		FriendlyName: "iPhone", OSLanguage: "en", ProtocolVersion: eas.Version161,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 1680, WindowSize: defaultWindow},
	// 5.2 same row: DeviceType iPad, UA e.g. Apple-iPad3C6/1202.435.
	{Name: IPad, DeviceType: "iPad", NewDeviceID: idOf("", upperAlnum, 26),
		UserAgent: "Apple-iPad13C4/2201.1", Model: "iPad13C4", OS: "iOS 18.1 22B83",
		FriendlyName: "iPad", OSLanguage: "en", ProtocolVersion: eas.Version161,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 1680, WindowSize: defaultWindow},
	// 5.2 "AOSP Email / stock Android": DeviceType Android, DeviceId
	// "androidc" + decimal hash of the IMEI, UA Android/<release>-EAS-2.0
	// (2014+), max 14.1, DeviceInformation in the 14.1 initial Provision
	// (Settings for 12.1/14.0). Short (~30 s) timeout.
	{Name: AOSPEmail, DeviceType: "Android", NewDeviceID: idOf("androidc", digits, 9),
		UserAgent: "Android/5.1.1-EAS-2.0", Model: "Nexus 5", OS: "Android 5.1.1",
		FriendlyName: "Nexus 5", OSLanguage: "en", ProtocolVersion: eas.Version141,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 480, WindowSize: 10},
	// 5.2 "Gmail app": DeviceType Android, androidc scheme, UA
	// Android-Mail/<yyyy.mm.dd>.<build>.Release, Model e.g. SM-M215F,
	// FriendlyName = model, OS Android 10, DeviceInformation inside Provision.
	{Name: Gmail, DeviceType: "Android", NewDeviceID: idOf("androidc", digits, 9),
		UserAgent: "Android-Mail/2020.11.29.346182102.Release", Model: "SM-M215F", OS: "Android 10",
		FriendlyName: "SM-M215F", OSLanguage: "en", ProtocolVersion: eas.Version141,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 900, WindowSize: defaultWindow},
	// 5.2 "Samsung Email": DeviceType SAMSUNG<model without '-'>, DeviceId
	// SEC + 13 hex, UA SAMSUNG-SM-N900V/101.403, OS often just "Android",
	// ≤14.1. Where it sends DeviceInformation is not documented: Provision,
	// as the other 14.1 Android clients do.
	{Name: SamsungEmail, DeviceType: "SAMSUNGSMN900V", NewDeviceID: idOf("SEC", upperHex, 13),
		UserAgent: "SAMSUNG-SM-N900V/101.403", Model: "SM-N900V", OS: "Android",
		FriendlyName: "Galaxy Note3", OSLanguage: "en", ProtocolVersion: eas.Version141,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 900, WindowSize: defaultWindow},
	// 5.2 "Outlook for iOS/Android (EAS via Microsoft cloud)": DeviceType
	// Outlook, 32 lowercase hex, UA Outlook-iOS-Android/1.0, model "Outlook
	// for iOS and Android"; version 14.x/16.x UNCONFIRMED (16.1 here).
	{Name: Outlook, DeviceType: "Outlook", NewDeviceID: idOf("", lowerHex, 32),
		UserAgent: "Outlook-iOS-Android/1.0", Model: "Outlook for iOS and Android", OS: "Outlook for iOS and Android",
		FriendlyName: "Outlook for iOS and Android", OSLanguage: "en", ProtocolVersion: eas.Version161,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 1680, WindowSize: defaultWindow},
	// 5.2 "Windows 10/11 Mail & Calendar": DeviceType WindowsMail, 32
	// uppercase hex, UA MSFT-WIN-3/10.0.<build>, OS Windows 10.0.<build>;
	// 16.x UNCONFIRMED (16.1 here).
	{Name: WindowsMail, DeviceType: "WindowsMail", NewDeviceID: idOf("", upperHex, 32),
		UserAgent: "MSFT-WIN-3/10.0.18363", Model: "Windows PC", OS: "Windows 10.0.18363",
		FriendlyName: "Windows Mail", OSLanguage: "en-US", ProtocolVersion: eas.Version161,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 1680, WindowSize: defaultWindow},
	// 5.2 "Thunderbird TbSync": DeviceType TbSync, MZTB + 28 hex (2026
	// uppercase prefix), UA "Thunderbird ActiveSync", Model Computer,
	// FriendlyName "TbSync on Device <id without first 4 chars>", OS the
	// platform token, default 14.1.
	{Name: TbSync, DeviceType: "TbSync", NewDeviceID: idOf("MZTB", lowerHex, 28),
		UserAgent: "Thunderbird ActiveSync", Model: "Computer", OS: "Linux",
		FriendlyName: "TbSync on Device {DeviceIdTail}", ProtocolVersion: eas.Version141,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoInProvision, Heartbeat: 900, WindowSize: defaultWindow},
	// 5.2 same row, before 2026-08: lowercase mztb prefix, and it sent
	// DeviceInformation only when provisioning was requested (S12 #353).
	// TbSync provisions only when its user turns provisioning on (an early
	// TbSync sends X-MS-PolicyKey only under its "prov" preference; public
	// index id 10135702984), so the legacy client never provisions, never
	// identifies itself and stays in DeviceDiscovery. (Were it to provision
	// at 14.1 without DeviceInformation, Exchange would answer 165:
	// exchange-admin.md 2.2.)
	{Name: TbSyncLegacy, DeviceType: "TbSync", NewDeviceID: idOf("mztb", lowerHex, 28),
		UserAgent: "Thunderbird ActiveSync", Model: "Computer", OS: "Linux",
		FriendlyName: "TbSync on Device {DeviceIdTail}", ProtocolVersion: eas.Version141,
		QueryForm: eas.PlainQuery, DeviceInfoIn: InfoNever, NoPolicyKey: true, Heartbeat: 900, WindowSize: defaultWindow},
}

// Profiles returns the built-in profiles.
func Profiles() []Profile { return append([]Profile(nil), profiles...) }

// ProfileByName returns the built-in profile with that name
// (case-insensitive).
func ProfileByName(name string) (Profile, bool) {
	for _, p := range profiles {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Profile{}, false
}
