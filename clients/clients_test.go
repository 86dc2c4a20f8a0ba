package clients_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/wbxml"
)

var start = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

type env struct {
	srv *simulator.Server
	clk *clock.Manual
	url string
}

// demoDirectory is the demo organization, its content dated at now (the
// time of the server's clock).
func demoDirectory(t interface {
	Helper()
	Fatal(...any)
}, now time.Time) *simulator.Directory {
	t.Helper()
	dir, err := demo.NewDirectory(demo.Password, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewManual(start)
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, clk.Now()), Clock: clk, ErrorResponseDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{srv: srv, clk: clk, url: hs.URL + "/Microsoft-Server-ActiveSync"}
}

func (e *env) device(p clients.Profile, seed uint64) *clients.Device {
	return clients.New(p, clients.Options{BaseURL: e.url, User: "alice@contoso.com", Password: demo.Password, Seed: seed, Clock: e.clk})
}

func (e *env) mailbox(t *testing.T) *simulator.Mailbox {
	_, mb, ok := e.srv.Directory().Resolve("alice")
	if !ok {
		t.Fatal("no alice")
	}
	return mb
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

var idFormats = map[string]string{
	clients.IPhone:       `^[A-Z0-9]{26}$`,
	clients.IPad:         `^[A-Z0-9]{26}$`,
	clients.AOSPEmail:    `^androidc[0-9]+$`,
	clients.Gmail:        `^androidc[0-9]+$`,
	clients.SamsungEmail: `^SEC[0-9A-F]{13}$`,
	clients.Outlook:      `^[0-9a-f]{32}$`,
	clients.WindowsMail:  `^[0-9A-F]{32}$`,
	clients.TbSync:       `^(?i:mztb)[0-9a-f]{28}$`,
	clients.TbSyncLegacy: `^mztb[0-9a-f]{28}$`,
}

func inboxSubjects(d *clients.Device) []string {
	in, ok := d.FolderByType(eas.FolderTypeInbox)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range d.Items(in.ServerId) {
		out = append(out, it.Subject)
	}
	return out
}

func TestEveryProfileSetsUp(t *testing.T) {
	for _, p := range clients.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			e := newEnv(t)
			d := e.device(p, 1)
			if err := d.Setup(ctx(t)); err != nil {
				t.Fatalf("setup: %v\n%s", err, d.Transcript())
			}
			subs := inboxSubjects(d)
			if len(subs) != 4 {
				t.Fatalf("inbox has %d items %q, want alice's 4\n%s", len(subs), subs, d.Transcript())
			}
			if !regexp.MustCompile(idFormats[p.Name]).MatchString(d.DeviceID) {
				t.Errorf("DeviceId %q does not match %s", d.DeviceID, idFormats[p.Name])
			}
			tr := d.Transcript().String()
			for _, want := range []string{"User-Agent: " + p.UserAgent, "DeviceType=" + p.DeviceType, "DeviceId=" + d.DeviceID} {
				if !strings.Contains(tr, want) {
					t.Errorf("transcript lacks %q", want)
				}
			}
			if p.Name == clients.IPhone {
				ents := d.Transcript().Entries()
				if ents[0].Method != "OPTIONS" || !strings.Contains(ents[1].URL, "Cmd=Provision") {
					t.Fatalf("first requests %s %s, %s, want OPTIONS then Provision", ents[0].Method, ents[0].URL, ents[1].URL)
				}
				if !strings.Contains(tr, "<DeviceInformation") || !strings.Contains(tr, "<Model>iPhone15C2</Model>") {
					t.Errorf("no DeviceInformation in Provision:\n%s", tr)
				}
				if strings.Contains(tr, "Cmd=Settings") {
					t.Errorf("iPhone sent Settings")
				}
			}
		})
	}
}

func TestTbSyncLegacyStaysInDiscovery(t *testing.T) {
	e := newEnv(t)
	e.srv.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) {
		s.DefaultAccessLevel = access.LevelQuarantine
	})
	p, _ := clients.ProfileByName(clients.TbSyncLegacy)
	d := e.device(p, 2)
	if err := d.Setup(ctx(t)); err != nil {
		t.Fatalf("setup: %v", err)
	}
	tr := d.Transcript().String()
	if !strings.Contains(tr, "Cmd=Sync") {
		t.Fatalf("the device never synced:\n%s", tr)
	}
	if strings.Contains(tr, "DeviceInformation") {
		t.Errorf("legacy TbSync sent DeviceInformation:\n%s", tr)
	}
	var found bool
	for _, dev := range e.mailbox(t).Devices() {
		if dev.DeviceID == d.DeviceID {
			found = true
			if dev.DeviceAccessState != access.DeviceDiscovery {
				t.Errorf("state %v, want DeviceDiscovery", dev.DeviceAccessState)
			}
		}
	}
	if !found {
		t.Fatalf("device %s not in alice's devices", d.DeviceID)
	}
	if n := d.ItemCount(); n != 0 {
		t.Errorf("a device in discovery got %d items: %q", n, inboxSubjects(d))
	}
}

func TestRemoteWipe(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 3)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	if d.ItemCount() == 0 {
		t.Fatal("nothing synced")
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	if err := e.mailbox(t).ClearMobileDevice(d.DeviceID, false, false, "admin", e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := d.Sync(c, in.ServerId)
	if !errors.Is(err, clients.ErrWiped) {
		t.Fatalf("Sync after wipe: %v, want ErrWiped\n%s", err, d.Transcript())
	}
	if d.ItemCount() != 0 || len(d.Folders()) != 0 {
		t.Errorf("local store not empty: %d items, %d folders", d.ItemCount(), len(d.Folders()))
	}
	if tr := d.Transcript().String(); !strings.Contains(tr, "<RemoteWipe>") {
		t.Errorf("no wipe acknowledgment:\n%s", tr)
	}
}

func TestVersion121Gets449AndProvisions(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.AOSPEmail)
	p.ProtocolVersion = eas.Version121
	d := e.device(p, 4)
	if err := d.FolderSync(ctx(t)); err != nil {
		t.Fatalf("FolderSync: %v\n%s", err, d.Transcript())
	}
	ents := d.Transcript().Entries()
	if len(ents) < 4 || ents[0].StatusCode != eas.HTTPRetryWith || !strings.Contains(ents[1].URL, "Cmd=Provision") {
		t.Fatalf("want 449 then Provision:\n%s", d.Transcript())
	}
	if _, ok := d.PolicyKey(); !ok {
		t.Error("no policy key")
	}
	if len(d.Folders()) == 0 {
		t.Error("no folders")
	}
	// 12.1 AOSP sends DeviceInformation in Settings, never in Provision.
	if strings.Contains(ents[1].String(), "DeviceInformation") {
		t.Error("12.1 Provision carried DeviceInformation")
	}
}

func TestProfileByName(t *testing.T) {
	if _, ok := clients.ProfileByName("iPhone"); !ok {
		t.Error("iPhone not found")
	}
	if len(clients.Profiles()) < 9 {
		t.Error("missing profiles")
	}
}

func TestWrongPasswordIsUnauthorized(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.Outlook)
	d := clients.New(p, clients.Options{BaseURL: e.url, User: "alice@contoso.com", Password: "wrong", Seed: 5, Clock: e.clk})
	err := d.Setup(ctx(t))
	if !errors.Is(err, clients.ErrUnauthorized) || errors.Is(err, clients.ErrBlocked) {
		t.Fatalf("Setup with a wrong password: %v, want ErrUnauthorized", err)
	}
	if _, ok := d.PolicyKey(); ok {
		t.Error("a policy key without authenticating")
	}
}

func TestPersonalBlockListBlocks(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.SamsungEmail)
	d := e.device(p, 6)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	e.mailbox(t).SetCASMailbox(func(cas *simulator.CASMailbox) {
		cas.ActiveSyncBlockedDeviceIDs = append(cas.ActiveSyncBlockedDeviceIDs, d.DeviceID)
	})
	e.clk.Advance(2 * time.Minute) // past any directory cache delay
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	_, err := d.Sync(c, in.ServerId)
	if !errors.Is(err, clients.ErrBlocked) {
		t.Fatalf("Sync of a blocked device: %v, want ErrBlocked\n%s", err, d.Transcript())
	}
	var se *clients.ServerError
	if !errors.As(err, &se) || se.Command != eas.CommandSync {
		t.Errorf("error %#v does not name the refused command", err)
	}
}

func TestSendMailWakesPing(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 7)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	before := len(d.Items(in.ServerId))
	msg := "From: alice@contoso.com\r\nTo: alice@contoso.com\r\nSubject: note to self\r\nMessage-ID: <self-1@contoso.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nremember the milk\r\n"
	if err := d.SendMail(c, []byte(msg)); err != nil {
		t.Fatalf("SendMail: %v\n%s", err, d.Transcript())
	}
	// The new mail arrived after the last Sync, so Ping answers at once.
	changed, err := d.Ping(c, []string{in.ServerId})
	if err != nil {
		t.Fatalf("Ping: %v\n%s", err, d.Transcript())
	}
	if len(changed) != 1 || changed[0] != in.ServerId {
		t.Fatalf("Ping changed %q, want the Inbox %q\n%s", changed, in.ServerId, d.Transcript())
	}
	if _, err := d.Sync(c, in.ServerId); err != nil {
		t.Fatal(err)
	}
	if got := len(d.Items(in.ServerId)); got != before+1 {
		t.Errorf("Inbox has %d items after Sync, want %d", got, before+1)
	}
	found := false
	for _, s := range inboxSubjects(d) {
		found = found || s == "note to self"
	}
	if !found {
		t.Errorf("the sent mail is not in the Inbox: %q", inboxSubjects(d))
	}
}

func TestOptionsNegotiatesDown(t *testing.T) {
	clk := clock.NewManual(start)
	ex2010, _ := eas.Profile(eas.ProfileExchange2010SP3)
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(t, clk.Now()), Clock: clk, ErrorResponseDelay: -1, Profile: ex2010})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	p, _ := clients.ProfileByName(clients.IPhone) // speaks 16.1
	d := clients.New(p, clients.Options{BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", User: "alice@contoso.com", Password: demo.Password, Seed: 8, Clock: clk})
	if err := d.Setup(ctx(t)); err != nil {
		t.Fatalf("Setup against Exchange 2010: %v\n%s", err, d.Transcript())
	}
	if d.Profile.ProtocolVersion != eas.Version141 {
		t.Errorf("negotiated %s, want 14.1", d.Profile.ProtocolVersion)
	}
	for _, e := range d.Transcript().Entries()[1:] {
		if got := e.RequestHeader.Get("MS-ASProtocolVersion"); got != "14.1" {
			t.Fatalf("%s sent MS-ASProtocolVersion %q, want 14.1", e.URL, got)
		}
	}
	if d.ItemCount() == 0 {
		t.Error("nothing synced")
	}

	bad := clients.New(p, clients.Options{BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", User: "alice@contoso.com", Password: "wrong", Seed: 9, Clock: clk})
	_, err = bad.Options(ctx(t))
	var se *clients.ServerError
	if !errors.Is(err, clients.ErrUnauthorized) || !errors.As(err, &se) || se.Command != 0 || !strings.Contains(err.Error(), "OPTIONS: HTTP 401") {
		t.Errorf("OPTIONS with a wrong password: %v", err)
	}
}

func TestAutoblockIs503WithRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.srv.Directory().SetAutoblockThreshold(simulator.AutoblockThreshold{BehaviorType: access.ReasonUserAgentsChanges,
		BehaviorTypeIncidenceLimit: 2, BehaviorTypeIncidenceDuration: time.Hour, DeviceBlockDuration: 10 * time.Minute})
	p, _ := clients.ProfileByName(clients.IPhone)
	d := e.device(p, 10)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	// An iOS update changes the User-Agent; a flapping one trips autoblock.
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	var err error
	for _, ua := range []string{"Apple-iPhone15C2/2201.2", "Apple-iPhone15C2/2201.3"} {
		d.Profile.UserAgent = ua
		if _, err = d.Sync(c, in.ServerId); err != nil {
			break
		}
	}
	var se *clients.ServerError
	if !errors.As(err, &se) || se.HTTPStatus != 503 || se.RetryAfter != 10*time.Minute {
		t.Fatalf("Sync with a flapping User-Agent: %v, want HTTP 503 retry after 10m\n%s", err, d.Transcript())
	}
	if errors.Is(err, clients.ErrBlocked) {
		t.Error("an autoblock is not a 403 block")
	}
	e.clk.Advance(11 * time.Minute)
	if _, err := d.Sync(c, in.ServerId); err != nil {
		t.Errorf("Sync after the block expired: %v", err)
	}
}

func TestSmartReplyAndForward(t *testing.T) {
	for _, v := range []eas.ProtocolVersion{eas.Version161, eas.Version121} {
		t.Run(v.String(), func(t *testing.T) {
			e := newEnv(t)
			p, _ := clients.ProfileByName(clients.AOSPEmail)
			p.ProtocolVersion = v
			d := e.device(p, 30)
			c := ctx(t)
			if err := d.Setup(c); err != nil {
				t.Fatal(err)
			}
			in, _ := d.FolderByType(eas.FolderTypeInbox)
			var orig clients.Item
			for _, it := range d.Items(in.ServerId) {
				orig = it
				break
			}
			reply := "From: alice@contoso.com\r\nTo: bob@contoso.com\r\nSubject: RE: " + orig.Subject + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
			if err := d.SmartReply(c, in.ServerId, orig.ServerID, []byte(reply)); err != nil {
				t.Fatalf("SmartReply: %v\n%s", err, d.Transcript())
			}
			fwd := "From: alice@contoso.com\r\nTo: bob@contoso.com\r\nSubject: FW: " + orig.Subject + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nFYI\r\n"
			if err := d.SmartForward(c, in.ServerId, orig.ServerID, []byte(fwd)); err != nil {
				t.Fatalf("SmartForward: %v\n%s", err, d.Transcript())
			}
			ents := d.Transcript().Entries()
			last := ents[len(ents)-1]
			if v == eas.Version121 && !strings.Contains(last.URL, "ItemId="+url.QueryEscape(orig.ServerID)) {
				t.Errorf("12.1 SmartForward without ItemId in the query: %s", last.URL)
			}
			if v == eas.Version161 && !strings.Contains(last.String(), "<ItemId>"+orig.ServerID+"</ItemId>") {
				t.Errorf("16.1 SmartForward without a Source:\n%s", last)
			}
			_, bob, _ := e.srv.Directory().Resolve("bob")
			bin, _ := bob.FolderByType(eas.FolderTypeInbox)
			got := map[string]bool{}
			for _, it := range bob.Items(bin.ServerID) {
				got[it.Prop(wbxml.LookupQualified("Email:Subject"))] = true
			}
			if !got["RE: "+orig.Subject] || !got["FW: "+orig.Subject] {
				t.Errorf("bob's Inbox lacks the reply or the forward: %v", got)
			}
		})
	}
}

// TestRedirect451MovesTheDevice: an old front answers 451 with
// X-MS-Location; the device retries there and stays there.
func TestRedirect451MovesTheDevice(t *testing.T) {
	e := newEnv(t)
	hits := 0
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set(eas.HeaderLocation, e.url)
		w.WriteHeader(eas.HTTPRedirect)
	}))
	defer old.Close()
	p, _ := clients.ProfileByName(clients.Gmail)
	d := clients.New(p, clients.Options{BaseURL: old.URL + "/Microsoft-Server-ActiveSync", User: "alice@contoso.com", Password: demo.Password, Seed: 40, Clock: e.clk})
	c := ctx(t)
	if err := d.Provision(c); err != nil {
		t.Fatalf("Provision through a 451: %v\n%s", err, d.Transcript())
	}
	if err := d.FolderSync(c); err != nil {
		t.Fatal(err)
	}
	if hits != 1 || d.BaseURL() != e.url {
		t.Errorf("old front hit %d times, device at %q, want 1 and %q", hits, d.BaseURL(), e.url)
	}
}

func TestUserDisabledForSyncAndMaxDevices(t *testing.T) {
	e := newEnv(t)
	e.srv.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.EasMaxDevices = 1 })
	p, _ := clients.ProfileByName(clients.IPhone)
	c := ctx(t)
	first := e.device(p, 50)
	if err := first.Setup(c); err != nil {
		t.Fatal(err)
	}
	// 177: one partnership too many (exchange-admin.md, EasMaxDevices).
	second := e.device(p, 51)
	err := second.Setup(c)
	var se *clients.ServerError
	if !errors.As(err, &se) || se.Status != int(eas.StatusMaximumDevicesReached) {
		t.Fatalf("second device with EasMaxDevices 1: %v, want Status 177\n%s", err, second.Transcript())
	}

	// 126: the user is disabled for ActiveSync; even OPTIONS is refused.
	e.mailbox(t).SetCASMailbox(func(cas *simulator.CASMailbox) { cas.ActiveSyncEnabled = false })
	e.clk.Advance(2 * time.Minute)
	in, _ := first.FolderByType(eas.FolderTypeInbox)
	_, err = first.Sync(c, in.ServerId)
	// From 14.0 the status is in the body with HTTP 200; older versions
	// get a bare 403 (exchange-admin.md 2.2 and 6: "S126 (>=14.0) or
	// sc-status 403").
	if !errors.As(err, &se) || se.HTTPStatus != 200 || se.Status != int(eas.StatusUserDisabledForSync) || errors.Is(err, clients.ErrBlocked) {
		t.Errorf("Sync of a disabled user: %v, want HTTP 200 with Status 126", err)
	}
	if _, err := first.Options(c); !errors.As(err, &se) || se.HTTPStatus != 403 || se.Request != "OPTIONS" {
		t.Errorf("OPTIONS of a disabled user: %v, want HTTP 403", err)
	}
}

func TestFetchOpensAMessage(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.Outlook)
	d := e.device(p, 60)
	c := ctx(t)
	if err := d.Setup(c); err != nil {
		t.Fatal(err)
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	for _, it := range d.Items(in.ServerId) {
		props, err := d.Fetch(c, in.ServerId, it.ServerID)
		if err != nil {
			t.Fatalf("Fetch %s: %v\n%s", it.ServerID, err, d.Transcript())
		}
		subject := props.Find(wbxml.LookupQualified("Email:Subject"))
		data := props.Path(wbxml.LookupQualified("AirSyncBase:Body"), wbxml.LookupQualified("AirSyncBase:Data"))
		if subject == nil || subject.Text() != it.Subject || data == nil || data.Text() == "" {
			t.Errorf("Fetch %s: subject %v, body data %v", it.ServerID, subject, data)
		}
	}
	_, err := d.Fetch(c, in.ServerId, in.ServerId+":999")
	var se *clients.ServerError
	if !errors.As(err, &se) || se.Command != eas.CommandItemOperations || se.Status == 1 {
		t.Errorf("Fetch of a missing item: %v", err)
	}
}

// A client that never provisions sends no X-MS-PolicyKey and is served
// under the default policy (AllowNonProvisionableDevices); one that
// provisions sends key 0 until it has a key (exchange-admin.md 2.2).
func TestNonProvisionableClient(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.Outlook)
	p.NoPolicyKey = true
	d := e.device(p, 5)
	if err := d.Setup(ctx(t)); err != nil {
		t.Fatalf("Setup: %v\n%s", err, d.Transcript())
	}
	for _, ent := range d.Transcript().Entries() {
		if strings.Contains(ent.URL, "Cmd=Provision") || ent.RequestHeader.Get("X-MS-PolicyKey") != "" {
			t.Fatalf("a non-provisionable client provisioned or sent a policy key:\n%s", d.Transcript())
		}
	}
	if _, ok := d.PolicyKey(); ok {
		t.Error("a non-provisionable client holds a policy key")
	}
	ip, _ := clients.ProfileByName(clients.IPhone)
	q := e.device(ip, 6)
	if err := q.FolderSync(ctx(t)); err != nil {
		t.Fatalf("FolderSync: %v\n%s", err, q.Transcript())
	}
	ents := q.Transcript().Entries()
	if len(ents) < 2 || ents[0].RequestHeader.Get("X-MS-PolicyKey") != "0" || !strings.Contains(ents[1].URL, "Cmd=Provision") {
		t.Fatalf("want FolderSync with X-MS-PolicyKey: 0, answered 142, then Provision:\n%s", q.Transcript())
	}
}

// Exchange answers a 14.1 Provision without DeviceInformation with 165
// (Exchange 2013's ProvisionCommandPhaseOne, exchange-admin.md 2.2;
// Interop MSASCMD_S21_TC03): a client that sends its DeviceInformation in
// Settings provisions again with it in the Provision, and syncs.
func TestProvisionAgainWithDeviceInformationAfter165(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.AOSPEmail)
	p.DeviceInfoIn = clients.InfoInSettings
	d := e.device(p, 7)
	if err := d.Setup(ctx(t)); err != nil {
		t.Fatalf("Setup: %v\n%s", err, d.Transcript())
	}
	var provisions []clients.Exchange
	for _, ent := range d.Transcript().Entries() {
		if ent.Command == eas.CommandProvision {
			provisions = append(provisions, ent)
		}
	}
	if len(provisions) != 3 {
		t.Fatalf("want Provision refused, Provision with DeviceInformation, acknowledgement; got %d Provisions:\n%s", len(provisions), d.Transcript())
	}
	first := xmlOf(provisions[0].ResponseBody)
	if !strings.Contains(first, "<Status>165</Status>") || strings.Contains(xmlOf(provisions[0].RequestBody), "DeviceInformation") {
		t.Errorf("first Provision: want 165 to a request without DeviceInformation:\n%s", d.Transcript())
	}
	second := xmlOf(provisions[1].RequestBody)
	if !strings.Contains(second, "<DeviceInformation") || !strings.Contains(second, "<Model>Nexus 5</Model>") {
		t.Errorf("second Provision carries no DeviceInformation:\n%s", second)
	}
	if d.ItemCount() == 0 {
		t.Error("the device synced nothing after provisioning")
	}
}

// With NoItemData a device keeps its items' ServerIds and subjects, not
// their content (a fleet's devices: what they need to go on syncing).
func TestNoItemDataKeepsSubjectsOnly(t *testing.T) {
	e := newEnv(t)
	p, _ := clients.ProfileByName(clients.IPhone)
	for _, lean := range []bool{false, true} {
		d := clients.New(p, clients.Options{BaseURL: e.url, User: "alice@contoso.com", Password: demo.Password, Seed: 9, Clock: e.clk, NoItemData: lean})
		if err := d.Setup(ctx(t)); err != nil {
			t.Fatal(err)
		}
		in, _ := d.FolderByType(eas.FolderTypeInbox)
		items := d.Items(in.ServerId)
		if len(items) != 4 {
			t.Fatalf("NoItemData %v: %d items, want alice's 4", lean, len(items))
		}
		for id, it := range items {
			if it.Subject == "" || (it.Data == nil) != lean {
				t.Errorf("NoItemData %v: item %s: subject %q, data kept %v", lean, id, it.Subject, it.Data != nil)
			}
		}
	}
}
