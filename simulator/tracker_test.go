package simulator

import (
	"testing"

	"github.com/easlab/easlab/eas"
)

// TestTrackerWakesTheFolderOnly: a change of a folder's items wakes the
// hanging requests watching that folder and no other; a change every
// request must see (the hierarchy, an approval, a wipe) wakes them all; a
// removed waiter is not woken.
func TestTrackerWakesTheFolderOnly(t *testing.T) {
	m := NewMailbox()
	inbox, _ := m.FolderByType(eas.FolderTypeInbox)
	cal, _ := m.FolderByType(eas.FolderTypeCalendar)
	m.lock()
	onInbox := m.watchLocked([]string{inbox.ServerID})
	onCal := m.watchLocked([]string{cal.ServerID})
	onBoth := m.watchLocked([]string{inbox.ServerID, cal.ServerID})
	m.unlock()
	woken := func(w *waiter) bool {
		select {
		case <-w.c:
			return true
		default:
			return false
		}
	}
	if _, err := m.AddItem(inbox.ServerID, &Item{}); err != nil {
		t.Fatal(err)
	}
	if !woken(onInbox) || !woken(onBoth) || woken(onCal) {
		t.Fatal("a delivery to the Inbox did not wake exactly the Inbox's watchers")
	}
	m.lock()
	m.commitLocked() // e.g. an approval
	m.unwatchLocked(onBoth)
	m.unlock()
	if !woken(onInbox) || !woken(onCal) || !woken(onBoth) {
		t.Fatal("a mailbox-wide change did not wake every watcher")
	}
	if _, err := m.AddItem(cal.ServerID, &Item{}); err != nil {
		t.Fatal(err)
	}
	if !woken(onCal) || woken(onInbox) || woken(onBoth) {
		t.Fatal("a change of the Calendar woke a waiter that does not watch it, or one removed")
	}
}
