package simulator

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// bruteChangesLocked is what changesSinceLocked answers, by a scan of every
// item: the folder's items changed after since, tombstones included, in
// change order.
func bruteChangesLocked(m *Mailbox, folderID string, since uint64) []*Item {
	var out []*Item
	for _, it := range m.items {
		if it.FolderID == folderID && it.ModSeq > since {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ModSeq < out[j].ModSeq })
	return out
}

// checkLogsLocked compares the index with the brute-force scan for every
// folder at every counter value, and checks the logs' shape: sorted,
// each item once among the current entries, and within the bound
// compaction keeps.
func checkLogsLocked(t *testing.T, m *Mailbox, step int) {
	t.Helper()
	for _, f := range m.folders {
		all := bruteChangesLocked(m, f.ServerID, 0)
		for since := uint64(0); since <= m.modseq; since += 1 + since/2 {
			got := m.changesSinceLocked(f.ServerID, since)
			want := all[sort.Search(len(all), func(i int) bool { return all[i].ModSeq > since }):]
			if len(got) != len(want) {
				t.Fatalf("step %d: folder %s since %d: %d changes, want %d", step, f.ServerID, since, len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("step %d: folder %s since %d: change %d is %s@%d, want %s@%d", step, f.ServerID, since, i, got[i].ServerID, got[i].ModSeq, want[i].ServerID, want[i].ModSeq)
				}
			}
		}
	}
	for id, l := range m.logs {
		current := map[*Item]bool{}
		for i, e := range l.entries {
			if i > 0 && e.seq <= l.entries[i-1].seq {
				t.Fatalf("step %d: folder %s: log out of order at %d", step, id, i)
			}
			if e.it.FolderID != id {
				t.Fatalf("step %d: folder %s: holds %s", step, id, e.it.ServerID)
			}
			if e.current() {
				if current[e.it] {
					t.Fatalf("step %d: folder %s: %s current twice", step, id, e.it.ServerID)
				}
				current[e.it] = true
			}
		}
		if n := len(l.entries); n > 2*len(current)+64 {
			t.Fatalf("step %d: folder %s: %d entries for %d items: not compacted", step, id, n, len(current))
		}
	}
}

// TestChangeLogAgainstScan drives a mailbox through a random sequence of
// deliveries, client and server changes, deletes, moves and changes made
// outside stampLocked (as FolderDelete and MeetingResponse make them), and
// checks the index against a scan after every step.
func TestChangeLogAgainstScan(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		m := NewMailbox()
		var folders []string
		for _, ty := range []eas.FolderType{eas.FolderTypeInbox, eas.FolderTypeDeletedItems, eas.FolderTypeSentItems} {
			f, _ := m.FolderByType(ty)
			folders = append(folders, f.ServerID)
		}
		inbox := folders[0]
		subject := mustTag("Email:Subject")
		compactions := 0
		for step := 0; step < 1000; step++ {
			m.mu.Lock()
			before := 0
			for _, l := range m.logs {
				before += l.superseded
			}
			var live []string
			for id, it := range m.items {
				if !it.Deleted {
					live = append(live, id)
				}
			}
			m.mu.Unlock()
			sort.Strings(live)
			op := rng.IntN(11)
			if len(live) == 0 {
				op = 0
			}
			id := ""
			if len(live) > 0 {
				id = live[rng.IntN(len(live))]
			}
			var err error
			switch op {
			case 0, 1, 2: // delivery
				_, err = m.AddItem(folders[rng.IntN(len(folders))], &Item{Class: "Email"})
			case 3, 4, 5: // a change, often of the same item again
				if rng.IntN(2) == 0 {
					id = live[0]
				}
				err = m.ChangeItem(id, []*wbxml.Node{wbxml.NewText(subject, "re")}, nil)
			case 6: // a hard delete
				err = m.DeleteItem(id, false)
			case 7: // a delete that moves to Deleted Items, unless there already
				err = m.DeleteItem(id, true)
			case 8: // a move
				_, err = m.MoveItem(id, folders[rng.IntN(len(folders))])
			case 9: // changes committed outside stampLocked, then maybe one through it
				m.mu.Lock()
				for range 1 + rng.IntN(3) {
					it := m.items[live[rng.IntN(len(live))]]
					if rng.IntN(2) == 0 {
						it.Deleted = true
					}
					it.ModSeq = m.commitLocked()
				}
				if rng.IntN(2) == 0 {
					m.commitLocked() // a wake-up that changes no item
				}
				m.mu.Unlock()
				if rng.IntN(2) == 0 {
					_, err = m.AddItem(inbox, &Item{Class: "Email"})
				}
			case 10: // now and then a folder created, as FolderCreate does
				if rng.IntN(4) != 0 {
					break
				}
				m.mu.Lock()
				m.addFolderLocked("0", "f", eas.FolderTypeUserMail)
				m.mu.Unlock()
			}
			if err != nil {
				t.Fatalf("step %d, op %d on %s: %v", step, op, id, err)
			}
			m.mu.Lock()
			checkLogsLocked(t, m, step)
			after := 0
			for _, l := range m.logs {
				after += l.superseded
			}
			m.mu.Unlock()
			if after < before {
				compactions++
			}
		}
		if compactions == 0 {
			t.Errorf("seed %d: no compaction happened", seed)
		}
	}
}

// TestChangeLogCompaction changes one item again and again: the log keeps
// it once, at the end, and stays small.
func TestChangeLogCompaction(t *testing.T) {
	m := NewMailbox()
	inbox, _ := m.FolderByType(eas.FolderTypeInbox)
	var ids []string
	for range 10 {
		it, _ := m.AddItem(inbox.ServerID, &Item{Class: "Email"})
		ids = append(ids, it.ServerID)
	}
	for range 10000 {
		m.ChangeItem(ids[3], nil, nil)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.logs[inbox.ServerID]
	if len(l.entries) > 2*10+64 || cap(l.entries) > 4*(2*10+64)+64 {
		t.Errorf("log holds %d entries (capacity %d) for 10 items", len(l.entries), cap(l.entries))
	}
	got := m.changesSinceLocked(inbox.ServerID, 0)
	if len(got) != 10 || got[9].ServerID != ids[3] {
		t.Errorf("changes since 0: %d items, last %s", len(got), got[len(got)-1].ServerID)
	}
	if got := m.changesSinceLocked(inbox.ServerID, m.modseq-1); len(got) != 1 || got[0].ServerID != ids[3] {
		t.Errorf("changes since the last but one commit: %v", got)
	}
	if got := m.changesSinceLocked(inbox.ServerID, m.modseq); len(got) != 0 {
		t.Errorf("changes since the last commit: %v", got)
	}
}
