package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// A lab is the deployment a ported test runs against: a simulator of its
// own, set up as the suite's deployment scripts set up Exchange (its
// users from an org file, its policies and settings through the admin
// API), reached only on the wire. simtest starts it and nothing else of
// the simulator is touched.
type lab struct {
	s   *site
	env *simtest.Env
	ctx context.Context
}

// password is every suite user's, as the deployment scripts set it.
const password = "Password01!"

// mailDomain is the suite users' mail domain.
const mailDomain = "contoso.com"

// mailAddress is a suite user's e-mail address.
func mailAddress(user string) string { return user + "@" + mailDomain }

// plainMIME is a plain-text message (the suites' Common.CreatePlainTextMime).
func plainMIME(from, to, cc, subject, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", from, to)
	if cc != "" {
		fmt.Fprintf(&b, "Cc: %s\r\n", cc)
	}
	fmt.Fprintf(&b, "Subject: %s\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\nMIME-Version: 1.0\r\n\r\n%s\r\n", subject, body)
	return []byte(b.String())
}

// newLab starts a simulator whose organization is contoso.com with the
// suite users (for example "MSASPROV_User01"), each with an empty mailbox.
func newLab(s *site, users ...string) *lab {
	s.t.Helper()
	var org strings.Builder
	org.WriteString("organization: {name: Contoso, domain: contoso.com, netbios: CONTOSO}\nusers:\n")
	for _, u := range users {
		fmt.Fprintf(&org, "  - {alias: %s, displayName: %s, password: %q}\n", u, u, password)
	}
	fmt.Fprintf(&org, "  - {alias: admin, displayName: Administrator, password: %q, roleGroups: [Organization Management]}\n", password)
	clk := clock.NewManual(simtest.Start)
	dir, err := demo.LoadOrgFile(strings.NewReader(org.String()), clk.Now())
	s.must(err, "loading the suite's users")
	env := simtest.New(s.t, simulator.Options{Clock: clk, Directory: dir, ErrorResponseDelay: -1})
	return &lab{s: s, env: env, ctx: context.Background()}
}

// cmdlet runs an admin cmdlet, as the deployment scripts and the tests'
// SUT control adapters do, and stops the test if it fails.
func (l *lab) cmdlet(name string, params map[string]any) []map[string]any {
	l.s.t.Helper()
	var out []map[string]any
	l.s.must(l.env.Admin.Run(l.ctx, name, params, &out), name)
	return out
}

// device is the suites' ActiveSync client for user at the site's
// version: DeviceType SP and the base64 query the common configuration
// sets (HeaderEncodingType Base64, from 12.1), a client that provisions
// only when a test tells it to.
func (l *lab) device(user string) *clients.Device {
	v := l.s.version
	p := clients.Profile{
		Name:            "Interop",
		DeviceType:      "SP",
		ProtocolVersion: v,
		NoPolicyKey:     true,
		DeviceInfoIn:    clients.InfoInSettings,
	}
	if v.Base64Allowed() {
		p.QueryForm = eas.Base64Query
	}
	return clients.New(p, clients.Options{
		BaseURL:    l.env.EASURL,
		User:       user,
		Password:   password,
		HTTPClient: l.env.HTTP.Client(),
		DeviceID:   "TestSuite",
	})
}

// request is the query of a command the suites' client sends as user:
// DeviceId TestSuite, DeviceType SP, the site's version, the base64 form
// from 12.1 (the common configuration's HeaderEncodingType) and no policy
// key. Change its fields to send what a test sends.
func (l *lab) request(user string, cmd eas.Command) *eas.Request {
	v := l.s.version
	r := &eas.Request{Command: cmd, User: user, DeviceID: "TestSuite", DeviceType: "SP", ProtocolVersion: v}
	if v.Base64Allowed() {
		r.Form = eas.Base64Query
	}
	return r
}

// answer is a response as the wire carried it.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// send sends req with body (an eas message, raw bytes, or nil) and the
// password, and returns the answer without reacting to it: no provisioning
// on 449, no redirect, as the suites' ActiveSyncClient does.
func (l *lab) send(req *eas.Request, password string, body any) *answer {
	l.s.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		raw, err = wbxml.Marshal(b)
		l.s.must(err, "encoding the request")
	}
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	hr, err := eas.NewHTTPRequest(l.ctx, l.env.EASURL, req, rd)
	l.s.must(err, "building the request")
	hr.SetBasicAuth(req.User, password)
	resp, err := l.env.HTTP.Client().Do(hr)
	l.s.must(err, req.Command.String())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	l.s.must(err, "reading the answer")
	return &answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// decode reads the answer's WBXML into out (an eas message), stopping the
// test when it cannot.
func (a *answer) decode(s *site, out any) {
	s.t.Helper()
	if len(a.Body) == 0 {
		s.t.Fatalf("the answer (HTTP %d) has no body to read", a.Status)
	}
	s.must(wbxml.Unmarshal(a.Body, out), "decoding the answer")
}
