package simulator_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
)

// CASCacheWait is what the harness warps over: how long the EAS side still
// sees settings from before their last change, by Exchange's ADUserCache
// (exchange-admin.md 4.3; S1 ADUserCache.cs: three generations rotated
// every ADCacheRefreshInterval).
var _ = Describe("The directory cache's wait", func() {
	It("is the time until a lagging entry drops out, and nothing once it is read again", func() {
		env := newTestEnv(simulator.Options{ErrorResponseDelay: -1, CASMailboxCacheDelay: simulator.DefaultCASCacheRefresh})
		Expect(env.Server.CASCacheWait()).To(BeZero(), "nothing cached, nothing changed")
		env.Clock.Advance(90 * time.Second)
		d := env.Device("alice", "WAIT1", eas.Version141)
		d.Provision() // read at 90 s, after the first rotation: it drops out at the fourth, 240 s
		env.Mailbox("alice").SetCASMailbox(func(c *simulator.CASMailbox) { c.ActiveSyncBlockedDeviceIDs = []string{"OTHER"} })
		Expect(env.Server.CASCacheWait()).To(Equal(150 * time.Second))
		env.Clock.Advance(100 * time.Second)
		Expect(env.Server.CASCacheWait()).To(Equal(50 * time.Second))
		env.Clock.Advance(50 * time.Second)
		Expect(env.Server.CASCacheWait()).To(BeZero(), "due: the next request reads the entry again")
		d.FolderSync()
		Expect(env.Server.CASCacheWait()).To(BeZero(), "read again after the change")
		Expect(newTestEnv(simulator.Options{ErrorResponseDelay: -1}).Server.CASCacheWait()).To(BeZero(), "no cache")
	})
})
