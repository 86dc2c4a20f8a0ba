package simulator_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/powershell/client"
	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// Tests of /PowerShell, Exchange's Remote PowerShell endpoint, through the
// Go client on the same packages (powershell/client).

func openPS(t *testing.T, env *simtest.Env, user string) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := client.Open(ctx, client.Config{URL: env.URL + "/PowerShell/", User: user, Password: demo.Password})
	if err != nil {
		t.Fatalf("opening a Remote PowerShell session as %s: %v", user, err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func invoke(t *testing.T, s *client.Session, cmds ...psrp.Command) *client.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.Invoke(ctx, cmds...)
	if err != nil {
		t.Fatalf("%s: %v", cmds[0].Name, err)
	}
	return res
}

func cmd(name string, args ...psrp.Argument) psrp.Command {
	return psrp.Command{Name: name, Args: args}
}
func arg(name string, v any) psrp.Argument { return psrp.Argument{Name: name, Value: v} }

// TestRemotePowerShellAgentFlow is an agent's flow over /PowerShell: the
// quarantine is found with -Filter, the device is released with
// Set-CASMailbox @{Add=...} and then syncs.
func TestRemotePowerShellAgentFlow(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")
	if ps.ServerVersion != "2.3" {
		t.Errorf("server protocol version %q, want 2.3", ps.ServerVersion)
	}
	res := invoke(t, ps, cmd("Set-ActiveSyncOrganizationSettings", arg("DefaultAccessLevel", "Quarantine"), arg("Confirm", false)))
	if res.Failed != nil || len(res.Errors) > 0 {
		t.Fatalf("Set-ActiveSyncOrganizationSettings: %+v %+v", res.Failed, res.Errors)
	}
	d := env.Device("alice", "QUAR1", eas.Version141).Provision()

	res = invoke(t, ps, cmd("Get-MobileDevice", arg("ResultSize", "Unlimited"), arg("Filter", "DeviceAccessState -eq 'Quarantined'")))
	if res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("Get-MobileDevice -Filter quarantined: want one device, got %d objects, failed %+v", len(res.Output), res.Failed)
	}
	dev := res.Output[0].(*clixml.Object)
	if got := dev.TypeNames[0]; got != "Microsoft.Exchange.Data.Directory.Management.MobileDevice" {
		t.Errorf("type %q, want Exchange's MobileDevice", got)
	}
	if got := dev.DeserializedTypeNames()[0]; got != "Deserialized.Microsoft.Exchange.Data.Directory.Management.MobileDevice" {
		t.Errorf("client-side type %q", got)
	}
	if dev.String("DeviceAccessState") != "Quarantined" || dev.String("DeviceId") != "QUAR1" {
		t.Fatalf("device: state %q id %q", dev.String("DeviceAccessState"), dev.String("DeviceId"))
	}
	if v, _ := dev.Get("FirstSyncTime"); v == nil {
		t.Errorf("FirstSyncTime is null")
	} else if _, ok := v.(time.Time); !ok {
		t.Errorf("FirstSyncTime is %T, want a DateTime", v)
	}

	hash := &clixml.Object{TypeNames: []string{"System.Collections.Hashtable", "System.Object"}, Dict: []clixml.Entry{{Key: "Add", Value: "QUAR1"}}}
	res = invoke(t, ps, cmd("Set-CASMailbox", psrp.Argument{Value: "alice"}, arg("ActiveSyncAllowedDeviceIDs", hash), arg("Confirm", false)))
	if res.Failed != nil || len(res.Errors) > 0 {
		t.Fatalf("Set-CASMailbox @{Add=...}: %+v %+v", res.Failed, res.Errors)
	}
	if got := env.AccessState(dev.String("Identity")); got != "Allowed/Individual" {
		t.Fatalf("released device: %s", got)
	}
	if f := d.FolderSync(); f["Inbox"].ServerId == "" {
		t.Fatalf("the released device cannot sync: %v", f)
	}
}

// TestRemotePowerShellErrorsAndWarnings: errors arrive as ErrorRecords
// with Exchange's ids and categories, warnings on the warning stream,
// binding errors stop the pipeline, -ErrorAction Stop makes an error
// terminating.
func TestRemotePowerShellErrorsAndWarnings(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")

	res := invoke(t, ps, cmd("Get-MobileDevice", arg("Identity", "nosuchdevice")))
	if res.Failed != nil || len(res.Errors) != 1 {
		t.Fatalf("an unknown device: want one non-terminating error, got failed %+v errors %+v", res.Failed, res.Errors)
	}
	e := res.Errors[0]
	if !strings.Contains(e.FullyQualifiedErrorID, "[FailureCategory=Cmdlet-ManagementObjectNotFoundException]") || !strings.HasSuffix(e.FullyQualifiedErrorID, ",Microsoft.Exchange.Management.Tasks.GetMobileDevice") {
		t.Errorf("FullyQualifiedErrorId %q", e.FullyQualifiedErrorID)
	}
	if e.ExceptionTypes[0] != "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException" || !strings.Contains(e.Message, "couldn't be found") {
		t.Errorf("exception %v: %s", e.ExceptionTypes, e.Message)
	}

	res = invoke(t, ps, cmd("Get-MobileDevice", arg("Identity", "nosuchdevice"), arg("ErrorAction", "Stop")))
	if res.Failed == nil || len(res.Errors) != 0 {
		t.Fatalf("-ErrorAction Stop: want a failed pipeline, got %+v %+v", res.Failed, res.Errors)
	}

	res = invoke(t, ps, cmd("Get-MobileDevice", arg("NoSuchParameter", "x")))
	if res.Failed == nil || res.Failed.FullyQualifiedErrorID != "NamedParameterNotFound,Get-MobileDevice" || res.Failed.Category != psrp.InvalidArgument {
		t.Fatalf("an unknown parameter: %+v", res.Failed)
	}

	res = invoke(t, ps, cmd("Get-Process"))
	if res.Failed == nil || res.Failed.FullyQualifiedErrorID != "CommandNotFoundException" {
		t.Fatalf("a command Exchange's runspace does not have: %+v", res.Failed)
	}

	res = invoke(t, ps, cmd("Set-CASMailbox", arg("Identity", "alice"), arg("ActiveSyncEnabled", true)))
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "The command completed successfully but no settings of") {
		t.Fatalf("a Set- that changed nothing: warnings %q", res.Warnings)
	}
	res = invoke(t, ps, cmd("Set-CASMailbox", arg("Identity", "alice"), arg("ActiveSyncEnabled", true), arg("WarningAction", "SilentlyContinue")))
	if len(res.Warnings) != 0 {
		t.Fatalf("-WarningAction SilentlyContinue: warnings %q", res.Warnings)
	}
}

// TestRemotePowerShellNoLanguage: the runspace runs a simple script (what
// Invoke-Command sends) and refuses language as Exchange's no-language
// runspace does.
func TestRemotePowerShellNoLanguage(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")
	res := invoke(t, ps, psrp.Command{Name: "Get-Mailbox -Identity 'alice' | Select-Object -Property Alias,PrimarySmtpAddress", IsScript: true})
	if res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("a simple script: %+v, %d objects", res.Failed, len(res.Output))
	}
	if o := res.Output[0].(*clixml.Object); o.String("Alias") != "alice" || o.String("PrimarySmtpAddress") != "alice@contoso.com" {
		t.Fatalf("Select-Object: %+v", o)
	}
	for _, script := range []string{"$x = Get-Mailbox", "Get-Mailbox | Where-Object { $_.Alias -eq 'alice' }", "Get-Mailbox; Get-CASMailbox", "Get-Mailbox -Identity \"$env:USERNAME\""} {
		res = invoke(t, ps, psrp.Command{Name: script, IsScript: true})
		if res.Failed == nil || res.Failed.FullyQualifiedErrorID != "ScriptsNotAllowed" || res.Failed.Category != psrp.ParserError {
			t.Errorf("%s: want ScriptsNotAllowed, got %+v", script, res.Failed)
		}
	}
}

// TestRemotePowerShellRBAC: a user without a management role cannot open
// a session; a wrong password gets 401.
func TestRemotePowerShellRBAC(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ctx := context.Background()
	_, err := client.Open(ctx, client.Config{URL: env.URL + "/PowerShell", User: "alice", Password: demo.Password})
	var f *client.Fault
	if !errors.As(err, &f) || !strings.Contains(f.Message, "isn't assigned to any management roles") {
		t.Fatalf("alice: want a refusal for her missing roles, got %v", err)
	}
	_, err = client.Open(ctx, client.Config{URL: env.URL + "/powershell", User: "admin", Password: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("a wrong password: want 401, got %v", err)
	}
}

// TestRemotePowerShellSecureString: after the session key exchange a
// SecureString parameter reaches the cmdlet decrypted.
func TestRemotePowerShellSecureString(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")
	ctx := context.Background()
	if err := ps.ExchangeKey(ctx); err != nil {
		t.Fatalf("key exchange: %v", err)
	}
	ss, err := ps.SecureString("alice")
	if err != nil {
		t.Fatal(err)
	}
	res := invoke(t, ps, cmd("Get-Mailbox", arg("Identity", ss)))
	if res.Failed != nil || len(res.Output) != 1 || res.Output[0].(*clixml.Object).String("Alias") != "alice" {
		t.Fatalf("a SecureString identity: %+v %+v", res.Failed, res.Output)
	}
}

// TestRemotePowerShellMaxConcurrency: a user may hold
// PowerShellMaxConcurrency sessions; one more is refused with WinRM's
// quota fault in Exchange's words, and a closed session frees its place.
func TestRemotePowerShellMaxConcurrency(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, PowerShellMaxConcurrency: 3})
	var open []*client.Session
	for range 3 {
		open = append(open, openPS(t, env, "admin"))
	}
	ctx := context.Background()
	_, err := client.Open(ctx, client.Config{URL: env.URL + "/PowerShell/", User: "admin", Password: demo.Password})
	var f *client.Fault
	if !errors.As(err, &f) || f.Code != "2150859173" || !strings.Contains(f.Message, "This user is allowed a maximum number of 3 concurrent shells, which has been exceeded.") {
		t.Fatalf("a fourth session: want the quota fault, got %v", err)
	}
	if err := open[0].Close(ctx); err != nil {
		t.Fatal(err)
	}
	openPS(t, env, "admin")
	if n := env.Server.PowerShellSessions("admin"); n != 3 {
		t.Errorf("%d sessions open, want 3", n)
	}
}

// TestRemotePowerShellFaults: a fault injected for a cmdlet through
// /api/faults applies to this transport too.
func TestRemotePowerShellFaults(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/faults", strings.NewReader(`{"match":{"cmdlet":"Get-MobileDevice"},"action":{"httpStatus":503}}`))
	req.Header.Set("Authorization", "Bearer "+simtest.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("POST /api/faults: %v %v", err, resp)
	}
	resp.Body.Close()
	ps := openPS(t, env, "admin")
	res := invoke(t, ps, cmd("Get-MobileDevice"))
	if res.Failed == nil || !strings.Contains(res.Failed.Message, "injected fault") {
		t.Fatalf("an injected fault: %+v %+v", res.Failed, res.Errors)
	}
	res = invoke(t, ps, cmd("Get-Mailbox", arg("Identity", "alice")))
	if res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("another cmdlet: %+v", res.Failed)
	}
}

// TestRemotePowerShellCommandMetadata: GET_COMMAND_METADATA, what
// Import-PSSession asks a 2.3 server, honours its name, command type and
// module filters.
func TestRemotePowerShellCommandMetadata(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")
	ctx := context.Background()
	names := func(q psrp.MetadataQuery) []string {
		t.Helper()
		res, err := ps.CommandMetadata(ctx, q)
		if err != nil || res.Failed != nil || len(res.Output) == 0 {
			t.Fatalf("GET_COMMAND_METADATA %+v: %v %+v", q, err, res)
		}
		count, _ := res.Output[0].(*clixml.Object).Get("Count")
		var out []string
		for _, o := range res.Output[1:] {
			out = append(out, o.(*clixml.Object).String("Name"))
		}
		if count != int32(len(out)) {
			t.Fatalf("%+v: Count %v for %d commands", q, count, len(out))
		}
		return out
	}
	got := names(psrp.MetadataQuery{Names: []string{"Get-MobileDevice*"}, CommandType: 8})
	if strings.Join(got, ",") != "Get-MobileDevice,Get-MobileDeviceStatistics,Get-MobileDeviceMailboxPolicy" {
		t.Errorf("Get-MobileDevice* as cmdlets: %v", got)
	}
	if got := names(psrp.MetadataQuery{Names: []string{"*"}, CommandType: 1}); len(got) != 0 {
		t.Errorf("aliases: %v (Exchange's runspace has none)", got)
	}
	if got := names(psrp.MetadataQuery{Names: []string{"Set-CASMailbox"}, Modules: []string{"NoSuchModule"}}); len(got) != 0 {
		t.Errorf("another module: %v", got)
	}
}

// TestRemotePowerShellBasicOverHTTPS: Basic over HTTPS, what a Windows
// client allows without AllowUnencrypted (with -SessionOption for a
// self-signed certificate).
func TestRemotePowerShellBasicOverHTTPS(t *testing.T) {
	dir := simtest.DemoDirectory(t, 0)
	srv, err := simulator.New(simulator.Options{Directory: dir, ErrorResponseDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Config = simulator.NewHTTPServer(srv, simulator.HTTPLimits{})
	hs.StartTLS()
	defer hs.Close()
	ctx := context.Background()
	ps, err := client.Open(ctx, client.Config{URL: hs.URL + "/PowerShell/", User: "admin", Password: demo.Password, HTTP: hs.Client()})
	if err != nil {
		t.Fatalf("opening a session over HTTPS: %v", err)
	}
	defer ps.Close(ctx)
	res, err := ps.Invoke(ctx, cmd("Get-Mailbox", arg("Identity", "alice")))
	if err != nil || res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("Get-Mailbox over HTTPS: %v %+v", err, res)
	}
}

// TestRemotePowerShellIdleTimeout: a session nothing has used for the
// idle timeout is closed (WinRM's IdleTimeout; the shell then answers as
// an unknown one) and no longer counts against the user's sessions.
func TestRemotePowerShellIdleTimeout(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, PowerShellIdleTimeout: 10 * time.Minute, PowerShellMaxConcurrency: 1})
	ps := openPS(t, env, "admin")
	env.Clock.Advance(9 * time.Minute)
	if res := invoke(t, ps, cmd("Get-Mailbox", arg("Identity", "alice"))); res.Failed != nil {
		t.Fatalf("within the idle timeout: %+v", res.Failed)
	}
	env.Clock.Advance(11 * time.Minute)
	ctx := context.Background()
	_, err := ps.Invoke(ctx, cmd("Get-Mailbox", arg("Identity", "alice")))
	var f *client.Fault
	if !errors.As(err, &f) || f.Code != "2150858843" {
		t.Fatalf("after the idle timeout: want the unknown-shell fault, got %v", err)
	}
	if n := env.Server.PowerShellSessions("admin"); n != 0 {
		t.Fatalf("%d sessions still counted", n)
	}
	openPS(t, env, "admin") // the quota of one is free again
}
