package simulator

import (
	"crypto/rand"
	"fmt"
	"maps"
	"strconv"
)

// The SyncKey chain. A key is "{GUID}N" as Z-Push and Horde build it (the
// value is opaque to clients, MS-ASCMD 2.2.3.166.4). The state keeps the
// previous state too, so that a client that lost a response and resends
// the previous key gets the same changes again; any other key is invalid.

// syncState is what one device holds of one collection (folder).
type syncState struct {
	guid string
	n    int             // current key is guid + n
	seen uint64          // mailbox change counter the device is up to date with
	held map[string]bool // ServerIds the device has (nil: none; setHeld, unsetHeld)
	// heldShared: held is shared with the state's previous or next one
	// (next shares it rather than copying it) or with other devices'
	// states (shareHeldLocked), and is copied at its first change. A
	// collection keeps two states, and the device's copy of a large
	// folder is the bulk of each.
	heldShared bool
	// echo holds changes the device made itself, by ServerId and the
	// change counter they were committed at, so they are not sent back
	// (nil: none; setEcho). Both maps are made at their first entry: most
	// states of a fleet's devices have no echo, and a state after SyncKey
	// 0 holds nothing.
	echo map[string]uint64
	// filter is the FilterType the device's view was last planned with,
	// nil before its first download: when a Sync asks for another,
	// planChanges goes over the whole folder.
	filter *int
	// supported is the Supported element of the collection's initial Sync
	// (qualified names, "Contacts:JobTitle"), nil when it had none: the
	// properties it names are not ghosted (MS-ASCMD 2.2.3.168).
	supported map[string]bool
	prev      *syncState
}

func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("{%x-%x-%x-%x-%x}", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// key returns the state's current SyncKey.
func (s *syncState) key() string { return s.guid + strconv.Itoa(s.n) }

// next returns a successor state with a new key; the receiver becomes its
// previous state.
func (s *syncState) next() *syncState {
	c := &syncState{guid: s.guid, n: s.n + 1, seen: s.seen, filter: s.filter, supported: s.supported, prev: s}
	if len(s.held) > 0 {
		c.held, c.heldShared, s.heldShared = s.held, true, true
	}
	if len(s.echo) > 0 {
		c.echo = make(map[string]uint64, len(s.echo))
		for id, v := range s.echo {
			c.echo[id] = v
		}
	}
	s.prev = nil // keep one generation only
	return c
}

// initialState is the state after a SyncKey 0 request.
func initialState() *syncState {
	return &syncState{guid: newGUID(), n: 1}
}

// shareHeldLocked lets st share its held set with the mailbox's other
// partnerships that hold the same of folder (of the hierarchy: ""): the
// devices of one user mostly hold the same folders and items, and each
// kept a copy (a hierarchy's some 450 bytes a device). The mailbox keeps
// the set last shared for each folder; a state whose set equals it takes
// it, else its set becomes the one shared. Shared sets are copied before
// they change (heldShared). The mailbox is locked.
func (m *Mailbox) shareHeldLocked(folder string, st *syncState) {
	if len(st.held) == 0 {
		return
	}
	if c, ok := m.heldSets[folder]; ok && len(c) == len(st.held) && maps.Equal(c, st.held) {
		st.held, st.heldShared = c, true
		return
	}
	if m.heldSets == nil {
		m.heldSets = map[string]map[string]bool{}
	}
	m.heldSets[folder] = st.held
	st.heldShared = true
}

// setHeld records that the device has item (or folder) id.
func (s *syncState) setHeld(id string) {
	if s.held[id] {
		return
	}
	s.ownHeld()
	if s.held == nil {
		s.held = map[string]bool{}
	}
	s.held[id] = true
}

// unsetHeld records that the device no longer has item (or folder) id.
func (s *syncState) unsetHeld(id string) {
	if !s.held[id] {
		return
	}
	s.ownHeld()
	delete(s.held, id)
}

// ownHeld copies held if it is shared, before it changes.
func (s *syncState) ownHeld() {
	if s.heldShared {
		s.held, s.heldShared = maps.Clone(s.held), false
	}
}

// setEcho records the device's own change of id, committed at modseq.
func (s *syncState) setEcho(id string, modseq uint64) {
	if s.echo == nil {
		s.echo = map[string]uint64{}
	}
	s.echo[id] = modseq
}

// resolveKey finds the state a client's SyncKey names: the current one, or
// the previous one (a resend), or nil when the key is unknown.
func resolveKey(cur *syncState, key string) *syncState {
	if cur == nil {
		return nil
	}
	if key == cur.key() {
		return cur
	}
	if cur.prev != nil && key == cur.prev.key() {
		return cur.prev
	}
	return nil
}

// changeKind is what a device must do with an item.
type changeKind int

const (
	changeAdd changeKind = iota + 1
	changeChange
	changeDelete
	changeSoftDelete
)

// outChange is one server change to send to a device.
type outChange struct {
	kind changeKind
	item *Item
}

// planChanges picks, from a folder's change log since the state's counter,
// the commands a device needs, at most window of them. It returns them, the
// counter the device is up to date with after applying them, and whether
// more remain. keep decides whether a live item belongs to the device's
// view (FilterType); an item that left the view is soft-deleted.
// An item the state is already up to date with (a log that starts before
// its counter, as when the FilterType changed) is only checked against
// the view: soft-deleted when the device holds it and keep leaves it
// out, added when it does not and keep takes it in.
// It is pure: the caller passes the log and applies the result.
func planChanges(st *syncState, log []*Item, window int, keep func(*Item) bool) ([]outChange, uint64, bool) {
	var out []outChange
	seen := st.seen
	for _, it := range log {
		if it.ModSeq <= st.seen {
			var kind changeKind
			switch in := keep == nil || keep(it); {
			case it.Deleted:
			case st.held[it.ServerID] && !in:
				kind = changeSoftDelete
			case !st.held[it.ServerID] && in:
				kind = changeAdd
			}
			if kind == 0 {
				continue
			}
			if len(out) == window {
				return out, seen, true
			}
			out = append(out, outChange{kind: kind, item: it})
			continue
		}
		if v, ok := st.echo[it.ServerID]; ok && v == it.ModSeq {
			seen = it.ModSeq
			continue
		}
		held := st.held[it.ServerID]
		var kind changeKind
		switch {
		case it.Deleted && held:
			kind = changeDelete
		case it.Deleted:
		case keep != nil && !keep(it):
			if held {
				kind = changeSoftDelete
			}
		case held:
			kind = changeChange
		default:
			kind = changeAdd
		}
		if kind == 0 {
			seen = it.ModSeq
			continue
		}
		if len(out) == window {
			return out, seen, true
		}
		out = append(out, outChange{kind: kind, item: it})
		seen = it.ModSeq
	}
	return out, seen, false
}

// apply records in the state that the device now has the planned changes.
func (s *syncState) apply(changes []outChange, seen uint64) {
	for _, c := range changes {
		switch c.kind {
		case changeAdd, changeChange:
			s.setHeld(c.item.ServerID)
		case changeDelete, changeSoftDelete:
			s.unsetHeld(c.item.ServerID)
		}
		delete(s.echo, c.item.ServerID)
	}
	s.seen = seen
}
