package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/harness"
)

var _ = Describe("A user's devices", func() {
	var env *harness.Env
	BeforeEach(func() { env = harness.NewEnv() })

	It("each need their own approval: approving the iPhone does not let the iPad in", Both, Label("multidevice"), func() {
		phone := env.NewDevice(clients.IPhone, harness.Alice)
		pad := env.NewDevice(clients.IPad, harness.Alice)
		php, pap := env.Start(phone), env.Start(pad)
		p := onePushFor(env, phone)
		onePushFor(env, pad)
		syncsWithinSLA(env, php, approve(env, p))
		getsNoMail(pap, "although only the owner's other device was approved")
	})

	It("a second device of a user with an approved one needs its own push and approval", Both, Label("multidevice"), func() {
		first := setUpApproved(env, clients.IPhone, harness.Alice)
		second := env.NewDevice(clients.SamsungEmail, harness.Alice)
		ph := env.Start(second)
		p := onePushFor(env, second)
		getsNoMail(ph, "before its own approval, although the owner has an approved device")
		syncsWithinSLA(env, ph, approve(env, p))
		Expect(first.LastError()).NotTo(HaveOccurred(), "the first device stopped syncing when the second was approved")
	})

	It("two accounts on one device are two approvals", Both, Label("multiaccount"), func() {
		alice := env.NewDevice(clients.IPhone, harness.Alice)
		bob := alice.AddAccount(harness.Bob, harness.Password)
		env.Track(bob)
		pa, pb := env.Start(alice), env.Start(bob)
		Eventually(func() []harness.Push { return env.MFA.PushesFor(alice.DeviceID) }).WithTimeout(env.PushDeadline()).Should(HaveLen(2),
			"one device with two accounts must bring one push to each account's owner within the %v push deadline", env.PushDeadline())
		var alicePush harness.Push
		for _, p := range env.MFA.PushesFor(alice.DeviceID) {
			if p.Person == harness.Alice {
				alicePush = p
			}
		}
		Expect(alicePush.ID).NotTo(BeEmpty(), "no push reached Alice about her account on the shared device")
		syncsWithinSLA(env, pa, approve(env, alicePush))
		getsNoMail(pb, "in Bob's account although only Alice approved the device")
	})

	It("after a factory reset, the device (a new DeviceId) needs a new approval", Both, Label("lifecycle"), func() {
		ph := setUpApproved(env, clients.AOSPEmail, harness.Bob)
		ph.Stop()
		d := ph.Device
		old := d.DeviceID
		d.FactoryReset()
		Expect(d.DeviceID).NotTo(Equal(old))
		ph2 := env.Start(d)
		p := onePushFor(env, d)
		getsNoMail(ph2, "after a factory reset gave it a new DeviceId, without a new approval")
		syncsWithinSLA(env, ph2, approve(env, p))
	})

	It("after an OS update (a new User-Agent) keeps syncing without a new push", Both, Label("lifecycle"), func() {
		ph := setUpApproved(env, clients.IPhone, harness.Alice)
		ph.Stop()
		d := ph.Device
		d.UpdateOS("Apple-iPhone15C2/2301.340", "iOS 18.4 22E240")
		deliver(env, harness.Alice, "bob@contoso.com", "after the update")
		ph2 := env.Start(d)
		Eventually(func() bool { return hasSubject(d, "after the update") }).Should(BeTrue(),
			"an approved device stopped syncing after an OS update changed its User-Agent")
		Expect(env.MFA.PushesFor(d.DeviceID)).To(HaveLen(1), "an OS update of an approved device brought a new push")
		Expect(ph2.LastError()).NotTo(HaveOccurred())
	})

	It("removing and re-adding the account keeps the approval (same DeviceId)", Both, Label("lifecycle"), func() {
		ph := setUpApproved(env, clients.IPhone, harness.Alice)
		ph.Stop()
		d := ph.Device
		d.RemoveAccount()
		ph2 := env.Start(d)
		Eventually(ph2.HasMail).Should(BeTrue(), "a re-added account on an approved device did not sync")
		Expect(env.MFA.PushesFor(d.DeviceID)).To(HaveLen(1), "re-adding the account on an approved device brought a new push")
	})

	It("roams from the office network to the product: held until approved, then syncs within the SLA", Both, Label("lifecycle"), func() {
		// Set up straight against Exchange (it holds a policy key, its
		// folders and its Inbox; behind a gateway Exchange's default
		// allows it), then out of the building: its first requests through
		// the product are a Ping and a Sync.
		p, _ := clients.ProfileByName(clients.SamsungEmail)
		d, err := env.NewRoamingDevice(shortCtx(env, 10*time.Second), p, harness.Bob)
		Expect(err).NotTo(HaveOccurred())
		deliver(env, harness.Bob, "alice@contoso.com", "while roaming")
		ph := env.Start(d)
		push := onePushFor(env, d)
		Consistently(func() bool { return hasSubject(d, "while roaming") }).Should(BeFalse(),
			"the roaming %s got its owner's new mail before its owner approved it", describe(d))
		at := approve(env, push)
		Eventually(func() bool { return hasSubject(d, "while roaming") }).WithTimeout(time.Until(at.Add(env.SLA()))+100*time.Millisecond).Should(BeTrue(),
			"the roaming %s did not get its owner's new mail within the %v SLA after the push was approved (last error: %v)", describe(d), env.SLA(), ph.LastError())
		Expect(env.MFA.PushesFor(d.DeviceID)).To(HaveLen(1), "the roaming device brought more than one push")
	})
})

// hasSubject reports whether the device's Inbox holds a message with
// that subject.
func hasSubject(d *clients.Device, subject string) bool {
	for _, f := range d.Folders() {
		for _, it := range d.Items(f.ServerId) {
			if it.Subject == subject {
				return true
			}
		}
	}
	return false
}

var _ = Describe("The organization", func() {
	It("keeps existing devices syncing when quarantine is switched on (rollout)", Agent, Label("rollout"), func() {
		var existing []*harness.Phone
		env := harness.NewEnv(harness.BeforeProduct(func(env *harness.Env) {
			for _, u := range []string{harness.Alice, harness.Bob} {
				ph := env.Start(env.NewDevice(clients.IPhone, u))
				Eventually(ph.HasMail).Should(BeTrue(), "an existing device could not sync before the product was installed")
				existing = append(existing, ph)
			}
		}))
		// The harness prepared the organization, or the product does it
		// as it starts (--sut-prepares-org).
		Eventually(func() (string, error) {
			st, err := env.Admin.OrgSettings(env.Context())
			return st.DefaultAccessLevel, err
		}).Should(Equal("Quarantine"), "the organization's default must be Quarantine once the product is installed")
		for _, ph := range existing {
			Expect(env.Partnership(ph.Device)()).To(harness.BeAllowed(), "the rollout quarantined an existing device %s", describe(ph.Device))
			deliver(env, ph.Device.User(), "it@contoso.com", "still syncing")
			ph.Refresh()
			Eventually(func() bool { return hasSubject(ph.Device, "still syncing") }).Should(BeTrue(),
				"an existing device stopped syncing when quarantine was switched on")
		}
		Consistently(env.MFA.Pushes).Should(BeEmpty(), "the product pushed for devices that were already syncing before it was installed")
	})

	It("keeps the allow list it found and adds to it", Agent, Label("allowlist"), func() {
		env := harness.NewEnv()
		ctx := env.Context()
		Expect(env.Admin.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": harness.Alice, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": []string{"HelpdeskApproved01", "ApplF17XY2ZZ"}}}, nil)).To(Succeed())
		ph := setUpApproved(env, clients.IPhone, harness.Alice)
		cas, err := env.Admin.CASMailbox(ctx, harness.Alice)
		Expect(err).NotTo(HaveOccurred())
		Expect(cas.ActiveSyncAllowedDeviceIDs).To(ContainElements("HelpdeskApproved01", "ApplF17XY2ZZ", ph.Device.DeviceID),
			"the product replaced the mailbox's allow list instead of adding the approved device to it")
	})

	It("keeps quarantine on and opens no door for others", Agent, Label("org"), func() {
		env := harness.NewEnv()
		ctx := env.Context()
		setUpApproved(env, clients.IPhone, harness.Alice)
		st, err := env.Admin.OrgSettings(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(st.DefaultAccessLevel).To(Equal("Quarantine"), "the product changed the organization's default access level")
		rules, err := env.Admin.Rules(ctx)
		Expect(err).NotTo(HaveOccurred())
		for _, r := range rules {
			Expect(r.AccessLevel).NotTo(Equal("Allow"), "the product added a device access rule (%s) that lets every such device in", r.Name)
		}
		other := env.NewDevice(clients.IPhone, harness.Bob)
		ph := env.Start(other)
		onePushFor(env, other)
		getsNoMail(ph, "for another user after one user's approval")
		Expect(env.Partnership(other)()).To(harness.BeQuarantined())
	})

	It("takes a revoked approval away (removed from the allow list)", Agent, Label("revoke"), func() {
		env := harness.NewEnv()
		ph := setUpApproved(env, clients.SamsungEmail, harness.Bob)
		d := ph.Device
		Expect(env.Admin.Run(env.Context(), "Set-CASMailbox", map[string]any{"Identity": harness.Bob, "ActiveSyncAllowedDeviceIDs": map[string]any{"Remove": d.DeviceID}}, nil)).To(Succeed())
		deliver(env, harness.Bob, "alice@contoso.com", "after the revoke")
		ph.Refresh()
		// Exchange decides again at the device's next request.
		Eventually(env.Partnership(d)).Should(harness.BeQuarantined(), "a device removed from the allow list must fall back to quarantine")
		Consistently(func() bool { return hasSubject(d, "after the revoke") }).Should(BeFalse(),
			"a device whose approval was revoked still received new mail")
		Expect(env.Partnership(d)()).NotTo(harness.BeAllowed(), "the product allowed a revoked device again without its owner")
	})

	It("lets a device whose partnership the admin removed come back on its approval, without a new push", Both, Label("removal"), func() {
		env := harness.NewEnv()
		ph := setUpApproved(env, clients.IPhone, harness.Bob)
		d := ph.Device
		// The admin names the partnership by the Identity Get-MobileDevice
		// shows: Exchange takes no bare DeviceId as an Identity.
		m, err := env.Partnership(d)()
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Admin.Run(env.Context(), "Remove-MobileDevice", map[string]any{"Identity": m.Identity}, nil)).To(Succeed())
		_, err = env.WaitForEvent(5*time.Second, func(ev harness.Event) bool { return ev.Kind == "PartnershipRemoved" && ev.DeviceID == d.DeviceID })
		Expect(err).NotTo(HaveOccurred(), "Exchange's event stream shows no removal")
		// Remove-MobileDevice leaves the allow list as it is: the device's
		// next request makes a new partnership, allowed as before.
		deliver(env, harness.Bob, "alice@contoso.com", "after the removal")
		ph.Refresh()
		Eventually(func() bool { return hasSubject(d, "after the removal") }).Should(BeTrue(),
			"a device still on its owner's allow list did not sync again after its partnership was removed")
		Eventually(env.Partnership(d)).Should(harness.BeAllowed())
		Expect(env.MFA.PushesFor(d.DeviceID)).To(HaveLen(1), "the product pushed again for a device its owner had approved")
	})

	It("lets a quarantined device be wiped", Agent, Label("wipe"), func() {
		env := harness.NewEnv()
		d := env.NewDevice(clients.IPhone, harness.Alice)
		ph := env.Start(d)
		onePushFor(env, d)
		Eventually(env.Partnership(d)).Should(harness.BeQuarantined())
		m, err := env.Partnership(d)()
		Expect(err).NotTo(HaveOccurred())
		Expect(env.Admin.Run(env.Context(), "Clear-MobileDevice", map[string]any{"Identity": m.Identity}, nil)).To(Succeed())
		Eventually(ph.Wiped).Should(BeTrue(), "a quarantined device did not receive its remote wipe")
		Expect(ph.HasMail()).To(BeFalse())
	})

	It("copes with a device that never identifies itself (discovery, then quarantine)", Agent, Label("discovery"), func() {
		env := harness.NewEnv()
		if !env.InProcess() {
			Skip("needs the in-process simulator's clock")
		}
		// Legacy TbSync never provisions (it would get 165 at 14.1 without
		// DeviceInformation, exchange-admin.md 2.2) and never identifies
		// itself.
		d := env.NewDevice(clients.TbSyncLegacy, harness.Alice)
		ph := env.Start(d)
		Eventually(env.Partnership(d)).Should(harness.BeInDeviceDiscovery(), "a device that never sends DeviceInformation stays in discovery")
		// Exchange fills the model in with the DeviceType until the device
		// sends one (Command.CompleteDeviceAccessProcessing, exchange-admin.md
		// 1.3 step 6): the admin sees "TbSync", not an empty model.
		Expect(env.Partnership(d)()).To(HaveField("DeviceModel", d.Profile.DeviceType), "Get-MobileDevice shows the DeviceType as the model of a device in discovery")
		getsNoMail(ph, "while Exchange was still identifying it")
		Expect(env.Warp(15 * time.Minute)).To(Succeed())
		Eventually(env.Partnership(d)).Should(harness.BeQuarantined(), "after 14 minutes of discovery Exchange quarantines the device")
		p := onePushFor(env, d)
		syncsWithinSLA(env, ph, approve(env, p))
	})
})
