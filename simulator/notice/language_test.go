package notice

import (
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator/access"
)

// The autoblock mail (S1 ABQMailHelper.ConstructAutoBlockNotificationMail,
// exchange-admin.md 3.1, 3.2, 4.9): AutoBlockedMailSubject and
// AutoBlockedMailBody1 with (int)blockTime.TotalHours + 1 hours, the
// threshold's AdminEmailInsert raw, the user device table, "Sent at".
func TestAutoblockUser(t *testing.T) {
	n := abqNotice()
	n.AccessState, n.AccessStateReason = access.Blocked, access.ReasonUserAgentsChanges
	raw, err := AutoblockUser(n, 14*time.Hour, `Call <b>the help desk</b>.`)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkHeader(t, p, n, "Your device has been temporarily blocked from accessing your Exchange account.", []string{"zoe.obrien@contoso.com"})
	ps := paragraphs(p.m.HTML)
	if len(ps) != 4 {
		t.Fatalf("%d paragraphs, want 4: %q", len(ps), ps)
	}
	if want := "Your mobile device has been blocked from accessing your server via Exchange ActiveSync because it&#39;s causing excessive load on the server. This is most likely due to an email client implementation issue on your mobile device. It will continue to be blocked for up to 15 hours."; ps[0] != want {
		t.Errorf("first paragraph = %q, want %q", ps[0], want)
	}
	if ps[1] != `Call <b>the help desk</b>.` {
		t.Errorf("AdminEmailInsert paragraph = %q", ps[1])
	}
	if strings.Contains(p.m.HTML, "mfa.example") {
		t.Error("the autoblock mail carries the UserMailInsert, not the threshold's AdminEmailInsert")
	}
	checkRows(t, p.m.HTML, "Information about your mobile device:", userDeviceRows("Blocked", "UserAgentsChanges"))
	// Under an hour left: "up to 1 hours", as Exchange's arithmetic gives.
	raw, _ = AutoblockUser(n, 10*time.Minute, "")
	if ps := paragraphs(parseNotice(t, raw).m.HTML); len(ps) != 3 || !strings.HasSuffix(ps[0], "for up to 1 hours.") {
		t.Errorf("paragraphs = %q", ps)
	}
}

// The user mails follow the mailbox's preferred culture, the admin mail the
// server's (S1 ABQMailHelper: Strings.X.ToString(mailboxSession.PreferedCulture)
// for the user, EASServerStrings without a culture for the admin;
// exchange-admin.md 3.2). The German strings are UNCONFIRMED translations.
func TestNoticeLanguages(t *testing.T) {
	n := abqNotice()
	n.Language = "de-DE"
	raw, err := QuarantineUser(n)
	if err != nil {
		t.Fatal(err)
	}
	p := parseNotice(t, raw)
	checkHeader(t, p, n, german.quarantineSubject, []string{"zoe.obrien@contoso.com"})
	if v := p.h.Get("Content-Language"); v != "de-DE" {
		t.Errorf("Content-Language = %q", v)
	}
	ps := paragraphs(p.m.HTML)
	if len(ps) != 4 || !strings.HasPrefix(ps[0], "Ihr mobiles Gerät ist vorübergehend") || ps[1] != n.UserMailInsert {
		t.Errorf("paragraphs = %q", ps)
	}
	if !strings.HasPrefix(ps[2], "Informationen zu Ihrem mobilen Gerät:<table><tr><td>Gerätemodell:</td>") {
		t.Errorf("table = %q", ps[2])
	}
	// .NET's de-DE general pattern, in the server's zone (EST).
	if want := "Gesendet am 23.11.2026 09:05:09 an zoe.obrien@contoso.com."; ps[3] != want {
		t.Errorf("last paragraph = %q, want %q", ps[3], want)
	}

	// Each user mail, in German.
	for name, build := range map[string]func(Device) ([]byte, error){
		"blocked":    BlockedUser,
		"discovery":  DiscoveryUser,
		"autoblock":  func(n Device) ([]byte, error) { return AutoblockUser(n, time.Hour, "") },
		"maxdevices": func(n Device) ([]byte, error) { return MaxDevicesUser(n, 3, 3) },
	} {
		raw, err := build(n)
		if err != nil {
			t.Fatal(name, err)
		}
		p := parseNotice(t, raw)
		if p.h.Get("Content-Language") != "de-DE" || strings.Contains(p.m.HTML, "Your ") || strings.Contains(p.m.HTML, "Sent at") {
			t.Errorf("%s mail is not German: %s", name, p.m.HTML)
		}
	}

	// The admin mail is the server's: English whatever the mailbox's.
	raw, err = QuarantineAdmin(n, []string{"admin@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	p = parseNotice(t, raw)
	if p.m.Subject != QuarantineAdminSubject("Zoë O'Brien", "zobrien") || p.h.Get("Content-Language") != "en-US" {
		t.Errorf("admin mail of an en-US server: %q %q", p.m.Subject, p.h.Get("Content-Language"))
	}
	n.ServerLanguage = "de-DE"
	raw, _ = QuarantineAdmin(n, []string{"admin@contoso.com"})
	p = parseNotice(t, raw)
	if p.m.Subject != "Ein Gerät von Zoë O'Brien (zobrien) wurde unter Quarantäne gestellt. Exchange ActiveSync wird blockiert, bis Sie eine Aktion ausführen." ||
		!strings.Contains(p.m.HTML, "auszuführen: <a href=") || !strings.Contains(p.m.HTML, "<td>Benutzer:</td><td>zoe.obrien@contoso.com</td>") {
		t.Errorf("admin mail of a de-DE server: %q\n%s", p.m.Subject, p.m.HTML)
	}

	// Any German culture is German; anything else falls back to en-US.
	for culture, want := range map[string]*texts{"de": &german, "DE-at": &german, "": &english, "fr-FR": &english, "dex": &english} {
		if got := textsFor(culture); got != want {
			t.Errorf("textsFor(%q) = %s", culture, got.culture)
		}
	}
}

func TestFormatOnePass(t *testing.T) {
	if got := format("A device that belongs to {0} ({1}).", "Eve {1}", "eve"); got != "A device that belongs to Eve {1} (eve)." {
		t.Errorf("format = %q", got)
	}
	if got := format("{0} {2}", "a"); got != "a {2}" {
		t.Errorf("format with a missing argument = %q", got)
	}
}

// TestStateOfSubject: a device reads its state from the subject of the
// notice in its Inbox, in every language the notices are written in.
func TestStateOfSubject(t *testing.T) {
	for _, c := range []struct {
		subject string
		want    access.State
		ok      bool
	}{
		{QuarantineSubject, access.Quarantined, true},
		{DiscoverySubject, access.DeviceDiscovery, true},
		{BlockedSubject, access.Blocked, true},
		{german.quarantineSubject, access.Quarantined, true},
		{" " + german.discoverySubject + "\n", access.DeviceDiscovery, true},
		{"Lunch on Friday?", 0, false},
		{AutoblockSubject, 0, false}, // a state of the user's devices, not this one's
	} {
		got, ok := StateOfSubject(c.subject)
		if got != c.want || ok != c.ok {
			t.Errorf("StateOfSubject(%q) = %v, %v; want %v, %v", c.subject, got, ok, c.want, c.ok)
		}
	}
}
