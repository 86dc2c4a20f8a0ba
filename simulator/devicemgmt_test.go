package simulator_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/notice"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// subjects lists the subjects of the e-mails in a Sync collection.
func subjects(col *eas.SyncCollection) []string {
	GinkgoHelper()
	var out []string
	for _, c := range col.Commands {
		if c.ApplicationData == nil {
			continue
		}
		var m eas.Email
		Expect(eas.DecodeItem(c.ApplicationData, &m)).To(Succeed())
		out = append(out, m.Subject)
	}
	return out
}

func inboxSubjects(env *simtest.Env, alias string) []string {
	GinkgoHelper()
	mb := env.Mailbox(alias)
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	var out []string
	for _, it := range mb.Items(inbox.ServerID) {
		out = append(out, it.Prop(wbxml.LookupQualified("Email:Subject")))
	}
	return out
}

var _ = Describe("Device access", func() {
	var env *simtest.Env
	BeforeEach(func() {
		env = newTestEnv(simulator.Options{ErrorResponseDelay: -1})
	})

	Context("under a Quarantine default", func() {
		BeforeEach(func() {
			env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) {
				s.DefaultAccessLevel = access.LevelQuarantine
				s.AdminMailRecipients = []string{"admin@contoso.com"}
				s.UserMailInsert = `<a href="https://mfa.contoso.com/approve">Approve your device</a>`
			})
		})

		It("shows a new device the quarantine notice and nothing else, mails the admin once, and releases the backlog on approval", func() {
			d := env.Device("alice", "QUAR1", eas.Version141)
			d.Provision() // Provision runs in quarantine; it carries DeviceInformation
			folders := d.FolderSync()
			Expect(folders).To(HaveKey("Calendar"), "FolderSync shows the whole hierarchy")
			inbox, cal := folders["Inbox"].ServerId, folders["Calendar"].ServerId

			col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
			col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox, Options: []eas.SyncOptions{{BodyPreference: []eas.BodyPreference{{Type: 2}}}}})
			Expect(subjects(col)).To(Equal([]string{notice.QuarantineSubject}))
			var mail eas.Email
			Expect(eas.DecodeItem(col.Commands[0].ApplicationData, &mail)).To(Succeed())
			Expect(mail.Body.Data).To(ContainSubstring(`https://mfa.contoso.com/approve`))
			calCol := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: cal})
			Expect(d.SyncOnce(eas.SyncCollection{SyncKey: calCol.SyncKey, CollectionId: cal})).To(BeNil(), "nothing but the Inbox notice")

			// The admin got one mail; the device's repeated requests add none.
			Expect(inboxSubjects(env, "admin")).To(ContainElement(notice.QuarantineAdminSubject("Alice Wilber", "alice")))
			admins := len(inboxSubjects(env, "admin"))
			Expect(d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})).To(BeNil())
			Expect(inboxSubjects(env, "admin")).To(HaveLen(admins))
			Expect(inboxSubjects(env, "alice")).To(HaveLen(5), "four seeded mails and one notice")

			events, _ := env.Server.Events().Since(0)
			var kinds []string
			for _, e := range events {
				if e.DeviceID == "QUAR1" {
					kinds = append(kinds, e.Kind+" "+e.To)
				}
			}
			// The first Provision is decided before its DeviceInformation is
			// read: discovery, then quarantine, with one user and one admin
			// notice.
			Expect(kinds).To(Equal([]string{"DeviceCreated ", "AccessStateChanged DeviceDiscovery", "AccessStateChanged Quarantined", "MailPosted ", "MailPosted "}))
			devs := env.Mailbox("alice").Devices()
			Expect(devs).To(ContainElement(And(HaveField("DeviceID", "QUAR1"), HaveField("DeviceAccessState", access.Quarantined), HaveField("DeviceAccessStateReason", access.ReasonGlobal))))

			// Other commands get Exchange's refusals.
			var io eas.ItemOperationsResponse
			d.Call(eas.CommandItemOperations, &eas.ItemOperationsRequest{}, &io)
			Expect(io.Status).To(Equal(3))
			var mv eas.MoveItemsResponse
			d.Call(eas.CommandMoveItems, &eas.MoveItemsRequest{Move: []eas.MoveItem{{SrcMsgId: inbox + ":1", SrcFldId: inbox, DstFldId: cal}}}, &mv)
			Expect(mv.Response).To(ConsistOf(And(HaveField("SrcMsgId", inbox+":1"), HaveField("Status", 5))))
			var mr eas.MeetingResponseResponse
			d.Call(eas.CommandMeetingResponse, &eas.MeetingResponseRequest{Request: []eas.MeetingReply{{UserResponse: 1, CollectionId: inbox, RequestId: inbox + ":1"}}}, &mr)
			Expect(mr.Result).To(ConsistOf(And(HaveField("RequestId", inbox+":1"), HaveField("Status", 4))))
			Expect(inboxSubjects(env, "alice")).To(HaveLen(5), "nothing moved")

			// Approval, as an MFA agent does it: the DeviceId joins the
			// owner's allow list. The next Sync brings the backlog.
			env.Mailbox("alice").SetCASMailbox(func(c *simulator.CASMailbox) {
				c.ActiveSyncAllowedDeviceIDs = append(c.ActiveSyncAllowedDeviceIDs, "QUAR1")
			})
			col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
			Expect(subjects(col)).To(ContainElements("Quarterly report draft", "Lunch on Thursday?"))
			Expect(col.Commands).To(HaveLen(5), "four Adds and the notice again as a Change")
			Expect(env.Mailbox("alice").Devices()).To(ContainElement(And(HaveField("DeviceID", "QUAR1"), HaveField("DeviceAccessState", access.Allowed), HaveField("DeviceAccessStateReason", access.ReasonIndividual))))
			// The release is on the event stream once, when the allow list
			// changed (not again at the device's next request).
			events, _ = env.Server.Events().Since(0)
			var releases []simulator.Event
			for _, e := range events {
				if e.DeviceID == "QUAR1" && e.Kind == simulator.EventAccessStateChanged && e.To == "Allowed" {
					releases = append(releases, e)
				}
			}
			Expect(releases).To(ConsistOf(And(HaveField("From", "Quarantined"), HaveField("Reason", "Individual"))))
		})

		It("keeps a device in discovery without a mail until DeviceInformation or 14 minutes", func() {
			d := env.Device("alice", "DISC1", eas.Version121) // 12.1 sends no DeviceInformation in Provision
			d.Provision()
			inbox := d.FolderSync()["Inbox"].ServerId
			col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
			Expect(d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})).To(BeNil(), "discovery shows nothing, not even a notice")
			Expect(env.Mailbox("alice").Devices()).To(ContainElement(And(HaveField("DeviceID", "DISC1"), HaveField("DeviceAccessState", access.DeviceDiscovery))))
			Expect(inboxSubjects(env, "alice")).NotTo(ContainElement(notice.QuarantineSubject))

			env.Clock.Advance(15 * time.Minute)
			col2 := d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
			Expect(subjects(col2)).To(Equal([]string{notice.QuarantineSubject}))
		})

		It("leaves an individually allowed device allowed", func() {
			env.Mailbox("bob").SetCASMailbox(func(c *simulator.CASMailbox) { c.ActiveSyncAllowedDeviceIDs = []string{"BOBPHONE"} })
			d := env.Device("bob", "BOBPHONE", eas.Version161)
			d.Provision()
			inbox := d.FolderSync()["Inbox"].ServerId
			col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
			col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
			Expect(col.Commands).To(HaveLen(4))
		})
	})

	It("blocks a device a rule blocks: status 129 from 14.0, 403 for 12.1, after the tarpit", func() {
		env = newTestEnv(simulator.Options{}) // the default 20 s tarpit, on the manual clock
		Expect(env.Server.Directory().AddDeviceAccessRule(access.NewRule("Android", access.CharacteristicDeviceType, access.LevelBlock))).To(Succeed())
		d := env.Device("alice", "DROID1", eas.Version141)
		d.Type = "Android"
		// With rules, a new device is in discovery until it tells what it
		// is: its first Provision proceeds and carries DeviceInformation.
		var r eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		Expect(r.Status).To(Equal(1))
		temp := r.Policies.Policy.PolicyKey
		done := make(chan *http.Response, 1)
		go func() {
			defer GinkgoRecover()
			r = eas.ProvisionResponse{}
			done <- d.Call(eas.CommandProvision, &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML, PolicyKey: temp, Status: 1}}}, &r)
		}()
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed())
		Consistently(done, "50ms").ShouldNot(Receive(), "the refusal waits for the tarpit")
		env.Clock.Advance(simulator.DefaultErrorResponseDelay)
		var resp *http.Response
		Eventually(done).Should(Receive(&resp))
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(r.Status).To(Equal(int(eas.StatusDeviceIsBlockedForThisUser)))
		Expect(resp.Header.Get("X-MS-ASThrottle")).To(Equal("DeviceRule"))

		// A 12.1 device never sends DeviceInformation: it is judged on its
		// DeviceType once discovery ends, and refused with a bare 403.
		old := env.Device("alice", "DROID2", eas.Version121)
		old.Type = "Android"
		Expect(old.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil).StatusCode).To(Equal(http.StatusOK), "in discovery; no policy key under the default policy is served")
		env.Clock.Advance(15 * time.Minute)
		go func() {
			defer GinkgoRecover()
			done <- old.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil)
		}()
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed())
		env.Clock.Advance(simulator.DefaultErrorResponseDelay)
		Eventually(done).Should(Receive(&resp))
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		Expect(env.Mailbox("alice").Devices()).To(ContainElement(And(HaveField("DeviceID", "DROID2"), HaveField("DeviceAccessState", access.Blocked), HaveField("DeviceAccessControlRule", "Android (DeviceType)"))))
	})

	It("refuses a user not enabled for ActiveSync with 126", func() {
		env.Mailbox("bob").SetCASMailbox(func(c *simulator.CASMailbox) { c.ActiveSyncEnabled = false })
		d := env.Device("bob", "OFF1", eas.Version141)
		var r eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		Expect(r.Status).To(Equal(int(eas.StatusUserDisabledForSync)))
		old := env.Device("bob", "OFF2", eas.Version121)
		Expect(old.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil).StatusCode).To(Equal(http.StatusForbidden))
	})
})

var _ = Describe("Remote wipe", func() {
	It("reaches even a quarantined device through 140 and Provision, and the times move", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.DefaultAccessLevel = access.LevelQuarantine })
		d := env.Device("alice", "WIPE1", eas.Version141)
		d.Provision()
		mb := env.Mailbox("alice")
		Expect(mb.ClearMobileDevice("WIPE1", false, false, "admin", env.Clock.Now())).To(Succeed())
		Expect(devStatus(mb, "WIPE1")).To(Equal("DeviceWipePending"))

		var fs eas.FolderSyncResponse
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(int(eas.StatusRemoteWipeRequested)))

		env.Clock.Advance(time.Minute)
		var r eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		Expect(r.RemoteWipe).To(BeTrue())
		Expect(r.AccountOnlyRemoteWipe).To(BeFalse())
		env.Clock.Advance(time.Minute)
		var ack eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{RemoteWipe: &eas.WipeAcknowledgment{Status: 1}}, &ack)
		Expect(ack.Status).To(Equal(1))
		Expect(ack.RemoteWipe).To(BeFalse())
		Expect(devStatus(mb, "WIPE1")).To(Equal("DeviceWipeSucceeded"))
		Expect(inboxSubjects(env, "alice")).To(ContainElement(simulator.WipeConfirmationSubject), "a completed wipe is confirmed by mail")
		for _, dv := range mb.Devices() {
			if dv.DeviceID == "WIPE1" {
				req, sent, acked, _ := dv.WipeTimes()
				Expect(req).To(Equal(start))
				Expect(sent).To(Equal(start.Add(time.Minute)))
				Expect(acked).To(Equal(start.Add(2 * time.Minute)))
			}
		}
		events, _ := env.Server.Events().Since(0)
		var kinds []string
		for _, e := range events {
			if e.DeviceID == "WIPE1" && strings.HasPrefix(e.Kind, "Wipe") {
				kinds = append(kinds, e.Kind)
			}
		}
		Expect(kinds).To(Equal([]string{simulator.EventWipeRequested, simulator.EventWipeSent, simulator.EventWipeAcknowledged}))
		Expect(mb.RemoveDevice("WIPE1")).To(BeTrue())
		Expect(mb.Devices()).NotTo(ContainElement(HaveField("DeviceID", "WIPE1")))
	})

	It("sends AccountOnlyRemoteWipe to a 16.1 device, 449 to a 12.1 one, and repeats the directive when the wipe failed", func() {
		env := newTestEnv(simulator.Options{})
		mb := env.Mailbox("bob")
		d := env.Device("bob", "WIPE2", eas.Version161)
		d.Provision()
		Expect(mb.ClearMobileDevice("WIPE2", true, false, "admin", env.Clock.Now())).To(Succeed())
		var r eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		Expect(r.AccountOnlyRemoteWipe).To(BeTrue())
		var ack eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{AccountOnlyRemoteWipe: &eas.WipeAcknowledgment{Status: 2}}, &ack)
		Expect(ack.Status).To(Equal(2))
		Expect(ack.AccountOnlyRemoteWipe).To(BeTrue())
		Expect(inboxSubjects(env, "bob")).NotTo(ContainElement(simulator.WipeConfirmationSubject), "no confirmation of a failed wipe")

		old := env.Device("bob", "WIPE3", eas.Version121)
		old.Provision()
		Expect(mb.ClearMobileDevice("WIPE3", false, false, "admin", env.Clock.Now())).To(Succeed())
		Expect(old.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil).StatusCode).To(Equal(eas.HTTPRetryWith))
		Expect(mb.ClearMobileDevice("WIPE3", false, true, "admin", env.Clock.Now())).To(Succeed())
		Expect(old.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil).StatusCode).To(Equal(http.StatusOK), "a cancelled wipe lets the device sync")
	})
})

func devStatus(mb *simulator.Mailbox, id string) string {
	for _, d := range mb.Devices() {
		if d.DeviceID == id {
			return d.Status()
		}
	}
	return ""
}

var _ = Describe("Partnership limit", func() {
	It("refuses a device over EasMaxDevices with 177 (403 up to 14.0) and tells the owner once", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.EasMaxDevices = 2 })
		for _, id := range []string{"MAX1", "MAX2"} {
			env.Device("alice", id, eas.Version141).Provision()
		}
		third := env.Device("alice", "MAX3", eas.Version141)
		var r eas.ProvisionResponse
		third.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		Expect(r.Status).To(Equal(int(eas.StatusMaximumDevicesReached)))
		old := env.Device("alice", "MAX4", eas.Version140)
		Expect(old.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil).StatusCode).To(Equal(http.StatusForbidden))
		Expect(env.Mailbox("alice").Devices()).To(HaveLen(2))
		var limitMails int
		for _, s := range inboxSubjects(env, "alice") {
			if s == notice.MaxDevicesSubject {
				limitMails++
			}
		}
		Expect(limitMails).To(Equal(1))
	})
})

var _ = Describe("Mailbox policies", func() {
	It("sends the mailbox's policy, asks devices to provision again when it changes (144), and when it is due (143)", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		d := env.Device("alice", "POL1", eas.Version141)
		d.Provision()
		var fs eas.FolderSyncResponse
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(1))

		strict := simulator.DefaultPolicy()
		strict.PasswordEnabled = true
		strict.MinPasswordLength = 6
		strict.DevicePolicyRefreshInterval = time.Hour
		env.Server.Directory().SetPolicy(strict)
		fs = eas.FolderSyncResponse{}
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(int(eas.StatusInvalidPolicyKey)))

		var r eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		doc := r.Policies.Policy.Data.EASProvisionDoc
		Expect(doc).NotTo(BeNil())
		Expect(*doc.DevicePasswordEnabled).To(BeTrue())
		Expect(doc.MinDevicePasswordLength).NotTo(BeNil())
		d.Provision()
		fs = eas.FolderSyncResponse{}
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(1))
		env.Clock.Advance(time.Hour)
		fs = eas.FolderSyncResponse{}
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(int(eas.StatusPolicyRefresh)))
		Expect(env.Mailbox("alice").Devices()).To(ContainElement(And(HaveField("DeviceID", "POL1"), HaveField("PolicyApplied", "Default"))))
	})
})

var _ = Describe("IIS log", func() {
	It("writes a W3C line per request with Exchange's Log= items", func() {
		var buf syncBuffer
		env := newTestEnv(simulator.Options{IISLog: simulator.NewIISLog(&buf)})
		env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.DefaultAccessLevel = access.LevelQuarantine })
		d := env.Device("alice", "IIS1", eas.Version141)
		d.Provision()
		d.FolderSync()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		Expect(lines[3]).To(HavePrefix("#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query"))
		Expect(lines[4]).To(ContainSubstring("Cmd=Provision&User=alice&DeviceId=IIS1&DeviceType=iPhone&Log=V141_As:DeviceDiscoveryG_"), "discovery under a Quarantine default has reason Global")
		Expect(strings.Join(lines, "\n")).To(ContainSubstring("_As:QuarantinedG_Ms:ABQ_"), "the transition is logged once with the mail")
		Expect(lines[len(lines)-1]).To(MatchRegexp(`Cmd=FolderSync.*Log=V141_Pk:\d+_As:QuarantinedG_ .* alice 127\.0\.0\.1 Apple-iPhone15C2/2201\.1 - 200 0 0 0$`))
	})
})

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ = Describe("Approvals through the admin API", func() {
	var env *simtest.Env
	BeforeEach(func() {
		env = newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
	})

	It("re-quarantines the user's other devices when the allow list is replaced instead of added to", func() {
		a, b := env.Device("alice", "PHONEA", eas.Version141), env.Device("alice", "PHONEB", eas.Version141)
		a.Provision()
		b.Provision()
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"PHONEA"}}})
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"PHONEB"}}})
		Expect(env.AccessState("PHONEA")).To(Equal("Allowed/Individual"))
		Expect(env.AccessState("PHONEB")).To(Equal("Allowed/Individual"))
		// The bug class of field-notes D.4: a product writes the list with
		// only the new device.
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": []string{"PHONEA"}})
		Expect(env.AccessState("PHONEB")).To(Equal("Unknown/Unknown"), "the cmdlet resets the dropped device at once")
		b.FolderSync()
		Expect(env.AccessState("PHONEB")).To(Equal("Quarantined/Global"), "its next request quarantines it again")
	})

	It("quarantines existing Global devices when the default becomes Quarantine, but not Individual ones", func() {
		env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Allow"})
		g, i := env.Device("bob", "GLOBAL1", eas.Version141), env.Device("bob", "INDIV1", eas.Version141)
		g.Provision()
		i.Provision()
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "bob", "ActiveSyncAllowedDeviceIDs": []string{"INDIV1"}})
		Expect(env.AccessState("GLOBAL1")).To(Equal("Allowed/Global"))
		env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
		g.FolderSync()
		i.FolderSync()
		Expect(env.AccessState("GLOBAL1")).To(Equal("Quarantined/Global"))
		Expect(env.AccessState("INDIV1")).To(Equal("Allowed/Individual"))
		Expect(inboxSubjects(env, "bob")).To(ContainElement(notice.QuarantineSubject), "the transition mails the owner")
	})

	It("keeps the allow entry when the partnership is removed, so the same device is allowed at once", func() {
		d := env.Device("alice", "REPAIR1", eas.Version141)
		d.Provision()
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"REPAIR1"}}})
		env.Cmdlet("Remove-MobileDevice", map[string]any{"Identity": env.DeviceIdentity("REPAIR1")})
		d.Provision()
		Expect(env.AccessState("REPAIR1")).To(Equal("Allowed/Individual"))
	})
})

var _ = Describe("The directory cache delay", func() {
	// Exchange's ADUserCache (exchange-admin.md 4.3; S1 ADUserCache.cs):
	// three generations rotated every ADCacheRefreshInterval from the
	// start; a user's entry, read at a request that misses, drops out at
	// the third rotation after, and a hit does not read it again.
	It("honours an approval when the user's cached entry drops out, two to three refreshes after it was read, and a change at once when no entry is cached", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1, CASMailboxCacheDelay: time.Minute})
		env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
		d := env.Device("alice", "CACHE1", eas.Version141)
		d.Provision() // at the start: the entry is read now and drops out at the third rotation, 180 s on
		inbox := d.FolderSync()["Inbox"].ServerId
		col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
		Expect(subjects(col)).To(Equal([]string{notice.QuarantineSubject}))
		env.Clock.Advance(10 * time.Second)
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"CACHE1"}}})
		env.Clock.Advance(169 * time.Second)
		Expect(d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})).To(BeNil(), "179 s after the entry was read the EAS side still sees the old list")
		env.Clock.Advance(time.Second)
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
		Expect(subjects(col)).To(ContainElement("Quarterly report draft"), "at the third rotation the entry is read again")

		// That read drops out at 360 s. Past it, nothing is cached: a
		// revocation is seen at the next request.
		env.Clock.Advance(200 * time.Second)
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Remove": []string{"CACHE1"}}})
		d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
		Expect(env.AccessState("CACHE1")).To(Equal("Quarantined/Global"), "a revocation with no entry cached is seen at the next request")
	})
})

var _ = Describe("A strict policy", func() {
	It("refuses devices that send no policy key (141) and devices that cannot comply in full (139)", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		strict := simulator.DefaultPolicy()
		strict.AllowNonProvisionableDevices = false
		env.Server.Directory().SetPolicy(strict)
		d := env.Device("alice", "STRICT1", eas.Version141)
		var fs eas.FolderSyncResponse
		d.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, &fs)
		Expect(fs.Status).To(Equal(int(eas.StatusLegacyDeviceOnStrictPolicy)))
		old := env.Device("alice", "STRICT2", eas.Version121)
		Expect(old.Call(eas.CommandFolderSync, &eas.FolderSyncRequest{SyncKey: "0"}, nil).StatusCode).To(Equal(http.StatusForbidden))

		var r eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		temp := r.Policies.Policy.PolicyKey
		var ack eas.ProvisionResponse
		d.Call(eas.CommandProvision, &eas.ProvisionRequest{Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML, PolicyKey: temp, Status: 2}}}, &ack)
		Expect(ack.Status).To(Equal(int(eas.StatusDeviceNotFullyProvisionable)))
	})
})

var _ = Describe("Autoblock", func() {
	It("blocks a device whose User-Agent keeps changing for DeviceBlockDuration, with 503 and Retry-After", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		env.Cmdlet("Set-ActiveSyncDeviceAutoblockThreshold", map[string]any{"Identity": "UserAgentsChanges", "BehaviorTypeIncidenceLimit": 2, "BehaviorTypeIncidenceDuration": "01:00:00", "DeviceBlockDuration": "00:10:00"})
		th := env.Cmdlet("Get-ActiveSyncDeviceAutoblockThreshold", map[string]any{"Identity": "UserAgentsChanges"})
		Expect(th).To(ConsistOf(And(HaveKeyWithValue("BehaviorTypeIncidenceLimit", 2.0), HaveKeyWithValue("DeviceBlockDuration", "00:10:00"))))
		d := env.Device("alice", "FLAKY1", eas.Version141)
		d.Provision()
		d.UserAgent = "Apple-iPhone15C2/2201.2"
		d.FolderSync()
		d.UserAgent = "Apple-iPhone15C2/2201.3"
		resp, _ := d.Post(eas.CommandFolderSync, nil)
		Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
		Expect(resp.Header.Get("Retry-After")).To(Equal("600"))
		Expect(resp.Header.Get("X-MS-ASThrottle")).To(Equal("UserAgentsChanges"))
		Expect(env.AccessState("FLAKY1")).To(Equal("Blocked/UserAgentsChanges"))
		env.Clock.Advance(11 * time.Minute)
		Expect(d.FolderSync()).To(HaveKey("Inbox"))
		Expect(env.AccessState("FLAKY1")).To(Equal("Allowed/Global"))
	})
})

var _ = Describe("Mail importance", func() {
	It("carries a high-importance message's Importance 2 to the device", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		env.Server.Directory().SetOrganizationSettings(func(s *simulator.OrganizationSettings) { s.EasMaxDevices = 1 })
		env.Device("alice", "IMP1", eas.Version141).Provision()
		var r eas.ProvisionResponse
		env.Device("alice", "IMP2", eas.Version141).Call(eas.CommandProvision, &eas.ProvisionRequest{DeviceInformation: simtest.DeviceInfo(), Policies: &eas.ProvisionRequestPolicies{Policy: eas.ProvisionRequestPolicy{PolicyType: eas.PolicyTypeWBXML}}}, &r)
		mb := env.Mailbox("alice")
		inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
		var found bool
		for _, it := range mb.Items(inbox.ServerID) {
			if it.Prop(wbxml.LookupQualified("Email:Subject")) == notice.MaxDevicesSubject {
				found = true
				Expect(it.Prop(wbxml.LookupQualified("Email:Importance"))).To(Equal("2"))
			} else {
				Expect(it.Prop(wbxml.LookupQualified("Email:Importance"))).To(Equal("1"))
			}
		}
		Expect(found).To(BeTrue())
	})
})

var _ = Describe("The one writer of access state", func() {
	// accessChanges lists the AccessStateChanged events of a device since
	// event id after, as "From->To".
	accessChanges := func(env *simtest.Env, id string, after uint64) []string {
		events, _ := env.Server.Events().Since(after)
		var out []string
		for _, e := range events {
			if e.Kind == simulator.EventAccessStateChanged && e.DeviceID == id {
				out = append(out, e.From+"->"+e.To)
			}
		}
		return out
	}
	lastID := func(env *simtest.Env) uint64 {
		events, _ := env.Server.Events().Since(0)
		if len(events) == 0 {
			return 0
		}
		return events[len(events)-1].ID
	}
	// quarantinedDevice sets the organization to Quarantine and brings a
	// new 14.1 device to where it waits: provisioned, folders synced, its
	// Inbox synced twice (the second brings the notice). It returns the
	// device, its Inbox and the Inbox's SyncKey.
	quarantinedDevice := func(env *simtest.Env, id string) (*simtest.Device, string, string) {
		env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
		d := env.Device("alice", id, eas.Version141)
		d.Provision()
		inbox := d.FolderSync()["Inbox"].ServerId
		col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox})
		col = d.SyncOnce(eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: inbox})
		return d, inbox, col.SyncKey
	}
	// hang sends a hanging request in the background and returns where its
	// answer comes. However the spec ends, the manual clock runs past the
	// wait before the server closes (it waits for open requests), so a
	// regression fails rather than hangs.
	hang := func(env *simtest.Env, d *simtest.Device, cmd eas.Command, in any, newOut func() any) chan any {
		done := make(chan any, 1)
		DeferCleanup(func() { env.Clock.Advance(time.Hour) })
		go func() {
			defer GinkgoRecover()
			out := newOut()
			d.Call(cmd, in, out)
			done <- out
		}()
		Expect(env.Clock.BlockUntil(ctx(), 1)).To(Succeed()) // it waits on the clock
		return done
	}
	ping := func(env *simtest.Env, d *simtest.Device, inbox string) chan any {
		return hang(env, d, eas.CommandPing, &eas.PingRequest{HeartbeatInterval: 900, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}},
			func() any { return &eas.PingResponse{} })
	}
	allow := func(env *simtest.Env, id string) {
		env.Cmdlet("Set-CASMailbox", map[string]any{"Identity": "alice", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{id}}})
	}

	for _, delay := range []time.Duration{0, time.Minute} {
		It(fmt.Sprintf("puts one approval on the event stream once, with a directory cache delay of %v", delay), func() {
			env := newTestEnv(simulator.Options{ErrorResponseDelay: -1, CASMailboxCacheDelay: delay})
			d, inbox, key := quarantinedDevice(env, "ONCE1")
			env.Clock.Advance(5 * time.Minute)
			before := lastID(env)
			allow(env, "ONCE1")
			// The device keeps syncing while the cache lags, and after.
			for i := 0; i < 4; i++ {
				env.Clock.Advance(20 * time.Second)
				if c := d.SyncOnce(eas.SyncCollection{SyncKey: key, CollectionId: inbox}); c != nil {
					key = c.SyncKey
				}
			}
			Expect(accessChanges(env, "ONCE1", before)).To(Equal([]string{"Quarantined->Allowed"}),
				"an approval is one change on the event stream, not a re-quarantine that never happened")
			Expect(env.AccessState("ONCE1")).To(Equal("Allowed/Individual"))
		})
	}

	It("stamps the partnerships when the Go API changes the lists, as Set-CASMailbox does", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		env.Cmdlet("Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"})
		d := env.Device("alice", "GOAPI1", eas.Version141)
		d.Provision()
		before := lastID(env)
		env.Mailbox("alice").SetCASMailbox(func(c *simulator.CASMailbox) {
			c.ActiveSyncAllowedDeviceIDs = append(c.ActiveSyncAllowedDeviceIDs, "GOAPI1")
		})
		Expect(env.AccessState("GOAPI1")).To(Equal("Allowed/Individual"))
		Expect(accessChanges(env, "GOAPI1", before)).To(Equal([]string{"Quarantined->Allowed"}))
	})

	It("holds a quarantined device's hanging Ping to its heartbeat through an approval, as Exchange does; the next Ping brings the changes", func() {
		// exchange-admin.md 2.1, 4.3 (S1 HandleQuarantinedState): a
		// quarantined Ping subscribes to the hierarchy only, so an approval
		// reaches the device at its next request.
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1})
		d, inbox, _ := quarantinedDevice(env, "PINGHOLD1")
		done := ping(env, d, inbox)
		allow(env, "PINGHOLD1")
		Consistently(done, "100ms").ShouldNot(Receive(), "Exchange does not wake a quarantined Ping on approval")
		env.Clock.Advance(899 * time.Second)
		Consistently(done, "100ms").ShouldNot(Receive(), "answered before its heartbeat")
		env.Clock.Advance(time.Second)
		var out any
		Eventually(done, "1s").Should(Receive(&out))
		Expect(out.(*eas.PingResponse).Status).To(Equal(int(eas.PingStatusHeartbeatExpired)))
		var r eas.PingResponse
		d.Call(eas.CommandPing, &eas.PingRequest{HeartbeatInterval: 900, Folders: &eas.PingFolders{Folder: []eas.PingFolder{{Id: inbox, Class: "Email"}}}}, &r)
		Expect(r.Status).To(Equal(int(eas.PingStatusChangesOccurred)), "the next Ping is decided again and sees the backlog")
	})

	It("answers a quarantined device's hanging Ping at once when it is approved, with the changes it may now see (ReleaseHangingOnApproval)", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1, ReleaseHangingOnApproval: true})
		d, inbox, _ := quarantinedDevice(env, "PINGREL1")
		done := ping(env, d, inbox)
		Consistently(done, "100ms").ShouldNot(Receive(), "a quarantined device's Ping waits")
		allow(env, "PINGREL1")
		var out any
		Eventually(done, "1s").Should(Receive(&out), "the approved device's Ping still waits for its heartbeat (900 s)")
		r := out.(*eas.PingResponse)
		Expect(r.Status).To(Equal(int(eas.PingStatusChangesOccurred)))
		Expect(r.Folders.Folder).To(ConsistOf(inbox))
	})

	It("answers a quarantined device's hanging Sync at once when it is approved, with its owner's mail (ReleaseHangingOnApproval)", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1, ReleaseHangingOnApproval: true})
		d, inbox, key := quarantinedDevice(env, "SYNCREL1")
		done := hang(env, d, eas.CommandSync, &eas.SyncRequest{Wait: eas.NewInt(30), Collections: &eas.SyncCollections{Collection: []eas.SyncCollection{{SyncKey: key, CollectionId: inbox}}}},
			func() any { return &eas.SyncResponse{} })
		Consistently(done, "100ms").ShouldNot(Receive(), "a quarantined device's hanging Sync waits")
		allow(env, "SYNCREL1")
		var out any
		Eventually(done, "1s").Should(Receive(&out), "the approved device's hanging Sync still waits for its 30 minutes")
		r := out.(*eas.SyncResponse)
		Expect(r.Collections).NotTo(BeNil())
		Expect(subjects(&r.Collections.Collection[0])).To(ContainElement("Quarterly report draft"))
	})

	It("answers a hanging Ping once the directory cache shows the approval (ReleaseHangingOnApproval)", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1, CASMailboxCacheDelay: time.Minute, ReleaseHangingOnApproval: true})
		d, inbox, _ := quarantinedDevice(env, "PINGREL2")
		env.Clock.Advance(10 * time.Second) // the approval comes after the device's first requests
		done := ping(env, d, inbox)
		allow(env, "PINGREL2")
		Expect(env.Clock.BlockUntil(ctx(), 2)).To(Succeed()) // the heartbeat and the entry's expiry
		Consistently(done, "100ms").ShouldNot(Receive(), "before the cache refreshes the device is still quarantined")
		// The entry was read when the device set up, at the start: it
		// drops out at the third rotation, 180 s on (exchange-admin.md 4.3).
		env.Clock.Advance(169 * time.Second)
		Consistently(done, "100ms").ShouldNot(Receive(), "the entry is still cached")
		env.Clock.Advance(time.Second)
		var out any
		Eventually(done, "1s").Should(Receive(&out), "the Ping did not answer when the cache refreshed")
		Expect(out.(*eas.PingResponse).Status).To(Equal(int(eas.PingStatusChangesOccurred)))
	})
})
