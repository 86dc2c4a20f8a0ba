package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Memory is a Store that keeps everything in memory and forgets it at
// Close. It is safe for concurrent use: Updates run one at a time, and
// Load, which may run during an Update, sees only committed changes.
type Memory struct {
	upd sync.Mutex   // serialises Update
	mu  sync.RWMutex // guards the fields below
	d   *memData     // nil once closed
}

type memData struct {
	org       *Org
	mailboxes map[string]*memMailbox // by folded address
	events    []Event                // ascending IDs
	lastEvent uint64                 // the highest ID ever appended
}

type memMailbox struct {
	rec     Mailbox
	folders map[string]Folder
	items   map[string]Item
	devices map[string]Device // by folded device ID
	syncs   map[syncKey]SyncState
}

type syncKey struct{ device, collection string } // device folded

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{d: &memData{mailboxes: map[string]*memMailbox{}}}
}

// errTxDone: a Tx used after its Update returned.
var errTxDone = errors.New("store: transaction used after its Update returned")

// Close empties the store; later calls of its methods return ErrClosed.
// Closing again does nothing.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.d = nil
	return nil
}

// Update runs fn in one transaction: fn's changes are staged and applied,
// all of them, only when fn returns nil.
func (m *Memory) Update(fn func(Tx) error) error {
	m.upd.Lock()
	defer m.upd.Unlock()
	m.mu.RLock()
	d := m.d
	m.mu.RUnlock()
	if d == nil {
		return ErrClosed
	}
	tx := &memTx{base: d, exists: map[string]bool{}, lastEvent: d.lastEvent}
	err := fn(tx)
	tx.done = true
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.d == nil {
		return ErrClosed
	}
	for _, op := range tx.ops {
		op(m.d)
	}
	return nil
}

// memTx stages operations; the base data does not change while it runs
// since Updates are serialised (reading it needs no lock: only a commit
// writes, and commits happen under upd).
type memTx struct {
	base      *memData
	ops       []func(*memData)
	exists    map[string]bool // staged mailbox puts (true) and deletes (false)
	lastEvent uint64
	done      bool
}

func (t *memTx) has(key string) bool {
	if e, ok := t.exists[key]; ok {
		return e
	}
	_, ok := t.base.mailboxes[key]
	return ok
}

func (t *memTx) child(what, mailbox string) (string, error) {
	if t.done {
		return "", errTxDone
	}
	k := fold(mailbox)
	if !t.has(k) {
		return "", fmt.Errorf("%w: %q (putting %s)", ErrNoMailbox, mailbox, what)
	}
	return k, nil
}

func normTime(t time.Time) time.Time { return t.Round(0).UTC() }

func (t *memTx) PutOrg(o Org) error {
	if t.done {
		return errTxDone
	}
	o.Data = cloneBytes(o.Data)
	t.ops = append(t.ops, func(d *memData) { d.org = &o })
	return nil
}

func (t *memTx) PutMailbox(mb Mailbox) error {
	if t.done {
		return errTxDone
	}
	if err := checkMailbox(mb); err != nil {
		return err
	}
	mb.Data = cloneBytes(mb.Data)
	k := fold(mb.Address)
	t.exists[k] = true
	t.ops = append(t.ops, func(d *memData) {
		if x := d.mailboxes[k]; x != nil {
			x.rec = mb
			return
		}
		d.mailboxes[k] = &memMailbox{rec: mb, folders: map[string]Folder{}, items: map[string]Item{},
			devices: map[string]Device{}, syncs: map[syncKey]SyncState{}}
	})
	return nil
}

func (t *memTx) DeleteMailbox(address string) error {
	if t.done {
		return errTxDone
	}
	k := fold(address)
	t.exists[k] = false
	t.ops = append(t.ops, func(d *memData) { delete(d.mailboxes, k) })
	return nil
}

func (t *memTx) PutFolder(f Folder) error {
	if err := checkFolder(f); err != nil {
		return err
	}
	k, err := t.child("folder "+f.ServerID, f.Mailbox)
	if err != nil {
		return err
	}
	t.ops = append(t.ops, func(d *memData) { d.mailboxes[k].folders[f.ServerID] = f })
	return nil
}

func (t *memTx) PutItem(it Item) error {
	if err := checkItem(it); err != nil {
		return err
	}
	k, err := t.child("item "+it.ServerID, it.Mailbox)
	if err != nil {
		return err
	}
	it.Data = cloneBytes(it.Data)
	it.Received = normTime(it.Received)
	t.ops = append(t.ops, func(d *memData) { d.mailboxes[k].items[it.ServerID] = it })
	return nil
}

func (t *memTx) DeleteItem(mailbox, serverID string) error {
	if t.done {
		return errTxDone
	}
	k := fold(mailbox)
	t.ops = append(t.ops, func(d *memData) {
		if x := d.mailboxes[k]; x != nil {
			delete(x.items, serverID)
		}
	})
	return nil
}

func (t *memTx) PutDevice(dv Device) error {
	if err := checkDevice(dv); err != nil {
		return err
	}
	k, err := t.child("device "+dv.DeviceID, dv.Mailbox)
	if err != nil {
		return err
	}
	dv.Data = cloneBytes(dv.Data)
	id := fold(dv.DeviceID)
	t.ops = append(t.ops, func(d *memData) { d.mailboxes[k].devices[id] = dv })
	return nil
}

func (t *memTx) DeleteDevice(mailbox, deviceID string) error {
	if t.done {
		return errTxDone
	}
	k, id := fold(mailbox), fold(deviceID)
	t.ops = append(t.ops, func(d *memData) {
		x := d.mailboxes[k]
		if x == nil {
			return
		}
		delete(x.devices, id)
		for sk := range x.syncs {
			if sk.device == id {
				delete(x.syncs, sk)
			}
		}
	})
	return nil
}

func (t *memTx) PutSyncState(s SyncState) error {
	if err := checkSyncState(s); err != nil {
		return err
	}
	k, err := t.child("sync state of device "+s.DeviceID, s.Mailbox)
	if err != nil {
		return err
	}
	s.Data = cloneBytes(s.Data)
	sk := syncKey{fold(s.DeviceID), s.Collection}
	t.ops = append(t.ops, func(d *memData) { d.mailboxes[k].syncs[sk] = s })
	return nil
}

func (t *memTx) DeleteSyncState(mailbox, deviceID, collection string) error {
	if t.done {
		return errTxDone
	}
	k, sk := fold(mailbox), syncKey{fold(deviceID), collection}
	t.ops = append(t.ops, func(d *memData) {
		if x := d.mailboxes[k]; x != nil {
			delete(x.syncs, sk)
		}
	})
	return nil
}

func (t *memTx) AppendEvent(e Event) error {
	if t.done {
		return errTxDone
	}
	if err := checkEvent(e); err != nil {
		return err
	}
	if e.ID <= t.lastEvent {
		return fmt.Errorf("%w: event %d is not above %d", ErrEventOrder, e.ID, t.lastEvent)
	}
	t.lastEvent = e.ID
	e.Data = cloneBytes(e.Data)
	e.Time = normTime(e.Time)
	t.ops = append(t.ops, func(d *memData) {
		d.events = append(d.events, e)
		d.lastEvent = e.ID
	})
	return nil
}

func (t *memTx) TrimEvents(id uint64) error {
	if t.done {
		return errTxDone
	}
	t.ops = append(t.ops, func(d *memData) {
		n, _ := slices.BinarySearchFunc(d.events, id, func(e Event, id uint64) int {
			if e.ID <= id {
				return -1
			}
			return 1
		})
		d.events = slices.Delete(d.events, 0, n)
	})
	return nil
}

// Load returns a deep copy of everything the store holds, in the order
// State documents. A folder's, item's, device's and sync state's Mailbox
// is its mailbox's Address as that mailbox was last put; times are in
// UTC (the same instants as put).
func (m *Memory) Load() (*State, error) { return m.load(true, true, "") }

// LoadDirectory returns the organization, the mailboxes and the events.
func (m *Memory) LoadDirectory() (*State, error) { return m.load(true, false, "") }

// LoadMailbox returns one mailbox's folders, items, devices and sync
// states; nothing for a mailbox the store does not hold.
func (m *Memory) LoadMailbox(address string) (*State, error) { return m.load(false, true, address) }

// load copies the directory (org, mailboxes, events) and the children of
// one mailbox, or of all ("").
func (m *Memory) load(directory, children bool, only string) (*State, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d := m.d
	if d == nil {
		return nil, ErrClosed
	}
	st := &State{}
	if directory && d.org != nil {
		st.Org = &Org{Data: cloneBytes(d.org.Data)}
	}
	var keys []string
	if only != "" {
		if _, ok := d.mailboxes[fold(only)]; ok {
			keys = []string{fold(only)}
		}
	} else {
		keys = make([]string, 0, len(d.mailboxes))
		for k := range d.mailboxes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
	}
	for _, k := range keys {
		x := d.mailboxes[k]
		mb := x.rec
		addr := mb.Address
		if directory {
			mb.Data = cloneBytes(mb.Data)
			st.Mailboxes = append(st.Mailboxes, mb)
		}
		if !children {
			continue
		}

		start := len(st.Folders)
		for _, f := range x.folders {
			f.Mailbox = addr
			st.Folders = append(st.Folders, f)
		}
		slices.SortFunc(st.Folders[start:], func(a, b Folder) int {
			return cmp.Or(cmp.Compare(a.ModSeq, b.ModSeq), cmp.Compare(a.ServerID, b.ServerID))
		})

		start = len(st.Items)
		for _, it := range x.items {
			it.Mailbox = addr
			it.Data = cloneBytes(it.Data)
			st.Items = append(st.Items, it)
		}
		slices.SortFunc(st.Items[start:], func(a, b Item) int {
			return cmp.Or(cmp.Compare(a.ModSeq, b.ModSeq), cmp.Compare(a.ServerID, b.ServerID))
		})

		ids := make([]string, 0, len(x.devices))
		for id := range x.devices {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			dv := x.devices[id]
			dv.Mailbox = addr
			dv.Data = cloneBytes(dv.Data)
			st.Devices = append(st.Devices, dv)
		}

		sks := make([]syncKey, 0, len(x.syncs))
		for sk := range x.syncs {
			sks = append(sks, sk)
		}
		slices.SortFunc(sks, func(a, b syncKey) int {
			return cmp.Or(cmp.Compare(a.device, b.device), cmp.Compare(a.collection, b.collection))
		})
		for _, sk := range sks {
			s := x.syncs[sk]
			s.Mailbox = addr
			s.Data = cloneBytes(s.Data)
			st.SyncStates = append(st.SyncStates, s)
		}
	}
	if directory {
		st.Events = make([]Event, len(d.events))
		for i, e := range d.events {
			e.Data = cloneBytes(e.Data)
			st.Events[i] = e
		}
	}
	if st.Mailboxes == nil && directory {
		st.Mailboxes = []Mailbox{}
	}
	return st, nil
}

var _ Store = (*Memory)(nil)
