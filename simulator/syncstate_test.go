package simulator

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/easlab/easlab/eas"
)

func kinds(cs []outChange) string {
	var parts []string
	for _, c := range cs {
		k := map[changeKind]string{changeAdd: "Add", changeChange: "Change", changeDelete: "Delete", changeSoftDelete: "SoftDelete"}[c.kind]
		parts = append(parts, k+" "+c.item.ServerID)
	}
	return strings.Join(parts, ", ")
}

func TestPlanChanges(t *testing.T) {
	mb := NewMailbox()
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	var ids []string
	for i := 0; i < 5; i++ {
		it, err := mb.AddItem(inbox.ServerID, &Item{Class: "Email"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ServerID)
	}
	st := initialState()
	plan := func(window int) (string, bool) {
		mb.mu.Lock()
		log := mb.changesSinceLocked(inbox.ServerID, st.seen)
		cs, seen, more := planChanges(st, log, window, nil)
		mb.mu.Unlock()
		st = st.next()
		st.apply(cs, seen)
		return kinds(cs), more
	}
	if got, more := plan(3); got != "Add 1:1, Add 1:2, Add 1:3" || !more {
		t.Fatalf("first window: %s more=%v", got, more)
	}
	// A change to a held item and to one not yet sent, and a delete of one
	// never sent: the device gets the rest as Adds, then the Change.
	if err := mb.ChangeItem(ids[0], nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := mb.DeleteItem(ids[4], false); err != nil {
		t.Fatal(err)
	}
	if got, more := plan(10); got != "Add 1:4, Change 1:1" || more {
		t.Fatalf("second window: %s more=%v", got, more)
	}
	if err := mb.DeleteItem(ids[1], false); err != nil {
		t.Fatal(err)
	}
	// The device's own change is not echoed back.
	if err := mb.ChangeItem(ids[2], nil, nil); err != nil {
		t.Fatal(err)
	}
	it, _ := mb.Item(ids[2])
	st.setEcho(ids[2], it.ModSeq)
	if got, _ := plan(10); got != "Delete 1:2" {
		t.Fatalf("third window: %s", got)
	}
	if got, _ := plan(10); got != "" {
		t.Fatalf("nothing left, got %s", got)
	}
	// An item leaving the device's filter window is soft-deleted.
	mb.mu.Lock()
	log := mb.changesSinceLocked(inbox.ServerID, 0)
	mb.mu.Unlock()
	cs, _, _ := planChanges(&syncState{held: map[string]bool{ids[3]: true}}, log, 10, func(it *Item) bool { return it.ServerID != ids[3] })
	if got := kinds(cs); got != "SoftDelete 1:4, Add 1:1, Add 1:3" { // in change order
		t.Fatalf("filter: %s", got)
	}
	// A state up to date with the whole log whose FilterType changes is
	// planned against it again: what it holds and the filter leaves out
	// is soft-deleted, what the filter takes in and it lacks is added, the
	// rest is left alone (MSASCMD_S19_TC49).
	var top uint64
	for _, it := range log {
		top = max(top, it.ModSeq)
	}
	moved := &syncState{seen: top, held: map[string]bool{ids[0]: true, ids[3]: true}}
	cs, seen, more := planChanges(moved, log, 10, func(it *Item) bool { return it.ServerID != ids[3] })
	if got := kinds(cs); got != "SoftDelete 1:4, Add 1:3" || seen != top || more {
		t.Fatalf("refilter: %s (seen %d of %d, more %v)", got, seen, top, more)
	}
	if cs, _, more := planChanges(moved, log, 1, func(it *Item) bool { return it.ServerID != ids[3] }); len(cs) != 1 || !more {
		t.Fatalf("a refilter larger than the window sends %d commands, more %v", len(cs), more)
	}
}

func TestResolveKey(t *testing.T) {
	s1 := initialState()
	s2 := s1.next()
	if resolveKey(s2, s2.key()) != s2 || resolveKey(s2, s1.key()) != s1 {
		t.Fatal("current and previous keys must resolve")
	}
	s3 := s2.next()
	for _, k := range []string{s1.key(), "0", "", s1.guid + "99", fmt.Sprint(s3.n)} {
		if resolveKey(s3, k) != nil {
			t.Errorf("key %q resolved", k)
		}
	}
}

func TestMoveAndDeletesAsMoves(t *testing.T) {
	mb := NewMailbox()
	inbox, _ := mb.FolderByType(eas.FolderTypeInbox)
	deleted, _ := mb.FolderByType(eas.FolderTypeDeletedItems)
	it, _ := mb.AddItem(inbox.ServerID, &Item{Class: "Email"})
	if err := mb.DeleteItem(it.ServerID, true); err != nil {
		t.Fatal(err)
	}
	if len(mb.Items(inbox.ServerID)) != 0 || len(mb.Items(deleted.ServerID)) != 1 {
		t.Fatal("delete as move did not move the item to Deleted Items")
	}
	moved := mb.Items(deleted.ServerID)[0]
	if err := mb.DeleteItem(moved.ServerID, true); err != nil {
		t.Fatal(err)
	}
	if len(mb.Items(deleted.ServerID)) != 0 {
		t.Fatal("delete in Deleted Items must remove the item")
	}
	if _, err := mb.MoveItem("1:99", deleted.ServerID); err != errNotFound {
		t.Fatalf("move of a missing item: %v", err)
	}
}

// TestSyncStateRecordKeepsFilterAndSupported: a saved sync state keeps
// its FilterType and Supported properties across a restart.
func TestSyncStateRecordKeepsFilterAndSupported(t *testing.T) {
	st := initialState()
	ft := eas.FilterTypeTwoWeeks
	st.filter = &ft
	st.supported = map[string]bool{"Contacts:JobTitle": true}
	got := syncStateRecordOf(st).state()
	if got.filter == nil || *got.filter != ft || len(got.supported) != 1 || !got.supported["Contacts:JobTitle"] {
		t.Errorf("restored filter %v, supported %v", got.filter, got.supported)
	}
	if none := syncStateRecordOf(initialState()).state(); none.filter != nil || none.supported != nil {
		t.Errorf("a state without them restores filter %v, supported %v", none.filter, none.supported)
	}
}

// TestSyncStateSharesHeldUntilChanged: a successor state shares its
// predecessor's held set (one copy of a large folder, not two) until
// either changes, and a change to one never shows in the other.
func TestSyncStateSharesHeldUntilChanged(t *testing.T) {
	st := initialState()
	for _, id := range []string{"1:1", "1:2", "1:3"} {
		st.setHeld(id)
	}
	next := st.next()
	if reflect.ValueOf(next.held).UnsafePointer() != reflect.ValueOf(st.held).UnsafePointer() {
		t.Error("next copied held rather than sharing it")
	}
	next.setHeld("1:4")
	next.unsetHeld("1:1")
	if got := slices.Sorted(maps.Keys(st.held)); !slices.Equal(got, []string{"1:1", "1:2", "1:3"}) {
		t.Errorf("the previous state's held changed with the next's: %v", got)
	}
	if got := slices.Sorted(maps.Keys(next.held)); !slices.Equal(got, []string{"1:2", "1:3", "1:4"}) {
		t.Errorf("next held %v", got)
	}
	// The other way: a resend's state changes, its successor does not.
	third := next.next()
	next.unsetHeld("1:2")
	if !third.held["1:2"] || next.held["1:2"] {
		t.Errorf("held: third %v, next %v", third.held, next.held)
	}
}

// TestShareHeldBetweenDevices: two partnerships of a mailbox that hold the
// same folders share one set, and a change to one leaves the other and the
// shared set as they were; a different set is not taken.
func TestShareHeldBetweenDevices(t *testing.T) {
	m := NewMailbox()
	a, b, other := initialState(), initialState(), initialState()
	for _, id := range []string{"1", "2", "3"} {
		a.setHeld(id)
		b.setHeld(id)
		other.setHeld(id)
	}
	other.setHeld("4")
	m.shareHeldLocked("", a)
	m.shareHeldLocked("", b)
	ptr := func(s *syncState) unsafe.Pointer { return reflect.ValueOf(s.held).UnsafePointer() }
	if ptr(a) != ptr(b) {
		t.Fatal("equal held sets were not shared")
	}
	b.setHeld("5")
	b.unsetHeld("1")
	if got := slices.Sorted(maps.Keys(a.held)); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("a changed with b: %v", got)
	}
	if got := slices.Sorted(maps.Keys(b.held)); !slices.Equal(got, []string{"2", "3", "5"}) {
		t.Errorf("b holds %v", got)
	}
	m.shareHeldLocked("", other)
	if got := slices.Sorted(maps.Keys(a.held)); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("a changed when a different set was shared: %v", got)
	}
	other.unsetHeld("4")
	if !m.heldSets[""]["4"] {
		t.Error("a change to a shared set reached the mailbox's copy")
	}
}
