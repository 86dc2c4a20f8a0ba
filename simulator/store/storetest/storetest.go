// Package storetest is the contract every [store.Store] implementation
// is held to: one suite of tests, each named by the promise it checks.
package storetest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/easlab/easlab/simulator/store"
)

// Suite describes an implementation to Run.
type Suite struct {
	// New makes a fresh, empty backing for one test and returns a
	// function that opens a Store over it. A durable implementation's
	// open may be called again after the Store it returned was closed,
	// and must then open the same backing.
	New func(t *testing.T) (open func() (store.Store, error))
	// Durable says the data survives Close and a new open.
	Durable bool
}

// Run runs the contract suite, each promise as a subtest.
func Run(t *testing.T, s Suite) {
	tests := []struct {
		name    string
		fn      func(*testing.T, func() (store.Store, error))
		durable bool
	}{
		{"put and load round-trip every record type exactly", testRoundTrip, false},
		{"an empty store loads as nothing", testEmpty, false},
		{"Load returns copies the caller may change", testLoadCopies, false},
		{"a put keeps its own copy of Data", testPutCopies, false},
		{"puts replace records with the same key", testReplace, false},
		{"a failing fn keeps nothing", testRollback, false},
		{"changes are invisible to Load until commit", testIsolation, false},
		{"mailbox addresses compare case-insensitively", testMailboxCase, false},
		{"device IDs compare case-insensitively within a mailbox", testDeviceCase, false},
		{"a record of an unknown mailbox is ErrNoMailbox", testNoMailbox, false},
		{"event IDs must increase and are never reused; TrimEvents drops a prefix", testEvents, false},
		{"DeleteMailbox removes its records but not its events", testDeleteMailbox, false},
		{"DeleteDevice removes its sync states", testDeleteDevice, false},
		{"DeleteItem and DeleteSyncState remove one record", testDeleteOne, false},
		{"Load returns records in the documented order", testOrder, false},
		{"LoadDirectory and LoadMailbox of each mailbox are Load, in parts", testLoadParts, false},
		{"concurrent Updates all land", testConcurrent, false},
		{"after Close every method returns ErrClosed", testClosed, false},
		{"committed data survives Close and a new open", testDurable, true},
		{"a failed Update leaves nothing after a new open", testDurableRollback, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.durable && !s.Durable {
				t.Skip("the implementation is not durable")
			}
			tc.fn(t, s.New(t))
		})
	}
}

// Diff describes the first difference between two States, or returns ""
// when they are equal: same records in the same order, times equal as
// instants, and empty Data equal to nil Data.
func Diff(want, got *store.State) string {
	w, g := normalize(want), normalize(got)
	if reflect.DeepEqual(w, g) {
		return ""
	}
	if !reflect.DeepEqual(w.Org, g.Org) {
		return fmt.Sprintf("org: want %s, got %s", show(w.Org), show(g.Org))
	}
	for _, f := range []string{"Mailboxes", "Folders", "Items", "Devices", "SyncStates", "Events"} {
		wv, gv := reflect.ValueOf(w).Elem().FieldByName(f), reflect.ValueOf(g).Elem().FieldByName(f)
		for i := 0; i < max(wv.Len(), gv.Len()); i++ {
			switch {
			case i >= wv.Len():
				return fmt.Sprintf("%s[%d]: unexpected %s", f, i, show(gv.Index(i).Interface()))
			case i >= gv.Len():
				return fmt.Sprintf("%s[%d]: missing %s", f, i, show(wv.Index(i).Interface()))
			case !reflect.DeepEqual(wv.Index(i).Interface(), gv.Index(i).Interface()):
				return fmt.Sprintf("%s[%d]:\nwant %s\n got %s", f, i, show(wv.Index(i).Interface()), show(gv.Index(i).Interface()))
			}
		}
	}
	return "states differ"
}

func show(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func normalize(st *store.State) *store.State {
	if st == nil {
		st = &store.State{}
	}
	d := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		return b
	}
	tm := func(t time.Time) time.Time { return t.Round(0).UTC() }
	n := &store.State{}
	if st.Org != nil {
		n.Org = &store.Org{Data: d(st.Org.Data)}
	}
	for _, m := range st.Mailboxes {
		m.Data = d(m.Data)
		n.Mailboxes = append(n.Mailboxes, m)
	}
	n.Folders = append(n.Folders, st.Folders...)
	for _, it := range st.Items {
		it.Data, it.Received = d(it.Data), tm(it.Received)
		n.Items = append(n.Items, it)
	}
	for _, x := range st.Devices {
		x.Data = d(x.Data)
		n.Devices = append(n.Devices, x)
	}
	for _, x := range st.SyncStates {
		x.Data = d(x.Data)
		n.SyncStates = append(n.SyncStates, x)
	}
	for _, e := range st.Events {
		e.Data, e.Time = d(e.Data), tm(e.Time)
		n.Events = append(n.Events, e)
	}
	return n
}

// helpers

func open(t *testing.T, openFn func() (store.Store, error)) store.Store {
	t.Helper()
	s, err := openFn()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func load(t *testing.T, s store.Store) *store.State {
	t.Helper()
	st, err := s.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return st
}

func want(t *testing.T, s store.Store, w *store.State) {
	t.Helper()
	if d := Diff(w, load(t, s)); d != "" {
		t.Fatalf("Load: %s", d)
	}
}

// putAll puts a state's records in one Update.
func putAll(t *testing.T, s store.Store, st *store.State) {
	t.Helper()
	update(t, s, func(tx store.Tx) error { return Put(tx, st) })
}

// Put puts every record of st through tx (store.PutState).
func Put(tx store.Tx, st *store.State) error { return store.PutState(tx, st) }

// Sample is a small state using every record type and field, with zero
// values, tombstones, non-UTF-8 Data and times in other zones; it is in
// Load order.
func Sample() *store.State {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	t1 := time.Date(2026, 3, 1, 10, 11, 12, 123456789, zone)
	t2 := time.Date(1999, 12, 31, 23, 59, 59, 1, time.UTC)
	a, b := "Alice@Contoso.com", "bob@contoso.com"
	return &store.State{
		Org: &store.Org{Data: []byte(`{"name":"Contoso","rules":[{"id":1}]}`)},
		Mailboxes: []store.Mailbox{
			{Address: a, Alias: "alice", DisplayName: "Alice Ä", ModSeq: 42, Data: []byte(`{"oof":true}`)},
			{Address: b}, // zero values
		},
		Folders: []store.Folder{
			{Mailbox: a, ServerID: "1", ParentID: "0", DisplayName: "Inbox", Type: 2, ModSeq: 1},
			{Mailbox: a, ServerID: "2", ParentID: "0", DisplayName: "Gone", Type: 12, ModSeq: 7, Deleted: true},
			{Mailbox: b, ServerID: "1"},
		},
		Items: []store.Item{
			{Mailbox: a, ServerID: "1:1", FolderID: "1", Class: "Email", Subject: "Hello <world> & \"you\"", Received: t1, ModSeq: 3, Data: []byte(`{"body":"hi \u003c"}`)},
			{Mailbox: a, ServerID: "1:2", FolderID: "1", Class: "Email", Received: t2, ModSeq: 4, Deleted: true, Data: []byte{0xff, 0x00, 0xfe, 'x'}},
			{Mailbox: b, ServerID: "1:1"},
		},
		Devices: []store.Device{
			{Mailbox: a, DeviceID: "ANDROIDC1", DeviceType: "Android", UserAgent: "Android-Mail/1.0", AccessState: "Allowed", PolicyKey: 4294967295, Data: []byte(`{"wipe":null}`)},
			{Mailbox: a, DeviceID: "iphone2", DeviceType: "iPhone"},
			{Mailbox: b, DeviceID: "X"},
		},
		SyncStates: []store.SyncState{
			{Mailbox: a, DeviceID: "ANDROIDC1", Collection: "", Key: "5", Data: []byte(`{"folders":[]}`)},
			{Mailbox: a, DeviceID: "ANDROIDC1", Collection: "1", Key: "{abc}7", Data: []byte("not json")},
			{Mailbox: b, DeviceID: "X", Collection: "1"},
		},
		Events: []store.Event{
			{ID: 1, Time: t1, Type: "device.blocked", Mailbox: a, DeviceID: "ANDROIDC1", Data: []byte(`{"reason":"rule"}`)},
			{ID: 2},
			{ID: 1000, Time: t2, Type: "x", Data: []byte{0x80}},
		},
	}
}

func testRoundTrip(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	want(t, s, Sample())
	// Data bytes exactly, not only equal after normalising.
	got := load(t, s)
	if !bytes.Equal(got.Items[1].Data, Sample().Items[1].Data) || !got.Items[0].Received.Equal(Sample().Items[0].Received) {
		t.Fatalf("item 1:2 came back as %+v", got.Items[1])
	}
}

func testEmpty(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	st := load(t, s)
	if st.Org != nil || len(st.Mailboxes)+len(st.Folders)+len(st.Items)+len(st.Devices)+len(st.SyncStates)+len(st.Events) != 0 {
		t.Fatalf("empty store loaded %+v", st)
	}
	update(t, s, func(store.Tx) error { return nil })
	want(t, s, &store.State{})
}

func testLoadCopies(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	st := load(t, s)
	for _, b := range [][]byte{st.Org.Data, st.Mailboxes[0].Data, st.Items[0].Data, st.Devices[0].Data, st.SyncStates[0].Data, st.Events[0].Data} {
		for i := range b {
			b[i] = 'X'
		}
	}
	st.Mailboxes[0].Address = "changed"
	st.Items = st.Items[:0]
	want(t, s, Sample())
}

func testPutCopies(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	sample := Sample()
	update(t, s, func(tx store.Tx) error {
		if err := Put(tx, sample); err != nil {
			return err
		}
		// The caller reuses its buffers before the commit.
		for _, b := range [][]byte{sample.Org.Data, sample.Mailboxes[0].Data, sample.Items[0].Data, sample.Devices[0].Data, sample.SyncStates[0].Data, sample.Events[0].Data} {
			for i := range b {
				b[i] = 'X'
			}
		}
		return nil
	})
	want(t, s, Sample())
}

func testReplace(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	w := Sample()
	w.Events = nil
	w.Org.Data = []byte(`{"v":2}`)
	w.Mailboxes[0].DisplayName, w.Mailboxes[0].ModSeq = "Alice 2", 43
	w.Folders[0].DisplayName, w.Folders[0].ModSeq = "Renamed", 1
	w.Items[0].Subject, w.Items[0].Deleted = "tombstone", true
	w.Devices[0].AccessState = "Blocked"
	w.SyncStates[0].Key = "6"
	putAll(t, s, w)
	w.Events = Sample().Events
	want(t, s, w)
}

func testRollback(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	boom := errors.New("boom")
	a := Sample().Mailboxes[0].Address
	err := s.Update(func(tx store.Tx) error {
		if err := tx.PutOrg(store.Org{Data: []byte("{}")}); err != nil {
			return err
		}
		if err := tx.PutMailbox(store.Mailbox{Address: "carol@contoso.com"}); err != nil {
			return err
		}
		if err := tx.PutItem(store.Item{Mailbox: a, ServerID: "9:9", ModSeq: 99}); err != nil {
			return err
		}
		if err := tx.DeleteDevice(a, "ANDROIDC1"); err != nil {
			return err
		}
		if err := tx.DeleteMailbox("bob@contoso.com"); err != nil {
			return err
		}
		if err := tx.AppendEvent(store.Event{ID: 1001}); err != nil {
			return err
		}
		if err := tx.TrimEvents(1000); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	want(t, s, Sample())

	// fn fails on a store error after several puts, and returns it.
	err = s.Update(func(tx store.Tx) error {
		if err := tx.PutMailbox(store.Mailbox{Address: "dave@contoso.com"}); err != nil {
			return err
		}
		if err := tx.PutFolder(store.Folder{Mailbox: "dave@contoso.com", ServerID: "1"}); err != nil {
			return err
		}
		return tx.PutDevice(store.Device{Mailbox: "nobody@contoso.com", DeviceID: "D"})
	})
	if !errors.Is(err, store.ErrNoMailbox) {
		t.Fatalf("Update returned %v, want ErrNoMailbox", err)
	}
	want(t, s, Sample())
	// The event ID appended in the failed Update is still free.
	update(t, s, func(tx store.Tx) error { return tx.AppendEvent(store.Event{ID: 1001}) })
}

func testIsolation(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	loaded := make(chan *store.State)
	errc := make(chan error, 1)
	update(t, s, func(tx store.Tx) error {
		w := Sample()
		w.Events = []store.Event{{ID: 2000}}
		w.Mailboxes = append(w.Mailboxes, store.Mailbox{Address: "carol@contoso.com"})
		if err := Put(tx, w); err != nil {
			return err
		}
		if err := tx.DeleteItem(w.Items[0].Mailbox, w.Items[0].ServerID); err != nil {
			return err
		}
		go func() {
			st, err := s.Load()
			if err != nil {
				errc <- err
				return
			}
			loaded <- st
		}()
		select {
		case st := <-loaded:
			if d := Diff(Sample(), st); d != "" {
				return fmt.Errorf("Load during the Update saw uncommitted changes: %s", d)
			}
		case err := <-errc:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("Load during an Update did not return (does it wait for the Update?)")
		}
		return nil
	})
	st := load(t, s)
	if len(st.Mailboxes) != 3 || len(st.Events) != 4 || len(st.Items) != 2 {
		t.Fatalf("after commit: %d mailboxes, %d events, %d items; want 3, 4, 2", len(st.Mailboxes), len(st.Events), len(st.Items))
	}
}

func testMailboxCase(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutMailbox(store.Mailbox{Address: "Alice@Contoso.com", DisplayName: "Alice"}); err != nil {
			return err
		}
		return tx.PutDevice(store.Device{Mailbox: "alice@contoso.com", DeviceID: "D1"})
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutFolder(store.Folder{Mailbox: "ALICE@CONTOSO.COM", ServerID: "1"}); err != nil {
			return err
		}
		return tx.PutSyncState(store.SyncState{Mailbox: "aLiCe@contoso.COM", DeviceID: "D1", Collection: "1", Key: "1"})
	})
	a := "Alice@Contoso.com"
	w := &store.State{
		Mailboxes:  []store.Mailbox{{Address: a, DisplayName: "Alice"}},
		Folders:    []store.Folder{{Mailbox: a, ServerID: "1"}},
		Devices:    []store.Device{{Mailbox: a, DeviceID: "D1"}},
		SyncStates: []store.SyncState{{Mailbox: a, DeviceID: "D1", Collection: "1", Key: "1"}},
	}
	want(t, s, w)
	// Putting the mailbox again with another spelling replaces it (the
	// new spelling wins) and keeps its records.
	update(t, s, func(tx store.Tx) error {
		return tx.PutMailbox(store.Mailbox{Address: "alice@contoso.com", DisplayName: "Alice 2"})
	})
	a = "alice@contoso.com"
	w = &store.State{
		Mailboxes:  []store.Mailbox{{Address: a, DisplayName: "Alice 2"}},
		Folders:    []store.Folder{{Mailbox: a, ServerID: "1"}},
		Devices:    []store.Device{{Mailbox: a, DeviceID: "D1"}},
		SyncStates: []store.SyncState{{Mailbox: a, DeviceID: "D1", Collection: "1", Key: "1"}},
	}
	want(t, s, w)
	update(t, s, func(tx store.Tx) error { return tx.DeleteMailbox("ALICE@contoso.com") })
	want(t, s, &store.State{})
}

func testDeviceCase(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	a, b := "a@x.com", "b@x.com"
	update(t, s, func(tx store.Tx) error {
		for _, m := range []string{a, b} {
			if err := tx.PutMailbox(store.Mailbox{Address: m}); err != nil {
				return err
			}
		}
		if err := tx.PutDevice(store.Device{Mailbox: a, DeviceID: "ABC", DeviceType: "one"}); err != nil {
			return err
		}
		if err := tx.PutDevice(store.Device{Mailbox: b, DeviceID: "abc", DeviceType: "other mailbox"}); err != nil {
			return err
		}
		return tx.PutSyncState(store.SyncState{Mailbox: a, DeviceID: "ABC", Collection: "1", Key: "1"})
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.PutDevice(store.Device{Mailbox: a, DeviceID: "abc", DeviceType: "two"}); err != nil {
			return err
		}
		return tx.PutSyncState(store.SyncState{Mailbox: a, DeviceID: "aBc", Collection: "1", Key: "2"})
	})
	want(t, s, &store.State{
		Mailboxes:  []store.Mailbox{{Address: a}, {Address: b}},
		Devices:    []store.Device{{Mailbox: a, DeviceID: "abc", DeviceType: "two"}, {Mailbox: b, DeviceID: "abc", DeviceType: "other mailbox"}},
		SyncStates: []store.SyncState{{Mailbox: a, DeviceID: "aBc", Collection: "1", Key: "2"}},
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteSyncState(a, "ABC", "1") })
	update(t, s, func(tx store.Tx) error { return tx.DeleteDevice(a, "ABC") })
	want(t, s, &store.State{
		Mailboxes: []store.Mailbox{{Address: a}, {Address: b}},
		Devices:   []store.Device{{Mailbox: b, DeviceID: "abc", DeviceType: "other mailbox"}},
	})
}

func testNoMailbox(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	puts := map[string]func(store.Tx, string) error{
		"folder":     func(tx store.Tx, m string) error { return tx.PutFolder(store.Folder{Mailbox: m, ServerID: "1"}) },
		"item":       func(tx store.Tx, m string) error { return tx.PutItem(store.Item{Mailbox: m, ServerID: "1:1"}) },
		"device":     func(tx store.Tx, m string) error { return tx.PutDevice(store.Device{Mailbox: m, DeviceID: "D"}) },
		"sync state": func(tx store.Tx, m string) error { return tx.PutSyncState(store.SyncState{Mailbox: m, DeviceID: "D"}) },
	}
	for what, put := range puts {
		err := s.Update(func(tx store.Tx) error { return put(tx, "nobody@contoso.com") })
		if !errors.Is(err, store.ErrNoMailbox) {
			t.Errorf("%s of an unknown mailbox: %v, want ErrNoMailbox", what, err)
		}
		// A mailbox put earlier in the same transaction counts...
		update(t, s, func(tx store.Tx) error {
			if err := tx.PutMailbox(store.Mailbox{Address: "New@contoso.com"}); err != nil {
				return err
			}
			return put(tx, "new@CONTOSO.com")
		})
		// ...and one deleted earlier in it is gone.
		err = s.Update(func(tx store.Tx) error {
			if err := tx.DeleteMailbox("new@contoso.com"); err != nil {
				return err
			}
			return put(tx, "new@contoso.com")
		})
		if !errors.Is(err, store.ErrNoMailbox) {
			t.Errorf("%s of a mailbox deleted in the same transaction: %v, want ErrNoMailbox", what, err)
		}
		update(t, s, func(tx store.Tx) error { return tx.DeleteMailbox("new@contoso.com") })
	}
	want(t, s, Sample())
}

func testEvents(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	ev := func(ids ...uint64) []store.Event {
		var es []store.Event
		for _, id := range ids {
			es = append(es, store.Event{ID: id, Type: fmt.Sprint("e", id)})
		}
		return es
	}
	appendAll := func(tx store.Tx, es []store.Event) error {
		for _, e := range es {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.Update(func(tx store.Tx) error { return tx.AppendEvent(store.Event{ID: 0}) }); !errors.Is(err, store.ErrEventOrder) {
		t.Errorf("event 0 in an empty store: %v, want ErrEventOrder (IDs start at 1)", err)
	}
	update(t, s, func(tx store.Tx) error { return appendAll(tx, ev(1, 2, 5)) })
	for _, bad := range [][]uint64{{5}, {4}, {1}, {6, 6}, {7, 6}} {
		err := s.Update(func(tx store.Tx) error { return appendAll(tx, ev(bad...)) })
		if !errors.Is(err, store.ErrEventOrder) {
			t.Errorf("appending %v after 5: %v, want ErrEventOrder", bad, err)
		}
	}
	want(t, s, &store.State{Events: ev(1, 2, 5)})
	update(t, s, func(tx store.Tx) error { return tx.TrimEvents(2) })
	want(t, s, &store.State{Events: ev(5)})
	update(t, s, func(tx store.Tx) error { return tx.TrimEvents(3) })
	want(t, s, &store.State{Events: ev(5)})
	update(t, s, func(tx store.Tx) error { return tx.TrimEvents(1 << 63) })
	want(t, s, &store.State{})
	// Trimming does not free IDs.
	if err := s.Update(func(tx store.Tx) error { return tx.AppendEvent(store.Event{ID: 5}) }); !errors.Is(err, store.ErrEventOrder) {
		t.Errorf("appending 5 after trimming all: %v, want ErrEventOrder", err)
	}
	update(t, s, func(tx store.Tx) error {
		if err := appendAll(tx, ev(6, 7)); err != nil {
			return err
		}
		return tx.TrimEvents(6)
	})
	want(t, s, &store.State{Events: ev(7)})
}

func testDeleteMailbox(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	update(t, s, func(tx store.Tx) error { return tx.DeleteMailbox("alice@contoso.COM") })
	w := Sample()
	keep := func(m string) bool { return m == "bob@contoso.com" }
	w.Mailboxes = w.Mailboxes[1:]
	w.Folders = slices.DeleteFunc(w.Folders, func(f store.Folder) bool { return !keep(f.Mailbox) })
	w.Items = slices.DeleteFunc(w.Items, func(f store.Item) bool { return !keep(f.Mailbox) })
	w.Devices = slices.DeleteFunc(w.Devices, func(f store.Device) bool { return !keep(f.Mailbox) })
	w.SyncStates = slices.DeleteFunc(w.SyncStates, func(f store.SyncState) bool { return !keep(f.Mailbox) })
	want(t, s, w)
	// A new mailbox with the address starts empty.
	update(t, s, func(tx store.Tx) error { return tx.PutMailbox(store.Mailbox{Address: "alice@contoso.com"}) })
	w.Mailboxes = append([]store.Mailbox{{Address: "alice@contoso.com"}}, w.Mailboxes...)
	want(t, s, w)
	// Deleting what is not there is not an error.
	update(t, s, func(tx store.Tx) error { return tx.DeleteMailbox("nobody@contoso.com") })
}

func testDeleteDevice(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	update(t, s, func(tx store.Tx) error { return tx.DeleteDevice("Alice@Contoso.com", "androidc1") })
	w := Sample()
	w.Devices = w.Devices[1:]
	w.SyncStates = w.SyncStates[2:]
	want(t, s, w)
	update(t, s, func(tx store.Tx) error { return tx.DeleteDevice("Alice@Contoso.com", "nothere") })
	update(t, s, func(tx store.Tx) error { return tx.DeleteDevice("nobody@contoso.com", "x") })
	want(t, s, w)
}

func testDeleteOne(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteItem("alice@contoso.com", "1:2"); err != nil {
			return err
		}
		if err := tx.DeleteItem("alice@contoso.com", "nothere"); err != nil {
			return err
		}
		if err := tx.DeleteSyncState("ALICE@contoso.com", "AndroidC1", "1"); err != nil {
			return err
		}
		return tx.DeleteSyncState("alice@contoso.com", "ANDROIDC1", "nothere")
	})
	w := Sample()
	w.Items = slices.Delete(w.Items, 1, 2)
	w.SyncStates = slices.Delete(w.SyncStates, 1, 2)
	want(t, s, w)
}

func testOrder(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	addrs := []string{"zed@x.com", "Bob@x.com", "alice@x.com", "Carl@x.com", "_@x.com"}
	update(t, s, func(tx store.Tx) error {
		for _, a := range addrs {
			if err := tx.PutMailbox(store.Mailbox{Address: a}); err != nil {
				return err
			}
		}
		for i, a := range []string{"Carl@x.com", "alice@x.com"} {
			for j, seq := range []uint64{5, 1, 3, 3, 10, 2} {
				id := fmt.Sprintf("%c%d", 'z'-j, i)
				if err := tx.PutFolder(store.Folder{Mailbox: a, ServerID: id, ModSeq: seq}); err != nil {
					return err
				}
				if err := tx.PutItem(store.Item{Mailbox: a, ServerID: id, ModSeq: seq}); err != nil {
					return err
				}
			}
			for _, d := range []string{"b", "C", "a", "D", "_"} {
				if err := tx.PutDevice(store.Device{Mailbox: a, DeviceID: d}); err != nil {
					return err
				}
				for _, c := range []string{"2", "", "10", "1"} {
					if err := tx.PutSyncState(store.SyncState{Mailbox: a, DeviceID: d, Collection: c}); err != nil {
						return err
					}
				}
			}
		}
		for _, id := range []uint64{3, 10, 200, 1 << 40} {
			if err := tx.AppendEvent(store.Event{ID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	st := load(t, s)
	low := strings.ToLower
	if !slices.IsSortedFunc(st.Mailboxes, func(a, b store.Mailbox) int { return strings.Compare(low(a.Address), low(b.Address)) }) || len(st.Mailboxes) != len(addrs) {
		t.Errorf("mailboxes not by address: %v", st.Mailboxes)
	}
	type key struct {
		m   string
		seq uint64
		id  string
	}
	cmpKey := func(a, b key) int {
		return cmp.Or(strings.Compare(low(a.m), low(b.m)), cmp.Compare(a.seq, b.seq), strings.Compare(a.id, b.id))
	}
	var fk, ik []key
	for _, f := range st.Folders {
		fk = append(fk, key{f.Mailbox, f.ModSeq, f.ServerID})
	}
	for _, f := range st.Items {
		ik = append(ik, key{f.Mailbox, f.ModSeq, f.ServerID})
	}
	if !slices.IsSortedFunc(fk, cmpKey) || len(fk) != 12 {
		t.Errorf("folders not by (mailbox, ModSeq, ServerID): %v", fk)
	}
	if !slices.IsSortedFunc(ik, cmpKey) || len(ik) != 12 {
		t.Errorf("items not by (mailbox, ModSeq, ServerID): %v", ik)
	}
	if !slices.IsSortedFunc(st.Devices, func(a, b store.Device) int {
		return cmp.Or(strings.Compare(low(a.Mailbox), low(b.Mailbox)), strings.Compare(low(a.DeviceID), low(b.DeviceID)))
	}) || len(st.Devices) != 10 {
		t.Errorf("devices not by (mailbox, lower(DeviceID)): %v", st.Devices)
	}
	if !slices.IsSortedFunc(st.SyncStates, func(a, b store.SyncState) int {
		return cmp.Or(strings.Compare(low(a.Mailbox), low(b.Mailbox)), strings.Compare(low(a.DeviceID), low(b.DeviceID)), strings.Compare(a.Collection, b.Collection))
	}) || len(st.SyncStates) != 40 {
		t.Errorf("sync states not by (mailbox, lower(DeviceID), Collection): %v", st.SyncStates)
	}
	if !slices.IsSortedFunc(st.Events, func(a, b store.Event) int { return cmp.Compare(a.ID, b.ID) }) || len(st.Events) != 4 {
		t.Errorf("events not by ID: %v", st.Events)
	}
}

func testConcurrent(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each+workers)
	for w := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			m := fmt.Sprintf("user%d@contoso.com", w)
			for i := range each {
				errs <- s.Update(func(tx store.Tx) error {
					if i == 0 {
						if err := tx.PutMailbox(store.Mailbox{Address: m}); err != nil {
							return err
						}
					}
					if err := tx.PutItem(store.Item{Mailbox: m, ServerID: fmt.Sprint(i), ModSeq: uint64(i)}); err != nil {
						return err
					}
					return tx.PutDevice(store.Device{Mailbox: m, DeviceID: fmt.Sprint("D", i)})
				})
			}
		}()
		go func() { // readers alongside
			defer wg.Done()
			for range 5 {
				if _, err := s.Load(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := load(t, s)
	if len(st.Mailboxes) != workers || len(st.Items) != workers*each || len(st.Devices) != workers*each {
		t.Fatalf("loaded %d mailboxes, %d items, %d devices; want %d, %d, %d",
			len(st.Mailboxes), len(st.Items), len(st.Devices), workers, workers*each, workers*each)
	}
}

func testClosed(t *testing.T, o func() (store.Store, error)) {
	s, err := o()
	if err != nil {
		t.Fatal(err)
	}
	putAll(t, s, Sample())
	var kept store.Tx
	update(t, s, func(tx store.Tx) error { kept = tx; return nil })
	if err := kept.PutMailbox(store.Mailbox{Address: "late@x.com"}); err == nil {
		t.Error("a Tx used after its Update returned did not fail")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	if _, err := s.Load(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Load after Close: %v, want ErrClosed", err)
	}
	if _, err := s.LoadDirectory(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("LoadDirectory after Close: %v, want ErrClosed", err)
	}
	if _, err := s.LoadMailbox("alice@contoso.com"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("LoadMailbox after Close: %v, want ErrClosed", err)
	}
	called := false
	if err := s.Update(func(store.Tx) error { called = true; return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close: %v, want ErrClosed", err)
	}
	if called {
		t.Error("Update after Close called fn")
	}
}

func testDurable(t *testing.T, o func() (store.Store, error)) {
	s, err := o()
	if err != nil {
		t.Fatal(err)
	}
	putAll(t, s, Sample())
	update(t, s, func(tx store.Tx) error { return tx.DeleteItem("bob@contoso.com", "1:1") })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	w := Sample()
	w.Items = w.Items[:2]
	s = open(t, o)
	want(t, s, w)
	// Event IDs stay used across a reopen, even when trimmed.
	update(t, s, func(tx store.Tx) error { return tx.TrimEvents(1000) })
	s.Close()
	s = open(t, o)
	if err := s.Update(func(tx store.Tx) error { return tx.AppendEvent(store.Event{ID: 1000}) }); !errors.Is(err, store.ErrEventOrder) {
		t.Errorf("appending a trimmed ID after reopen: %v, want ErrEventOrder", err)
	}
}

func testDurableRollback(t *testing.T, o func() (store.Store, error)) {
	s, err := o()
	if err != nil {
		t.Fatal(err)
	}
	putAll(t, s, Sample())
	s.Update(func(tx store.Tx) error {
		tx.PutMailbox(store.Mailbox{Address: "carol@contoso.com"})
		tx.DeleteMailbox("bob@contoso.com")
		return errors.New("boom")
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, o)
	want(t, s, Sample())
}

func testLoadParts(t *testing.T, o func() (store.Store, error)) {
	s := open(t, o)
	putAll(t, s, Sample())
	all := load(t, s)
	dir, err := s.LoadDirectory()
	if err != nil {
		t.Fatalf("LoadDirectory: %v", err)
	}
	if len(dir.Folders)+len(dir.Items)+len(dir.Devices)+len(dir.SyncStates) != 0 {
		t.Fatalf("LoadDirectory returned a mailbox's records: %+v", dir)
	}
	got := &store.State{Org: dir.Org, Mailboxes: dir.Mailboxes, Events: dir.Events}
	for _, mb := range dir.Mailboxes {
		// In another spelling: addresses compare case-insensitively.
		part, err := s.LoadMailbox(strings.ToUpper(mb.Address))
		if err != nil {
			t.Fatalf("LoadMailbox(%s): %v", mb.Address, err)
		}
		if part.Org != nil || len(part.Mailboxes)+len(part.Events) != 0 {
			t.Fatalf("LoadMailbox(%s) returned the directory's records: %+v", mb.Address, part)
		}
		got.Folders = append(got.Folders, part.Folders...)
		got.Items = append(got.Items, part.Items...)
		got.Devices = append(got.Devices, part.Devices...)
		got.SyncStates = append(got.SyncStates, part.SyncStates...)
	}
	if d := Diff(all, got); d != "" {
		t.Fatalf("LoadDirectory and LoadMailbox differ from Load: %s", d)
	}
	none, err := s.LoadMailbox("nobody@contoso.com")
	if err != nil || len(none.Folders)+len(none.Items)+len(none.Devices)+len(none.SyncStates) != 0 {
		t.Fatalf("LoadMailbox of an unknown mailbox: %+v, %v", none, err)
	}
}
