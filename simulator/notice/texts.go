package notice

import (
	"strings"

	"github.com/easlab/easlab/simulator/access"
)

// texts are a notice's strings in one culture. Exchange takes them from
// its resources: the user mails (quarantine, block, discovery, autoblock,
// partnership limit) from Strings.resources in the mailbox's preferred
// culture (MailboxSession.PreferedCulture), the admin mail from
// EASServerStrings.resources in the server's culture (S1 ABQMailHelper,
// ADDeviceManager; exchange-admin.md 3.2).
type texts struct {
	culture string // Content-Language
	// dateLayout is .NET's general date/time pattern ("G") of the
	// culture, as a Go layout: the "Sent at" line prints
	// ExDateTime.Now.ToString(culture).
	dateLayout string

	quarantineSubject, quarantineBody string
	blockedSubject, blockedBody       string
	discoverySubject, discoveryBody   string
	autoblockSubject                  string
	autoblockBody                     string // {0}: hours
	maxDevicesSubject                 string
	maxDevicesBody                    string // {0}: partnerships, {1}: the limit
	userTableHeading                  string
	sentAt                            string // {0}: the time, {1}: the addresses

	adminSubject      string // {0}: DisplayName, {1}: Alias
	adminBody         string
	adminLink         string // {0}: the ECP link
	adminNoECP        string
	adminTableHeading string

	user, deviceModel, deviceType, deviceID, deviceOS, deviceUserAgent, devicePhoneNumber, deviceIMEI,
	easVersion, policyApplied, policyStatus, accessState, accessStateReason, accessControlRule string
}

// english is en-US, verbatim from Exchange 2013 CU23's resources (S1
// Strings.resources, EASServerStrings.resources; exchange-admin.md 3.2).
// A real Exchange 2010 block mail (nylas/sync-engine issue 244, 2016:
// "Your phone won't be able to synchronize with the server via Exchange
// ActiveSync because of an access policy defined on the server.") has the
// same sentence with 2010's "phone" for 2013's "mobile device".
var english = texts{
	culture:    "en-US",
	dateLayout: "1/2/2006 3:04:05 PM",

	quarantineSubject: QuarantineSubject,
	quarantineBody:    "Your mobile device is temporarily blocked from accessing content via Exchange ActiveSync because the mobile device has been quarantined. You don't need to take any action. Content will automatically be downloaded as soon as access is granted by your administrator.",
	blockedSubject:    BlockedSubject,
	blockedBody:       "Your mobile device won't be able to synchronize with the server via Exchange ActiveSync because of an access policy defined on the server.",
	discoverySubject:  DiscoverySubject,
	discoveryBody:     "Welcome to Exchange ActiveSync Synchronization. Your device should start synchronizing shortly, after the server identifies it and validates that it complies with the organization's access policies.",
	autoblockSubject:  AutoblockSubject,
	autoblockBody:     "Your mobile device has been blocked from accessing your server via Exchange ActiveSync because it's causing excessive load on the server. This is most likely due to an email client implementation issue on your mobile device. It will continue to be blocked for up to {0} hours.",
	maxDevicesSubject: MaxDevicesSubject,
	maxDevicesBody:    "You have {0} device partnerships out of the maximum allowed {1} partnerships. After you reach the maximum, you can't create additional partnerships until you delete existing ones from your account. To do this, sign in to Outlook Web App, click Options > Phone > Mobile Devices, and delete any unused partnerships.",
	userTableHeading:  "Information about your mobile device:",
	sentAt:            "Sent at {0} to {1}.",

	adminSubject:      quarantineAdminSubjectFmt,
	adminBody:         "The Exchange ActiveSync service has quarantined the mobile device listed below. It won't be able to synchronize Exchange content until you take action.",
	adminLink:         "To perform an action for this mobile device, go to the following page in the Exchange Administration Center: {0}",
	adminNoECP:        "To perform an action for this device, select the device from among the quarantined devices displayed on the Mobile device access tab in the Exchange Administration Center.",
	adminTableHeading: "Information about the device that triggered this notice:",

	user: LabelUser, deviceModel: LabelDeviceModel, deviceType: LabelDeviceType, deviceID: LabelDeviceID,
	deviceOS: LabelDeviceOS, deviceUserAgent: LabelDeviceUserAgent, devicePhoneNumber: LabelDevicePhoneNumber,
	deviceIMEI: LabelDeviceIMEI, easVersion: LabelEASVersion, policyApplied: LabelPolicyApplied,
	policyStatus: LabelPolicyStatus, accessState: LabelAccessState, accessStateReason: LabelAccessStateReason,
	accessControlRule: LabelAccessControlRule,
}

// german is de-DE. UNCONFIRMED: Exchange ships German resources
// (Microsoft.Exchange.AirSync.resources.dll, de), but their wording is in
// no source at hand; these are faithful translations of the en-US
// strings in Microsoft's German terminology ("mobiles Gerät", "Exchange
// Admin Center", "unter Quarantäne gestellt"), not Exchange's text. The
// date pattern is .NET's de-DE "G" (dd.MM.yyyy HH:mm:ss).
var german = texts{
	culture:    "de-DE",
	dateLayout: "02.01.2006 15:04:05",

	quarantineSubject: "Ihr mobiles Gerät ist vorübergehend für die Synchronisierung über Exchange ActiveSync gesperrt, bis Ihr Administrator den Zugriff gewährt.",
	quarantineBody:    "Ihr mobiles Gerät ist vorübergehend für den Zugriff auf Inhalte über Exchange ActiveSync gesperrt, weil es unter Quarantäne gestellt wurde. Sie müssen nichts unternehmen. Die Inhalte werden automatisch heruntergeladen, sobald Ihr Administrator den Zugriff gewährt.",
	blockedSubject:    "Ihrem mobilen Gerät wurde der Zugriff auf den Server über Exchange ActiveSync aufgrund von Serverrichtlinien verweigert.",
	blockedBody:       "Ihr mobiles Gerät kann aufgrund einer auf dem Server definierten Zugriffsrichtlinie nicht über Exchange ActiveSync mit dem Server synchronisiert werden.",
	discoverySubject:  "Ihr Gerät ist vorübergehend für die Synchronisierung mit dem Server gesperrt, bis es identifiziert wurde.",
	discoveryBody:     "Willkommen bei der Exchange ActiveSync-Synchronisierung. Ihr Gerät sollte in Kürze mit der Synchronisierung beginnen, nachdem der Server es identifiziert und überprüft hat, dass es den Zugriffsrichtlinien der Organisation entspricht.",
	autoblockSubject:  "Ihr Gerät wurde vorübergehend für den Zugriff auf Ihr Exchange-Konto gesperrt.",
	autoblockBody:     "Ihr mobiles Gerät wurde für den Zugriff auf Ihren Server über Exchange ActiveSync gesperrt, weil es eine übermäßige Last auf dem Server verursacht. Die Ursache ist höchstwahrscheinlich ein Problem in der Implementierung des E-Mail-Clients auf Ihrem mobilen Gerät. Die Sperre bleibt bis zu {0} Stunden bestehen.",
	maxDevicesSubject: "Problem mit Ihrer neuen Partnerschaft für mobile Geräte",
	maxDevicesBody:    "Sie haben {0} Gerätepartnerschaften von maximal {1} zulässigen Partnerschaften. Wenn Sie das Maximum erreicht haben, können Sie erst dann weitere Partnerschaften erstellen, wenn Sie vorhandene aus Ihrem Konto löschen. Melden Sie sich dazu bei Outlook Web App an, klicken Sie auf Optionen > Telefon > Mobile Geräte, und löschen Sie alle nicht verwendeten Partnerschaften.",
	userTableHeading:  "Informationen zu Ihrem mobilen Gerät:",
	sentAt:            "Gesendet am {0} an {1}.",

	adminSubject:      "Ein Gerät von {0} ({1}) wurde unter Quarantäne gestellt. Exchange ActiveSync wird blockiert, bis Sie eine Aktion ausführen.",
	adminBody:         "Der Exchange ActiveSync-Dienst hat das unten aufgeführte mobile Gerät unter Quarantäne gestellt. Es kann Exchange-Inhalte erst synchronisieren, wenn Sie eine Aktion ausführen.",
	adminLink:         "Wechseln Sie im Exchange Admin Center zur folgenden Seite, um eine Aktion für dieses mobile Gerät auszuführen: {0}",
	adminNoECP:        "Um eine Aktion für dieses Gerät auszuführen, wählen Sie es unter den unter Quarantäne gestellten Geräten auf der Registerkarte \"Zugriff mobiler Geräte\" im Exchange Admin Center aus.",
	adminTableHeading: "Informationen zu dem Gerät, das diese Benachrichtigung ausgelöst hat:",

	user: "Benutzer:", deviceModel: "Gerätemodell:", deviceType: "Gerätetyp:", deviceID: "Geräte-ID:",
	deviceOS: "Gerätebetriebssystem:", deviceUserAgent: "Benutzer-Agent des Geräts:", devicePhoneNumber: "Telefonnummer des Geräts:",
	deviceIMEI: "IMEI des Geräts:", easVersion: "Exchange ActiveSync-Version:", policyApplied: "Angewendete Geräterichtlinie:",
	policyStatus: "Status der Geräterichtlinien:", accessState: "Gerätezugriffsstatus:", accessStateReason: "Grund für den Gerätezugriffsstatus:",
	accessControlRule: "Regel für den Gerätezugriff:",
}

// Languages are the cultures the notices are written in; any other
// culture gets en-US, as Exchange falls back to its neutral resources.
var Languages = []string{english.culture, german.culture}

// StateOfSubject returns the access state a user notice announces, read
// from its subject in any of the Languages: what a device can tell of its
// own state from the mail Exchange puts in its Inbox (a quarantined or
// discovering device sees only that mail).
func StateOfSubject(subject string) (access.State, bool) {
	subject = strings.TrimSpace(subject)
	for _, t := range []*texts{&english, &german} {
		switch subject {
		case t.quarantineSubject:
			return access.Quarantined, true
		case t.discoverySubject:
			return access.DeviceDiscovery, true
		case t.blockedSubject:
			return access.Blocked, true
		}
	}
	return 0, false
}

// textsFor returns the strings of a culture name ("de-DE", "de", "DE-at"):
// German for any "de" culture, else en-US.
func textsFor(culture string) *texts {
	c := strings.ToLower(strings.TrimSpace(culture))
	if c == "de" || strings.HasPrefix(c, "de-") {
		return &german
	}
	return &english
}

// format fills the .NET placeholders {0} to {9} of s in one pass, so that
// an argument holding "{1}" stays as it is.
func format(s string, args ...string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '{' && i+2 < len(s) && s[i+2] == '}' && s[i+1] >= '0' && s[i+1] <= '9' && int(s[i+1]-'0') < len(args) {
			b.WriteString(args[s[i+1]-'0'])
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
