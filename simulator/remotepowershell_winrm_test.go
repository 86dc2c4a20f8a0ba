package simulator_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/easlab/easlab/internal/oracle"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"gopkg.in/yaml.v3"
)

const python3 = "/usr/bin/python3"

// TestRemotePowerShellNegotiateWithPythonWinRM opens Exchange's runspace
// with an independent client over Negotiate: Debian's python3-winrm
// authenticates with NTLM and encrypts every message (multipart/encrypted),
// as a Windows client outside a domain does against http://server/PowerShell.
// The envelopes are a real client's (pypsrp's, recorded against Windows in
// ../shared/vectors/psrp/test_psrp_open_runspace.yml), pointed at
// Microsoft.Exchange.
func TestRemotePowerShellNegotiateWithPythonWinRM(t *testing.T) {
	if err := exec.Command(python3, "-c", "import winrm, requests_ntlm").Run(); err != nil {
		oracle.RequireExternal(t, "python3-winrm is not installed", "apt-get install python3-winrm")
	}
	conf, _ := filepath.Abs("testdata/openssl-legacy.cnf")
	md4 := exec.Command(python3, "-c", "import hashlib; hashlib.new('md4')")
	md4.Env = append(os.Environ(), "OPENSSL_CONF="+conf)
	if out, err := md4.CombinedOutput(); err != nil {
		oracle.RequireExternal(t, "python3's hashlib has no MD4: "+string(out), "install OpenSSL 3's legacy provider")
	}
	raw, err := os.ReadFile("../../shared/vectors/psrp/test_psrp_open_runspace.yml")
	if err != nil {
		oracle.RequireExternal(t, "the recorded PSRP sessions are missing", "../shared/vectors/psrp beside the clone")
	}
	var session struct {
		Messages []struct{ Request string } `yaml:"messages"`
	}
	if err := yaml.Unmarshal(raw, &session); err != nil || len(session.Messages) < 3 {
		t.Fatalf("reading the recorded session: %v", err)
	}
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1, Lockout: simulator.Lockout{Threshold: 3}})
	endpoint := env.URL + "/PowerShell/"
	dir := t.TempDir()
	// Create, the first Receive (our server answers every opening message
	// at once; Windows spread them over two Receives) and Delete.
	var files []string
	receives := 0
	for i, m := range session.Messages {
		if strings.Contains(m.Request, "/windows/shell/Receive<") {
			if receives++; receives > 1 {
				continue
			}
		}
		req := strings.ReplaceAll(m.Request, "http://schemas.microsoft.com/powershell/Microsoft.PowerShell", "http://schemas.microsoft.com/powershell/Microsoft.Exchange")
		req = regexp.MustCompile(`<wsa:To>[^<]*</wsa:To>`).ReplaceAllString(req, "<wsa:To>"+endpoint+"</wsa:To>")
		f := filepath.Join(dir, strings.Repeat("m", i+1)+".xml")
		if err := os.WriteFile(f, []byte(req), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	run := func(password string) []map[string]any {
		cmd := exec.Command(python3, append([]string{"testdata/winrm_psrp.py", endpoint, `CONTOSO\admin`, password}, files...)...)
		cmd.Env = []string{"NO_PROXY=*", "no_proxy=*", "OPENSSL_CONF=" + conf, "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python3-winrm: %v\n%s", err, out)
		}
		var res []map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("python3-winrm's output: %v\n%s", err, out)
		}
		return res
	}
	res := run(demo.Password)
	if len(res) != len(files) {
		t.Fatalf("python3-winrm answered %d of %d envelopes", len(res), len(files))
	}
	for i, want := range []string{"ResourceCreated", "ReceiveResponse", ""} {
		if res[i]["ok"] != true {
			t.Fatalf("envelope %d over NTLM with encryption: %v", i+1, res[i])
		}
		if !strings.Contains(res[i]["response"].(string), want) {
			t.Fatalf("envelope %d: want %s, got %.300s", i+1, want, res[i]["response"])
		}
	}
	if !strings.Contains(res[0]["response"].(string), "Microsoft.Exchange") {
		t.Errorf("the shell is not Exchange's: %.400s", res[0]["response"])
	}
	if n := env.Server.PowerShellSessions(""); n != 0 {
		t.Errorf("%d shells left after Delete", n)
	}
	if bad := run("wrong"); bad[0]["ok"] != false || !strings.Contains(bad[0]["error"].(string), "InvalidCredentials") {
		t.Fatalf("a wrong password over NTLM: %v", bad[0])
	}
	// Failed NTLM logons count toward the lockout as Basic ones do: after
	// the threshold (3) even the right password is refused.
	run("wrong")
	run("wrong")
	if locked := run(demo.Password); locked[0]["ok"] != false || !strings.Contains(locked[0]["error"].(string), "InvalidCredentials") {
		t.Fatalf("the right password of a locked-out account over NTLM: %v", locked[0])
	}
}
