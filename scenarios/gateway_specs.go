package scenarios

import (
	"context"
	"errors"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/harness"
)

var _ = Describe("An unapproved device", func() {
	var env *harness.Env
	BeforeEach(func() { env = harness.NewEnv() })

	It("in the base64 query form is recognised and held too", Both, Label("base64"), func() {
		p, _ := clients.ProfileByName(clients.WindowsMail)
		d := env.NewDeviceOf(harness.WithBase64Query(p), harness.Alice)
		ph := env.Start(d)
		push := onePushFor(env, d)
		getsNoMail(ph, "while unapproved, when it used the base64-encoded query form")
		syncsWithinSLA(env, ph, approve(env, push))
	})
})

var _ = Describe("An approved device", func() {
	var env *harness.Env
	BeforeEach(func() { env = harness.NewEnv() })

	It("gets new mail at once through its long Ping", Both, Label("ping"), func() {
		ph := setUpApproved(env, clients.Outlook, harness.Alice)
		// The phone waits in its Ping (through the product), then mail
		// arrives.
		Eventually(ph.Pinging).Should(BeTrue())
		Consistently(ph.Pinging).WithTimeout(300*time.Millisecond).Should(BeTrue(),
			"the device's Ping came back at once instead of waiting for changes")
		deliver(env, harness.Alice, "bob@contoso.com", "while in Ping")
		Eventually(func() bool { return hasSubject(ph.Device, "while in Ping") }).WithTimeout(3*time.Second).Should(BeTrue(),
			"new mail did not reach an approved device waiting in Ping within 3 s: the long poll did not pass through")
	})

	It("keeps a long Ping open as long as Exchange does", Gateway, Label("ping"), func() {
		ph := setUpApproved(env, clients.IPhone, harness.Bob)
		Eventually(ph.Pinging).Should(BeTrue())
		before := len(ph.Errors())
		// Eight real seconds into a 28-minute heartbeat (proxies' default
		// timeouts are shorter than Exchange's heartbeats)...
		Consistently(ph.Pinging).WithTimeout(8*time.Second).WithPolling(100*time.Millisecond).Should(BeTrue(),
			"the product cut a long Ping after a few seconds (last error: %v)", ph.LastError())
		// ...then the heartbeat runs out on Exchange's clock and the Ping
		// answers, as Exchange's does.
		if env.InProcess() {
			answered := completedPings(ph.Device)
			Expect(env.Warp(30 * time.Minute)).To(Succeed())
			Eventually(func() int { return completedPings(ph.Device) }).Should(BeNumerically(">", answered),
				"the Ping's heartbeat answer did not reach the device")
		}
		Expect(ph.Errors()).To(HaveLen(before), "the device met errors while it waited in Ping")
	})

	It("sees Exchange's 503 and Retry-After unchanged", Both, Label("passthrough"), func() {
		ph := setUpApproved(env, clients.IPhone, harness.Bob)
		_, err := env.Admin.InjectFault(env.Context(), harness.Fault{Command: "Sync", DeviceID: ph.Device.DeviceID, HTTPStatus: 503, RetryAfter: 1, Count: 1})
		Expect(err).NotTo(HaveOccurred())
		ph.Refresh()
		Eventually(func() bool { return hasServerError(ph, 503, time.Second) }).Should(BeTrue(),
			"the device did not see Exchange's 503 with Retry-After: 1 unchanged")
	})

	It("follows Exchange's 451 redirect", Both, Label("passthrough"), func() {
		ph := setUpApproved(env, clients.Gmail, harness.Alice)
		ph.Stop()
		d := ph.Device
		url := d.BaseURL()
		_, err := env.Admin.InjectFault(env.Context(), harness.Fault{Command: "Sync", DeviceID: d.DeviceID, Redirect: url, Count: 1})
		Expect(err).NotTo(HaveOccurred())
		in, _ := d.FolderByType(inboxType)
		_, err = d.Sync(shortCtx(env, 5*time.Second), in.ServerId)
		Expect(err).NotTo(HaveOccurred(), "a Sync answered 451 with X-MS-Location did not reach the device as a redirect it could follow")
		Expect(d.Transcript().String()).To(ContainSubstring("451"), "the device never saw the 451")
	})

	It("provisions again when the policy changes (449 for 12.1, 142 for 14.x and 16.x)", Both, Label("passthrough"), func() {
		p, _ := clients.ProfileByName(clients.AOSPEmail)
		old := harness.WithProtocolVersion(p, "12.1")
		d := env.NewDeviceOf(old, harness.Bob)
		ph := env.Start(d)
		syncsWithinSLA(env, ph, approve(env, onePushFor(env, d)))
		Expect(env.Admin.Run(env.Context(), "Set-MobileDeviceMailboxPolicy", map[string]any{"Identity": "Default", "AllowCamera": false}, nil)).To(Succeed())
		deliver(env, harness.Bob, "alice@contoso.com", "after the policy change")
		ph.Refresh()
		Eventually(func() bool { return hasSubject(d, "after the policy change") }).Should(BeTrue(),
			"the device did not sync after Exchange asked it to provision again (HTTP 449)")
		Expect(d.Transcript().String()).To(ContainSubstring("< 449"), "the device never saw Exchange's 449")
	})

	It("gets the same answers through the product as straight from Exchange (differential)", Gateway, Label("differential"), func() {
		ph := setUpApproved(env, clients.IPhone, harness.Alice)
		ph.Stop()
		through := ph.Device
		direct := env.NewDeviceDirect(clients.IPhone, harness.Bob)
		Expect(direct.Setup(shortCtx(env, 10*time.Second))).To(Succeed())
		si1, err1 := through.Options(shortCtx(env, 5*time.Second))
		si2, err2 := direct.Options(shortCtx(env, 5*time.Second))
		Expect(err1).NotTo(HaveOccurred())
		Expect(err2).NotTo(HaveOccurred())
		Expect(si1).To(Equal(si2), "OPTIONS through the gateway differs from Exchange's (versions, commands, server header)")
		Expect(folderNames(through)).To(Equal(folderNames(direct)), "the folder hierarchy through the gateway differs from Exchange's")
		// Alice's own mail, straight from Exchange, is what came through.
		alice := env.NewDeviceDirect(clients.IPhone, harness.Alice)
		Expect(alice.Setup(shortCtx(env, 10*time.Second))).To(Succeed())
		Expect(inboxSubjects(through)).To(Equal(inboxSubjects(alice)), "the Inbox through the gateway differs from Exchange's")
	})
})

var inboxType = harness.InboxType

func shortCtx(env *harness.Env, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(env.Context(), d)
	DeferCleanup(cancel)
	return c
}

// hasServerError reports whether the phone met that HTTP status with that
// Retry-After.
func hasServerError(ph *harness.Phone, status int, retryAfter time.Duration) bool {
	for _, err := range ph.Errors() {
		var se *clients.ServerError
		if errors.As(err, &se) && se.HTTPStatus == status && se.RetryAfter == retryAfter {
			return true
		}
	}
	return false
}

func folderNames(d *clients.Device) map[string]int {
	out := map[string]int{}
	for _, f := range d.Folders() {
		out[f.DisplayName] = int(f.Type)
	}
	return out
}

// inboxSubjects are the subjects in a device's Inbox, sorted.
func inboxSubjects(d *clients.Device) []string {
	in, ok := d.FolderByType(inboxType)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range d.Items(in.ServerId) {
		out = append(out, it.Subject)
	}
	slices.Sort(out)
	return out
}

// completedPings counts the device's Pings that got an HTTP 200.
func completedPings(d *clients.Device) int {
	n := 0
	for _, e := range d.Transcript().Entries() {
		if e.Command.String() == "Ping" && e.StatusCode == 200 {
			n++
		}
	}
	return n
}
