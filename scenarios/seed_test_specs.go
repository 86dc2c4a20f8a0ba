package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/harness"
)

var _ = Describe("A new device", func() {
	var env *harness.Env
	BeforeEach(func() { env = harness.NewEnv() })

	It("is held until its owner approves the push, then syncs within the SLA", Both, Label("seed"), func() {
		d := env.NewDevice(clients.IPhone, harness.Alice)
		ph := env.Start(d)
		p := onePushFor(env, d)
		Expect(p.Person).To(Equal(harness.Alice), "the push about %s reached %q, not its owner", describe(d), p.Person)
		Expect(p.Device.ID).To(Equal(d.DeviceID))
		heldOrQuarantined(env, ph)
		getsNoMail(ph, "before the push was approved")
		syncsWithinSLA(env, ph, approve(env, p))
		if env.Kind() == "agent" {
			Expect(env.Partnership(d)()).To(harness.BeAllowedBy(harness.Individual), "an approved device must be on its owner's allow list")
			_, err := env.WaitForEvent(time.Second, func(ev harness.Event) bool {
				return ev.Kind == "AccessStateChanged" && ev.DeviceID == d.DeviceID && ev.To == "Allowed"
			})
			Expect(err).NotTo(HaveOccurred(), "Exchange's event stream shows no release of the device")
		}
	})

	DescribeTable("of every client is held, then released on approval", Both, Label("profiles"),
		func(profile string) { setUpApproved(env, profile, harness.Alice) },
		Entry("iPad", clients.IPad),
		Entry("AOSP Email", clients.AOSPEmail),
		Entry("Gmail", clients.Gmail),
		Entry("Samsung Email", clients.SamsungEmail),
		Entry("Outlook for iOS and Android", clients.Outlook),
		Entry("Windows Mail", clients.WindowsMail),
		Entry("Thunderbird TbSync", clients.TbSync),
	)

	It("is released when its owner approves only after a while", Both, Label("seed"), func() {
		// The owner is in a meeting: the push is approved after 3 s.
		env.MFA.OnPush(func(harness.Push) harness.Decision {
			return harness.Decision{Action: harness.PushApproved, Delay: 3 * time.Second}
		})
		d := env.NewDevice(clients.Gmail, harness.Bob)
		ph := env.Start(d)
		onePushFor(env, d)
		getsNoMail(ph, "before its owner approved the push")
		Eventually(func() string { return env.MFA.PushesFor(d.DeviceID)[0].Status }).Should(Equal(harness.PushApproved))
		syncsWithinSLA(env, ph, env.MFA.PushesFor(d.DeviceID)[0].Decided)
	})

	It("never syncs when its owner denies the push", Both, Label("deny"), func() {
		d := env.NewDevice(clients.Gmail, harness.Alice)
		ph := env.Start(d)
		Expect(env.MFA.Deny(onePushFor(env, d).ID)).To(Succeed())
		getsNoMail(ph, "after its owner denied the push")
		if env.Kind() == "agent" {
			Expect(env.Partnership(d)()).NotTo(harness.BeAllowed(), "a denied device must stay quarantined or be blocked")
		}
	})

	It("never syncs while the push is unanswered", Both, Label("noanswer"), func() {
		d := env.NewDevice(clients.IPhone, harness.Bob)
		ph := env.Start(d)
		onePushFor(env, d)
		getsNoMail(ph, "while the push was unanswered")
	})

	It("never syncs when the push expires", Both, Label("noanswer"), func() {
		d := env.NewDevice(clients.SamsungEmail, harness.Bob)
		ph := env.Start(d)
		Expect(env.MFA.Expire(onePushFor(env, d).ID)).To(Succeed())
		getsNoMail(ph, "after the push expired")
	})

	It("gets one push however often it retries", Both, Label("dedupe"), func() {
		d := env.NewDevice(clients.Outlook, harness.Alice)
		ph := env.Start(d)
		ph.RefreshEvery = 100 * time.Millisecond // an impatient owner
		onePushFor(env, d)
		Consistently(func() []harness.Push { return env.MFA.PushesFor(d.DeviceID) }).WithTimeout(3*time.Second).Should(HaveLen(1),
			"the product sent more than one push for one device while it retried")
	})

	It("is named in its push so that its owner can tell which device it is", Agent, Label("identity"), func() {
		d := env.NewDevice(clients.IPhone, harness.Alice)
		env.Start(d)
		p := onePushFor(env, d)
		Expect(p.Device.Type).To(Equal("iPhone"), "the push does not say what kind of device asks")
		Expect(p.Device.Model).NotTo(BeEmpty(), "the push does not give the device's model")
		Expect(p.Device.OS).NotTo(BeEmpty(), "the push does not give the device's OS")
	})

	It("of a user signing in with an e-mail address unlike the UPN reaches that user", Both, Label("identity"), func() {
		requireUsers(env, harness.Chris)
		d := env.NewDevice(clients.Gmail, harness.ChrisSMTP)
		ph := env.Start(d)
		p := onePushFor(env, d)
		Expect(p.Person).To(Equal(harness.Chris), "the push about Chris's device reached %q", p.Person)
		syncsWithinSLA(env, ph, approve(env, p))
	})

	It("of one of two people with the same display name reaches the right one", Both, Label("identity"), func() {
		requireUsers(env, harness.Megan, harness.Megan2)
		d := env.NewDevice(clients.IPhone, harness.Megan2)
		ph := env.Start(d)
		p := onePushFor(env, d)
		Expect(p.Person).To(Equal(harness.Megan2), "the push about a device of %s reached %q", harness.Megan2, p.Person)
		syncsWithinSLA(env, ph, approve(env, p))
	})

	It("with a wrong password triggers no push", Both, Label("auth"), func() {
		p, _ := clients.ProfileByName(clients.IPhone)
		d := env.NewDeviceOf(p, harness.Alice)
		d.ChangePassword("not-the-password")
		ph := env.Start(d)
		Eventually(ph.LastError).Should(MatchError(clients.ErrUnauthorized), "a wrong password must be answered 401")
		Consistently(env.MFA.Pushes).Should(BeEmpty(), "the product pushed for a device whose password is wrong")
	})
})
