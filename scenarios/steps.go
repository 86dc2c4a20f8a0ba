package scenarios

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/harness"
)

// The steps the specs share, each failing with a sentence a vendor
// understands.

// onePushFor waits for the push about d and returns it; a product that
// sends none, or several, within the push deadline fails here.
func onePushFor(env *harness.Env, d *clients.Device) harness.Push {
	GinkgoHelper()
	Eventually(func() []harness.Push { return env.MFA.PushesFor(d.DeviceID) }).
		WithTimeout(env.PushDeadline()).Should(HaveLen(1),
		"the product did not send exactly one push for the new %s %s of %s within the %v push deadline (--push-deadline)", d.Profile.Name, d.DeviceID, d.User(), env.PushDeadline())
	return env.MFA.PushesFor(d.DeviceID)[0]
}

// approve approves the push and returns when it was approved.
func approve(env *harness.Env, p harness.Push) time.Time {
	GinkgoHelper()
	Expect(env.MFA.Approve(p.ID)).To(Succeed())
	return time.Now()
}

// syncsWithinSLA expects the phone to sync its owner's mail within the SLA
// counted from approvedAt.
func syncsWithinSLA(env *harness.Env, ph *harness.Phone, approvedAt time.Time) {
	GinkgoHelper()
	sla := env.SLA()
	Eventually(ph.HasMail).WithTimeout(time.Until(approvedAt.Add(sla))+100*time.Millisecond).Should(BeTrue(),
		"the %s %s did not receive its owner's mail within the %v approval SLA (--approval-sla) after the push was approved (last error: %v)", ph.Device.Profile.Name, ph.Device.DeviceID, sla, ph.LastError())
	Expect(ph.MailAt().Sub(approvedAt)).To(BeNumerically("<=", sla), "the first Sync with mail came %v after approval, beyond the %v approval SLA (--approval-sla)", ph.MailAt().Sub(approvedAt), sla)
}

// getsNoMail expects the phone to hold none of its owner's mail for a
// while: nothing from the mailbox may reach an unapproved device.
func getsNoMail(ph *harness.Phone, why string) {
	GinkgoHelper()
	Consistently(ph.HasMail).Should(BeFalse(), "the %s %s received its owner's mail %s", ph.Device.Profile.Name, ph.Device.DeviceID, why)
}

// heldOrQuarantined expects what each kind of product shows of a device
// awaiting approval: quarantined for an agent (with Exchange's notice);
// for a gateway, no mail (checked by the caller).
func heldOrQuarantined(env *harness.Env, ph *harness.Phone) {
	GinkgoHelper()
	if env.Kind() != "agent" {
		return
	}
	Eventually(env.Partnership(ph.Device)).Should(harness.BeQuarantined(), "a new device must be quarantined until its owner approves it")
	Eventually(ph.Device).Should(harness.HaveReceivedQuarantineNotice(), "a quarantined device must get Exchange's quarantine notice")
}

// setUpApproved runs the whole seed flow for a new device and returns its
// phone once it syncs mail.
func setUpApproved(env *harness.Env, profile, user string) *harness.Phone {
	GinkgoHelper()
	d := env.NewDevice(profile, user)
	ph := env.Start(d)
	p := onePushFor(env, d)
	syncsWithinSLA(env, ph, approve(env, p))
	return ph
}

func describe(d *clients.Device) string {
	return fmt.Sprintf("%s %s of %s", d.Profile.Name, d.DeviceID, d.User())
}

// deliver puts new mail into user's Inbox; with an external simulator the
// spec is skipped (the harness cannot deliver there).
func deliver(env *harness.Env, user, from, subject string) {
	GinkgoHelper()
	if !env.InProcess() {
		Skip("needs the in-process simulator to deliver mail")
	}
	Expect(env.DeliverMail(user, from, subject)).To(Succeed())
}

// requireUsers skips the spec when the organization lacks one of the
// harness's users (an external simulator with its own organization).
func requireUsers(env *harness.Env, upns ...string) {
	GinkgoHelper()
	for _, u := range upns {
		if !env.HasUser(u) {
			Skip("the organization has no user " + u)
		}
	}
}
