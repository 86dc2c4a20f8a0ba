package simulator_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// rawExchange sends the requests one after the other over one connection
// to env's server and returns each response as its bytes came on the wire
// (http.Response.Header would canonicalize the names again). Each
// response is parsed with net/http, so a rewritten status line that broke
// the framing fails here.
func rawExchange(t *testing.T, env *simtest.Env, reqs ...*http.Request) [][]byte {
	t.Helper()
	conn, err := net.Dial("tcp", env.HTTP.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var raw bytes.Buffer
	br := bufio.NewReader(io.TeeReader(conn, &raw))
	var out [][]byte
	for _, r := range reqs {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if err := r.Write(conn); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, r)
		if err != nil {
			t.Fatalf("reading the answer to %s %s: %v; so far:\n%s", r.Method, r.URL, err, raw.String())
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			t.Fatalf("reading the body of the answer to %s %s: %v", r.Method, r.URL, err)
		}
		resp.Body.Close()
		// The next request is sent only now, so the connection holds
		// nothing past this response.
		out = append(out, bytes.Clone(raw.Bytes()))
		raw.Reset()
	}
	return out
}

// headerLines returns the raw header lines of a response, without its
// status line.
func headerLines(resp []byte) []string {
	head, _, _ := bytes.Cut(resp, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	return lines[1:]
}

// hasLine reports whether the response has the header line "name: value"
// with name spelled exactly so; value "" matches any value.
func hasLine(resp []byte, name, value string) bool {
	for _, l := range headerLines(resp) {
		n, v, ok := strings.Cut(l, ": ")
		if ok && n == name && (value == "" || v == value) {
			return true
		}
	}
	return false
}

func optionsRequest(t *testing.T, env *simtest.Env) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodOptions, env.EASURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.SetBasicAuth("alice", demo.Password)
	return r
}

// The headers Exchange's answers carry, spelled as Exchange writes them
// (issue 14 points 10 and 11): captured Exchange 2019 and 2016 answers
// (Server: Microsoft-IIS/10.0, request-id, X-CalculatedBETarget,
// X-AspNet-Version, X-Powered-By, X-FEServer; X-BEServer; see
// simulator/dressing.go), protocol.md 1.6-1.7 (MS-ASProtocolVersions,
// MS-ASProtocolCommands, MS-Server-ActiveSync), exchange-admin.md 2.2
// (X-MS-ASThrottle). Read on the raw bytes: net/http would otherwise write
// Ms-Asprotocolversions.
func TestHeadersAsExchangeSpellsThem(t *testing.T) {
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, c := range []struct {
		profile, server, aspnet string
		frontEnd                bool
	}{
		{eas.ProfileExchange2019, "Microsoft-IIS/10.0", "4.0.30319", true},
		{eas.ProfileExchange2016, "Microsoft-IIS/10.0", "4.0.30319", true},
		{eas.ProfileExchange2013, "Microsoft-IIS/8.5", "4.0.30319", true},
		{eas.ProfileExchange2010SP3, "Microsoft-IIS/7.5", "2.0.50727", false},
	} {
		t.Run(c.profile, func(t *testing.T) {
			profile, _ := eas.Profile(c.profile)
			env := simtest.New(t, simulator.Options{Profile: profile, ServerName: "ex19-01", ErrorResponseDelay: -1})
			d := env.Device("alice", "HDR1", eas.Version141)
			d.Provision()
			fs := d.HTTPRequest(d.Request(eas.CommandFolderSync), mustMarshal(t, &eas.FolderSyncRequest{SyncKey: "0"}))
			unauth := optionsRequest(t, env)
			unauth.SetBasicAuth("alice", "wrong")
			ad, err := http.NewRequest(http.MethodPost, env.URL+"/autodiscover/autodiscover.xml", strings.NewReader("<Autodiscover/>"))
			if err != nil {
				t.Fatal(err)
			}
			resps := rawExchange(t, env, optionsRequest(t, env), fs, unauth, ad)
			for i, resp := range resps {
				if !hasLine(resp, "Server", c.server) || !hasLine(resp, "X-AspNet-Version", c.aspnet) || !hasLine(resp, "X-Powered-By", "ASP.NET") {
					t.Errorf("answer %d lacks IIS's and ASP.NET's headers:\n%s", i, resp)
				}
				if got := hasLine(resp, "X-FEServer", "EX19-01") && hasLine(resp, "X-BEServer", "EX19-01") &&
					hasLine(resp, "X-CalculatedBETarget", "ex19-01.contoso.com") && hasLine(resp, "request-id", ""); got != c.frontEnd {
					t.Errorf("answer %d: front-end headers %v, want %v:\n%s", i, got, c.frontEnd, resp)
				}
				for _, l := range headerLines(resp) {
					n, v, _ := strings.Cut(l, ": ")
					if n == "request-id" && !guid.MatchString(v) {
						t.Errorf("request-id %q is not a GUID", v)
					}
				}
			}
			options, folderSync, challenge := resps[0], resps[1], resps[2]
			if !strings.HasPrefix(string(resps[3]), "HTTP/1.1 401 ") || !hasLine(resps[3], "WWW-Authenticate", "") {
				t.Errorf("Autodiscover without credentials: want 401 with WWW-Authenticate spelled so:\n%s", resps[3])
			}
			for _, name := range []string{"MS-Server-ActiveSync", "MS-ASProtocolVersions", "MS-ASProtocolCommands"} {
				if !hasLine(options, name, "") {
					t.Errorf("OPTIONS: no %s spelled so:\n%s", name, options)
				}
			}
			if !hasLine(folderSync, "MS-Server-ActiveSync", profile.ServerVersion) {
				t.Errorf("FolderSync: no MS-Server-ActiveSync spelled so:\n%s", folderSync)
			}
			if !hasLine(challenge, "WWW-Authenticate", "") || !strings.HasPrefix(string(challenge), "HTTP/1.1 401 ") {
				t.Errorf("401: no WWW-Authenticate spelled so:\n%s", challenge)
			}
			for _, resp := range resps {
				for _, canonical := range []string{"Ms-Server-Activesync", "Ms-Asprotocolversions", "Ms-Asprotocolcommands", "Www-Authenticate", "X-Feserver", "Request-Id"} {
					if hasLine(resp, canonical, "") {
						t.Errorf("Go's canonical %s went on the wire:\n%s", canonical, resp)
					}
				}
			}
		})
	}
}

// A FolderSync with SyncKey 0 carries X-MS-RP, MS-ASProtocolVersions and
// MS-ASProtocolCommands (issue 14 point 6; MS-ASHTTP 3.2.5.1 "SHOULD";
// Exchange 2013's FolderCommand.LoadSyncState and
// Command.AddHeadersForEnterpriseOrgUser, protocol.md 1.6); a later one
// does not.
func TestFolderSyncKeyZeroCarriesResetHeaders(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	profile := eas.DefaultProfile()
	d := env.Device("alice", "RP1", eas.Version161)
	d.Provision()
	first := d.HTTPRequest(d.Request(eas.CommandFolderSync), mustMarshal(t, &eas.FolderSyncRequest{SyncKey: "0"}))
	resps := rawExchange(t, env, first)
	for _, h := range []struct{ name, value string }{
		{"X-MS-RP", profile.VersionsHeader()},
		{"MS-ASProtocolVersions", profile.VersionsHeader()},
		{"MS-ASProtocolCommands", profile.CommandsHeader()},
	} {
		if !hasLine(resps[0], h.name, h.value) {
			t.Errorf("FolderSync SyncKey 0: want %s: %s:\n%s", h.name, h.value, resps[0])
		}
	}
	// The hierarchy's next step has none of them.
	var r eas.FolderSyncResponse
	d.CallOK(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r)
	next := d.HTTPRequest(d.Request(eas.CommandFolderSync), mustMarshal(t, &eas.FolderSyncRequest{SyncKey: r.SyncKey}))
	resps = rawExchange(t, env, next)
	for _, name := range []string{"X-MS-RP", "MS-ASProtocolVersions", "MS-ASProtocolCommands"} {
		if hasLine(resps[0], name, "") {
			t.Errorf("FolderSync SyncKey %s carries %s:\n%s", r.SyncKey, name, resps[0])
		}
	}
}

// 449 with Exchange's reason phrase, and 451 with none (issue 14 point
// 12; Exchange 2013's AirSyncResponse sets StatusDescription "Retry after
// sending a PROVISION command" for 449 and nothing for 451). The
// responses after them on the same connection still parse: the framing
// is intact.
func TestReasonPhrasesOnTheWire(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	d := env.Device("alice", "PHRASE1", eas.Version121)
	d.HasKey = true // key 0: not provisioned, 449 up to 12.1
	sync := d.HTTPRequest(d.Request(eas.CommandFolderSync), mustMarshal(t, &eas.FolderSyncRequest{SyncKey: "0"}))
	code, body := postFault(t, env, `{"match": {"command": "Settings"}, "action": {"redirect": "https://mail2.contoso.com/Microsoft-Server-ActiveSync"}, "count": 1}`)
	if code/100 != 2 {
		t.Fatalf("redirect fault: HTTP %d %s", code, body)
	}
	settings := d.HTTPRequest(d.Request(eas.CommandSettings), mustMarshal(t, &eas.SettingsRequest{DeviceInformation: simtest.DeviceInfo()}))
	resps := rawExchange(t, env, sync, optionsRequest(t, env), settings, optionsRequest(t, env))
	if want := "HTTP/1.1 449 Retry after sending a PROVISION command\r\n"; !strings.HasPrefix(string(resps[0]), want) {
		t.Errorf("want %q, got:\n%s", want, resps[0])
	}
	if want := "HTTP/1.1 451 \r\n"; !strings.HasPrefix(string(resps[2]), want) {
		t.Errorf("want %q, got:\n%s", want, resps[2])
	}
	if !hasLine(resps[2], "X-MS-Location", "https://mail2.contoso.com/Microsoft-Server-ActiveSync") {
		t.Errorf("451 without X-MS-Location spelled so:\n%s", resps[2])
	}
	for _, i := range []int{1, 3} {
		if !strings.HasPrefix(string(resps[i]), "HTTP/1.1 200 OK\r\n") {
			t.Errorf("the OPTIONS after a rewritten status line: %s", resps[i])
		}
	}
}

// postFault posts a fault to /api/faults.
func postFault(t *testing.T, env *simtest.Env, fault string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/faults", strings.NewReader(fault))
	req.Header.Set("Authorization", "Bearer "+simtest.AdminToken)
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The autoblock 503's Retry-After is the remaining block time as .NET
// writes a double: TimeSpan.TotalSeconds.ToString() (issue 14 point 12;
// Exchange 2013's Command.DetermineDeviceAccessState), so 598.5 a second
// and a half into a 10-minute block; X-MS-ASThrottle is spelled as
// Exchange writes it (exchange-admin.md 2.2).
func TestAutoblockRetryAfterAsExchangeWritesIt(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", map[string]any{"Identity": "UserAgentsChanges", "BehaviorTypeIncidenceLimit": 2, "BehaviorTypeIncidenceDuration": "01:00:00", "DeviceBlockDuration": "00:10:00"})
	d := env.Device("alice", "FLAKY2", eas.Version141)
	d.Provision()
	d.UserAgent = "Apple-iPhone15C2/2201.2"
	d.FolderSync()
	d.UserAgent = "Apple-iPhone15C2/2201.3"
	resp, _ := d.Post(eas.CommandFolderSync, nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "600" {
		t.Fatalf("blocked: HTTP %d Retry-After %q, want 503 and 600", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	env.Clock.Advance(1500 * time.Millisecond)
	resps := rawExchange(t, env, d.HTTPRequest(d.Request(eas.CommandFolderSync), nil))
	if !hasLine(resps[0], "Retry-After", "598.5") || !hasLine(resps[0], "X-MS-ASThrottle", "UserAgentsChanges") {
		t.Errorf("1.5 s later: want Retry-After: 598.5 and X-MS-ASThrottle: UserAgentsChanges:\n%s", resps[0])
	}
}

// A Sync whose collection has SyncKey 0 and asks for changes (or carries
// commands) fails as a whole, with the top-level Status 4 (issue 14 point
// 7; Interop MS-ASCMD R5838; Exchange 2013's SyncCommand.ParseSyncKey,
// Error:Sk0WithActions).
func TestSyncKeyZeroWithGetChangesIsATopLevelProtocolError(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	d := env.Device("alice", "SK0GC", eas.Version161)
	d.Provision()
	inbox := d.FolderSync()["Inbox"].ServerId
	for _, col := range []eas.SyncCollection{
		{SyncKey: "0", CollectionId: inbox, GetChanges: eas.NewBool(true)},
		{SyncKey: "0", CollectionId: inbox, Commands: eas.SyncCommands{{Kind: eas.SyncDelete, ServerId: inbox + ":1"}}},
	} {
		_, body := d.Post(eas.CommandSync, mustMarshal(t, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}}))
		var r eas.SyncResponse
		if err := wbxml.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		if r.Status != 4 || r.Collections != nil {
			t.Errorf("want <Sync><Status>4</Status></Sync> and no collection, got:\n%s", simtest.XML(body))
		}
	}
	// Without GetChanges, the first Sync succeeds.
	if col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox}); col == nil || col.Status != 1 {
		t.Errorf("SyncKey 0 without GetChanges: %+v", col)
	}
}

// A quarantined device's Search gets Status 1 with the store's Status 3
// (issue 14 point 8; Exchange 2013's SearchCommand.HandleQuarantinedState,
// GetProviderErrorXml(3); exchange-admin.md 2.1).
func TestQuarantinedSearchAnswersStoreStatus3(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
	d := env.Device("alice", "QSEARCH1", eas.Version141)
	d.Provision()
	if got := env.AccessState("QSEARCH1"); got != "Quarantined/Global" {
		t.Fatalf("access state %s, want Quarantined/Global", got)
	}
	resp, body := d.Post(eas.CommandSearch, mustMarshal(t, &eas.SearchRequest{Store: &eas.SearchStore{Name: eas.SearchStoreGAL, Query: &eas.SearchQuery{Text: "alice"}, Options: &eas.SearchOptions{Range: "0-9"}}}))
	var r eas.SearchResponse
	if err := wbxml.Unmarshal(body, &r); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %v", resp.StatusCode, err)
	}
	if r.Status != 1 || r.Response == nil || r.Response.Store == nil || r.Response.Store.Status != 3 || len(r.Response.Store.Result) != 0 {
		t.Errorf("want <Search><Status>1</Status><Response><Store><Status>3</Status>, got:\n%s", simtest.XML(body))
	}
}

// While a device has not sent DeviceInformation, its DeviceModel is its
// DeviceType (issue 14 point 9; Exchange 2013's Command.IsDeviceAccessAllowed
// and CompleteDeviceAccessProcessing; exchange-admin.md 1.3 step 6), not
// empty; its own model replaces it once it sends one.
func TestDeviceModelDefaultsToDeviceType(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
	d := env.Device("alice", "DISC1", eas.Version141)
	d.Type = "TbSync"
	d.FolderSync()
	if got := env.AccessState("DISC1"); got != "DeviceDiscovery/Global" {
		t.Fatalf("access state %s, want DeviceDiscovery/Global", got)
	}
	model := func() any {
		for _, o := range env.Cmdlet("Get-MobileDevice", map[string]any{"Mailbox": "alice"}) {
			if o["DeviceId"] == "DISC1" {
				return o["DeviceModel"]
			}
		}
		t.Fatal("Get-MobileDevice -Mailbox alice: no DISC1")
		return nil
	}
	if got := model(); got != "TbSync" {
		t.Errorf("DeviceModel during discovery %q, want the DeviceType TbSync", got)
	}
	var sr eas.SettingsResponse
	d.CallOK(eas.CommandSettings, &eas.SettingsRequest{DeviceInformation: simtest.DeviceInfo()}, &sr)
	if got := model(); got != simtest.DeviceInfo().Set.Model {
		t.Errorf("DeviceModel after DeviceInformation %q, want %q", got, simtest.DeviceInfo().Set.Model)
	}
}
