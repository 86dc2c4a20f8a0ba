package notice

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/easlab/easlab/simulator/access"
	"github.com/emersion/go-message/mail"
)

// Notification subjects (en-US, exchange-admin.md 3.2; S1
// Strings.resources), verbatim. Mailboxes in another language get theirs
// (texts.go).
const (
	QuarantineSubject          = "Your mobile device is temporarily blocked from synchronizing using Exchange ActiveSync until your administrator grants it access."
	BlockedSubject             = "Your mobile device has been denied access to the server via Exchange ActiveSync because of server policies."
	DiscoverySubject           = "Your device is temporarily blocked from synchronizing with the server until it is identified."
	AutoblockSubject           = "Your device has been temporarily blocked from accessing your Exchange account."
	quarantineAdminSubjectFmt  = "A device that belongs to {0} ({1}) has been quarantined. Exchange ActiveSync will be blocked until you take action."
	MaxDevicesSubject          = "Problem with your new mobile device partnership"
	exchangeRecipientLocalPart = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"
	exchangeRecipientName      = "Microsoft Outlook"
)

// QuarantineAdminSubject is the admin mail's en-US subject for a mailbox:
// {0} is its DisplayName, {1} its Alias.
func QuarantineAdminSubject(displayName, alias string) string {
	return format(quarantineAdminSubjectFmt, displayName, alias)
}

// Table labels (en-US), in the order the rows appear.
const (
	LabelUser              = "User:"
	LabelDeviceModel       = "Device model:"
	LabelDeviceType        = "Device type:"
	LabelDeviceID          = "Device ID:"
	LabelDeviceOS          = "Device OS:"
	LabelDeviceUserAgent   = "Device user agent:"
	LabelDevicePhoneNumber = "Device phone number:"
	LabelDeviceIMEI        = "Device IMEI:"
	LabelEASVersion        = "Exchange ActiveSync version:"
	LabelPolicyApplied     = "Device policy applied:"
	LabelPolicyStatus      = "Device policies status:"
	LabelAccessState       = "Device access state:"
	LabelAccessStateReason = "Device access state reason:"
	LabelAccessControlRule = "Device access control rule:"
)

// Device is what the notification mails show about a mailbox, its
// device and the organization. Empty strings print as empty cells, as
// Exchange prints a device that sent no DeviceInformation.
type Device struct {
	// The mailbox owner.
	DisplayName        string
	Alias              string
	PrimarySmtpAddress string // required
	MailboxGuid        string // the ECP link's id; printed as .NET does (lower case, no braces)

	// The device (Get-MobileDevice). DeviceModel empty prints DeviceType,
	// as Exchange fills the model in before it sends the mail.
	DeviceModel string
	DeviceType  string
	DeviceID    string
	DeviceOS    string
	UserAgent   string
	DeviceIMEI  string
	// PhoneNumber as the device sent it; the admin mail masks it
	// (MaskPhoneNumber), so passing an already masked number is harmless.
	PhoneNumber string
	EASVersion  string // "14.1", "16.1"

	// Admin mail only: DevicePolicyApplied (the policy's name, "" if none)
	// and DevicePolicyApplicationStatus ("" prints "Unknown").
	PolicyApplied string
	PolicyStatus  string

	// The state and reason stamped by this request. The user mails print
	// the state of their kind when AccessState is Unknown.
	AccessState       access.State
	AccessStateReason access.Reason
	// AccessControlRule is the deciding rule's name, "<QueryString>
	// (<Characteristic>)" (access.Rule.Name); "" if none. Admin mail.
	AccessControlRule string

	// The organization (Get-ActiveSyncOrganizationSettings).
	UserMailInsert string // raw HTML, see QuarantineUser
	// ECPURL is the ECP external URL ("https://mail.contoso.com/ecp/");
	// empty means none is known and the admin mail says so instead of
	// linking.
	ECPURL string
	// OrgDomain is the default accepted domain the system sender's address
	// is in; empty means PrimarySmtpAddress's domain.
	OrgDomain string
	// Sender overrides the system sender (see SystemSender).
	Sender *mail.Address
	// ServerFQDN is the right-hand side of the Message-ID, as Exchange
	// uses the FQDN of the server that creates the item; empty means
	// OrgDomain.
	ServerFQDN string

	// Time is when the mail is created (Date and "Sent at"); TimeZone is
	// the server's, in which "Sent at" prints the local time (nil: UTC).
	Time     time.Time
	TimeZone *time.Location

	// Language is the mailbox's preferred culture (the first of
	// Get-Mailbox's Languages, "de-DE"), in which the user mails are
	// written; ServerLanguage the server's, in which the admin mail is.
	// Empty, or a culture without texts, is en-US (see Languages).
	Language       string
	ServerLanguage string
}

// SystemSender returns the organization's Microsoft Exchange recipient,
// which Exchange puts in From of every system notice: the object
// CN=MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e that Setup
// /PrepareAD creates in every organization (the same name everywhere,
// Exchange 2007 to Exchange Online), whose address is that name at the
// default accepted domain and whose display name is "Microsoft Outlook" —
// as NDRs and the German ABQ admin mail ("Von: Microsoft Outlook") show.
func SystemSender(domain string) *mail.Address {
	return &mail.Address{Name: exchangeRecipientName, Address: exchangeRecipientLocalPart + "@" + domain}
}

// MaskPhoneNumber masks a phone number as Exchange does
// (DeviceInfo.ObfuscatePhoneNumber, also how the AD device object stores
// it, exchange-admin.md 2.4): trimmed, every character but the last four
// becomes '*' — characters, not just digits, so "+1 (425) 555-0123" gives
// "*************0123". Four characters or fewer stay as they are.
func MaskPhoneNumber(s string) string {
	r := []rune(strings.TrimSpace(s))
	for i := 0; i < len(r)-4; i++ {
		r[i] = '*'
	}
	return string(r)
}

// Build builds the mail of kind k; admins is used by the admin mail.
func Build(k access.NoticeKind, n Device, admins []string) ([]byte, error) {
	switch k {
	case access.NoticeQuarantineUser:
		return QuarantineUser(n)
	case access.NoticeBlockedUser:
		return BlockedUser(n)
	case access.NoticeQuarantineAdmin:
		return QuarantineAdmin(n, admins)
	}
	return nil, fmt.Errorf("notice: unknown notice kind %q", k)
}

// ErrNoAdminRecipients: the admin mail has no valid recipient.
var ErrNoAdminRecipients = errors.New("notice: no valid admin mail recipient")

// QuarantineUser is the mail Exchange puts in the owner's Inbox when
// the device becomes Quarantined; it is also the one item a quarantined
// device can sync (2.1).
//
// UserMailInsert goes in unescaped, as Exchange inserts it, so that admins
// (and vendors such as Entrust) can put links in it. The consequence:
// whatever HTML the organization setting holds reaches the user's mail
// verbatim — markup that does not balance breaks the rest of the body, and
// anyone who can run Set-ActiveSyncOrganizationSettings can inject script
// or phishing links into every user's notice. Mail clients that run no
// script limit the harm; the simulator reproduces it, it does not fix it.
func QuarantineUser(n Device) ([]byte, error) {
	t := textsFor(n.Language)
	return userMail(n, t, access.Quarantined, t.quarantineSubject, t.quarantineBody, "quarantine", n.UserMailInsert)
}

// BlockedUser is the mail Exchange puts in the owner's Inbox when the
// device becomes Blocked (by a rule, the personal block list or the
// default access level). UserMailInsert is raw, as in QuarantineUser.
func BlockedUser(n Device) ([]byte, error) {
	t := textsFor(n.Language)
	return userMail(n, t, access.Blocked, t.blockedSubject, t.blockedBody, "blocked", n.UserMailInsert)
}

// DiscoveryUser is Exchange's DeviceDiscovery template. Exchange never
// sends it (access.Notices never selects it); it is here for completeness. Its
// table leaves out model, OS and IMEI, which discovery has not learnt.
func DiscoveryUser(n Device) ([]byte, error) {
	t := textsFor(n.Language)
	return userMail(n, t, access.DeviceDiscovery, t.discoverySubject, t.discoveryBody, "discovery", n.UserMailInsert)
}

// AutoblockUser is the mail Exchange puts in the owner's Inbox when the
// device is autoblocked (AccessStateReason one of the autoblock reasons)
// and the EnableNotificationEmail threshold is on: the blocking sentence
// with the hours left, (int)blockTime.TotalHours + 1; the threshold's
// AdminEmailInsert, raw, in its own paragraph; the device table of the
// user mails; "Sent at" (S1 ABQMailHelper.ConstructAutoBlockNotificationMail,
// exchange-admin.md 3.1, 4.9). Whether a transition sends it is the
// caller's (S1 Command.ShouldSendAutoBlockNotificationMail).
func AutoblockUser(n Device, blockTime time.Duration, adminEmailInsert string) ([]byte, error) {
	t := textsFor(n.Language)
	hours := int(blockTime.Hours()) + 1
	return userMail(n, t, access.Blocked, t.autoblockSubject, format(t.autoblockBody, strconv.Itoa(hours)), "autoblock", adminEmailInsert)
}

// QuarantineAdmin is the mail Exchange sends through transport to the
// organization's AdminMailRecipients when a device becomes Quarantined.
// To holds the valid SMTP addresses among admins (invalid ones are skipped,
// as Exchange skips them; none is ErrNoAdminRecipients); the "Sent at"
// line lists all of them, each followed by a comma, as Exchange writes it
// ("to a@contoso.com,b@contoso.com,"). The body links once to the user's
// mobile devices page in ECP, <ECP URL>/UsersGroups/EditMobileMailbox.aspx
// ?id=<MailboxGuid>&dtm=Isolation — the href unescaped, raw "&" included,
// as Exchange writes it — or, with no ECP URL, says where to look instead.
// The phone number is masked (MaskPhoneNumber).
func QuarantineAdmin(n Device, admins []string) ([]byte, error) {
	to := validAdminRecipients(admins)
	if len(to) == 0 {
		return nil, ErrNoAdminRecipients
	}
	t := textsFor(n.ServerLanguage)
	h, err := n.header(t, "admin", format(t.adminSubject, n.DisplayName, n.Alias), to)
	if err != nil {
		return nil, err
	}
	var b body
	b.para(t.adminBody)
	if n.ECPURL == "" {
		b.para(t.adminNoECP)
	} else {
		link, err := ecpMobileDevicesURL(n.ECPURL, n.MailboxGuid)
		if err != nil {
			return nil, err
		}
		// string.Format(HtmlEncode(AdminMailBody4), "<a href=...>")
		b.rawPara(format(htmlEncode(t.adminLink), `<a href="`+link+`">`+link+`</a>`), format(t.adminLink, link))
	}
	state := n.AccessState
	if state == access.Unknown {
		state = access.Quarantined
	}
	policyStatus := n.PolicyStatus
	if policyStatus == "" {
		policyStatus = "Unknown"
	}
	b.table(t.adminTableHeading, []row{
		{t.user, n.PrimarySmtpAddress},
		{t.deviceModel, n.model()},
		{t.deviceType, n.DeviceType},
		{t.deviceID, n.DeviceID},
		{t.deviceOS, n.DeviceOS},
		{t.deviceUserAgent, n.UserAgent},
		{t.devicePhoneNumber, MaskPhoneNumber(n.PhoneNumber)},
		{t.deviceIMEI, n.DeviceIMEI},
		{t.easVersion, n.EASVersion},
		{t.policyApplied, n.PolicyApplied},
		{t.policyStatus, policyStatus},
		{t.accessState, state.String()},
		{t.accessStateReason, n.AccessStateReason.String()},
		{t.accessControlRule, n.AccessControlRule},
	})
	var list strings.Builder
	for _, a := range admins {
		if a = strings.TrimSpace(a); a != "" {
			list.WriteString(a + ",")
		}
	}
	b.para(n.sentAt(t, list.String()))
	return writeNotice(h, b, false)
}

// MaxDevicesUser is the mail Exchange posts to the owner's Inbox, with
// high importance, when a new device is refused with status 177 because
// the mailbox already has limit (EasMaxDevices) partnerships; count is how
// many it has (exchange-admin.md 2.4; S1 ADDeviceManager). Exchange sends
// it at most once per 24 hours per mailbox; that is the caller's to track.
// The body is a single paragraph, without a device table.
func MaxDevicesUser(n Device, count, limit int) ([]byte, error) {
	t := textsFor(n.Language)
	h, err := n.header(t, "maxdevices", t.maxDevicesSubject, []*mail.Address{n.owner()})
	if err != nil {
		return nil, err
	}
	var b body
	b.para(format(t.maxDevicesBody, strconv.Itoa(count), strconv.Itoa(limit)))
	return writeNotice(h, b, true)
}

// userMail builds one of the user notices; insert is the organization's
// (or the autoblock threshold's) raw HTML paragraph.
func userMail(n Device, t *texts, kindState access.State, subject, text, kind, insert string) ([]byte, error) {
	h, err := n.header(t, kind, subject, []*mail.Address{n.owner()})
	if err != nil {
		return nil, err
	}
	state := n.AccessState
	if state == access.Unknown {
		state = kindState
	}
	var b body
	b.para(text)
	if insert != "" {
		b.rawPara(insert, htmlToText(insert))
	}
	var rows []row
	if kindState == access.DeviceDiscovery {
		rows = []row{
			{t.deviceType, n.DeviceType},
			{t.deviceID, n.DeviceID},
			{t.deviceUserAgent, n.UserAgent},
			{t.easVersion, n.EASVersion},
			{t.accessState, state.String()},
			{t.accessStateReason, n.AccessStateReason.String()},
		}
	} else {
		rows = []row{
			{t.deviceModel, n.model()},
			{t.deviceType, n.DeviceType},
			{t.deviceID, n.DeviceID},
			{t.deviceOS, n.DeviceOS},
			{t.deviceUserAgent, n.UserAgent},
			{t.deviceIMEI, n.DeviceIMEI},
			{t.easVersion, n.EASVersion},
			{t.accessState, state.String()},
			{t.accessStateReason, n.AccessStateReason.String()},
		}
	}
	b.table(t.userTableHeading, rows)
	b.para(n.sentAt(t, n.PrimarySmtpAddress))
	return writeNotice(h, b, false)
}

func (n *Device) model() string {
	if n.DeviceModel == "" {
		return n.DeviceType
	}
	return n.DeviceModel
}

func (n *Device) owner() *mail.Address {
	return &mail.Address{Name: n.DisplayName, Address: n.PrimarySmtpAddress}
}

// sentAt is the last line, ABQMailBodySentAt ("Sent at {0} to {1}."): the
// server's local time in the culture's "G" format (.NET
// ExDateTime.Now.ToString(culture): "11/23/2026 9:05:09 AM" in en-US).
func (n *Device) sentAt(t *texts, to string) string {
	loc := n.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	return format(t.sentAt, n.Time.In(loc).Format(t.dateLayout), to)
}

// header builds the message header common to all notices.
func (n *Device) header(t *texts, kind, subject string, to []*mail.Address) (mail.Header, error) {
	var h mail.Header
	if _, err := mail.ParseAddress(n.PrimarySmtpAddress); err != nil || strings.ContainsAny(n.PrimarySmtpAddress, "<> ") {
		return h, fmt.Errorf("notice: invalid PrimarySmtpAddress %q", n.PrimarySmtpAddress)
	}
	if n.Time.IsZero() {
		return h, errors.New("notice: no Time")
	}
	domain := n.OrgDomain
	if domain == "" {
		domain = n.PrimarySmtpAddress[strings.LastIndexByte(n.PrimarySmtpAddress, '@')+1:]
	}
	from := n.Sender
	if from == nil {
		from = SystemSender(domain)
	}
	host := n.ServerFQDN
	if host == "" {
		host = domain
	}
	loc := n.TimeZone
	if loc == nil {
		loc = time.UTC
	}

	// Message-ID like Exchange's, "<32 hex digits@server FQDN>", the digits
	// a digest of what makes this mail unique, so that building is pure.
	d := sha256.New()
	for _, s := range []string{kind, n.MailboxGuid, n.PrimarySmtpAddress, n.DeviceType, n.DeviceID,
		n.AccessState.String(), n.AccessStateReason.String(), strconv.FormatInt(n.Time.UnixNano(), 10)} {
		d.Write([]byte(s))
		d.Write([]byte{0})
	}
	for _, a := range to {
		d.Write([]byte(a.Address))
		d.Write([]byte{0})
	}
	id := hex.EncodeToString(d.Sum(nil)[:16])

	h.SetAddressList("From", []*mail.Address{from})
	h.SetAddressList("To", to)
	h.SetSubject(subject)
	h.SetDate(n.Time.In(loc))
	h.SetMessageID(id + "@" + host)
	h.Set("Content-Language", t.culture)
	return h, nil
}

// validAdminRecipients returns the addresses of admins that Exchange keeps
// (access.AdminRecipients), as mail addresses.
func validAdminRecipients(admins []string) []*mail.Address {
	var out []*mail.Address
	for _, s := range access.AdminRecipients(admins) {
		out = append(out, &mail.Address{Address: s})
	}
	return out
}

// ecpMobileDevicesURL is the admin mail's link: the ECP base joined with
// UsersGroups/EditMobileMailbox.aspx?id=<guid>&dtm=Isolation, as Exchange
// joins them (one slash between). The base must be an absolute http(s) URL
// without query or fragment; the result is percent-encoded, so it holds no
// character that needs escaping inside a quoted href (only the raw "&",
// which HTML tolerates and Exchange writes).
func ecpMobileDevicesURL(base, mailboxGuid string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, `"'<> `) {
		return "", fmt.Errorf("notice: invalid ECP URL %q", base)
	}
	guid := strings.ToLower(strings.Trim(strings.TrimSpace(mailboxGuid), "{}"))
	if guid == "" {
		return "", errors.New("notice: no MailboxGuid for the ECP link")
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	return u.Scheme + "://" + u.Host + path + "/UsersGroups/EditMobileMailbox.aspx?id=" +
		url.QueryEscape(guid) + "&dtm=Isolation", nil
}
