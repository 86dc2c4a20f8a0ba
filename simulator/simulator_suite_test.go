package simulator_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/wbxml"
)

func TestSimulator(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Simulator Suite")
}

// start is the simulated time every spec begins at.
var start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// testEnv is a simulator on a manual clock behind a real HTTP server.
type testEnv struct {
	srv   *simulator.Server
	http  *httptest.Server
	clock *clock.Manual
	url   string
}

func newTestEnv(opts simulator.Options) *testEnv {
	GinkgoHelper()
	clk := clock.NewManual(start)
	opts.Clock = clk
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(GinkgoWriter, nil))
	}
	srv, err := simulator.New(opts)
	Expect(err).NotTo(HaveOccurred())
	hs := httptest.NewServer(srv)
	DeferCleanup(hs.Close)
	return &testEnv{srv: srv, http: hs, clock: clk, url: hs.URL + "/Microsoft-Server-ActiveSync"}
}

// mailbox returns a demo user's mailbox.
func (e *testEnv) mailbox(alias string) *simulator.Mailbox {
	GinkgoHelper()
	_, mb, ok := e.srv.Directory().Resolve(alias)
	Expect(ok).To(BeTrue(), "no user %s", alias)
	return mb
}

// deliver puts a new unread message into a user's Inbox, as transport would.
func (e *testEnv) deliver(alias, subject string) {
	GinkgoHelper()
	mb := e.mailbox(alias)
	raw, err := simulator.BuildMail(mailAddr("Katie Jordan", "katie@fabrikam.com"), []*mailAddress{mailAddr(alias, alias+"@contoso.com")}, subject, "Body of "+subject, "", e.clock.Now())
	Expect(err).NotTo(HaveOccurred())
	m, err := simulator.ParseMail(raw)
	Expect(err).NotTo(HaveOccurred())
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	_, err = mb.AddItem(inbox.ServerID, simulator.EmailItem(m, e.clock.Now(), false))
	Expect(err).NotTo(HaveOccurred())
}

// testDevice speaks EAS to the simulator: a minimal client for specs.
type testDevice struct {
	env       *testEnv
	user      string
	queryUser string // the User query value, when it differs from user
	password  string
	id, typ   string
	version   eas.ProtocolVersion
	form      eas.QueryForm
	policyKey uint32
	hasKey    bool
	ua        string // User-Agent; "" is an iPhone's
}

func (e *testEnv) device(user, id string, v eas.ProtocolVersion) *testDevice {
	return &testDevice{env: e, user: user, password: simulator.DemoPassword, id: id, typ: "iPhone", version: v}
}

// post sends a command with a WBXML (or, for raw, verbatim) body and
// returns the HTTP response with its body read.
func (d *testDevice) post(cmd eas.Command, body []byte) (*http.Response, []byte) {
	GinkgoHelper()
	qu := d.user
	if d.queryUser != "" {
		qu = d.queryUser
	}
	req := &eas.Request{Form: d.form, Command: cmd, User: qu, DeviceID: d.id, DeviceType: d.typ,
		ProtocolVersion: d.version, PolicyKey: d.policyKey, HasPolicyKey: d.hasKey, UserAgent: d.ua}
	if req.UserAgent == "" {
		req.UserAgent = "Apple-iPhone15C2/2201.1"
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := eas.NewHTTPRequest(context.Background(), d.env.url, req, rd)
	Expect(err).NotTo(HaveOccurred())
	hr.SetBasicAuth(d.user, d.password)
	resp, err := http.DefaultClient.Do(hr)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp, b
}

// call marshals in, posts it and unmarshals a 200 response into out.
func (d *testDevice) call(cmd eas.Command, in, out any) *http.Response {
	GinkgoHelper()
	var body []byte
	if in != nil {
		var err error
		body, err = wbxml.Marshal(in)
		Expect(err).NotTo(HaveOccurred())
	}
	resp, b := d.post(cmd, body)
	if resp.StatusCode == http.StatusOK && len(b) > 0 && out != nil {
		Expect(wbxml.Unmarshal(b, out)).To(Succeed(), "response:\n%s", xmlOf(b))
	}
	return resp
}

func xmlOf(b []byte) string {
	var buf bytes.Buffer
	if err := wbxml.WriteXML(&buf, wbxml.NewBytesDecoder(b)); err != nil {
		return fmt.Sprintf("% X (%v)", b, err)
	}
	return buf.String()
}

func deviceInfo() *eas.DeviceInformation {
	return &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: "iPhone15C2", IMEI: "356789012345678", FriendlyName: "Alice's iPhone", OS: "iOS 18.1 22B83", OSLanguage: "en", PhoneNumber: "+14255550101", UserAgent: "Apple-iPhone15C2/2201.1"}}
}

// provision runs the two-phase Provision and keeps the final key.
func (d *testDevice) provision() {
	GinkgoHelper()
	var r1 eas.ProvisionResponse
	req := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}
	if d.version.AtLeast(eas.Version141) {
		req.DeviceInformation = deviceInfo()
	}
	Expect(d.call(eas.CommandProvision, req, &r1).StatusCode).To(Equal(http.StatusOK))
	Expect(r1.Status).To(Equal(1))
	Expect(r1.Policies).NotTo(BeNil())
	temp := r1.Policies.Policy.PolicyKey
	Expect(temp).NotTo(BeEmpty())
	var r2 eas.ProvisionResponse
	ack := &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML, PolicyKey: temp, Status: 1}}}
	Expect(d.call(eas.CommandProvision, ack, &r2).StatusCode).To(Equal(http.StatusOK))
	Expect(r2.Status).To(Equal(1))
	Expect(r2.Policies.Policy.Status).To(Equal(1))
	key, err := strconv.ParseUint(r2.Policies.Policy.PolicyKey, 10, 32)
	Expect(err).NotTo(HaveOccurred())
	Expect(r2.Policies.Policy.PolicyKey).NotTo(Equal(temp))
	d.policyKey, d.hasKey = uint32(key), true
}

// folderSync returns the folders by display name.
func (d *testDevice) folderSync() map[string]eas.Folder {
	GinkgoHelper()
	var r eas.FolderSyncResponse
	Expect(d.call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &r).StatusCode).To(Equal(http.StatusOK))
	Expect(r.Status).To(Equal(1))
	out := map[string]eas.Folder{}
	for _, f := range r.Changes.Add {
		out[f.DisplayName] = f
	}
	return out
}

// syncOnce sends one Sync of a collection and returns its collection
// response (nil for an empty response).
func (d *testDevice) syncOnce(col eas.SyncCollection) *eas.SyncCollection {
	GinkgoHelper()
	var r eas.SyncResponse
	resp := d.call(eas.CommandSync, &eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{col}}}, &r)
	Expect(resp.StatusCode).To(Equal(http.StatusOK))
	if r.Collections == nil {
		return nil
	}
	Expect(r.Collections.Collection).To(HaveLen(1))
	return &r.Collections.Collection[0]
}

// mailAddress and mailAddr keep specs short.
type mailAddress = simulator.MailAddress

func mailAddr(name, addr string) *mailAddress { return &mailAddress{Name: name, Address: addr} }

// ctx is a context for waits that must not hang a spec forever.
func ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	DeferCleanup(cancel)
	return c
}
