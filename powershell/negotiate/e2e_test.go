package negotiate

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/easlab/easlab/internal/oracle"
)

const pythonPath = "/usr/bin/python3"

// requireWinRM skips or fails when Debian's python3-winrm is missing.
func requireWinRM(t *testing.T) {
	t.Helper()
	if err := exec.Command(pythonPath, "-c", "import winrm, requests_ntlm").Run(); err != nil {
		oracle.RequireExternal(t, "python3-winrm is not installed", "apt-get install python3-winrm")
	}
	md4 := exec.Command(pythonPath, "-c", "import hashlib; hashlib.new('md4')")
	md4.Env = append(os.Environ(), "OPENSSL_CONF=testdata/openssl-legacy.cnf")
	if out, err := md4.CombinedOutput(); err != nil {
		oracle.RequireExternal(t, "python3's hashlib has no MD4 even with OpenSSL's legacy provider: "+string(out), "install OpenSSL 3's legacy provider (ossl-modules/legacy.so, in libssl3)")
	}
}

// echoServer starts a real TCP server with the handler; Next echoes the
// request body with a marker and the authenticated user, and records what
// it saw.
type echoServer struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []string
	users []string
	// wire records each request's and response's Content-Type as sent
	// on the wire (outside the Handler).
	wire []string
}

type recorder struct {
	http.ResponseWriter
	e     *echoServer
	req   string
	wrote bool
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) WriteHeader(code int) {
	r.wrote = true
	r.e.mu.Lock()
	r.e.wire = append(r.e.wire, fmt.Sprintf("%d %s -> %s", code, r.req, r.Header().Get("Content-Type")))
	r.e.mu.Unlock()
	r.ResponseWriter.WriteHeader(code)
}

func newEchoServer(t *testing.T, schemes []string) *echoServer {
	e := &echoServer{}
	h := &Handler{
		Lookup: func(domain, user string) (string, bool) {
			if strings.EqualFold(user, "alice") {
				return "Secret-1", true
			}
			return "", false
		},
		Schemes: schemes,
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			d, u, _ := User(r.Context())
			e.mu.Lock()
			e.seen = append(e.seen, string(body))
			e.users = append(e.users, d+`\`+u)
			e.mu.Unlock()
			w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
			fmt.Fprintf(w, "<echo user=%q>%s</echo>", u, body)
		}),
	}
	e.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&recorder{ResponseWriter: w, e: e, req: r.Header.Get("Content-Type")}, r)
	}))
	e.Config.ConnContext = ConnContext
	e.Start()
	t.Cleanup(e.Close)
	return e
}

type pyResult struct {
	OK       bool   `json:"ok"`
	Response string `json:"response"`
	Error    string `json:"error"`
	Detail   string `json:"detail"`
}

func runWinRM(t *testing.T, endpoint, user, password, encryption, message string) pyResult {
	t.Helper()
	cmd := exec.Command(pythonPath, "testdata/winrm_client.py", endpoint, user, password, encryption, message)
	env := []string{"NO_PROXY=*", "no_proxy=*", "OPENSSL_CONF=testdata/openssl-legacy.cnf"}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.Contains(strings.ToLower(k), "proxy") && k != "OPENSSL_CONF" {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var res pyResult
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	return res
}

const envelope = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>héllo</s:Body></s:Envelope>`

func TestPythonWinRM(t *testing.T) {
	requireWinRM(t)
	for _, tc := range []struct {
		name       string
		schemes    []string
		encryption string
	}{
		{"NTLM/encrypted", nil, "always"},
		{"Negotiate-raw-NTLM/encrypted", []string{"Negotiate"}, "always"},
		{"NTLM/plain", nil, "never"},
		{"Negotiate-raw-NTLM/plain", []string{"Negotiate"}, "never"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEchoServer(t, tc.schemes)
			endpoint := srv.URL + "/PowerShell/"
			res := runWinRM(t, endpoint, `CONTOSO\alice`, "Secret-1", tc.encryption, envelope)
			if !res.OK {
				t.Fatalf("python3-winrm failed: %s: %s", res.Error, res.Detail)
			}
			want := `<echo user="alice">` + envelope + `</echo>`
			if res.Response != want {
				t.Errorf("python got %q, want %q", res.Response, want)
			}
			srv.mu.Lock()
			seen, users, wire := srv.seen, srv.users, srv.wire
			srv.mu.Unlock()
			if len(seen) != 1 || seen[0] != envelope {
				t.Errorf("handler saw %q, want one plain envelope", seen)
			}
			if len(users) != 1 || users[0] != `CONTOSO\alice` {
				t.Errorf("handler users %q", users)
			}
			last := wire[len(wire)-1]
			if tc.encryption == "always" {
				want := `200 multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary" -> ` + encContentType
				if last != want {
					t.Errorf("last exchange %q, want %q", last, want)
				}
			} else if !strings.HasPrefix(last, "200 application/soap+xml") {
				t.Errorf("last exchange %q, want a plain SOAP request", last)
			}
			t.Logf("exchanges: %q", wire)

			bad := runWinRM(t, endpoint, `CONTOSO\alice`, "wrong", tc.encryption, envelope)
			if bad.OK || bad.Error != "InvalidCredentialsError" {
				t.Errorf("wrong password: %+v, want InvalidCredentialsError (401)", bad)
			}
			unknown := runWinRM(t, endpoint, `CONTOSO\mallory`, "Secret-1", tc.encryption, envelope)
			if unknown.OK || unknown.Error != "InvalidCredentialsError" {
				t.Errorf("unknown user: %+v, want InvalidCredentialsError (401)", unknown)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if len(srv.seen) != 1 {
				t.Errorf("Next called for failed logins: %q", srv.seen)
			}
		})
	}
}
