package customspec_test

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/harness"
)

// The product under test: here easlab's reference agent, built once. A
// vendor points the harness at its own binary instead.
func TestCustomScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the reference agent")
	}
	dir := t.TempDir()
	agent := filepath.Join(dir, "agent")
	build := exec.Command("go", "build", "-o", agent, "../agent")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	harness.Configure(harness.Config{Agent: []string{agent}, ApprovalSLA: 10 * time.Second})
	RegisterFailHandler(Fail)
	RunSpecs(t, "a vendor's own scenario")
}

var _ = Describe("Our agent", func() {
	It("releases a Samsung phone that signs in as DOMAIN\\alias once its owner approves", func() {
		env := harness.NewEnv()
		// Samsung Email, signing in the old way.
		d := env.NewDevice(clients.SamsungEmail, `CONTOSO\bob`)
		phone := env.Start(d)

		Eventually(env.Partnership(d)).Should(harness.BeQuarantined())
		Eventually(d).Should(harness.HaveReceivedQuarantineNotice())

		Eventually(func() []harness.Push { return env.MFA.PushesFor(d.DeviceID) }).Should(HaveLen(1),
			"one push for the new phone")
		push := env.MFA.PushesFor(d.DeviceID)[0]
		Expect(push.Person).To(Equal(harness.Bob), "the push reached Bob")
		Expect(env.MFA.Approve(push.ID)).To(Succeed())

		Eventually(phone).WithTimeout(env.SLA()).Should(harness.HaveSyncedInbox(), "Bob's mail within the SLA")
		Expect(env.Partnership(d)()).To(harness.BeAllowedBy(harness.Individual))
	})
})
