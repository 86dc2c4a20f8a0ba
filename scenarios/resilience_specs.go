package scenarios

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/harness"
)

var _ = Describe("When things go wrong", func() {
	var env *harness.Env
	BeforeEach(func() { env = harness.NewEnv() })

	It("the MFA provider down keeps new devices out (fail closed), and they get in once it is back", Both, Label("mfa-down"), func() {
		env.MFA.SetDown(true)
		d := env.NewDevice(clients.IPhone, harness.Alice)
		ph := env.Start(d)
		heldOrQuarantined(env, ph)
		getsNoMail(ph, "while the MFA provider was down: the product failed open")
		env.MFA.SetDown(false)
		p := onePushFor(env, d)
		syncsWithinSLA(env, ph, approve(env, p))
	})

	It("a slow and failing Exchange management shell delays the approval but does not lose it", Agent, Label("faults"), func() {
		ctx := env.Context()
		for _, f := range []harness.Fault{
			{Cmdlet: "Get-MobileDevice", HTTPStatus: 503, RetryAfter: 1, Count: 3},
			{Cmdlet: "Set-CASMailbox", HTTPStatus: 500, Count: 2},
			{Cmdlet: "Set-CASMailbox", Latency: 2 * time.Second, Count: 1},
		} {
			_, err := env.Admin.InjectFault(ctx, f)
			Expect(err).NotTo(HaveOccurred())
		}
		d := env.NewDevice(clients.Gmail, harness.Bob)
		ph := env.Start(d)
		p := onePushFor(env, d)
		syncsWithinSLA(env, ph, approve(env, p))
		Expect(env.MFA.PushesFor(d.DeviceID)).To(HaveLen(1), "failing cmdlets made the product push again")
	})

	It("a product restart while a push is pending loses no approval and sends no second push", Agent, Label("restart"), func() {
		d := env.NewDevice(clients.SamsungEmail, harness.Alice)
		ph := env.Start(d)
		p := onePushFor(env, d)
		env.StopProduct()
		approvedAt := approve(env, p) // the owner answers while the product is down
		Expect(env.RestartProduct()).To(Succeed())
		syncsWithinSLA(env, ph, approvedAt)
		Consistently(func() []harness.Push { return env.MFA.PushesFor(d.DeviceID) }).Should(HaveLen(1),
			"after a restart the product pushed again for a device its owner had already approved")
	})

	It("a dropped connection mid-setup does not cost a second push", Both, Label("faults"), func() {
		d := env.NewDevice(clients.IPhone, harness.Bob)
		_, err := env.Admin.InjectFault(env.Context(), harness.Fault{Command: "FolderSync", User: harness.Bob, Drop: true, Count: 2})
		Expect(err).NotTo(HaveOccurred())
		ph := env.Start(d)
		p := onePushFor(env, d)
		syncsWithinSLA(env, ph, approve(env, p))
		Expect(env.MFA.PushesFor(d.DeviceID)).To(HaveLen(1))
	})
})
