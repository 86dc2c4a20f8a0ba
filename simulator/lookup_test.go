package simulator

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Test helpers of the lookup commands' tests (Search, Find,
// ResolveRecipients, ValidateCert, legacy hierarchy commands): a demo
// server over real HTTP and a minimal provisioned device.

// lookupStart is the simulated time the lookup tests begin at.
var lookupStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type lookupEnv struct {
	t     *testing.T
	srv   *Server
	clock *clock.Manual
	url   string
}

// newLookupEnv starts a demo server on a manual clock; opts adjust its
// Options.
func newLookupEnv(t *testing.T, opts ...func(*Options)) *lookupEnv {
	t.Helper()
	clk := clock.NewManual(lookupStart)
	o := Options{Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range opts {
		f(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &lookupEnv{t: t, srv: srv, clock: clk, url: hs.URL + "/Microsoft-Server-ActiveSync"}
}

func (e *lookupEnv) mailbox(alias string) *Mailbox {
	e.t.Helper()
	_, mb, ok := e.srv.Directory().Resolve(alias)
	if !ok {
		e.t.Fatalf("no user %s", alias)
	}
	return mb
}

type lookupTestDevice struct {
	env     *lookupEnv
	user    string
	id      string
	version eas.ProtocolVersion
	key     uint32
}

func (e *lookupEnv) device(user, id string, v eas.ProtocolVersion) *lookupTestDevice {
	return &lookupTestDevice{env: e, user: user, id: id, version: v}
}

// post sends a command; mod may set query parameters. It returns the HTTP
// status and body.
func (d *lookupTestDevice) post(cmd eas.Command, body []byte, mod func(*eas.Request)) (int, []byte) {
	t := d.env.t
	t.Helper()
	req := &eas.Request{Command: cmd, User: d.user, DeviceID: d.id, DeviceType: "iPhone", ProtocolVersion: d.version, PolicyKey: d.key, HasPolicyKey: d.key != 0}
	if mod != nil {
		mod(req)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := eas.NewHTTPRequest(context.Background(), d.env.url, req, rd)
	if err != nil {
		t.Fatal(err)
	}
	hr.SetBasicAuth(d.user, DemoPassword)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// call marshals in, posts it and unmarshals a 200 response into out.
func (d *lookupTestDevice) call(cmd eas.Command, in, out any) {
	t := d.env.t
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = wbxml.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	code, b := d.post(cmd, body, nil)
	if code != http.StatusOK {
		t.Fatalf("%s: HTTP %d", cmd, code)
	}
	if out != nil && len(b) > 0 {
		if err := wbxml.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, lookupXML(b))
		}
	}
}

// provision runs the two-phase Provision and keeps the final key.
func (d *lookupTestDevice) provision() *lookupTestDevice {
	t := d.env.t
	t.Helper()
	req := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}
	if d.version.AtLeast(eas.Version141) {
		req.DeviceInformation = &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: "iPhone15C2", OS: "iOS 18.1", UserAgent: "Apple-iPhone15C2/2201.1"}}
	}
	var r1, r2 eas.ProvisionResponse
	d.call(eas.CommandProvision, req, &r1)
	if r1.Policies == nil || r1.Policies.Policy.PolicyKey == "" {
		t.Fatalf("Provision: %+v", r1)
	}
	d.call(eas.CommandProvision, &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML, PolicyKey: r1.Policies.Policy.PolicyKey, Status: 1}}}, &r2)
	k, err := strconv.ParseUint(r2.Policies.Policy.PolicyKey, 10, 32)
	if err != nil {
		t.Fatalf("final policy key %q: %v", r2.Policies.Policy.PolicyKey, err)
	}
	d.key = uint32(k)
	return d
}

// folderSync returns the folders by display name.
func (d *lookupTestDevice) folderSync() map[string]eas.Folder {
	d.env.t.Helper()
	var r eas.FolderSyncResponse
	d.call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r)
	out := map[string]eas.Folder{}
	if r.Changes != nil {
		for _, f := range r.Changes.Add {
			out[f.DisplayName] = f
		}
	}
	return out
}

// lookupXML renders WBXML for failure messages.
func lookupXML(b []byte) string {
	var buf bytes.Buffer
	if err := writeXMLForTest(&buf, b); err != nil {
		return err.Error()
	}
	return buf.String()
}

// writeXMLForTest decodes b leniently (responses may use legacy tags).
func writeXMLForTest(w io.Writer, b []byte) error {
	d := wbxml.NewBytesDecoder(b)
	d.Lenient = true
	return wbxml.WriteXML(w, d)
}
