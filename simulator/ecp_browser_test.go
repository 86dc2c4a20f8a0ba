package simulator_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// browser starts Debian's chromium, headless, for a test: skipped when it
// is missing, unless EASLAB_REQUIRE_ORACLES is set (CI installs it).
func browser(t *testing.T) *rod.Browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("EASLAB_REQUIRE_ORACLES") != "" {
			t.Fatal("chromium is missing (apt-get install chromium)")
		}
		t.Skip("chromium is missing (apt-get install chromium)")
	}
	l := launcher.New().Bin(path).Headless(true).NoSandbox(true).Leakless(false).Set("disable-gpu").Set("window-size", "1400,1000")
	u, err := l.Launch()
	if err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(l.Kill)
	b := rod.New().ControlURL(u)
	if err := b.Connect(); err != nil {
		t.Fatalf("connecting to chromium: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// screenshot saves the page as a PNG in $EASLAB_ARTIFACTS (or the test's
// temporary directory) and logs where.
func screenshot(t *testing.T, p *rod.Page, name string) {
	t.Helper()
	dir := os.Getenv("EASLAB_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := p.Screenshot(true, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// waitText waits until the page's text holds s.
func waitText(t *testing.T, p *rod.Page, s, what string) {
	t.Helper()
	js := `() => document.body.innerText.includes(` + strconv.Quote(s) + `)`
	if err := p.Timeout(15 * time.Second).Wait(rod.Eval(js)); err != nil {
		text, _ := p.Eval(`() => document.body.innerText`)
		body := ""
		if text != nil {
			body = text.Value.Str()
		}
		t.Fatalf("%s: the page never showed %q (%v)\n%s", what, s, err, body)
	}
}

// TestECPInABrowser drives the admin center in a real browser: the admin
// signs in, a simulated iPhone that Exchange quarantines shows up on the
// open devices page without a reload (live.js), Allow is clicked and the
// device then syncs its mail; a second device is blocked from its page,
// and the block notice is readable in the user's mailbox view.
func TestECPInABrowser(t *testing.T) {
	b := browser(t)
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine", "AdminMailRecipients": "admin@contoso.com"})
	admin, _ := env.Server.Directory().AdminAccount()

	p, err := b.Page(proto.TargetCreateTarget{URL: env.URL + "/ecp/"})
	if err != nil {
		t.Fatal(err)
	}
	p = p.Timeout(60 * time.Second)
	if err := p.WaitLoad(); err != nil {
		t.Fatal(err)
	}
	user, err := p.Element(`input[name=username]`)
	if err != nil {
		t.Fatalf("the sign-in form: %v", err)
	}
	user.MustInput(admin.UserPrincipalName)
	p.MustElement(`input[name=password]`).MustInput(demo.Password)
	p.MustElement(`form button[type=submit]`).MustClick()
	waitText(t, p, "No device is waiting for approval", "after signing in")

	// The iPhone's first contact, while the page is open.
	d := env.Device("alice", "BROWSER1", eas.Version161).Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	waitText(t, p, "BROWSER1", "the quarantined device on the open page")
	screenshot(t, p, "ecp-devices-quarantine-queue")
	guid := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": env.DeviceIdentity("BROWSER1")})[0]["Guid"].(string)
	p.MustElement(`form.action:has(input[name=device][value="` + guid + `"]) button[value=allow]`).MustClick()
	waitText(t, p, "No device is waiting for approval", "after Allow")
	if got := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": env.DeviceIdentity("BROWSER1")})[0]["DeviceAccessState"]; got != "Allowed" {
		t.Fatalf("after Allow in the browser the device is %v", got)
	}
	// The device now syncs its mail, not only the notice: a fresh Sync of
	// its Inbox brings alice's seeded messages.
	col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
	col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox, GetChanges: eas.NewBool(true), WindowSize: 512})
	adds := 0
	for _, c := range col.Commands {
		if c.Kind == eas.SyncAdd {
			adds++
		}
	}
	if adds < 2 {
		t.Fatalf("the allowed device's Sync brought %d messages, want its mail as well as the notice", adds)
	}

	// A second device, blocked from its page; the user's block notice.
	d2 := env.Device("alice", "BROWSER2", eas.Version161).Provision()
	guid2 := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": env.DeviceIdentity("BROWSER2")})[0]["Guid"].(string)
	p.MustNavigate(env.URL + "/ecp/devices/" + guid2).MustWaitLoad()
	screenshot(t, p, "ecp-device")
	p.MustElement(`form.action:has(input[name=device][value="` + guid2 + `"]) button[value=block]`).MustClick()
	waitText(t, p, "Blocked", "after Block")
	d2.Post(eas.CommandFolderSync, nil) // its next request stamps the block and posts the notice
	p.MustNavigate(env.URL + "/ecp/mailboxes/alice").MustWaitLoad()
	screenshot(t, p, "ecp-mailbox")
	link, err := p.ElementR("a", "denied access")
	if err != nil {
		text := p.MustEval(`() => document.body.innerText`).Str()
		t.Fatalf("the block notice is not in alice's mailbox view: %v\n%s", err, text)
	}
	link.MustClick()
	waitText(t, p, "server policies", "the block notice's page")
	if !strings.Contains(p.MustInfo().URL, "/ecp/mailboxes/") {
		t.Errorf("the notice opened at %s", p.MustInfo().URL)
	}
	screenshot(t, p, "ecp-block-notice")
}
