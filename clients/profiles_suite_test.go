package clients_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/clock"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/wbxml"
)

// The profile specs: every profile's first-time setup, steady state and
// lifecycle events against the in-process simulator, judged on the wire
// (the transcript) against what the profile claims.
func TestProfiles(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "clients: device profiles on the wire")
}

// gEnv is an in-process simulator on a manual clock for one spec.
type gEnv struct {
	srv *simulator.Server
	clk *clock.Manual
	url string
}

func newGEnv() *gEnv {
	clk := clock.NewManual(start)
	srv, err := simulator.New(simulator.Options{Directory: demoDirectory(GinkgoT(), clk.Now()), Clock: clk, ErrorResponseDelay: -1})
	Expect(err).NotTo(HaveOccurred())
	hs := httptest.NewServer(srv)
	DeferCleanup(hs.Close)
	return &gEnv{srv: srv, clk: clk, url: hs.URL + "/Microsoft-Server-ActiveSync"}
}

func (e *gEnv) device(p clients.Profile, seed uint64) *clients.Device {
	return clients.New(p, clients.Options{BaseURL: e.url, User: "alice@contoso.com", Password: demo.Password, Seed: seed, Clock: e.clk})
}

func gctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	DeferCleanup(cancel)
	return c
}

// commands lists the EAS commands (OPTIONS as "OPTIONS") of the exchanges.
func commands(ents []clients.Exchange) []string {
	var out []string
	for _, e := range ents {
		if e.Command == 0 {
			out = append(out, e.Method)
			continue
		}
		out = append(out, e.Command.String())
	}
	return out
}

// bodyHas reports whether a request body, decoded, contains element name.
func bodyHas(e clients.Exchange, name string) bool {
	if len(e.RequestBody) == 0 {
		return false
	}
	var b strings.Builder
	if err := wbxml.WriteXML(&b, wbxml.NewDecoder(strings.NewReader(string(e.RequestBody)))); err != nil {
		return false
	}
	return strings.Contains(b.String(), "<"+name)
}

var _ = Describe("Every device profile", func() {
	var env *gEnv
	BeforeEach(func() { env = newGEnv() })

	for _, p := range clients.Profiles() {
		Context(p.Name, func() {
			It("sets up with its own fingerprint and first-time flow", func() {
				d := env.device(p, 11)
				Expect(d.Setup(gctx())).To(Succeed(), "%s", d.Transcript())
				Expect(d.DeviceID).To(MatchRegexp(idFormats[p.Name]))
				ents := d.Transcript().Entries()
				cmds := commands(ents)
				Expect(cmds[0]).To(Equal("OPTIONS"), "a device asks OPTIONS first")
				for _, e := range ents {
					Expect(e.RequestHeader.Get("User-Agent")).To(Equal(p.UserAgent))
					if e.Command == 0 {
						continue
					}
					if p.QueryForm == eas.PlainQuery {
						Expect(e.URL).To(ContainSubstring("DeviceType=" + p.DeviceType))
						Expect(e.URL).To(ContainSubstring("DeviceId=" + d.DeviceID))
						Expect(e.RequestHeader.Get("MS-ASProtocolVersion")).To(Equal(p.ProtocolVersion.String()))
					}
				}
				// Where DeviceInformation goes is the profile's habit.
				var inProvision, inSettings bool
				for _, e := range ents {
					switch e.Command {
					case eas.CommandProvision:
						inProvision = inProvision || bodyHas(e, "DeviceInformation")
					case eas.CommandSettings:
						inSettings = inSettings || bodyHas(e, "DeviceInformation")
					}
				}
				switch p.DeviceInfoIn {
				case clients.InfoInProvision:
					Expect(inProvision).To(BeTrue(), "%s sends DeviceInformation in Provision", p.Name)
					Expect(cmds).NotTo(ContainElement("Settings"))
				case clients.InfoInSettings:
					Expect(inSettings).To(BeTrue())
				case clients.InfoNever:
					Expect(inProvision || inSettings).To(BeFalse(), "%s never sends DeviceInformation", p.Name)
				}
				Expect(cmds).To(ContainElements("FolderSync", "Sync"))
				if p.NoPolicyKey {
					Expect(cmds).NotTo(ContainElement("Provision"), "%s never provisions", p.Name)
				} else {
					Expect(cmds).To(ContainElement("Provision"))
				}
				Expect(inboxSubjects(d)).To(HaveLen(4), "alice's Inbox")
			})

			It("in steady state Pings with its heartbeat and Syncs with its window", func() {
				d := env.device(p, 12)
				c := gctx()
				Expect(d.Setup(c)).To(Succeed())
				in, _ := d.FolderByType(eas.FolderTypeInbox)
				done := make(chan error, 1)
				go func() { _, err := d.Ping(c, []string{in.ServerId}); done <- err }()
				Expect(env.clk.BlockUntil(c, 1)).To(Succeed())
				env.clk.Advance(time.Duration(p.Heartbeat) * time.Second)
				Eventually(done).Should(Receive(BeNil()))
				ents := d.Transcript().Entries()
				ping := ents[len(ents)-1]
				Expect(ping.Command).To(Equal(eas.CommandPing))
				Expect(xmlOf(ping.RequestBody)).To(ContainSubstring("<HeartbeatInterval>" + strconv.Itoa(p.Heartbeat) + "</HeartbeatInterval>"))
				_, err := d.Sync(c, in.ServerId)
				Expect(err).NotTo(HaveOccurred())
				ents = d.Transcript().Entries()
				Expect(xmlOf(ents[len(ents)-1].RequestBody)).To(ContainSubstring("<WindowSize>" + strconv.Itoa(p.WindowSize) + "</WindowSize>"))
			})

			It("after an OS update sends the new User-Agent and keeps its DeviceId", func() {
				d := env.device(p, 13)
				c := gctx()
				Expect(d.Setup(c)).To(Succeed())
				id := d.DeviceID
				d.UpdateOS(p.UserAgent+"-updated", p.OS+" (updated)")
				Expect(d.FolderSync(c)).To(Succeed())
				ents := d.Transcript().Entries()
				Expect(ents[len(ents)-1].RequestHeader.Get("User-Agent")).To(Equal(p.UserAgent + "-updated"))
				Expect(d.DeviceID).To(Equal(id))
			})

			It("after a factory reset is a new device with a new DeviceId of the same format", func() {
				d := env.device(p, 14)
				c := gctx()
				Expect(d.Setup(c)).To(Succeed())
				old := d.DeviceID
				d.FactoryReset()
				Expect(d.DeviceID).NotTo(Equal(old))
				Expect(d.DeviceID).To(MatchRegexp(idFormats[p.Name]))
				Expect(d.Setup(c)).To(Succeed())
				_, mb, _ := env.srv.Directory().Resolve("alice")
				Expect(len(mb.Devices())).To(Equal(2), "two partnerships: the old and the reset device")
			})

			It("with a changed password gets 401 and recovers with the new one", func() {
				d := env.device(p, 15)
				c := gctx()
				Expect(d.Setup(c)).To(Succeed())
				d.ChangePassword("wrong")
				Expect(d.FolderSync(c)).To(MatchError(clients.ErrUnauthorized))
				d.ChangePassword(demo.Password)
				Expect(d.FolderSync(c)).To(Succeed())
			})
		})
	}
})

func xmlOf(b []byte) string {
	var s strings.Builder
	wbxml.WriteXML(&s, wbxml.NewDecoder(strings.NewReader(string(b))))
	return s.String()
}

// faultOnce makes the simulator answer the device's next FolderSync with
// the action (JSON).
func (e *gEnv) faultOnce(action string) {
	base := strings.TrimSuffix(e.url, "/Microsoft-Server-ActiveSync")
	req, _ := http.NewRequest(http.MethodPost, base+"/api/faults", strings.NewReader(`{"match": {"command": "FolderSync"}, "action": `+action+`, "count": 1}`))
	req.Header.Set("Authorization", "Bearer "+e.srv.AdminToken())
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(http.StatusCreated))
}

var _ = Describe("A device reacts as the real client does", func() {
	type reaction int
	const (
		reprovisions reaction = iota // provisions again and retries: success
		follows                      // follows the redirect: success
		stops                        // returns the error to its user
		wipes                        // acknowledges the wipe and forgets
	)
	DescribeTable("when Exchange answers",
		func(action string, want reaction, is error, status int) {
			env := newGEnv()
			p, _ := clients.ProfileByName(clients.IPhone)
			d := env.device(p, 21)
			c := gctx()
			Expect(d.Setup(c)).To(Succeed())
			if strings.Contains(action, "redirect") {
				action = strings.Replace(action, "URL", env.url, 1)
			}
			env.faultOnce(action)
			before := len(d.Transcript().Entries())
			err := d.FolderSync(c)
			after := commands(d.Transcript().Entries()[before:])
			switch want {
			case reprovisions:
				Expect(err).NotTo(HaveOccurred(), "%s", d.Transcript())
				Expect(after).To(Equal([]string{"FolderSync", "Provision", "Provision", "FolderSync"}), "provision (two phases), then the command again")
			case follows:
				Expect(err).NotTo(HaveOccurred())
				Expect(after).To(Equal([]string{"FolderSync", "FolderSync"}))
			case wipes:
				Expect(err).To(MatchError(clients.ErrWiped))
				_, has := d.PolicyKey()
				Expect(has).To(BeFalse(), "a wiped device forgets its policy key")
				Expect(d.Folders()).To(BeEmpty(), "a wiped device forgets its folders")
			case stops:
				Expect(err).To(HaveOccurred())
				if is != nil {
					Expect(err).To(MatchError(is))
				}
				var se *clients.ServerError
				if status != 0 {
					Expect(errorsAs(err, &se)).To(BeTrue())
					Expect(se.Status).To(Equal(status))
				}
				Expect(after).To(Equal([]string{"FolderSync"}), "no retry behind its user's back")
			}
		},
		Entry("449 Retry with Provision", `{"httpStatus": 449}`, reprovisions, nil, 0),
		Entry("142 DeviceNotProvisioned", `{"status": 142}`, reprovisions, nil, 0),
		Entry("143 PolicyRefresh", `{"status": 143}`, reprovisions, nil, 0),
		Entry("144 InvalidPolicyKey", `{"status": 144}`, reprovisions, nil, 0),
		Entry("451 with X-MS-Location", `{"redirect": "URL"}`, follows, nil, 0),
		Entry("401", `{"httpStatus": 401}`, stops, clients.ErrUnauthorized, 0),
		Entry("403", `{"httpStatus": 403}`, stops, clients.ErrBlocked, 0),
		Entry("129 DeviceIsBlockedForThisUser", `{"status": 129}`, stops, clients.ErrBlocked, 129),
		Entry("110 ServerError", `{"status": 110}`, stops, nil, 110),
		Entry("111 ServerErrorRetryLater", `{"status": 111}`, stops, nil, 111),
		Entry("126 UserDisabledForSync", `{"status": 126}`, stops, nil, 126),
		Entry("177 MaximumDevicesReached", `{"status": 177}`, stops, nil, 177),
		Entry("503 with Retry-After", `{"httpStatus": 503, "retryAfter": 60}`, stops, nil, 0),
		Entry("500", `{"httpStatus": 500}`, stops, nil, 0),
	)

	It("acknowledges a remote wipe (140) and forgets its data", func() {
		env := newGEnv()
		p, _ := clients.ProfileByName(clients.Gmail)
		d := env.device(p, 22)
		c := gctx()
		Expect(d.Setup(c)).To(Succeed())
		admin := adminapi.Client{URL: strings.TrimSuffix(env.url, "/Microsoft-Server-ActiveSync"), Token: env.srv.AdminToken()}
		// The Identity Get-MobileDevice shows: Exchange takes no bare DeviceId.
		var devs []struct{ Identity, DeviceId string }
		Expect(admin.Run(c, "Get-MobileDevice", map[string]any{"Filter": "DeviceId -eq '" + d.DeviceID + "'"}, &devs)).To(Succeed())
		Expect(devs).To(HaveLen(1))
		Expect(admin.Run(c, "Clear-MobileDevice", map[string]any{"Identity": devs[0].Identity}, nil)).To(Succeed())
		Expect(d.FolderSync(c)).To(MatchError(clients.ErrWiped))
		Expect(d.Folders()).To(BeEmpty())
		Expect(d.Transcript().String()).To(ContainSubstring("<RemoteWipe>"))
	})
})

func errorsAs(err error, target any) bool { return errors.As(err, target) }
