package simulator_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// The tarpit is Exchange's error path only: AirSyncResponse.SetErrorResponse
// sets the time to respond to the request's arrival plus ErrorResponseDelay
// (20 s) for every error but 441/449, and an autoblocked hanging command is
// held up to its heartbeat (Command.IsDeviceAccessAllowed); the quarantine
// answers HandleQuarantinedState builds as normal replies are not held
// (exchange-admin.md 2.1, 2.2, 2.4).
var _ = Describe("The tarpit", func() {
	var env *simtest.Env
	BeforeEach(func() {
		env = newTestEnv(simulator.Options{}) // the default 20 s, on the manual clock
		// However a spec ends, the clock runs past every hold before the
		// server closes, so a regression fails rather than hangs.
		DeferCleanup(func() { env.Clock.Advance(2 * time.Hour) })
	})

	// send posts a request in the background; its answer arrives on the
	// returned channel.
	send := func(d *simtest.Device, cmd eas.Command, in, out any) chan *http.Response {
		done := make(chan *http.Response, 1)
		go func() {
			defer GinkgoRecover()
			done <- d.Call(cmd, in, out)
		}()
		return done
	}
	// heldFor expects the answer on done only once the manual clock has
	// moved by hold: not a moment before.
	heldFor := func(done chan *http.Response, hold time.Duration) *http.Response {
		GinkgoHelper()
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed())
		Consistently(done, "50ms").ShouldNot(Receive(), "answered before the tarpit")
		env.Clock.Advance(hold - time.Second)
		Consistently(done, "50ms").ShouldNot(Receive(), "answered a second before the %v hold ended", hold)
		env.Clock.Advance(time.Second)
		var resp *http.Response
		Eventually(done, "2s").Should(Receive(&resp), "not answered when the %v hold ended", hold)
		return resp
	}
	// atOnce expects the answer without the clock moving.
	atOnce := func(done chan *http.Response) *http.Response {
		GinkgoHelper()
		var resp *http.Response
		Eventually(done, "2s").Should(Receive(&resp), "held, though Exchange answers this at once")
		return resp
	}

	It("answers a quarantined device's refused commands at once, and holds only the ones Exchange raises as errors", func() {
		env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
		d := env.Device("alice", "TARPITQ1", eas.Version141)
		d.Provision()
		folders := d.FolderSync()
		inbox := folders["Inbox"].ServerId
		Expect(env.AccessState("TARPITQ1")).To(Equal("Quarantined/Global"))

		var io eas.ItemOperationsResponse
		atOnce(send(d, eas.CommandItemOperations, &eas.ItemOperationsRequest{}, &io))
		Expect(io.Status).To(Equal(3))

		var sr eas.SearchResponse
		atOnce(send(d, eas.CommandSearch, &eas.SearchRequest{Store: &eas.SearchStore{Name: "Mailbox"}}, &sr))

		var rr eas.ResolveRecipientsResponse
		atOnce(send(d, eas.CommandResolveRecipients, &eas.ResolveRecipientsRequest{To: []string{"bob"}}, &rr))
		Expect(rr.Status).To(Equal(6))

		var fc eas.FolderCreateResponse
		atOnce(send(d, eas.CommandFolderCreate, &eas.FolderCreateRequest{SyncKey: "1", ParentId: inbox, DisplayName: "x", Type: eas.FolderTypeUserMail}, &fc))
		Expect(fc.Status).To(Equal(6))

		// SendMail's 500/120 is SetErrorResponse: the error path.
		var sm eas.SendMailResponse
		resp := heldFor(send(d, eas.CommandSendMail, &eas.SendMailRequest{ClientId: "c1", Mime: []byte("Subject: x\r\n\r\nx")}, &sm), simulator.DefaultErrorResponseDelay)
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(sm.Status).To(Equal(int(eas.StatusMailSubmissionFailed)))
	})

	It("holds 177 for a partnership over the limit", func() {
		env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.EasMaxDevices = 1 })
		env.Device("alice", "TARPITM1", eas.Version141).Provision()
		var r eas.ProvisionResponse
		second := env.Device("alice", "TARPITM2", eas.Version141)
		heldFor(send(second, eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r), simulator.DefaultErrorResponseDelay)
		Expect(r.Status).To(Equal(int(eas.StatusMaximumDevicesReached)))
	})

	It("holds the autoblock 503, a hanging Ping up to its heartbeat", func() {
		env.Cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", map[string]any{"Identity": "UserAgentsChanges", "BehaviorTypeIncidenceLimit": 2, "BehaviorTypeIncidenceDuration": "01:00:00", "DeviceBlockDuration": "01:00:00"})
		d := env.Device("alice", "TARPITA1", eas.Version141)
		d.Provision()
		inbox := d.FolderSync()["Inbox"].ServerId
		d.UserAgent = "Apple-iPhone15C2/2201.2"
		d.FolderSync()
		d.UserAgent = "Apple-iPhone15C2/2201.3"
		resp := heldFor(send(d, eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil), simulator.DefaultErrorResponseDelay)
		Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
		Expect(resp.Header.Get("X-MS-ASThrottle")).To(Equal("UserAgentsChanges"))

		// A Ping of 600 s (longer than the 20 s delay) is held 600 s.
		resp = heldFor(send(d, eas.CommandPing, &eas.PingRequest{HeartbeatInterval: 600, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}}, nil), 600*time.Second)
		Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
		Expect(resp.Header.Get("Retry-After")).NotTo(BeEmpty())
	})

	It("holds nothing when turned off", func() {
		env = newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.EasMaxDevices = 1 })
		env.Device("alice", "TARPITO1", eas.Version141).Provision()
		var r eas.ProvisionResponse
		atOnce(send(env.Device("alice", "TARPITO2", eas.Version141), eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r))
		Expect(r.Status).To(Equal(int(eas.StatusMaximumDevicesReached)))
	})
})
