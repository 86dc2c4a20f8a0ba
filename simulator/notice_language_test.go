package simulator_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// inboxMail returns the subject and MIME of the Inbox items of a mailbox.
func inboxMail(env *simtest.Env, alias string) map[string]string {
	mb := env.Mailbox(alias)
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	out := map[string]string{}
	for _, it := range mb.Items(inbox.ServerID) {
		out[it.Prop(wbxml.LookupQualified("Email:Subject"))] = string(it.Body.MIME)
	}
	return out
}

// The notices are written in the mailbox's language (Set-Mailbox
// -Languages, Get-Mailbox Languages), the admin mail in the server's, and
// the admin mail links to the mailbox's mobile devices in the simulator's
// own admin center, <ECP URL>UsersGroups/EditMobileMailbox.aspx
// ?id=<MailboxGuid>&dtm=Isolation (exchange-admin.md 3.2; S1
// ABQMailHelper: PreferedCulture for the user mails, EASServerStrings for
// the admin mail, GetUserActiveSyncOptionsPageUrl for the link).
func TestNoticesInTheMailboxLanguage(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine", "AdminMailRecipients": []string{"admin@contoso.com"}})
	// PowerShell binds -Language to -Languages, its unambiguous prefix.
	env.Cmdlet("Set-Mailbox", map[string]any{"Identity": "alice", "Language": "de-de"})
	got := env.Cmdlet("Get-Mailbox", map[string]any{"Identity": "alice"})
	if len(got) != 1 || !slices.Equal(toStrings(got[0]["Languages"]), []string{"de-DE"}) {
		t.Fatalf("Get-Mailbox Languages: %v", got)
	}
	env.Device("alice", "LANG1", eas.Version141).Provision()

	mail := inboxMail(env, "alice")
	const deSubject = "Ihr mobiles Gerät ist vorübergehend für die Synchronisierung über Exchange ActiveSync gesperrt, bis Ihr Administrator den Zugriff gewährt."
	if _, ok := mail[deSubject]; !ok {
		t.Fatalf("no German quarantine notice in alice's Inbox: %v", subjectsOf(mail))
	}
	admin := inboxMail(env, "admin")
	body, ok := admin["A device that belongs to Alice Wilber (alice) has been quarantined. Exchange ActiveSync will be blocked until you take action."]
	if !ok {
		t.Fatalf("no English admin notice: %v", subjectsOf(admin))
	}
	guid := env.Cmdlet("Get-Mailbox", map[string]any{"Identity": "alice"})[0]["ExchangeGuid"].(string)
	host := strings.TrimPrefix(env.URL, "http://")
	link := "http://" + host + "/ecp/UsersGroups/EditMobileMailbox.aspx?id=" + guid + "&dtm=Isolation"
	if !strings.Contains(strings.ReplaceAll(body, "=\r\n", ""), `<a href=3D"`+strings.ReplaceAll(link, "=", "=3D")+`">`) {
		t.Errorf("the admin mail does not link to %s:\n%s", link, body)
	}

	// A server installed in German writes the admin mail in German.
	// "Gesendet am" prints the server's local time (ExDateTime.Now).
	cet := time.FixedZone("CET", 3600)
	env2 := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, ServerLanguage: "de-DE", TimeZone: cet})
	env2.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine", "AdminMailRecipients": []string{"admin@contoso.com"}})
	env2.Device("bob", "LANG2", eas.Version141).Provision()
	deAdmin, ok := inboxMail(env2, "admin")["Ein Gerät von Bob Kelly (bob) wurde unter Quarantäne gestellt. Exchange ActiveSync wird blockiert, bis Sie eine Aktion ausführen."]
	if !ok {
		t.Errorf("no German admin notice from a de-DE server: %v", subjectsOf(inboxMail(env2, "admin")))
	}
	if want := "Gesendet am " + env2.Clock.Now().In(cet).Format("02.01.2006 15:04:05") + " an admin@contoso.com,."; !strings.Contains(strings.ReplaceAll(deAdmin, "=\r\n", ""), want) {
		t.Errorf("the admin mail lacks %q:\n%s", want, deAdmin)
	}

	// Clearing the languages: the notices are English again.
	env.Cmdlet("Set-Mailbox", map[string]any{"Identity": "alice", "Languages": nil})
	if got := env.Cmdlet("Get-Mailbox", map[string]any{"Identity": "alice"}); len(toStrings(got[0]["Languages"])) != 0 {
		t.Errorf("Languages after $null: %v", got[0]["Languages"])
	}
	if _, err := env.Admin.Call(context.Background(), "Set-Mailbox", map[string]any{"Identity": "alice", "Languages": "not a culture"}); err == nil {
		t.Error("Set-Mailbox accepted a value that is not a culture")
	}
}

// Set-Mailbox and Get-Mailbox share the cmdlets over Remote PowerShell.
func TestSetMailboxLanguageOverRemotePowerShell(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")
	res := invoke(t, ps, cmd("Set-Mailbox", arg("Identity", "bob"), arg("Language", "de-DE")))
	if res.Failed != nil || len(res.Errors) > 0 {
		t.Fatalf("Set-Mailbox -Language: %+v %+v", res.Failed, res.Errors)
	}
	res = invoke(t, ps, cmd("Get-Mailbox", arg("Identity", "bob")))
	if res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("Get-Mailbox: %+v %d", res.Failed, len(res.Output))
	}
	v, _ := res.Output[0].(*clixml.Object).Get("Languages")
	if l, ok := v.(*clixml.Object); !ok || len(l.List) != 1 || l.List[0] != "de-DE" {
		t.Errorf("Languages = %#v", v)
	}
}

// The autoblock mail (S1 Command.ShouldSendAutoBlockNotificationMail,
// ABQMailHelper.SendAutoBlockNotificationMail; exchange-admin.md 3.1, 4.9):
// sent to the owner's Inbox when a device becomes autoblocked and the
// EnableNotificationEmail threshold is on, with the behaviour's
// AdminEmailInsert; never when it is off.
func TestAutoblockNotice(t *testing.T) {
	for _, on := range []bool{false, true} {
		env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
		env.Cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", map[string]any{"Identity": "UserAgentsChanges", "BehaviorTypeIncidenceLimit": 2, "BehaviorTypeIncidenceDuration": "01:00:00", "DeviceBlockDuration": "14:00:00", "AdminEmailInsert": "Call <b>the help desk</b>."})
		if on {
			env.Cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", map[string]any{"Identity": "EnableNotificationEmail", "BehaviorTypeIncidenceLimit": 1})
		}
		d := env.Device("alice", "AUTO1", eas.Version141)
		d.Provision()
		d.UserAgent = "Apple-iPhone15C2/2201.2"
		d.FolderSync()
		d.UserAgent = "Apple-iPhone15C2/2201.3"
		d.Post(eas.CommandFolderSync, nil)
		if got := env.AccessState("AUTO1"); got != "Blocked/UserAgentsChanges" {
			t.Fatalf("not autoblocked: %s", got)
		}
		body, sent := inboxMail(env, "alice")["Your device has been temporarily blocked from accessing your Exchange account."]
		if sent != on {
			t.Errorf("EnableNotificationEmail %v: autoblock mail sent %v", on, sent)
		}
		if on && (!strings.Contains(body, "for up to 15 hours.") /* (int)14h + 1 */ || !strings.Contains(body, "Call <b>the help desk</b>.") || !strings.Contains(body, "UserAgentsChanges")) {
			t.Errorf("autoblock mail body:\n%s", body)
		}
		// No second mail while the block lasts.
		d.Post(eas.CommandFolderSync, nil)
		env.Clock.Advance(time.Minute)
		d.Post(eas.CommandFolderSync, nil)
		n := 0
		events, _ := env.Server.Events().Since(0)
		for _, e := range events {
			if e.Kind == simulator.EventMailPosted && e.Subject == simulator.AutoblockNoticeKind {
				n++
			}
		}
		if want := map[bool]int{false: 0, true: 1}[on]; n != want {
			t.Errorf("EnableNotificationEmail %v: %d autoblock mails, want %d", on, n, want)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

func subjectsOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
