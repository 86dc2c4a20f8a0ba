package simulator_test

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// syncReplica is what one device holds of a folder, checked as it goes:
// an Add of an item it already has, or a Change or Delete of one it does
// not, is a lost or duplicated change.
type syncReplica struct {
	key   string
	items map[string]bool
	errs  []string
}

func (r *syncReplica) apply(col *eas.SyncCollection) {
	for _, c := range col.Commands {
		switch c.Kind {
		case eas.SyncAdd:
			if r.items[c.ServerId] {
				r.errs = append(r.errs, "Add of "+c.ServerId+", which the device already has")
			}
			r.items[c.ServerId] = true
		case eas.SyncChange:
			if !r.items[c.ServerId] {
				r.errs = append(r.errs, "Change of "+c.ServerId+", which the device does not have")
			}
		case eas.SyncDelete, eas.SyncSoftDelete:
			if !r.items[c.ServerId] {
				r.errs = append(r.errs, "Delete of "+c.ServerId+", which the device does not have")
			}
			delete(r.items, c.ServerId)
		}
	}
	r.key = col.SyncKey
}

var _ = Describe("Concurrency", Label("concurrency"), func() {
	It("converges 100 devices on one mailbox while mail is delivered, moved and deleted", func() {
		const devices, deliveries = 100, 150
		env := newTestEnv(simulator.Options{})
		// 100 devices of one user at once: past Exchange's default of 10
		// concurrent requests, which hostile_test checks on its own.
		env.Server.Directory().SetOrganizationSettings(func(o *simulator.OrganizationSettings) { o.EasMaxConcurrency = -1 })
		mb := env.Mailbox("alice")
		inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
		junk, _ := mb.FolderByType(eas.FolderTypeUserMail)

		type dev struct {
			d *simtest.Device
			r *syncReplica
		}
		devs := make([]dev, devices)
		var wg sync.WaitGroup
		for i := range devs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer GinkgoRecover()
				d := env.Device("alice", fmt.Sprintf("CONC%03d", i), eas.Version141)
				d.Provision()
				col := d.SyncOnce(eas.SyncCollection{SyncKey: "0", CollectionId: inbox.ServerID})
				devs[i] = dev{d: d, r: &syncReplica{key: col.SyncKey, items: map[string]bool{}}}
			}(i)
		}
		wg.Wait()

		var stop atomic.Bool
		var syncs atomic.Int64
		for i := range devs {
			wg.Add(1)
			go func(x dev) {
				defer wg.Done()
				defer GinkgoRecover()
				for !stop.Load() {
					if col := x.d.SyncOnce(eas.SyncCollection{SyncKey: x.r.key, CollectionId: inbox.ServerID, WindowSize: 25}); col != nil {
						Expect(col.Status).To(Equal(1))
						x.r.apply(col)
					}
					syncs.Add(1)
				}
			}(devs[i])
		}
		// Transport delivers while the devices sync; a rule moves older
		// messages to Junk and the user deletes others, so devices see
		// Adds, then Deletes of items they hold, interleaved with their
		// own Syncs.
		var delivered []string
		for n := 0; n < deliveries; n++ {
			before := syncs.Load()
			env.Deliver("alice", fmt.Sprintf("Message %d", n))
			items := mb.Items(inbox.ServerID)
			delivered = append(delivered, items[len(items)-1].ServerID)
			if n >= 5 {
				old := delivered[n-5]
				switch {
				case n%3 == 0:
					_, err := mb.MoveItem(old, junk.ServerID)
					Expect(err).NotTo(HaveOccurred())
				case n%5 == 0:
					Expect(mb.DeleteItem(old, false)).To(Succeed())
				}
			}
			// Let a quarter of the devices sync before the next change.
			Eventually(syncs.Load).WithTimeout(10 * time.Second).Should(BeNumerically(">=", before+devices/4))
		}
		stop.Store(true)
		wg.Wait()

		want := map[string]bool{}
		for _, it := range mb.Items(inbox.ServerID) {
			want[it.ServerID] = true
		}
		for _, x := range devs {
			// Drain: sync until the server has nothing more.
			for {
				col := x.d.SyncOnce(eas.SyncCollection{SyncKey: x.r.key, CollectionId: inbox.ServerID, WindowSize: 100})
				if col == nil {
					break
				}
				x.r.apply(col)
				if len(col.Commands) == 0 && !col.MoreAvailable {
					break
				}
			}
			Expect(x.r.errs).To(BeEmpty(), "device %s", x.d.ID)
			Expect(keys(x.r.items)).To(Equal(keys(want)), "device %s did not converge", x.d.ID)
		}
		AddReportEntry("syncs during delivery", syncs.Load())
	})
})

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
