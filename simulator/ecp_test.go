package simulator_test

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// Handler tests of the admin center (simulator/ecp) over a real server:
// sign-in, CSRF, the devices pages and their actions, through the cmdlets.

// ecpBrowser is a browser without JavaScript: a cookie jar, redirects
// not followed (the tests look at them).
type ecpBrowser struct {
	t    *testing.T
	env  *simtest.Env
	http *http.Client
}

func newECPBrowser(t *testing.T, env *simtest.Env) *ecpBrowser {
	jar, _ := cookiejar.New(nil)
	c := *env.HTTP.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &ecpBrowser{t: t, env: env, http: &c}
}

// do sends a request and returns the status, body and Location.
func (b *ecpBrowser) do(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.env.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header.Get("Location")
}

func (b *ecpBrowser) get(path string) (int, string, string) { return b.do(http.MethodGet, path, nil) }

func (b *ecpBrowser) post(path string, form url.Values) (int, string, string) {
	return b.do(http.MethodPost, path, form)
}

// page GETs a page that must answer 200.
func (b *ecpBrowser) page(path string) string {
	b.t.Helper()
	st, body, loc := b.get(path)
	if st != http.StatusOK {
		b.t.Fatalf("GET %s: %d (Location %q)\n%s", path, st, loc, body)
	}
	return body
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf is the form token of a page.
func (b *ecpBrowser) csrf(page string) string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no csrf field in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs in as the directory's admin account.
func (b *ecpBrowser) signIn() {
	b.t.Helper()
	u, ok := b.env.Server.Directory().AdminAccount()
	if !ok {
		b.t.Fatal("no admin account")
	}
	st, body, loc := b.post("/ecp/signin", url.Values{"username": {u.UserPrincipalName}, "password": {demo.Password}, "return": {"/ecp/"}})
	if st != http.StatusSeeOther || loc != "/ecp/" {
		b.t.Fatalf("sign-in: %d %q\n%s", st, loc, body)
	}
}

// action posts a device action from page and follows the redirect back.
func (b *ecpBrowser) action(page, guid, action, back string) string {
	b.t.Helper()
	st, body, loc := b.post("/ecp/devices/action", url.Values{"csrf": {b.csrf(page)}, "device": {guid}, "action": {action}, "back": {back}})
	if st != http.StatusSeeOther || loc != back {
		b.t.Fatalf("%s: %d %q\n%s", action, st, loc, body)
	}
	return b.page(back)
}

// ecpQuarantined starts a server whose default is Quarantine and a device
// QUAR1 of alice quarantined by it, and returns its Guid.
func ecpQuarantined(t *testing.T) (*simtest.Env, string) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine", "AdminMailRecipients": "admin@contoso.com"})
	env.Device("alice", "QUAR1", eas.Version141).Provision()
	out := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": env.DeviceIdentity("QUAR1")})
	return env, out[0]["Guid"].(string)
}

// TestECPSignInRequired: nothing under /ecp/ without a session: a GET
// goes to the sign-in form (in any case of the path), a POST is 403.
func TestECPSignInRequired(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	b := newECPBrowser(t, env)
	// Other spellings go to /ecp/ as spelt, where the cookie is sent.
	for p, want := range map[string]string{"/ecp": "/ecp/", "/ECP": "/ecp/", "/ECP/Devices?state=Allowed": "/ecp/Devices?state=Allowed", "/Ecp/SignIn": "/ecp/SignIn"} {
		if st, _, loc := b.get(p); st != http.StatusMovedPermanently || loc != want {
			t.Errorf("GET %s: %d %q, want a redirect to %s", p, st, loc, want)
		}
	}
	for _, p := range []string{"/ecp/", "/ecp/Devices", "/ecp/devices/x", "/ecp/UsersGroups/EditMobileMailbox.aspx?id=x&dtm=Isolation"} {
		st, _, loc := b.get(p)
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/ecp/signin?return=") {
			t.Errorf("GET %s: %d %q", p, st, loc)
		}
	}
	for _, p := range []string{"/ecp/devices/action", "/ecp/signout", "/ecp/devices"} {
		if st, body, _ := b.post(p, url.Values{"action": {"allow"}}); st != http.StatusForbidden || !strings.Contains(body, "Sign in") {
			t.Errorf("POST %s: %d\n%s", p, st, body)
		}
	}
	body := b.page("/ecp/signin")
	if !strings.Contains(body, `name="password"`) || !strings.Contains(body, `name="token"`) {
		t.Errorf("sign-in form:\n%s", body)
	}
	// After sign-in, the page asked for.
	u, _ := env.Server.Directory().AdminAccount()
	_, _, loc := b.get("/ecp/devices?state=Blocked")
	ret, _ := url.Parse(loc)
	st, _, loc := b.post("/ecp/signin", url.Values{"username": {u.Alias}, "password": {demo.Password}, "return": {ret.Query().Get("return")}})
	if st != http.StatusSeeOther || loc != "/ecp/devices?state=Blocked" {
		t.Errorf("sign-in back to the page: %d %q", st, loc)
	}
	// Never to another site.
	b2 := newECPBrowser(t, env)
	if _, _, loc := b2.post("/ecp/signin", url.Values{"username": {u.Alias}, "password": {demo.Password}, "return": {"//evil.example/ecp/"}}); loc != "/ecp/" {
		t.Errorf("return to another site: %q", loc)
	}
}

// TestECPSignIn: a wrong password and a user without a role group are
// refused; the admin account and the admin token are let in, with an
// HttpOnly, SameSite=Lax cookie; sign-out ends the session.
func TestECPSignIn(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	b := newECPBrowser(t, env)
	st, body, _ := b.post("/ecp/signin", url.Values{"username": {"admin"}, "password": {"wrong"}})
	if st != http.StatusUnauthorized || !strings.Contains(body, "The user name or password you entered isn&#39;t correct.") {
		t.Errorf("wrong password: %d\n%s", st, body)
	}
	st, body, _ = b.post("/ecp/signin", url.Values{"username": {"alice"}, "password": {demo.Password}})
	if st != http.StatusForbidden || !strings.Contains(body, "isn&#39;t a member of an Exchange role group") {
		t.Errorf("alice: %d\n%s", st, body)
	}
	st, _, _ = b.post("/ecp/signin", url.Values{"token": {"not-the-token"}})
	if st != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", st)
	}
	if st, _, _ := b.get("/ecp/devices"); st != http.StatusSeeOther {
		t.Fatalf("refused sign-ins gave a session: %d", st)
	}

	req, _ := http.NewRequest(http.MethodPost, env.URL+"/ecp/signin", strings.NewReader(url.Values{"token": {simtest.AdminToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		cookie = c
	}
	if resp.StatusCode != http.StatusSeeOther || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/ecp/" || len(cookie.Value) < 32 {
		t.Fatalf("token sign-in: %d %+v", resp.StatusCode, cookie)
	}
	page := b.page("/ecp/devices")
	if !strings.Contains(page, "admin API token") {
		t.Errorf("signed-in account not shown:\n%s", page)
	}
	st, _, loc := b.post("/ecp/signout", url.Values{"csrf": {b.csrf(page)}})
	if st != http.StatusSeeOther || loc != "/ecp/signin" {
		t.Errorf("sign-out: %d %q", st, loc)
	}
	if st, _, _ := b.get("/ecp/devices"); st != http.StatusSeeOther {
		t.Errorf("after sign-out: %d", st)
	}
	// The old cookie is dead on the server, not only in the browser.
	req, _ = http.NewRequest(http.MethodGet, env.URL+"/ecp/devices", nil)
	req.AddCookie(cookie)
	if resp, err := b.http.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the signed-out cookie: %v %v", resp, err)
	}

	// The admin account with its password.
	b.signIn()
	if body := b.page("/ecp/"); !strings.Contains(body, `CONTOSO\admin`) {
		t.Errorf("account name:\n%s", body)
	}
}

// TestECPCSRF: a POST without the form token, with a wrong one or with a
// stale one (of an ended session) is 403 and runs nothing.
func TestECPCSRF(t *testing.T) {
	env, guid := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	stale := b.csrf(b.page("/ecp/"))
	for name, token := range map[string]string{"missing": "", "wrong": strings.Repeat("0", 64)} {
		st, body, _ := b.post("/ecp/devices/action", url.Values{"csrf": {token}, "device": {guid}, "action": {"allow"}, "back": {"/ecp/"}})
		if st != http.StatusForbidden || !strings.Contains(body, "security token is missing or stale") {
			t.Errorf("%s token: %d\n%s", name, st, body)
		}
	}
	b.post("/ecp/signout", url.Values{"csrf": {stale}})
	b.signIn()
	st, body, _ := b.post("/ecp/devices/action", url.Values{"csrf": {stale}, "device": {guid}, "action": {"allow"}, "back": {"/ecp/"}})
	if st != http.StatusForbidden || !strings.Contains(body, "security token is missing or stale") {
		t.Errorf("stale token: %d\n%s", st, body)
	}
	if got := env.AccessState(guid); got != "Quarantined/Global" {
		t.Errorf("a refused form changed the device: %s", got)
	}
}

// TestECPQuarantineQueueAllow: a device quarantined by the organization's
// default is in the queue; Allow runs Set-CASMailbox
// -ActiveSyncAllowedDeviceIDs @{Add=...}: the device is Allowed/Individual
// and the event stream shows the change as for any approval.
func TestECPQuarantineQueueAllow(t *testing.T) {
	env, guid := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.page("/ecp/")
	queue := page[strings.Index(page, "Quarantined devices (1)"):strings.Index(page, "All partnerships")]
	if !strings.Contains(queue, "iPhone QUAR1") || !strings.Contains(queue, "alice@contoso.com") || !strings.Contains(queue, `value="allow"`) || !strings.Contains(queue, `value="block"`) {
		t.Fatalf("queue:\n%s", queue)
	}
	page = b.action(page, guid, "allow", "/ecp/")
	if !strings.Contains(page, "You allowed: iPhone QUAR1 of alice@contoso.com.") || !strings.Contains(page, "Quarantined devices (0)") {
		t.Errorf("after Allow:\n%s", page)
	}
	if got := env.AccessState(guid); got != "Allowed/Individual" {
		t.Errorf("after Allow: %s", got)
	}
	cas := env.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"})[0]
	if ids, _ := cas["ActiveSyncAllowedDeviceIDs"].([]any); len(ids) != 1 || ids[0] != "QUAR1" {
		t.Errorf("allow list: %v", cas["ActiveSyncAllowedDeviceIDs"])
	}
	evs, _ := env.Events().Since(0)
	var found bool
	for _, e := range evs {
		found = found || (e.Kind == simulator.EventAccessStateChanged && e.DeviceID == "QUAR1" && e.From == "Quarantined" && e.To == "Allowed" && e.Reason == "Individual")
	}
	if !found {
		t.Errorf("no AccessStateChanged Quarantined→Allowed: %+v", evs)
	}
	// The filters: by state and by user, through Get-MobileDevice.
	if body := b.page("/ecp/devices?state=Allowed&user=alice"); !strings.Contains(body, "iPhone QUAR1") || !strings.Contains(body, "All partnerships (1)") {
		t.Errorf("filter Allowed:\n%s", body)
	}
	if body := b.page("/ecp/devices?state=blocked"); !strings.Contains(body, "All partnerships (0)") {
		t.Errorf("filter Blocked:\n%s", body)
	}
	if st, body, _ := b.get("/ecp/devices?state=Nonsense"); st != http.StatusBadRequest || !strings.Contains(body, "isn&#39;t one of Allowed") {
		t.Errorf("bad state: %d\n%s", st, body)
	}
}

// TestECPBlock: Block runs Set-CASMailbox -ActiveSyncBlockedDeviceIDs.
func TestECPBlock(t *testing.T) {
	env, guid := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.action(b.page("/ecp/"), guid, "block", "/ecp/")
	if !strings.Contains(page, "You blocked: iPhone QUAR1") {
		t.Errorf("after Block:\n%s", page)
	}
	if got := env.AccessState(guid); got != "Blocked/Individual" {
		t.Errorf("after Block: %s", got)
	}
}

// TestECPDevicePage: the device page shows the details, the statistics
// with the recovery password and the device's events; Wipe, Cancel
// wipe, Account-only wipe and Remove run Clear-MobileDevice and
// Remove-MobileDevice; an unknown device is a 404 page.
func TestECPDevicePage(t *testing.T) {
	env, guid := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	self := "/ecp/devices/" + guid
	page := b.page(self)
	st := env.Cmdlet("Get-MobileDeviceStatistics", map[string]any{"Identity": guid, "ShowRecoveryPassword": true})[0]
	for _, want := range []string{"iPhone15C2", "<th>RecoveryPassword</th>", "<th>LastSyncAttemptTime</th>", "DeviceCreated", "AccessStateChanged", "Quarantined", html.EscapeString(st["Identity"].(string))} {
		if !strings.Contains(page, want) {
			t.Errorf("device page lacks %q", want)
		}
	}
	if rp, _ := st["RecoveryPassword"].(string); rp != "" && !strings.Contains(page, rp) {
		t.Errorf("recovery password %q not shown", rp)
	}
	page = b.action(page, guid, "wipe", self)
	if !strings.Contains(page, "You sent a remote wipe") || !strings.Contains(page, "WipeRequested") {
		t.Errorf("after Wipe:\n%s", page)
	}
	page = b.action(page, guid, "cancelwipe", self)
	if !strings.Contains(page, "You cancelled the wipe") || !strings.Contains(page, "WipeCancelled") {
		t.Errorf("after Cancel wipe:\n%s", page)
	}
	page = b.action(page, guid, "accountonlywipe", self)
	if !strings.Contains(page, "You sent an account-only wipe") {
		t.Errorf("after Account-only wipe:\n%s", page)
	}
	page = b.action(page, guid, "remove", "/ecp/devices")
	if !strings.Contains(page, "You removed: iPhone QUAR1") || !strings.Contains(page, "All partnerships (0)") {
		t.Errorf("after Remove:\n%s", page)
	}
	evs, _ := env.Events().Since(0)
	kinds := map[string]bool{}
	for _, e := range evs {
		kinds[e.Kind] = true
	}
	for _, k := range []string{simulator.EventWipeRequested, simulator.EventWipeCancelled, simulator.EventPartnershipRemoved} {
		if !kinds[k] {
			t.Errorf("no %s event", k)
		}
	}
	stc, body, _ := b.get(self)
	if stc != http.StatusNotFound || !strings.Contains(body, "There is no mobile device") {
		t.Errorf("removed device: %d\n%s", stc, body)
	}
	if stc, body, _ := b.get("/ecp/devices/no-such-device"); stc != http.StatusNotFound || !strings.Contains(body, "There is no mobile device &#39;no-such-device&#39;") {
		t.Errorf("unknown device: %d\n%s", stc, body)
	}
	// An action on a device that is gone says so.
	page = b.page("/ecp/")
	st2, _, _ := b.post("/ecp/devices/action", url.Values{"csrf": {b.csrf(page)}, "device": {guid}, "action": {"wipe"}, "back": {"/ecp/"}})
	if body := b.page("/ecp/"); st2 != http.StatusSeeOther || !strings.Contains(body, "couldn&#39;t be found") {
		t.Errorf("action on a removed device: %d\n%s", st2, body)
	}
	if stc, _, _ := b.post("/ecp/devices/action", url.Values{"csrf": {b.csrf(page)}, "device": {guid}, "action": {"format-c"}}); stc != http.StatusBadRequest {
		t.Errorf("unknown action: %d", stc)
	}
}

// TestECPCmdletError: a cmdlet's error is on the page as Exchange words
// it: an unknown user in the filter (Get-MobileDevice -Mailbox), and an
// approval that Set-CASMailbox refuses (an injected fault).
func TestECPCmdletError(t *testing.T) {
	env, guid := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	body := b.page("/ecp/devices?user=nobody")
	if !strings.Contains(body, "The operation couldn&#39;t be performed because object &#39;nobody&#39; couldn&#39;t be found on &#39;DC01.contoso.com&#39;.") {
		t.Errorf("unknown user:\n%s", body)
	}
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/faults", strings.NewReader(`{"match":{"cmdlet":"Set-CASMailbox"},"action":{"httpStatus":503},"count":1}`))
	req.Header.Set("Authorization", "Bearer "+simtest.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.HTTP.Client().Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("fault: %v %v", resp, err)
	}
	resp.Body.Close()
	page := b.action(b.page("/ecp/"), guid, "allow", "/ecp/")
	if !strings.Contains(page, `class="flash error"`) || !strings.Contains(page, "The server is busy and cannot run Set-CASMailbox now") {
		t.Errorf("refused approval:\n%s", page)
	}
	if got := env.AccessState(guid); got != "Quarantined/Global" {
		t.Errorf("after a refused approval: %s", got)
	}
}

// TestECPNoticeLink: the admin notice mail's link,
// /ecp/UsersGroups/EditMobileMailbox.aspx?id=<ExchangeGuid>&dtm=Isolation,
// opens the mailbox's devices, quarantined first; an unknown id is 404.
func TestECPNoticeLink(t *testing.T) {
	env, _ := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	guid := env.Cmdlet("Get-Mailbox", map[string]any{"Identity": "alice"})[0]["ExchangeGuid"].(string)
	link := "/ecp/UsersGroups/EditMobileMailbox.aspx?id=" + guid + "&dtm=Isolation"
	// The link as the admin's notice carries it.
	if !mailboxContains(env, "admin", env.URL+link) {
		t.Errorf("the admin notice has no link %s", link)
	}
	page := b.page(link)
	if !strings.Contains(page, "Mobile devices of Alice Wilber") || !strings.Contains(page, "Quarantined devices (1)") || !strings.Contains(page, "iPhone QUAR1") {
		t.Errorf("notice link:\n%s", page)
	}
	if st, body, _ := b.get("/ecp/usersgroups/editmobilemailbox.aspx?id=00000000-0000-0000-0000-000000000000&dtm=Isolation"); st != http.StatusNotFound || !strings.Contains(body, "couldn&#39;t be found") {
		t.Errorf("unknown mailbox: %d\n%s", st, body)
	}
}

// mailboxContains says whether a message in alias's Inbox links to url
// (in its quoted-printable HTML).
func mailboxContains(env *simtest.Env, alias, url string) bool {
	for _, body := range inboxMail(env, alias) {
		if strings.Contains(strings.ReplaceAll(body, "=\r\n", ""), `href=3D"`+strings.ReplaceAll(url, "=", "=3D")+`"`) {
			return true
		}
	}
	return false
}

// TestECPEscapesHostileDevice: what a device reports about itself is
// text on the page, never markup.
func TestECPEscapesHostileDevice(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	d := env.Device("alice", "EVIL1", eas.Version141)
	d.UserAgent = `<script>alert("ua")</script>`
	info := simtest.DeviceInfo()
	info.Set.Model = `<img src=x onerror=alert(1)>`
	info.Set.UserAgent = d.UserAgent
	var resp eas.ProvisionResponse
	d.CallOK(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: info, Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &resp)
	guid := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": env.DeviceIdentity("EVIL1")})[0]["Guid"].(string)
	b := newECPBrowser(t, env)
	b.signIn()
	for _, p := range []string{"/ecp/", "/ecp/devices/" + guid} {
		// The page's own script (live updates) is the only one.
		page := strings.Replace(b.page(p), `<script src="/ecp/live.js" defer></script>`, "", 1)
		if strings.Contains(page, "<script") || strings.Contains(page, "<img") {
			t.Errorf("%s: markup from the device:\n%s", p, page)
		}
		if !strings.Contains(page, "&lt;script&gt;") || !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the device's values not shown escaped:\n%s", p, page)
		}
	}
}

// TestECPSecureCookieOverTLS: over TLS the session cookie is Secure.
func TestECPSecureCookieOverTLS(t *testing.T) {
	srv, err := simulator.New(simulator.Options{Directory: simtest.DemoDirectory(t, 0), AdminToken: simtest.AdminToken, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(srv)
	defer hs.Close()
	c := hs.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(hs.URL+"/ecp/signin", url.Values{"username": {"admin"}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cs := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode {
		t.Errorf("TLS sign-in: %d %+v", resp.StatusCode, cs)
	}
}

// TestECPBadInput: odd paths, methods and forms get an error page, never
// a panic or a 500.
func TestECPBadInput(t *testing.T) {
	env, guid := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.page("/ecp/")
	csrf := b.csrf(page)
	for _, p := range []string{"/ecp/devices/%00", "/ecp/devices/" + strings.Repeat("x", 5000), "/ecp/devices/a%2Fb%5C%E2%80", "/ecp/devices/" + guid + "/", "/%65cp/devices/" + guid, "/ecp/nothing", "/ecp/devices?state=%00&user=%27%22",
		"/ecp/UsersGroups/EditMobileMailbox.aspx", "/ecp/UsersGroups/EditMobileMailbox.aspx?id=%27)(", "/ecpx", "/ecp/devices/action"} {
		st, body, _ := b.get(p)
		if st >= 500 || st == http.StatusOK && !strings.Contains(body, "</html>") {
			t.Errorf("GET %s: %d\n%s", p, st, body)
		}
	}
	if st, body, _ := b.get("/ecp/devices/" + url.PathEscape(guid)); st != http.StatusOK || !strings.Contains(body, "iPhone QUAR1") {
		t.Errorf("escaped path: %d", st)
	}
	for _, f := range []url.Values{
		{"csrf": {csrf}},
		{"csrf": {csrf}, "action": {"allow"}},
		{"csrf": {csrf}, "action": {"allow"}, "device": {"'"}, "back": {"https://evil.example/"}},
		{"csrf": {csrf, "x"}, "action": {"ALLOW"}, "device": {strings.Repeat("§", 3000)}},
	} {
		st, body, loc := b.post("/ecp/devices/action", f)
		if st >= 500 || st == http.StatusSeeOther && loc != "/ecp/" {
			t.Errorf("POST %v: %d %q\n%s", f, st, loc, body)
		}
	}
	if st, _, _ := b.do(http.MethodPut, "/ecp/devices", nil); st != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d", st)
	}
	if got := env.AccessState(guid); got != "Quarantined/Global" {
		t.Errorf("bad forms changed the device: %s", got)
	}
}

// TestECPRecoveryPassword: the device page shows the recovery password
// the device sent (Settings DevicePassword), as
// Get-MobileDeviceStatistics -ShowRecoveryPassword gives it.
func TestECPRecoveryPassword(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	d := env.Device("alice", "RCV1", eas.Version141).Provision()
	var resp eas.SettingsResponse
	d.CallOK(eas.CommandSettings, &eas.SettingsRequest{DevicePassword: &eas.DevicePassword{Set: &eas.DevicePasswordSet{Password: "R3cover-4711"}}}, &resp)
	guid := env.Cmdlet("Get-MobileDevice", map[string]any{"Identity": env.DeviceIdentity("RCV1")})[0]["Guid"].(string)
	b := newECPBrowser(t, env)
	b.signIn()
	if page := b.page("/ecp/devices/" + guid); !strings.Contains(page, "<tr><th>RecoveryPassword</th><td>R3cover-4711</td></tr>") {
		t.Errorf("recovery password not shown:\n%s", page)
	}
}

// TestECPMailPagesRequireSignIn: the mailboxes, mailbox and message pages
// send a browser without a session to the sign-in form.
func TestECPMailPagesRequireSignIn(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	b := newECPBrowser(t, env)
	for _, p := range []string{"/ecp/mailboxes", "/ecp/mailboxes/alice", "/ecp/mailboxes/alice/1:1", "/ecp/organization"} {
		st, _, loc := b.get(p)
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/ecp/signin?return=") {
			t.Errorf("GET %s without a session: %d %q", p, st, loc)
		}
	}
}

// ecpItemLink finds the link to the message with subject on a mailbox page.
func ecpItemLink(t *testing.T, page, subject string) string {
	t.Helper()
	m := regexp.MustCompile(`<a href="(/ecp/mailboxes/[^"]+)">` + regexp.QuoteMeta(html.EscapeString(subject)) + `</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no message %q on the page:\n%s", subject, page)
	}
	return html.UnescapeString(m[1])
}

// TestECPQuarantineNoticeReadable: the quarantine notice the owner of a
// quarantined device gets, and the admin's notice, read on the message
// page without a phone: headers, text.
func TestECPQuarantineNoticeReadable(t *testing.T) {
	env, _ := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	b.signIn()
	list := b.page("/ecp/mailboxes")
	if !strings.Contains(list, `href="/ecp/mailboxes/alice@contoso.com"`) || !strings.Contains(list, "Alice Wilber") {
		t.Fatalf("mailboxes page:\n%s", list)
	}
	for _, alias := range []string{"alice", "admin"} {
		mail := inboxMail(env, alias)
		if len(mail) == 0 {
			t.Fatalf("%s has no mail", alias)
		}
		mbPage := b.page("/ecp/mailboxes/" + alias)
		quarantine := false
		for subject := range mail {
			quarantine = quarantine || strings.Contains(subject, "temporarily blocked") || strings.Contains(subject, "quarantined")
		}
		if !quarantine {
			t.Errorf("%s has no quarantine notice: %v", alias, mail)
		}
		for subject, raw := range mail {
			m, err := simulator.ParseMail([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			page := b.page(ecpItemLink(t, mbPage, subject))
			if !strings.Contains(page, "<h1>"+html.EscapeString(subject)+"</h1>") {
				t.Errorf("%s: %q: no subject\n%s", alias, subject, page)
			}
			line := strings.TrimSpace(strings.SplitN(strings.TrimSpace(m.Plain), "\n", 2)[0])
			if line == "" || !strings.Contains(page, html.EscapeString(line)) {
				t.Errorf("%s: %q: the text %q isn't on the page\n%s", alias, subject, line, page)
			}
			if !strings.Contains(page, "<tr><th>From</th><td>") {
				t.Errorf("%s: no From header\n%s", alias, page)
			}
		}
	}
}

// TestECPMessageHTMLCannotRunScript: a message whose HTML carries a
// <script> and an onerror handler is shown in a sandboxed iframe (no
// allow-scripts) on a page whose CSP allows no script at all.
func TestECPMessageHTMLCannotRunScript(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	mb := env.Mailbox("alice")
	now := env.Server.Clock().Now()
	hostile := `<p>Hello <b>there</b></p><script>alert(1)</script><img src=x onerror="alert(2)">`
	raw, err := simulator.BuildMail(&simulator.MailAddress{Name: "Mallory", Address: "mallory@fabrikam.com"}, []*simulator.MailAddress{{Address: "alice@contoso.com"}},
		"Hostile HTML", "Hello there", hostile, now)
	if err != nil {
		t.Fatal(err)
	}
	m, err := simulator.ParseMail(raw)
	if err != nil {
		t.Fatal(err)
	}
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	if _, err := mb.AddItem(inbox.ServerID, simulator.EmailItem(m, now, false)); err != nil {
		t.Fatal(err)
	}
	b := newECPBrowser(t, env)
	b.signIn()
	link := ecpItemLink(t, b.page("/ecp/mailboxes/alice"), "Hostile HTML")
	req, _ := http.NewRequest(http.MethodGet, env.URL+link, nil)
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP allows script: %q", csp)
	}
	// The HTML is only in the sandboxed iframe's srcdoc, as attribute text:
	// no tag of it is markup of the page.
	iframe := regexp.MustCompile(`<iframe class="htmlbody"[^>]* sandbox=""[^>]* srcdoc="([^"]*)"></iframe>`).FindStringSubmatch(page)
	if iframe == nil {
		t.Fatalf("no sandboxed iframe:\n%s", page)
	}
	if strings.Contains(strings.ToLower(page), "<script") || strings.Contains(strings.ToLower(page), "<img") || strings.Contains(page, "allow-scripts") {
		t.Errorf("the page carries markup of the mail:\n%s", page)
	}
	if got := html.UnescapeString(iframe[1]); !strings.Contains(got, "<b>there</b>") || !strings.Contains(got, "onerror") {
		t.Errorf("srcdoc: %q", got)
	}
	if !strings.Contains(page, "Hello there") {
		t.Errorf("no text body:\n%s", page)
	}
}

// TestECPMailNotFound: an unknown mailbox or message is a 404 page.
func TestECPMailNotFound(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	env.Deliver("alice", "Hello")
	b := newECPBrowser(t, env)
	b.signIn()
	for _, p := range []string{"/ecp/mailboxes/nobody", "/ecp/mailboxes/nobody/1:1", "/ecp/mailboxes/alice/99:99", "/ecp/mailboxes/alice/1:1/x"} {
		st, body, _ := b.get(p)
		if st != http.StatusNotFound {
			t.Errorf("GET %s: %d\n%s", p, st, body)
		}
	}
	if _, body, _ := b.get("/ecp/mailboxes/nobody"); !strings.Contains(body, "couldn&#39;t be found") {
		t.Errorf("unknown mailbox:\n%s", body)
	}
	if st, _, _ := b.post("/ecp/mailboxes/alice", url.Values{"csrf": {b.csrf(b.page("/ecp/mailboxes"))}}); st != http.StatusMethodNotAllowed {
		t.Errorf("POST to a mailbox page: %d", st)
	}
}

// orgPost posts one of the organization page's forms with the page's
// token and follows the redirect back to the page.
func (b *ecpBrowser) orgPost(form string, values url.Values) string {
	b.t.Helper()
	values.Set("csrf", b.csrf(b.page("/ecp/organization")))
	st, body, loc := b.post("/ecp/organization/"+form, values)
	if st != http.StatusSeeOther || loc != "/ecp/organization" {
		b.t.Fatalf("%s: %d %q\n%s", form, st, loc, body)
	}
	return b.page("/ecp/organization")
}

// TestECPOrganizationCSRF: every form of the organization page is
// refused without the session's token, and changes nothing.
func TestECPOrganizationCSRF(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	env.Cmdlet("New-ActiveSyncDeviceAccessRule", map[string]any{"QueryString": "Android", "Characteristic": "DeviceType", "AccessLevel": "Allow"})
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.page("/ecp/organization")
	for _, form := range []string{"settings", "rules/new", "rules/remove", "policy"} {
		if !strings.Contains(page, `action="/ecp/organization/`+form+`"`) {
			t.Errorf("no form %s on the page", form)
		}
		for _, token := range []string{"", strings.Repeat("0", 64)} {
			v := url.Values{"DefaultAccessLevel": {"Block"}, "QueryString": {"iPhone"}, "Characteristic": {"DeviceType"}, "AccessLevel": {"Block"}, "rule": {"Android (DeviceType)"}, "policy": {"Default"}, "PasswordEnabled": {"true"}}
			if token != "" {
				v.Set("csrf", token)
			}
			if st, _, _ := b.post("/ecp/organization/"+form, v); st != http.StatusForbidden {
				t.Errorf("%s with token %q: %d", form, token, st)
			}
		}
	}
	if got := env.Cmdlet("Get-ActiveSyncOrganizationSettings", map[string]any{})[0]["DefaultAccessLevel"]; got != "Allow" {
		t.Errorf("DefaultAccessLevel changed: %v", got)
	}
	if got := env.Cmdlet("Get-ActiveSyncDeviceAccessRule", map[string]any{}); len(got) != 1 || got[0]["QueryString"] != "Android" {
		t.Errorf("the rules changed: %v", got)
	}
	if got := env.Cmdlet("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default"})[0]["PasswordEnabled"]; got != false {
		t.Errorf("the policy changed: %v", got)
	}
	if st, _, _ := b.get("/ecp/organization/settings"); st != http.StatusMethodNotAllowed {
		t.Errorf("GET of a form: %d", st)
	}
}

// TestECPOrganizationSettings: the DefaultAccessLevel chosen in the form
// is what Get-ActiveSyncOrganizationSettings then gives, and a refused
// value shows the cmdlet's error.
func TestECPOrganizationSettings(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.orgPost("settings", url.Values{"DefaultAccessLevel": {"Quarantine"}, "AdminMailRecipients": {"admin@contoso.com"}, "UserMailInsert": {"Call the help desk."}})
	if !strings.Contains(page, "You saved the organization settings.") {
		t.Errorf("after saving:\n%s", page)
	}
	org := env.Cmdlet("Get-ActiveSyncOrganizationSettings", map[string]any{})[0]
	if org["DefaultAccessLevel"] != "Quarantine" || org["UserMailInsert"] != "Call the help desk." || text(org["AdminMailRecipients"]) != "[admin@contoso.com]" {
		t.Errorf("Get-ActiveSyncOrganizationSettings: %v", org)
	}
	if !strings.Contains(page, "<option selected>Quarantine</option>") {
		t.Errorf("the form doesn't show Quarantine:\n%s", page)
	}
	// A cmdlet's refusal, in Exchange's words.
	page = b.orgPost("settings", url.Values{"DefaultAccessLevel": {"Quarantine"}, "AdminMailRecipients": {"not an address"}})
	if !strings.Contains(page, `class="flash error"`) || !strings.Contains(page, "The email address &#34;not an address&#34; isn&#39;t correct.") {
		t.Errorf("refused recipients:\n%s", page)
	}
	if got := env.Cmdlet("Get-ActiveSyncOrganizationSettings", map[string]any{})[0]["UserMailInsert"]; got != "Call the help desk." {
		t.Errorf("a refused form changed UserMailInsert: %v", got)
	}
}

func text(v any) string { return fmt.Sprint(v) }

// TestECPDeviceAccessRules: a rule added through the form is
// Get-ActiveSyncDeviceAccessRule's, and its Remove button removes it.
func TestECPDeviceAccessRules(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.orgPost("rules/new", url.Values{"QueryString": {"iPhone <b>"}, "Characteristic": {"DeviceType"}, "AccessLevel": {"Block"}})
	rules := env.Cmdlet("Get-ActiveSyncDeviceAccessRule", map[string]any{})
	if len(rules) != 1 || rules[0]["QueryString"] != "iPhone <b>" || rules[0]["AccessLevel"] != "Block" || rules[0]["Characteristic"] != "DeviceType" {
		t.Fatalf("rules: %v", rules)
	}
	if !strings.Contains(page, "<td>iPhone &lt;b&gt;</td>") {
		t.Errorf("the rule isn't listed:\n%s", page)
	}
	// The same rule again: New- refuses it.
	page = b.orgPost("rules/new", url.Values{"QueryString": {"iPhone <b>"}, "Characteristic": {"DeviceType"}, "AccessLevel": {"Allow"}})
	if !strings.Contains(page, `class="flash error"`) {
		t.Errorf("a second rule:\n%s", page)
	}
	page = b.orgPost("rules/remove", url.Values{"rule": {rules[0]["Identity"].(string)}})
	if got := env.Cmdlet("Get-ActiveSyncDeviceAccessRule", map[string]any{}); len(got) != 0 || !strings.Contains(page, "No device access rules.") {
		t.Errorf("after removing: %v\n%s", got, page)
	}
	page = b.orgPost("rules/remove", url.Values{"rule": {"nothing (DeviceType)"}})
	if !strings.Contains(page, `class="flash error"`) || !strings.Contains(page, "couldn&#39;t be found") {
		t.Errorf("removing an unknown rule:\n%s", page)
	}
}

// TestECPPolicyEdit: a setting edited in a policy's form is what
// Get-MobileDeviceMailboxPolicy then gives; the others are left alone.
func TestECPPolicyEdit(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.orgPost("policy", url.Values{"policy": {"Default"}, "PasswordEnabled": {"true"}, "MinPasswordLength": {"6"}, "AllowCamera": {"true"}, "MaxInactivityTimeLock": {"Unlimited"}})
	if !strings.Contains(page, "You saved the mobile device mailbox policy Default.") {
		t.Errorf("after saving:\n%s", page)
	}
	p := env.Cmdlet("Get-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default"})[0]
	if p["PasswordEnabled"] != true || text(p["MinPasswordLength"]) != "6" || p["AllowCamera"] != true || p["MaxInactivityTimeLock"] != "Unlimited" {
		t.Errorf("the policy: %v", p)
	}
	page = b.orgPost("policy", url.Values{"policy": {"Default"}, "MinPasswordLength": {"99"}})
	if !strings.Contains(page, `class="flash error"`) {
		t.Errorf("a length out of range:\n%s", page)
	}
	page = b.orgPost("policy", url.Values{"policy": {"Nope"}, "PasswordEnabled": {"true"}})
	if !strings.Contains(page, `class="flash error"`) {
		t.Errorf("an unknown policy:\n%s", page)
	}
}

// TestECPOrganizationFaultsAndEvents: the faults in force and the latest
// events, newest first, are on the organization page.
func TestECPOrganizationFaultsAndEvents(t *testing.T) {
	env, _ := ecpQuarantined(t)
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/faults", strings.NewReader(`{"match":{"cmdlet":"Set-CASMailbox"},"action":{"httpStatus":503},"count":3}`))
	req.Header.Set("Authorization", "Bearer "+simtest.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.HTTP.Client().Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("fault: %v %v", resp, err)
	}
	resp.Body.Close()
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.page("/ecp/organization")
	if !strings.Contains(page, "Faults in force (1)") || !strings.Contains(page, "cmdlet Set-CASMailbox") || !strings.Contains(page, "HTTP 503") {
		t.Errorf("faults:\n%s", page)
	}
	ids := regexp.MustCompile(`<tr><td>(\d+)</td><td>\d{4}-`).FindAllStringSubmatch(page, -1)
	if len(ids) < 2 {
		t.Fatalf("events:\n%s", page)
	}
	for i := 1; i < len(ids); i++ {
		if len(ids[i][1]) > len(ids[i-1][1]) || (len(ids[i][1]) == len(ids[i-1][1]) && ids[i][1] >= ids[i-1][1]) {
			t.Errorf("events not newest first: %v", ids)
			break
		}
	}
	if !strings.Contains(page, "Quarantined") && !strings.Contains(page, "quarantin") {
		t.Errorf("no quarantine event:\n%s", page)
	}
}

// TestECPOrganizationBadInput: nonsense in the organization page's forms
// is the cmdlets' error on the page, never a panic; an unknown form is 404.
func TestECPOrganizationBadInput(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	b := newECPBrowser(t, env)
	b.signIn()
	for _, c := range []struct {
		form string
		v    url.Values
	}{
		{"settings", url.Values{"DefaultAccessLevel": {"Sometimes"}}},
		{"settings", url.Values{"UserMailInsert": {strings.Repeat("x", 300)}}},
		{"rules/new", url.Values{"QueryString": {"iPhone"}, "Characteristic": {"Colour"}, "AccessLevel": {"Block"}}},
		{"rules/new", url.Values{}},
		{"rules/remove", url.Values{}},
		{"policy", url.Values{"policy": {"Default"}, "MaxInactivityTimeLock": {"soon"}, "MaxEmailAgeFilter": {"Forever"}}},
		{"policy", url.Values{}},
	} {
		page := b.orgPost(c.form, c.v)
		if !strings.Contains(page, `class="flash error"`) {
			t.Errorf("%s %v: no error\n%s", c.form, c.v, page)
		}
	}
	if got := env.Cmdlet("Get-ActiveSyncOrganizationSettings", map[string]any{})[0]["DefaultAccessLevel"]; got != "Allow" {
		t.Errorf("DefaultAccessLevel: %v", got)
	}
	st, _, _ := b.post("/ecp/organization/nothing", url.Values{"csrf": {b.csrf(b.page("/ecp/organization"))}})
	if st != http.StatusNotFound {
		t.Errorf("unknown form: %d", st)
	}
}

// TestECPLiveUpdates: the devices and device pages load live.js under a
// CSP that allows it (and no inline script), other pages keep the strict
// one; /ecp/events needs the session and streams an approval made
// elsewhere as it happens.
func TestECPLiveUpdates(t *testing.T) {
	env, guid := ecpQuarantined(t)
	b := newECPBrowser(t, env)
	if st, _, loc := b.get("/ecp/events"); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/ecp/signin") {
		t.Fatalf("/ecp/events without a session: %d %q", st, loc)
	}
	b.signIn()

	for _, path := range []string{"/ecp/devices", "/ecp/devices/" + guid} {
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		resp, err := b.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(string(body), `<script src="/ecp/live.js" defer></script>`) || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline'; img") && strings.Contains(csp, "script-src 'unsafe-inline'") {
			t.Errorf("%s: no live.js, or a CSP that does not allow it alone: %q", path, csp)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/ecp/organization", nil)
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "script-src") {
		t.Errorf("a page without live updates allows scripts: %q", csp)
	}
	if st, js, _ := b.get("/ecp/live.js"); st != http.StatusOK || !strings.Contains(js, "new EventSource('/ecp/events')") {
		t.Fatalf("/ecp/live.js: %d\n%s", st, js)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, env.URL+"/ecp/events", nil)
	resp, err = b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("/ecp/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The approval comes after the stream opened: it is the next event.
	env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []any{"QUAR1"}}})
	env.Device("alice", "QUAR1", eas.Version141).Provision() // the device's next request stamps the new state
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == "event: AccessStateChanged" {
			return
		}
	}
	t.Fatalf("the stream ended without the approval's AccessStateChanged: %v", sc.Err())
}

// TestECPDeviceRequests: a device's page shows its latest requests as the
// IIS log writes them, newest first, and only its own.
func TestECPDeviceRequests(t *testing.T) {
	env, guid := ecpQuarantined(t)
	env.Device("bob", "OTHER1", eas.Version141).Provision()
	d := env.Device("alice", "QUAR1", eas.Version141)
	d.FolderSync()
	b := newECPBrowser(t, env)
	b.signIn()
	page := b.page("/ecp/devices/" + guid)
	i := strings.Index(page, `<pre class="iislog">`)
	if i < 0 {
		t.Fatalf("no recent requests on the device page:\n%s", page)
	}
	log := page[i : strings.Index(page[i:], "</pre>")+i]
	fs, prov := strings.Index(log, "Cmd=FolderSync"), strings.Index(log, "Cmd=Provision")
	if fs < 0 || prov < 0 || fs > prov || !strings.Contains(log, "DeviceId=QUAR1") {
		t.Errorf("the device's requests, newest first, should hold its FolderSync before its Provision:\n%s", log)
	}
	if strings.Contains(log, "OTHER1") {
		t.Errorf("another device's request on this device's page:\n%s", log)
	}
}
