package simulator

import (
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
)

// changesBenchMailbox is a mailbox whose Inbox holds n e-mails, some of
// them changed, moved out or deleted since, as a mailbox in use is.
func changesBenchMailbox(b testing.TB, n int) (*Mailbox, string) {
	m := NewMailbox()
	inbox, _ := m.FolderByType(eas.FolderTypeInbox)
	junk, _ := m.FolderByName("Junk E-Mail")
	var ids []string
	for i := 0; i < n; i++ {
		it, err := m.AddItem(inbox.ServerID, &Item{Class: "Email"})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, it.ServerID)
	}
	for i, id := range ids {
		switch i % 10 {
		case 3:
			m.ChangeItem(id, nil, nil)
		case 7:
			m.MoveItem(id, junk.ServerID)
		case 9:
			m.DeleteItem(id, false)
		}
	}
	return m, inbox.ServerID
}

// BenchmarkChangesSince measures what a woken Ping or Sync pays under the
// mailbox lock to learn that nothing changed in a folder of 100 and of
// 10,000 items. The ratio sub-benchmark runs both, interleaved, so that
// the ratio comes from the same moments of a noisy machine (its ns/op is
// for 64 calls of each); the goal is at most 2 (issue 11).
func BenchmarkChangesSince(b *testing.B) {
	small, smallID := changesBenchMailbox(b, 100)
	big, bigID := changesBenchMailbox(b, 10000)
	nothingNew := func(b *testing.B, m *Mailbox, folderID string) {
		m.mu.Lock()
		defer m.mu.Unlock()
		since := m.modseq
		if len(m.changesSinceLocked(folderID, since)) != 0 {
			b.Fatal("changes after the last commit")
		}
	}
	b.Run("items=100", func(b *testing.B) {
		for b.Loop() {
			nothingNew(b, small, smallID)
		}
	})
	b.Run("items=10000", func(b *testing.B) {
		for b.Loop() {
			nothingNew(b, big, bigID)
		}
	})
	b.Run("ratio", func(b *testing.B) {
		// Batches of calls between clock readings, so that reading the
		// clock does not weigh on calls of a few nanoseconds.
		const batch = 64
		var smallT, bigT time.Duration
		for b.Loop() {
			t0 := time.Now()
			for range batch {
				nothingNew(b, small, smallID)
			}
			t1 := time.Now()
			for range batch {
				nothingNew(b, big, bigID)
			}
			bigT += time.Since(t1)
			smallT += t1.Sub(t0)
		}
		b.ReportMetric(float64(bigT)/float64(smallT), "10000/100")
	})
}
