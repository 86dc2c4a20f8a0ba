package scenarios

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/harness"
)

// The leak specs: a device its owner has not approved gets nothing from
// the mailbox through any command, in either query form, at each protocol
// version, whether it was set up on the office network and roams to the
// product (it holds a valid policy key and sync keys; Exchange, left at
// Allow behind a gateway, serves it) or never provisions at all (no policy
// key header, which Exchange serves under its default policy).

// leakVersions are the protocol versions the leak specs probe at: the
// last before ComposeMail, Exchange 2010's and today's.
var leakVersions = []string{"12.1", "14.1", "16.1"}

// leakVariant is one kind of unapproved device.
type leakVariant struct {
	name    string
	profile func(clients.Profile) clients.Profile
}

var leakVariants = []leakVariant{
	{"roaming, plain query", func(p clients.Profile) clients.Profile { return p }},
	{"roaming, base64 query", harness.WithBase64Query},
	{"never provisions, plain query", harness.WithoutProvisioning},
	{"never provisions, base64 query", func(p clients.Profile) clients.Profile {
		return harness.WithBase64Query(harness.WithoutProvisioning(p))
	}},
}

// leakProbeTimeout is how long an unapproved device waits for each probe's
// answer: a product may hold the request, or answer at once.
const leakProbeTimeout = 3 * time.Second

var _ = Describe("An unapproved device", func() {
	for _, version := range leakVersions {
		It("gets nothing from the mailbox through any command at "+version+", roaming or never provisioning, in either query form", Both, Label("leak"), func() {
			env := harness.NewEnv()
			if !env.InProcess() {
				Skip("needs the in-process simulator to deliver mail and read the mailbox")
			}
			base, _ := clients.ProfileByName(clients.IPhone)
			base = harness.WithProtocolVersion(base, version)
			v := base.ProtocolVersion
			Expect(env.DeliverMailWithAttachment(harness.Alice, "hr@contoso.com", "Payslip", "payslip.pdf", []byte("%PDF-1.4 salary 4711"))).To(Succeed())
			deliver(env, harness.Alice, "bob@contoso.com", "Move me")
			deliver(env, harness.Alice, "bob@contoso.com", "Move this thread")

			// An approved device of the same user learns the ids an
			// unapproved one could ask for.
			approvedDev := env.NewDeviceOf(base, harness.Alice)
			approved := env.Start(approvedDev)
			syncsWithinSLA(env, approved, approve(env, onePushFor(env, approvedDev)))
			approved.Stop()
			targets, err := harness.LearnProbeTargets(shortCtx(env, 10*time.Second), approvedDev, harness.Alice, harness.Bob)
			Expect(err).NotTo(HaveOccurred(), "the approved device could not learn what the probes ask for")

			var probes []harness.Probe
			for _, p := range harness.MailboxProbes() {
				if p.Applies(v) {
					probes = append(probes, p)
				}
			}
			// The unapproved devices: one per probe and variant, each set up
			// straight against Exchange first, then reaching it through the
			// product.
			type unapproved struct {
				probe   harness.Probe
				variant string
				d       *clients.Device
			}
			var devs []unapproved
			for _, p := range probes {
				if p.ServedInQuarantine && env.Kind() == "agent" {
					continue // Exchange serves it in quarantine; only a gateway can hold it
				}
				for _, vr := range leakVariants {
					devs = append(devs, unapproved{probe: p, variant: vr.name})
				}
			}
			variantProfiles := map[string]clients.Profile{}
			for _, vr := range leakVariants {
				variantProfiles[vr.name] = vr.profile(base)
			}
			for i := range devs {
				devs[i].d, err = env.NewRoamingDevice(shortCtx(env, 10*time.Second), variantProfiles[devs[i].variant], harness.Alice)
				Expect(err).NotTo(HaveOccurred())
			}
			// New mail, which none of them has seen yet.
			deliver(env, harness.Alice, "bob@contoso.com", "New mail")

			// Each probe works for the approved device: it asks for
			// something that is there. The reads go first, then what
			// changes the mailbox.
			for _, mutates := range []bool{false, true} {
				for _, p := range probes {
					if p.Mutates != mutates {
						continue
					}
					got, err := p.Run(shortCtx(env, 10*time.Second), approvedDev, targets, "approved")
					Expect(got).NotTo(BeEmpty(), "the leak probe %q gets nothing even for an approved %v device (error: %v): it would prove nothing", p.Name, v, err)
				}
			}
			before, err := env.MailboxSnapshot(harness.Alice)
			Expect(err).NotTo(HaveOccurred())

			// Now every probe from its unapproved device, all at once (a
			// device is one client; a product may hold each request).
			held := targets
			held.MoveMe, held.Conversation = targets.Message, targets.MessageConversation // still in the Inbox
			var wg sync.WaitGroup
			gots := make([]string, len(devs))
			errs := make([]error, len(devs))
			for i, u := range devs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer GinkgoRecover()
					ctx, cancel := context.WithTimeout(env.Context(), leakProbeTimeout)
					defer cancel()
					gots[i], errs[i] = u.probe.Run(ctx, u.d, held, fmt.Sprintf("unapproved %s %s", u.variant, u.d.DeviceID))
				}()
			}
			wg.Wait()
			var leaks []string
			for i, u := range devs {
				if gots[i] != "" {
					leaks = append(leaks, fmt.Sprintf("%s (%s, %s): got %s", u.probe.Name, u.variant, u.d.DeviceID, gots[i]))
				}
			}
			Expect(leaks).To(BeEmpty(), "the product let %d commands of unapproved %v devices through before their owner approved them:\n  %s",
				len(leaks), v, strings.Join(leaks, "\n  "))
			Consistently(func() (map[string][]string, error) { return env.MailboxSnapshot(harness.Alice) }).WithTimeout(time.Second).Should(Equal(before),
				"the mailbox changed while unapproved devices probed it: something was sent, moved or deleted for a device its owner never approved")

			// No false alarm: once its owner approves, the roaming phone
			// gets the new mail within the SLA.
			d := devs[0].d
			Eventually(func() []harness.Push { return env.MFA.PushesFor(d.DeviceID) }).WithTimeout(env.PushDeadline()).ShouldNot(BeEmpty(),
				"the product sent no push for the roaming %s within the %v push deadline", describe(d), env.PushDeadline())
			at := approve(env, env.MFA.PushesFor(d.DeviceID)[0])
			ph := env.Start(d)
			Eventually(func() bool { return hasSubject(d, "New mail") }).WithTimeout(time.Until(at.Add(env.SLA()))+100*time.Millisecond).Should(BeTrue(),
				"the roaming %s did not get its owner's new mail within the %v SLA after the push was approved (last error: %v)", describe(d), env.SLA(), ph.LastError())
		})
	}
})
