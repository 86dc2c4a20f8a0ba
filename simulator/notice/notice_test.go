package notice

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator/access"
	"github.com/emersion/go-message/mail"
)

// abqNotice is a quarantined iPhone of a mailbox whose display name needs
// encoding, with a model that must be escaped and an insert that must not.
func abqNotice() Device {
	return Device{
		DisplayName:        "Zoë O'Brien",
		Alias:              "zobrien",
		PrimarySmtpAddress: "zoe.obrien@contoso.com",
		MailboxGuid:        "{7B861443-E692-470C-8896-04757173EE51}",
		DeviceModel:        `iPhone<script>alert("x")</script>`,
		DeviceType:         "iPhone",
		DeviceID:           "3IEK5DBJEL4AF295R1944R75S8",
		DeviceOS:           "iOS 14.1 18A8395",
		UserAgent:          "Apple-iPhone11C2/1801.8395",
		DeviceIMEI:         "356938035643809",
		PhoneNumber:        " +1 (425) 555-0123 ",
		EASVersion:         "16.1",
		PolicyApplied:      "Default",
		PolicyStatus:       "AppliedInFull",
		AccessState:        access.Quarantined,
		AccessStateReason:  access.ReasonDeviceRule,
		AccessControlRule:  "iPhone (DeviceType)",
		UserMailInsert:     `Approve it at <a href="https://mfa.example/approve?d=1&u=2">the portal</a> & <b>wait</b>.`,
		ECPURL:             "https://mail.contoso.com/ecp/",
		Time:               time.Date(2026, 11, 23, 14, 5, 9, 0, time.UTC),
		TimeZone:           time.FixedZone("EST", -5*3600),
	}
}

// readMail is what the tests read of a notice: the fields the simulator's
// ParseMail reads when it posts a notice to an Inbox (simulator/mime.go).
// That ParseMail reads the same bodies as go-message is checked in the
// simulator (notice_test.go there).
type readMail struct {
	Subject     string
	From, To    []*mail.Address
	Date        time.Time
	MessageID   string
	Plain, HTML string
}

// parsedNotice is a generated message read back with go-message.
type parsedNotice struct {
	m        *readMail   // the header fields, the first plain and HTML parts
	h        mail.Header // go-message, top level
	partCT   []string    // go-message, parts' Content-Type
	partBody []string
}

func parseNotice(t *testing.T, raw []byte) parsedNotice {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.CreateReader: %v\n%s", err, raw)
	}
	defer r.Close()
	m := &readMail{}
	m.Subject, _ = r.Header.Subject()
	m.From, _ = r.Header.AddressList("From")
	m.To, _ = r.Header.AddressList("To")
	m.Date, _ = r.Header.Date()
	m.MessageID, _ = r.Header.MessageID()
	p := parsedNotice{m: m, h: r.Header}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart: %v", err)
		}
		ih, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("part is not inline: %v", part.Header)
		}
		ct, params, err := ih.ContentType()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(part.Body)
		p.partCT = append(p.partCT, ct+"; charset="+params["charset"])
		p.partBody = append(p.partBody, string(body))
		switch {
		case ct == "text/html" && m.HTML == "":
			m.HTML = string(body)
		case ct == "text/plain" && m.Plain == "":
			m.Plain = string(body)
		}
	}
	// Every line of the raw message is CRLF-terminated and at most 998
	// characters (RFC 5322 2.1.1).
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") || len(line) > 998 {
			t.Fatalf("raw line %d is not a proper line: %q", i, line)
		}
	}
	return p
}

var abqMessageID = regexp.MustCompile(`^[0-9a-f]{32}@[a-z0-9.-]+$`)

// checkHeader checks what every notice has.
func checkHeader(t *testing.T, p parsedNotice, n Device, subject string, to []string) {
	t.Helper()
	m := p.m
	if m.Subject != subject {
		t.Errorf("Subject = %q, want %q", m.Subject, subject)
	}
	if len(m.From) != 1 || m.From[0].Name != "Microsoft Outlook" ||
		m.From[0].Address != "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com" {
		t.Errorf("From = %v", m.From)
	}
	var got []string
	for _, a := range m.To {
		got = append(got, a.Address)
	}
	if !slices.Equal(got, to) {
		t.Errorf("To = %v, want %v", got, to)
	}
	if !m.Date.Equal(n.Time) {
		t.Errorf("Date = %v, want %v", m.Date, n.Time)
	}
	if _, off := m.Date.Zone(); off != -5*3600 {
		t.Errorf("Date is not in the server's zone: %v", m.Date)
	}
	if !abqMessageID.MatchString(m.MessageID) {
		t.Errorf("Message-ID = %q", m.MessageID)
	}
	if v := p.h.Get("Mime-Version"); v != "1.0" {
		t.Errorf("MIME-Version = %q", v)
	}
	if ct, _, _ := p.h.ContentType(); ct != "multipart/alternative" {
		t.Errorf("Content-Type = %q", ct)
	}
	if want := []string{"text/plain; charset=utf-8", "text/html; charset=utf-8"}; !slices.Equal(p.partCT, want) {
		t.Errorf("parts = %v, want %v", p.partCT, want)
	}
	if !strings.HasPrefix(m.HTML, "<html><style>") || !strings.HasSuffix(m.HTML, "</body></html>") {
		t.Errorf("HTML is not a document: %.80q", m.HTML)
	}
}

// checkRows checks that the HTML holds the table rows in this order, each
// label with its escaped value, and nothing else in the table.
func checkRows(t *testing.T, htmlBody, heading string, rows [][2]string) {
	t.Helper()
	var want strings.Builder
	want.WriteString("<p>" + heading + "<table>")
	for _, r := range rows {
		want.WriteString("<tr><td>" + r[0] + "</td><td>" + r[1] + "</td></tr>")
	}
	want.WriteString("</table></p>")
	if !strings.Contains(htmlBody, want.String()) {
		t.Errorf("table not found\nwant %s\nin   %s", want.String(), htmlBody)
	}
}

// paragraphs returns the <p> paragraphs of the body, the table's included.
func paragraphs(htmlBody string) []string {
	htmlBody = htmlBody[strings.Index(htmlBody, "<body>")+len("<body>") : strings.LastIndex(htmlBody, "</body>")]
	var out []string
	for _, p := range strings.Split(htmlBody, "</p><p>") {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(p, "<p>"), "</p>"))
	}
	return out
}

const escapedModel = "iPhone&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"

func TestQuarantineUser(t *testing.T) {
	n := abqNotice()
	raw, err := QuarantineUser(n)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkHeader(t, p, n, "Your mobile device is temporarily blocked from synchronizing using Exchange ActiveSync until your administrator grants it access.", []string{"zoe.obrien@contoso.com"})
	if p.m.To[0].Name != "Zoë O'Brien" {
		t.Errorf("To name = %q", p.m.To[0].Name)
	}
	if p.h.Get("Importance") != "" || p.h.Get("X-Priority") != "" {
		t.Error("user notice has an importance")
	}
	h := p.m.HTML
	if strings.Contains(h, "<script>") {
		t.Error("device model not escaped")
	}
	checkRows(t, h, "Information about your mobile device:", userDeviceRows("Quarantined", "DeviceRule"))
	ps := paragraphs(h)
	if len(ps) != 4 {
		t.Fatalf("%d paragraphs, want 4: %q", len(ps), ps)
	}
	if !strings.HasPrefix(ps[0], "Your mobile device is temporarily blocked from accessing content via Exchange ActiveSync") ||
		!strings.Contains(ps[0], "You don&#39;t need to take any action.") {
		t.Errorf("first paragraph = %q", ps[0])
	}
	if ps[1] != n.UserMailInsert {
		t.Errorf("UserMailInsert paragraph = %q, want it raw %q", ps[1], n.UserMailInsert)
	}
	// ABQMailBodySentAt, "Sent at {0} to {1}." (S1 Strings.resources).
	if want := "Sent at 11/23/2026 9:05:09 AM to zoe.obrien@contoso.com."; ps[3] != want {
		t.Errorf("last paragraph = %q, want %q", ps[3], want)
	}
	// The plain alternative carries the same content as text.
	for _, s := range []string{"Information about your mobile device:\n", "Device model:\t" + n.DeviceModel + "\n",
		"Approve it at the portal & wait.", "Sent at 11/23/2026 9:05:09 AM to zoe.obrien@contoso.com"} {
		if !strings.Contains(strings.ReplaceAll(p.m.Plain, "\r\n", "\n"), s) {
			t.Errorf("plain part lacks %q:\n%s", s, p.m.Plain)
		}
	}

	// Pure: the same notice gives the same bytes; another time, another id.
	again, _ := QuarantineUser(n)
	if !bytes.Equal(raw, again) {
		t.Error("QuarantineUser is not deterministic")
	}
	n.Time = n.Time.Add(time.Second)
	later, _ := QuarantineUser(n)
	if pl := parseNotice(t, later); pl.m.MessageID == p.m.MessageID {
		t.Error("Message-ID does not change with the time")
	}
}

func TestUserMailWithoutInsertOrDeviceInformation(t *testing.T) {
	// A device that sent no DeviceInformation (TbSync against EXO, S12):
	// model falls back to the type, empty cells stay empty; no insert, no
	// insert paragraph. AccessState Unknown prints the mail's own state.
	n := Device{
		PrimarySmtpAddress: "tb@contoso.com",
		DeviceType:         "TbSync",
		DeviceID:           "mztb3155420189c6520c9209fb197903",
		UserAgent:          "Thunderbird ActiveSync Lightning/6.2",
		EASVersion:         "14.0",
		AccessStateReason:  access.ReasonGlobal,
		Time:               time.Date(2018, 9, 25, 22, 0, 0, 0, time.UTC),
	}
	raw, err := QuarantineUser(n)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkRows(t, p.m.HTML, "Information about your mobile device:", [][2]string{
		{"Device model:", "TbSync"},
		{"Device type:", "TbSync"},
		{"Device ID:", "mztb3155420189c6520c9209fb197903"},
		{"Device OS:", ""},
		{"Device user agent:", "Thunderbird ActiveSync Lightning/6.2"},
		{"Device IMEI:", ""},
		{"Exchange ActiveSync version:", "14.0"},
		{"Device access state:", "Quarantined"},
		{"Device access state reason:", "Global"},
	})
	if ps := paragraphs(p.m.HTML); len(ps) != 3 {
		t.Errorf("%d paragraphs, want 3 (no insert): %q", len(ps), ps)
	}
	if p.m.To[0].Name != "" || p.m.To[0].Address != "tb@contoso.com" {
		t.Errorf("To = %v", p.m.To[0])
	}
	if want := "Sent at 9/25/2018 10:00:00 PM to tb@contoso.com."; !strings.Contains(p.m.HTML, "<p>"+want+"</p>") {
		t.Errorf("no %q (UTC default) in %s", want, p.m.HTML)
	}
}

func TestBlockedUser(t *testing.T) {
	n := abqNotice()
	n.AccessState = access.Blocked
	n.AccessStateReason = access.ReasonIndividual
	raw, err := BlockedUser(n)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkHeader(t, p, n, "Your mobile device has been denied access to the server via Exchange ActiveSync because of server policies.", []string{"zoe.obrien@contoso.com"})
	checkRows(t, p.m.HTML, "Information about your mobile device:", userDeviceRows("Blocked", "Individual"))
	ps := paragraphs(p.m.HTML)
	// AccessBlockedMailBody1 (S1 Strings.resources); a real 2010 mail has
	// the same sentence with "phone" (nylas/sync-engine issue 244).
	if len(ps) != 4 || ps[1] != n.UserMailInsert || ps[0] != "Your mobile device won&#39;t be able to synchronize with the server via Exchange ActiveSync because of an access policy defined on the server." {
		t.Errorf("paragraphs = %q", ps)
	}
}

func TestDiscoveryUser(t *testing.T) {
	n := abqNotice()
	n.AccessState = access.DeviceDiscovery
	n.AccessStateReason = access.ReasonGlobal
	raw, err := DiscoveryUser(n)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkHeader(t, p, n, "Your device is temporarily blocked from synchronizing with the server until it is identified.", []string{"zoe.obrien@contoso.com"})
	checkRows(t, p.m.HTML, "Information about your mobile device:", [][2]string{
		{"Device type:", "iPhone"},
		{"Device ID:", "3IEK5DBJEL4AF295R1944R75S8"},
		{"Device user agent:", "Apple-iPhone11C2/1801.8395"},
		{"Exchange ActiveSync version:", "16.1"},
		{"Device access state:", "DeviceDiscovery"},
		{"Device access state reason:", "Global"},
	})
	for _, s := range []string{"Device model:", "Device OS:", "Device IMEI:", "script"} {
		if strings.Contains(p.m.HTML, s) {
			t.Errorf("discovery mail shows %q", s)
		}
	}
}

func TestQuarantineAdmin(t *testing.T) {
	n := abqNotice()
	admins := []string{"admin@contoso.com", "not an address", " helpdesk@contoso.com "}
	raw, err := QuarantineAdmin(n, admins)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkHeader(t, p, n,
		"A device that belongs to Zoë O'Brien (zobrien) has been quarantined. Exchange ActiveSync will be blocked until you take action.",
		[]string{"admin@contoso.com", "helpdesk@contoso.com"})
	h := p.m.HTML
	if strings.Contains(h, "<script>") {
		t.Error("device model not escaped")
	}
	if strings.Contains(h, "mfa.example") {
		t.Error("admin mail carries the UserMailInsert")
	}
	// AdminMailDeviceInformation (S1 EASServerStrings.resources).
	checkRows(t, h, "Information about the device that triggered this notice:", [][2]string{
		{"User:", "zoe.obrien@contoso.com"},
		{"Device model:", escapedModel},
		{"Device type:", "iPhone"},
		{"Device ID:", "3IEK5DBJEL4AF295R1944R75S8"},
		{"Device OS:", "iOS 14.1 18A8395"},
		{"Device user agent:", "Apple-iPhone11C2/1801.8395"},
		{"Device phone number:", "*************0123"},
		{"Device IMEI:", "356938035643809"},
		{"Exchange ActiveSync version:", "16.1"},
		{"Device policy applied:", "Default"},
		{"Device policies status:", "AppliedInFull"},
		{"Device access state:", "Quarantined"},
		{"Device access state reason:", "DeviceRule"},
		{"Device access control rule:", "iPhone (DeviceType)"},
	})
	const link = "https://mail.contoso.com/ecp/UsersGroups/EditMobileMailbox.aspx?id=7b861443-e692-470c-8896-04757173ee51&dtm=Isolation"
	ps := paragraphs(h)
	if len(ps) != 4 {
		t.Fatalf("%d paragraphs, want 4: %q", len(ps), ps)
	}
	if ps[0] != "The Exchange ActiveSync service has quarantined the mobile device listed below. It won&#39;t be able to synchronize Exchange content until you take action." {
		t.Errorf("first paragraph = %q", ps[0])
	}
	// AdminMailBody4 with the link as ABQMailHelper formats it.
	if ps[1] != `To perform an action for this mobile device, go to the following page in the Exchange Administration Center: <a href="`+link+`">`+link+`</a>` {
		t.Errorf("link paragraph = %q", ps[1])
	}
	if strings.Count(h, "<a ") != 1 || strings.Count(h, "href=") != 1 {
		t.Error("admin mail must have exactly one link")
	}
	if want := "Sent at 11/23/2026 9:05:09 AM to admin@contoso.com,not an address,helpdesk@contoso.com,."; ps[3] != want {
		t.Errorf("last paragraph = %q, want %q", ps[3], want)
	}
	if !strings.Contains(p.m.Plain, link) {
		t.Error("plain part lacks the link")
	}

	// No ECP URL: no link, the fallback sentence.
	n.ECPURL = ""
	raw, err = QuarantineAdmin(n, admins)
	if err != nil {
		t.Fatal(err)
	}
	p = parseNotice(t, raw)
	if strings.Contains(p.m.HTML, "<a ") || !strings.Contains(p.m.HTML, "<p>To perform an action for this device, select the device from among the quarantined devices displayed on the Mobile device access tab in the Exchange Administration Center.</p>") {
		t.Errorf("no-ECP body = %s", p.m.HTML)
	}
}

func TestQuarantineAdminECPURL(t *testing.T) {
	const tail = "/UsersGroups/EditMobileMailbox.aspx?id=7b861443-e692-470c-8896-04757173ee51&dtm=Isolation"
	for base, want := range map[string]string{
		"https://mail.contoso.com/ecp/":     "https://mail.contoso.com/ecp" + tail,
		"https://mail.contoso.com/ecp":      "https://mail.contoso.com/ecp" + tail,
		"http://ex01.contoso.local:444/ecp": "http://ex01.contoso.local:444/ecp" + tail,
		"https://mail.contoso.com/e cp\"/":  "https://mail.contoso.com/e%20cp%22" + tail,
	} {
		got, err := ecpMobileDevicesURL(base, "7B861443-E692-470C-8896-04757173EE51")
		if err != nil || got != want {
			t.Errorf("ecpMobileDevicesURL(%q) = %q, %v; want %q", base, got, err, want)
		}
	}
	n := abqNotice()
	for _, bad := range []string{"mail.contoso.com/ecp", "javascript:alert(1)", "https://mail.contoso.com/ecp?x=1", "https://u:p@mail.contoso.com/ecp"} {
		n.ECPURL = bad
		if _, err := QuarantineAdmin(n, []string{"admin@contoso.com"}); err == nil {
			t.Errorf("ECP URL %q accepted", bad)
		}
	}
	n = abqNotice()
	n.MailboxGuid = ""
	if _, err := QuarantineAdmin(n, []string{"admin@contoso.com"}); err == nil {
		t.Error("ECP link without MailboxGuid accepted")
	}
}

func TestQuarantineAdminNoRecipients(t *testing.T) {
	for _, admins := range [][]string{nil, {}, {"", "nobody", "Admin <admin@contoso.com>"}} {
		if _, err := QuarantineAdmin(abqNotice(), admins); !errors.Is(err, ErrNoAdminRecipients) {
			t.Errorf("admins %q: err = %v, want ErrNoAdminRecipients", admins, err)
		}
	}
}

func TestMaxDevicesUser(t *testing.T) {
	n := abqNotice()
	raw, err := MaxDevicesUser(n, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkHeader(t, p, n, "Problem with your new mobile device partnership", []string{"zoe.obrien@contoso.com"})
	if v := p.h.Get("Importance"); v != "high" {
		t.Errorf("Importance = %q, want high", v)
	}
	if v := p.h.Get("X-Priority"); v != "1" {
		t.Errorf("X-Priority = %q, want 1", v)
	}
	ps := paragraphs(p.m.HTML)
	// MaxDevicesExceededMailBody (S1 Strings.resources).
	if len(ps) != 1 || !strings.HasPrefix(ps[0], "You have 100 device partnerships out of the maximum allowed 100 partnerships. After you reach the maximum,") {
		t.Errorf("paragraphs = %q", ps)
	}
	if strings.Contains(p.m.HTML, "<table>") || strings.Contains(p.m.HTML, "mfa.example") {
		t.Error("max-partnership mail has a table or the insert")
	}
}

func TestNoticeMailSender(t *testing.T) {
	n := abqNotice()
	n.OrgDomain = "fabrikam.com"
	n.ServerFQDN = "EX01.fabrikam.local"
	raw, _ := QuarantineUser(n)
	m := parseNotice(t, raw).m
	if got := m.From[0].Address; got != "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@fabrikam.com" {
		t.Errorf("From = %q", got)
	}
	if !strings.HasSuffix(m.MessageID, "@EX01.fabrikam.local") {
		t.Errorf("Message-ID = %q", m.MessageID)
	}
	n.Sender = &mail.Address{Name: "Postmaster", Address: "postmaster@fabrikam.com"}
	raw, _ = QuarantineUser(n)
	m = parseNotice(t, raw).m
	if m.From[0].Address != "postmaster@fabrikam.com" || m.From[0].Name != "Postmaster" {
		t.Errorf("From = %v", m.From[0])
	}
}

func TestNoticeMailErrors(t *testing.T) {
	for name, mod := range map[string]func(*Device){
		"no address":  func(n *Device) { n.PrimarySmtpAddress = "" },
		"bad address": func(n *Device) { n.PrimarySmtpAddress = "Zoe <zoe@contoso.com>" },
		"no time":     func(n *Device) { n.Time = time.Time{} },
	} {
		n := abqNotice()
		mod(&n)
		if _, err := QuarantineUser(n); err == nil {
			t.Errorf("%s: QuarantineUser accepted", name)
		}
		if _, err := QuarantineAdmin(n, []string{"admin@contoso.com"}); err == nil {
			t.Errorf("%s: QuarantineAdmin accepted", name)
		}
		if _, err := MaxDevicesUser(n, 1, 1); err == nil {
			t.Errorf("%s: MaxDevicesUser accepted", name)
		}
	}
	if _, err := Build("Nope", abqNotice(), nil); err == nil {
		t.Error("Build accepted an unknown kind")
	}
}

func TestMaskPhoneNumberMail(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"123":                 "123",
		"1234":                "1234",
		"12345":               "*2345",
		" 4255550123 ":        "******0123",
		"+1 (425) 555-0123":   "*************0123",
		"+49 30 1234567-ü890": "***************ü890",
	} {
		if got := MaskPhoneNumber(in); got != want {
			t.Errorf("MaskPhoneNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNoticesBuild: every mail access.Notices selects, for every
// transition, reason and admin list, builds and shows the state and reason.
func TestNoticesBuild(t *testing.T) {
	reasons := []access.Reason{51, 52, 53}
	for r := access.ReasonUnknown; r <= access.ReasonCommandFrequency; r++ {
		reasons = append(reasons, r)
	}
	for old := access.Unknown; old <= access.DeviceDiscovery; old++ {
		for nw := access.Unknown; nw <= access.DeviceDiscovery; nw++ {
			for _, r := range reasons {
				for _, ad := range [][]string{nil, {"admin@contoso.com"}} {
					for _, k := range access.Notices(old, nw, r, ad) {
						n := abqNotice()
						n.AccessState, n.AccessStateReason = nw, r
						raw, err := Build(k, n, ad)
						if err != nil {
							t.Fatalf("Build(%s): %v", k, err)
						}
						m := parseNotice(t, raw).m
						if !strings.Contains(m.HTML, fmt.Sprintf("<tr><td>Device access state:</td><td>%v</td></tr><tr><td>Device access state reason:</td><td>%v</td></tr>", nw, r)) {
							t.Errorf("%s for %v/%v: state and reason rows missing", k, nw, r)
						}
					}
				}
			}
		}
	}
}

// userDeviceRows are the device's rows in a user notice about the test
// device, whose access state and reason are state and reason.
func userDeviceRows(state, reason string) [][2]string {
	return [][2]string{
		{"Device model:", escapedModel},
		{"Device type:", "iPhone"},
		{"Device ID:", "3IEK5DBJEL4AF295R1944R75S8"},
		{"Device OS:", "iOS 14.1 18A8395"},
		{"Device user agent:", "Apple-iPhone11C2/1801.8395"},
		{"Device IMEI:", "356938035643809"},
		{"Exchange ActiveSync version:", "16.1"},
		{"Device access state:", state},
		{"Device access state reason:", reason},
	}
}
