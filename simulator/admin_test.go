package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/simtest"
)

// Helpers of the admin API's tests, which run on simtest: partnerships
// inserted directly (Mailbox.AddDeviceForTest), and requests made by hand
// where the HTTP exchange is what is tested.

// adminReply is a reply as it is on the wire, for the tests of the admin
// API's own HTTP behaviour: status codes, headers, the JSON body and its
// error object, whose cmdlet (the server's spelling) and position (of a
// filter error) adminapi.Error does not carry.
type adminReply struct {
	Status   int
	Output   []map[string]any `json:"output"`
	Warnings []string         `json:"warnings"`
	Error    *adminError      `json:"error"`
	Header   http.Header
	Raw      string
}

type adminError struct {
	Category string `json:"category"`
	Message  string `json:"message"`
	Cmdlet   string `json:"cmdlet"`
	Position int    `json:"position"`
}

// rawAdmin sends a request made by hand to the admin API, with the given
// method, path, token ("" for none) and body.
func rawAdmin(tb testing.TB, env *simtest.Env, method, path, token string, body []byte) adminReply {
	tb.Helper()
	req, err := http.NewRequest(method, env.URL+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	r := adminReply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, &r); err != nil {
		tb.Fatalf("%s %s: HTTP %d, body not JSON: %v\n%s", method, path, resp.StatusCode, err, raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	return r
}

// rawCmdlet posts a cmdlet by hand, with the server's token.
func rawCmdlet(tb testing.TB, env *simtest.Env, cmdlet string, params map[string]any) adminReply {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"cmdlet": cmdlet, "parameters": params})
	if err != nil {
		tb.Fatal(err)
	}
	return rawAdmin(tb, env, http.MethodPost, "/api/cmdlet", env.Admin.Token, body)
}

// refusal is rawCmdlet of a cmdlet that must fail with the status and
// category; it returns the JSON error object.
func refusal(tb testing.TB, env *simtest.Env, cmdlet string, params map[string]any, status int, category string) *adminError {
	tb.Helper()
	r := rawCmdlet(tb, env, cmdlet, params)
	if r.Status != status || r.Error == nil || r.Error.Category != category {
		tb.Fatalf("%s %v: want HTTP %d %s, got HTTP %d %s", cmdlet, params, status, category, r.Status, r.Raw)
	}
	return r.Error
}

// quarantined is a partnership as a new device has it under a Quarantine
// default.
func quarantined(id, typ string) simulator.Device {
	return simulator.Device{
		DeviceID: id, DeviceType: typ, DeviceUserAgent: "Apple-iPhone15C2/2201.1", ProtocolVersion: "16.1",
		Info:    simulator.DeviceInformation{Model: "iPhone15C2", OS: "iOS 18.1", FriendlyName: "Work phone", IMEI: "356938035643809", PhoneNumber: "+14255550123", OSLanguage: "en-us", MobileOperator: "Contoso Mobile"},
		HasInfo: true, FirstSyncTime: simtest.Start, LastSyncAttemptTime: simtest.Start.Add(time.Minute),
		DeviceAccessState: access.Quarantined, DeviceAccessStateReason: access.ReasonGlobal,
	}
}

func withState(d simulator.Device, state access.State, reason access.Reason) simulator.Device {
	d.DeviceAccessState, d.DeviceAccessStateReason = state, reason
	return d
}

func TestAdminToken(t *testing.T) {
	// The wrong headers below are variations of the token "t".
	e := simtest.New(t, simulator.Options{AdminToken: "t"})
	body := []byte(`{"cmdlet":"Get-Mailbox","parameters":{"Identity":"alice"}}`)
	for _, tc := range []struct {
		name, auth string
	}{
		{"no header", ""},
		{"wrong token", "Bearer wrong"},
		{"longer token", "Bearer tt"},
		{"empty token", "Bearer "},
		{"basic", "Basic dDp0"},
		{"token without scheme", "t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/cmdlet", bytes.NewReader(body))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var r adminReply
			json.NewDecoder(resp.Body).Decode(&r)
			if resp.StatusCode != http.StatusUnauthorized || r.Error == nil || r.Error.Category != "AuthenticationError" {
				t.Fatalf("HTTP %d %+v", resp.StatusCode, r.Error)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// Any path under /api/ needs the token, even one that does not exist.
	if r := rawAdmin(t, e, http.MethodGet, "/api/nothing", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("unknown path without token: HTTP %d", r.Status)
	}
	if r := rawAdmin(t, e, http.MethodGet, "/api/nothing", e.Admin.Token, nil); r.Status != http.StatusNotFound || r.Error.Category != "ObjectNotFound" {
		t.Errorf("unknown path with token: HTTP %d %s", r.Status, r.Raw)
	}
	// "bearer" is a case-insensitive scheme.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/cmdlet", bytes.NewReader(body))
	req.Header.Set("Authorization", "bearer t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("lower-case scheme: HTTP %d", resp.StatusCode)
	}
	// The EAS endpoint is not behind the token.
	if r, _ := http.Get(e.URL + "/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("healthz: HTTP %d", r.StatusCode)
	}
}

func TestAdminRandomToken(t *testing.T) {
	srv, err := simulator.New(simulator.Options{Directory: simtest.DemoDirectory(t, 0), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv2, _ := simulator.New(simulator.Options{Directory: simtest.DemoDirectory(t, 0), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tok := srv.AdminToken()
	if len(tok) < 32 || tok == srv2.AdminToken() {
		t.Fatalf("tokens %q and %q", tok, srv2.AdminToken())
	}
	// The server is built by hand: what is tested is New's default, which
	// simtest replaces with a known token.
	hs := httptest.NewServer(srv)
	defer hs.Close()
	admin := &adminapi.Client{URL: hs.URL, Token: tok}
	if err := admin.Run(context.Background(), "Get-ActiveSyncOrganizationSettings", nil, nil); err != nil {
		t.Fatalf("with the random token: %v", err)
	}
	if s, _ := simulator.New(simulator.Options{Directory: simtest.DemoDirectory(t, 0), AdminToken: "given", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); s.AdminToken() != "given" {
		t.Fatalf("AdminToken() = %q", s.AdminToken())
	}
}

func TestAdminRequestErrors(t *testing.T) {
	e := simtest.New(t, simulator.Options{})

	r := rawAdmin(t, e, http.MethodGet, "/api/cmdlet", e.Admin.Token, nil)
	if r.Status != http.StatusMethodNotAllowed || r.Error.Category != "InvalidOperation" || r.Header.Get("Allow") != "POST" {
		t.Errorf("GET: HTTP %d %s", r.Status, r.Raw)
	}

	big := []byte(`{"cmdlet":"Get-Mailbox","parameters":{"Identity":"` + strings.Repeat("a", simulator.MaxAdminRequestBytes) + `"}}`)
	if r := rawAdmin(t, e, http.MethodPost, "/api/cmdlet", e.Admin.Token, big); r.Status != http.StatusRequestEntityTooLarge || r.Error.Category != "LimitsExceeded" {
		t.Errorf("oversized body: HTTP %d %s", r.Status, r.Raw)
	}

	for _, body := range []string{``, `nonsense`, `[]`, `{"cmdlet":"Get-Mailbox","params":{}}`, `{"cmdlet":"Get-Mailbox"} {}`, `{"cmdlet":"Get-Mailbox","parameters":[1]}`} {
		if r := rawAdmin(t, e, http.MethodPost, "/api/cmdlet", e.Admin.Token, []byte(body)); r.Status != http.StatusBadRequest || r.Error.Category != "ParserError" {
			t.Errorf("body %q: HTTP %d %s", body, r.Status, r.Raw)
		}
	}

	er := refusal(t, e, "Get-Mobiledevices", nil, http.StatusNotFound, "ObjectNotFound")
	if want := "The term 'Get-Mobiledevices' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."; er.Message != want || er.Cmdlet != "Get-Mobiledevices" {
		t.Errorf("unknown cmdlet: %+v", er)
	}
}

func TestAdminCmdletNames(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	e.Mailbox("alice").AddDeviceForTest(quarantined("ALICEPHONE", "iPhone"))
	for _, name := range []string{"Get-MobileDevice", "get-mobiledevice", "GET-ACTIVESYNCDEVICE", "Get-ActiveSyncDevice"} {
		if out := e.Cmdlet(name, nil); len(out) != 1 || out[0]["DeviceId"] != "ALICEPHONE" {
			t.Errorf("%s: %v", name, out)
		}
	}
	if out := e.Cmdlet("Get-ActiveSyncDeviceStatistics", map[string]any{"Mailbox": "alice"}); len(out) != 1 {
		t.Errorf("Get-ActiveSyncDeviceStatistics: %v", out)
	}
	// Errors name the cmdlet as invoked, spelt as defined.
	er := refusal(t, e, "get-activesyncdevice", map[string]any{"Identity": "nope"}, http.StatusNotFound, "ManagementObjectNotFound")
	if er.Cmdlet != "Get-ActiveSyncDevice" {
		t.Errorf("cmdlet %q", er.Cmdlet)
	}
}

func TestAdminParameterBinding(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	if er := refusal(t, e, "Get-Mailbox", map[string]any{"Foo": 1}, http.StatusBadRequest, "InvalidArgument"); er.Message != "A parameter cannot be found that matches parameter name 'Foo'." || er.Cmdlet != "Get-Mailbox" {
		t.Errorf("unknown parameter: %+v", er)
	}
	// Names ignore case and may be unambiguous prefixes.
	if out := e.Cmdlet("Get-Mailbox", map[string]any{"identity": "alice"}); len(out) != 1 {
		t.Errorf("lower-case name: %v", out)
	}
	if out := e.Cmdlet("Get-Mailbox", map[string]any{"Ident": "alice"}); len(out) != 1 {
		t.Errorf("prefix: %v", out)
	}
	er := e.CmdletFails("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSync": true}, http.StatusBadRequest, "InvalidArgument")
	if !strings.Contains(er.Message, "is ambiguous. Possible matches include: -ActiveSyncAllowedDeviceIDs -ActiveSyncBlockedDeviceIDs -ActiveSyncEnabled") {
		t.Errorf("ambiguous prefix: %s", er.Message)
	}
	// A parameter given twice.
	r := rawAdmin(t, e, http.MethodPost, "/api/cmdlet", e.Admin.Token, []byte(`{"cmdlet":"Get-Mailbox","parameters":{"Identity":"alice","identity":"bob"}}`))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Error.Message, "'Identity' is specified more than once") {
		t.Errorf("repeated parameter: %s", r.Raw)
	}
	// Mandatory parameters.
	er = e.CmdletFails("Set-CASMailbox", map[string]any{"ActiveSyncEnabled": false}, http.StatusBadRequest, "InvalidArgument")
	if er.Message != "Cannot process command because of one or more missing mandatory parameters: Identity." {
		t.Errorf("missing mandatory: %s", er.Message)
	}
	er = e.CmdletFails("New-ActiveSyncDeviceAccessRule", map[string]any{"AccessLevel": "Allow"}, http.StatusBadRequest, "InvalidArgument")
	if er.Message != "Cannot process command because of one or more missing mandatory parameters: QueryString Characteristic." {
		t.Errorf("missing mandatory: %s", er.Message)
	}
	er = e.CmdletFails("Remove-MobileDevice", map[string]any{"Identity": nil}, http.StatusBadRequest, "InvalidArgument")
	if er.Message != "Cannot bind argument to parameter 'Identity' because it is null." {
		t.Errorf("null mandatory: %s", er.Message)
	}
	er = e.CmdletFails("Remove-MobileDevice", map[string]any{"Identity": " "}, http.StatusBadRequest, "InvalidArgument")
	if er.Message != "Cannot bind argument to parameter 'Identity' because it is an empty string." {
		t.Errorf("empty mandatory: %s", er.Message)
	}
	// Values of the wrong type.
	for _, tc := range []struct {
		cmdlet string
		params map[string]any
		want   string
	}{
		{"Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": "no"}, "Cannot process argument transformation on parameter 'ActiveSyncEnabled'. Cannot convert value \"System.String\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0."},
		{"Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": nil}, "Cannot convert null"},
		{"Get-Mailbox", map[string]any{"Identity": []string{"a", "b"}}, "System.Object[]"},
		{"Get-Mailbox", map[string]any{"ResultSize": "lots"}, "Cannot bind parameter 'ResultSize'"},
		{"Get-Mailbox", map[string]any{"ResultSize": -1}, "Cannot bind parameter 'ResultSize'"},
		{"Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Deny"}, "Unable to match the identifier name Deny to a valid enumerator name. Specify one of the following enumerator names and try again:\nAllow, Block, Quarantine"},
		{"Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Replace": "x"}}, "The operation \"Replace\" isn't supported"},
		{"Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": []any{"x", true}}, "Cannot bind parameter 'ActiveSyncAllowedDeviceIDs'"},
		{"Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": []string{"x", ""}}, "The value can't be empty."},
	} {
		er := e.CmdletFails(tc.cmdlet, tc.params, http.StatusBadRequest, "InvalidArgument")
		if !strings.Contains(er.Message, tc.want) {
			t.Errorf("%s %v: %q, want %q", tc.cmdlet, tc.params, er.Message, tc.want)
		}
	}
	// Booleans as numbers and as PowerShell literals; common parameters.
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": 0, "Confirm": false, "DomainController": "DC01"})
	if out := e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"}); out[0]["ActiveSyncEnabled"] != false {
		t.Errorf("ActiveSyncEnabled 0: %v", out[0]["ActiveSyncEnabled"])
	}
	e.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncEnabled": "$true"})
	if out := e.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"}); out[0]["ActiveSyncEnabled"] != true {
		t.Errorf("ActiveSyncEnabled $true: %v", out[0]["ActiveSyncEnabled"])
	}
	// No parameters at all, as null or absent.
	for _, body := range []string{`{"cmdlet":"Get-ActiveSyncOrganizationSettings"}`, `{"cmdlet":"Get-ActiveSyncOrganizationSettings","parameters":null}`, `{"cmdlet":"Get-ActiveSyncOrganizationSettings","parameters":{}}`} {
		if r := rawAdmin(t, e, http.MethodPost, "/api/cmdlet", e.Admin.Token, []byte(body)); r.Status != http.StatusOK || len(r.Output) != 1 {
			t.Errorf("%s: %s", body, r.Raw)
		}
	}
}

func TestAdminReplyShape(t *testing.T) {
	e := simtest.New(t, simulator.Options{})
	// An empty output is [], never null; Set- cmdlets write nothing.
	r := rawCmdlet(t, e, "Get-MobileDevice", map[string]any{"Mailbox": "bob"})
	if r.Status != http.StatusOK || !strings.Contains(r.Raw, `"output":[]`) {
		t.Errorf("empty output: %s", r.Raw)
	}
	r = rawCmdlet(t, e, "Set-CASMailbox", map[string]any{"Identity": "bob", "ActiveSyncEnabled": false})
	if r.Status != http.StatusOK || strings.TrimSpace(r.Raw) != `{"output":[]}` {
		t.Errorf("Set- output: %s", r.Raw)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}
}
