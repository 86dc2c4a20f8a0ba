package simulator_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// rawRequest is a request built by hand, to say things no client library
// would.
type rawRequest struct {
	method  string
	query   string // after the '?'
	headers map[string]string
	body    []byte
	user    string // "" = no credentials
	pass    string
}

// badCase is one class of bad input and Exchange's answer to it: the HTTP
// status and, for a 200, the Status in the command's root element.
type badCase struct {
	name       string
	req        func(d *simtest.Device) rawRequest
	httpStatus int
	easStatus  int // 0: no body expected
}

// statusElement names, for the cases that need it, the element whose
// Status is the case's easStatus (Search's Store, say), rather than the
// first Status of the response.
var statusElement = map[string]string{
	"a document library search with a wrong password (no oracle)": "Store",
	"a ValidateCert of a certificate with a 20,000-bit RSA key":   "Certificate",
}

func must(b []byte, err error) []byte {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred())
	return b
}

// b64Query builds a base64 query (MS-ASHTTP 2.2.1.1.1.1) from its fields.
func b64Query(version, cmd byte, devID, policyKey, devType []byte) string {
	b := []byte{version, cmd, 0x09, 0x04}
	b = append(b, byte(len(devID)))
	b = append(b, devID...)
	b = append(b, byte(len(policyKey)))
	b = append(b, policyKey...)
	b = append(b, byte(len(devType)))
	b = append(b, devType...)
	return base64.StdEncoding.EncodeToString(b)
}

var _ = Describe("Bad input", func() {
	var (
		env *simtest.Env
		d   *simtest.Device
	)
	BeforeEach(func() {
		env = newTestEnv(simulator.Options{MaxRequestBytes: 16384, MaxSendSize: 8192})
		d = env.Device("alice", "BAD1", eas.Version141)
		d.Provision()
	})

	plain := func(d *simtest.Device, cmd, version string, body []byte, extra ...string) rawRequest {
		q := "Cmd=" + cmd + "&User=alice&DeviceId=" + d.ID + "&DeviceType=iPhone"
		for _, e := range extra {
			q += "&" + e
		}
		h := map[string]string{"MS-ASProtocolVersion": version, "X-MS-PolicyKey": strconv.FormatUint(uint64(d.PolicyKey), 10)}
		if body != nil {
			h["Content-Type"] = eas.ContentTypeWBXML
		}
		return rawRequest{method: http.MethodPost, query: q, headers: h, body: body, user: "alice", pass: demo.Password}
	}
	folderSync0 := func() []byte { return must(wbxml.Marshal(&eas.FolderSyncRequest{SyncKey: "0"})) }
	withQuery := func(q string) func(*simtest.Device) rawRequest {
		return func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.query = q
			return r
		}
	}
	anonymous := func(f func(*simtest.Device) rawRequest) func(*simtest.Device) rawRequest {
		return func(d *simtest.Device) rawRequest {
			r := f(d)
			r.user = ""
			return r
		}
	}
	key := func(d *simtest.Device) []byte {
		var k [4]byte
		binary.LittleEndian.PutUint32(k[:], d.PolicyKey)
		return k[:]
	}

	cases := []badCase{
		{"an unknown command", func(d *simtest.Device) rawRequest { return plain(d, "Bogus", "14.1", folderSync0()) }, 501, 0},
		{"no Cmd", withQuery("User=alice&DeviceId=BAD1&DeviceType=iPhone"), 501, 0},
		{"no User", withQuery("Cmd=FolderSync&DeviceId=BAD1&DeviceType=iPhone"), 400, 0},
		{"no DeviceId", withQuery("Cmd=FolderSync&User=alice&DeviceType=iPhone"), 200, int(eas.StatusDeviceIDMissingOrInvalid)},
		{"a DeviceId of 33 characters", withQuery("Cmd=FolderSync&User=alice&DeviceType=iPhone&DeviceId=" + strings.Repeat("A", 33)), 200, int(eas.StatusDeviceIDMissingOrInvalid)},
		{"a DeviceId with a hyphen", withQuery("Cmd=FolderSync&User=alice&DeviceType=iPhone&DeviceId=AB-12"), 200, int(eas.StatusDeviceIDMissingOrInvalid)},
		{"no DeviceType", withQuery("Cmd=FolderSync&User=alice&DeviceId=BAD1"), 200, int(eas.StatusDeviceTypeMissingOrInvalid)},
		{"a DeviceType with a hyphen", withQuery("Cmd=FolderSync&User=alice&DeviceId=BAD1&DeviceType=i-Phone"), 200, int(eas.StatusDeviceTypeMissingOrInvalid)},
		{"a base64 query cut after the version", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.query = base64.StdEncoding.EncodeToString([]byte{141})
			return r
		}, 400, 0},
		{"a base64 query cut inside the DeviceId", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.query = base64.StdEncoding.EncodeToString([]byte{141, 9, 9, 4, 4, 'B', 'A'})
			return r
		}, 400, 0},
		{"a base64 query cut inside the policy key", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.query = base64.StdEncoding.EncodeToString([]byte{141, 9, 9, 4, 4, 'B', 'A', 'D', '1', 4, 1, 2})
			return r
		}, 400, 0},
		{"a base64 query cut inside the DeviceType", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.query = b64Query(141, 9, []byte("BAD1"), key(d), []byte("iPhone"))
			raw, _ := base64.StdEncoding.DecodeString(r.query)
			r.query = base64.StdEncoding.EncodeToString(raw[:len(raw)-3])
			return r
		}, 400, 0},
		{"a base64 query that is not base64", withQuery("jAkJBARCQUQx"), 400, 0},
		{"an unsupported protocol version", func(d *simtest.Device) rawRequest { return plain(d, "FolderSync", "13.0", folderSync0()) }, 400, 0},
		{"no protocol version", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			delete(r.headers, "MS-ASProtocolVersion")
			return r
		}, 400, 0},
		{"a text/plain body", func(d *simtest.Device) rawRequest {
			r := plain(d, "Ping", "14.1", must(wbxml.Marshal(&eas.PingRequest{HeartbeatInterval: 480})))
			r.headers["Content-Type"] = "text/plain"
			return r
		}, 200, int(eas.StatusInvalidContent)},
		{"malformed WBXML", func(d *simtest.Device) rawRequest {
			return plain(d, "FolderSync", "14.1", []byte{0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x3F})
		}, 200, int(eas.StatusInvalidWBXML)},
		{"malformed WBXML from a 12.1 device", func(d *simtest.Device) rawRequest {
			return plain(d, "FolderSync", "12.1", []byte{0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x3F})
		}, 400, 0},
		{"WBXML with trailing bytes", func(d *simtest.Device) rawRequest {
			return plain(d, "FolderSync", "14.1", append(folderSync0(), 0x01))
		}, 200, int(eas.StatusInvalidWBXML)},
		{"the body of another command", func(d *simtest.Device) rawRequest {
			return plain(d, "Sync", "14.1", folderSync0())
		}, 200, int(eas.StatusInvalidXML)},
		{"an empty body where one is required", func(d *simtest.Device) rawRequest { return plain(d, "FolderSync", "14.1", nil) }, 200, int(eas.StatusInvalidContent)},
		{"a body over the size limit (IIS request filtering: 404.13, before authentication)", func(d *simtest.Device) rawRequest {
			return plain(d, "FolderSync", "14.1", append(folderSync0(), make([]byte, 20000)...))
		}, 404, 0},
		{"a body over the size limit without credentials", anonymous(func(d *simtest.Device) rawRequest {
			return plain(d, "FolderSync", "14.1", append(folderSync0(), make([]byte, 20000)...))
		}), 404, 0},
		{"no credentials", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.user = ""
			return r
		}, 401, 0},
		{"a wrong password", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.pass = "Passw0rd"
			return r
		}, 401, 0},
		{"an unknown user", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.user = "mallory@contoso.com"
			return r
		}, 401, 0},
		// IIS authenticates first: without credentials, whatever the
		// request says, the answer is 401 (issue 12).
		{"an unknown command without credentials", anonymous(func(d *simtest.Device) rawRequest { return plain(d, "Bogus", "14.1", folderSync0()) }), 401, 0},
		{"no Cmd without credentials", anonymous(withQuery("User=alice&DeviceId=BAD1&DeviceType=iPhone")), 401, 0},
		{"no User without credentials", anonymous(withQuery("Cmd=FolderSync&DeviceId=BAD1&DeviceType=iPhone")), 401, 0},
		{"no DeviceId without credentials", anonymous(withQuery("Cmd=FolderSync&User=alice&DeviceType=iPhone")), 401, 0},
		{"a cut base64 query without credentials", anonymous(func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.query = base64.StdEncoding.EncodeToString([]byte{141})
			return r
		}), 401, 0},
		{"malformed WBXML without credentials", anonymous(func(d *simtest.Device) rawRequest {
			return plain(d, "FolderSync", "14.1", []byte{0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x3F})
		}), 401, 0},
		{"a wrong Content-Type with a wrong password", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.headers["Content-Type"] = "text/plain"
			r.pass = "wrong"
			return r
		}, 401, 0},
		{"a policy key that is not a number", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.headers["X-MS-PolicyKey"] = "abc"
			return r
		}, 200, 1}, // no key, as in Exchange: a non-provisionable device, served under the default policy
		{"a stale policy key", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", folderSync0())
			r.headers["X-MS-PolicyKey"] = "4242"
			return r
		}, 200, int(eas.StatusInvalidPolicyKey)},
		{"a GET", func(d *simtest.Device) rawRequest {
			r := plain(d, "FolderSync", "14.1", nil)
			r.method = http.MethodGet
			return r
		}, 405, 0},
		{"Sync with both Wait and HeartbeatInterval", func(d *simtest.Device) rawRequest {
			return plain(d, "Sync", "14.1", must(wbxml.Marshal(&eas.SyncRequest{Wait: eas.NewInt(5), HeartbeatInterval: 300, Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: "1"}}}})))
		}, 200, int(eas.SyncStatusProtocolError)},
		{"an empty Sync with nothing to repeat", func(d *simtest.Device) rawRequest { return plain(d, "Sync", "14.1", nil) }, 200, int(eas.SyncStatusIncompleteRequest)},
		{"Ping of too many folders", func(d *simtest.Device) rawRequest {
			d.FolderSync() // without a hierarchy, Exchange answers any Ping 7
			var folders []eas.PingFolder
			for i := 0; i < 301; i++ {
				folders = append(folders, eas.PingFolder{Id: "1", Class: "Email"})
			}
			return plain(d, "Ping", "14.1", must(wbxml.Marshal(&eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: folders}})))
		}, 200, int(eas.PingStatusTooManyFolders)},
		{"Ping of an unknown folder", func(d *simtest.Device) rawRequest {
			return plain(d, "Ping", "14.1", must(wbxml.Marshal(&eas.PingRequest{HeartbeatInterval: 480, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: "77", Class: "Email"}}}})))
		}, 200, int(eas.PingStatusFolderSyncRequired)},
		{"a Provision of an unknown policy type", func(d *simtest.Device) rawRequest {
			return plain(d, "Provision", "14.1", must(wbxml.Marshal(&eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: "MS-WAP-Provisioning-XML"}}})))
		}, 200, int(eas.ProvisionStatusSuccess)},
		{"a FolderCreate of a default folder type", func(d *simtest.Device) rawRequest {
			return plain(d, "FolderCreate", "14.1", must(wbxml.Marshal(&eas.FolderCreateRequest{SyncKey: "0", ParentId: "0", DisplayName: "Inbox 2", Type: eas.FolderTypeInbox})))
		}, 200, int(eas.FolderCreateStatusInvalidSyncKey)},
		{"a command of a later protocol version", func(d *simtest.Device) rawRequest {
			return plain(d, "Find", "14.1", must(wbxml.Marshal(&eas.FolderSyncRequest{SyncKey: "0"})))
		}, 400, 0},
		{"a document library search with a wrong password (no oracle)", func(d *simtest.Device) rawRequest {
			st := &eas.SearchStore{Name: "DocumentLibrary", Query: &eas.SearchQuery{EqualTo: &eas.SearchComparison{LinkId: true, Value: `\\fileserver\share`}},
				Options: &eas.SearchOptions{UserName: `CONTOSO\bob`, Password: "guess"}}
			return plain(d, "Search", "14.1", must(wbxml.Marshal(&eas.SearchRequest{Store: st})))
		}, 200, int(eas.SearchStatusAccessBlocked)},
		{"a SendMail with another user's From (sent from alice)", func(d *simtest.Device) rawRequest {
			raw := mailTestMIME("bob@contoso.com", "admin@contoso.com", "", "", "spoofed", "hi")
			return plain(d, "SendMail", "14.1", must(wbxml.Marshal(&eas.SendMailRequest{ClientId: "bad-spoof", Mime: raw})))
		}, 200, 0},
		{"a ValidateCert of a certificate with a 20,000-bit RSA key", func(d *simtest.Device) rawRequest {
			b64 := base64.StdEncoding.EncodeToString(hugeRSACert(GinkgoT(), 20000))
			return plain(d, "ValidateCert", "14.1", must(wbxml.Marshal(&eas.ValidateCertRequest{Certificates: &eas.ValidateCertCertificates{Certificate: []string{b64}}})))
		}, 200, int(eas.ValidateCertStatusInvalidSignature)},
		{"a SendMail over MaxSendSize", func(d *simtest.Device) rawRequest {
			raw := mailTestMIME("", "bob@contoso.com", "", "", "big", strings.Repeat("x", 10000))
			return plain(d, "SendMail", "14.1", must(wbxml.Marshal(&eas.SendMailRequest{ClientId: "bad-big", SaveInSentItems: true, Mime: raw})))
		}, 200, int(eas.StatusMailSubmissionFailed)},
		{"a SendMail over MaxSendSize from a 12.1 device", func(d *simtest.Device) rawRequest {
			r := plain(d, "SendMail", "12.1", mailTestMIME("", "bob@contoso.com", "", "", "big", strings.Repeat("x", 10000)), "SaveInSent=T")
			r.headers["Content-Type"] = eas.ContentTypeMIME
			return r
		}, 500, 0},
		{"a Sync WindowSize of -1", func(d *simtest.Device) rawRequest {
			return plain(d, "Sync", "14.1", must(wbxml.Marshal(&eas.SyncRequest{Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: "0", CollectionId: "5", WindowSize: -1}}}})))
		}, 200, int(eas.SyncStatusProtocolError)},
		{"a DeviceInformation Model of 10,000 characters (kept to 1,024)", func(d *simtest.Device) rawRequest {
			return plain(d, "Settings", "14.1", must(wbxml.Marshal(&eas.SettingsRequest{DeviceInformation: &eas.DeviceInformation{Set: &eas.DeviceInformationSet{Model: strings.Repeat("M", 10000)}}})))
		}, 200, 1},
	}

	It("has at least 30 classes", func() { Expect(len(cases)).To(BeNumerically(">=", 30)) })

	for _, tc := range cases {
		It("answers "+tc.name+" as Exchange does, and loses nothing", func() {
			r := tc.req(d)
			req, err := http.NewRequest(r.method, env.EASURL+"?"+r.query, bytes.NewReader(r.body))
			Expect(err).NotTo(HaveOccurred())
			for k, v := range r.headers {
				req.Header.Set(k, v)
			}
			if r.user != "" {
				req.SetBasicAuth(r.user, r.pass)
			}
			before := snapshot(env)
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(tc.httpStatus), "body:\n%s", simtest.XML(body))
			if tc.easStatus != 0 {
				Expect(body).NotTo(BeEmpty())
				tree, err := wbxml.Parse(body)
				Expect(err).NotTo(HaveOccurred())
				status := statusOf(tree)
				if under := statusElement[tc.name]; under != "" {
					status = statusUnder(tree, under)
				}
				Expect(status).To(Equal(strconv.Itoa(tc.easStatus)), simtest.XML(body))
			} else if resp.StatusCode == http.StatusNotFound {
				// IIS request filtering (404.13) answers with IIS's page.
				Expect(string(body)).To(ContainSubstring("404 - File or directory not found."))
			} else if resp.StatusCode != http.StatusOK {
				Expect(body).To(BeEmpty())
			}
			Expect(snapshot(env)).To(Equal(before), "the request changed the mailbox")
			// The device still works.
			Expect(d.FolderSync()).To(HaveKey("Inbox"))
		})
	}
})

// statusUnder finds the Status of the first element named name, at any
// depth.
func statusUnder(n *wbxml.Node, name string) string {
	for _, c := range n.Elements() {
		if c.Tag.Name == name {
			return statusOf(c)
		}
		if s := statusUnder(c, name); s != "" {
			return s
		}
	}
	return ""
}

// statusOf finds the first Status element of a response, at any depth.
func statusOf(n *wbxml.Node) string {
	for _, c := range n.Elements() {
		if c.Tag.Name == "Status" {
			return c.Text()
		}
		if s := statusOf(c); s != "" {
			return s
		}
	}
	return ""
}

// snapshot summarises alice's mailbox: folders and item ids per folder.
func snapshot(env *simtest.Env) []string {
	mb := env.Mailbox("alice")
	var out []string
	for _, f := range mb.Folders() {
		out = append(out, f.ServerID+" "+f.DisplayName)
		if f.Type == eas.FolderTypeRecipientInfoCache {
			// Mail a case sends, as Exchange sends it, adds its
			// recipients to the sender's cache (recipientcache.go).
			continue
		}
		for _, it := range mb.Items(f.ServerID) {
			out = append(out, it.ServerID)
		}
	}
	return out
}
