// Package store keeps the simulator's state as plain records behind one
// interface, with two implementations: [Memory] for tests and for a
// simulator that forgets at exit, and [SQLite] for `easlab serve --data
// DIR`, whose every acknowledged change survives kill -9.
//
// A record has the columns a person or a query needs (a device's id, type
// and access state, an item's folder, subject and modification sequence)
// and Data, the rest of it, which the simulator encodes as JSON. The store
// does not interpret Data: it is the simulator's. So the store's contract is
// about records, transactions and order, and one suite (storetest) holds
// every implementation to it.
//
// The simulator keeps its working state in memory and writes what a
// mailbox or organization transaction changed through [Store.Update]
// before it answers; at startup it reads everything back with
// [Store.Load].
package store

import (
	"errors"
	"time"
)

// Org is the organization's record: its identity and settings, device
// access rules, mailbox policies and autoblock thresholds, as the
// simulator encodes them.
type Org struct {
	Data []byte
}

// Mailbox is a user and their mailbox's own state (change counter, CAS
// settings, Out of Office...). Address is the primary SMTP address, the
// mailbox's key in every other record; it compares case-insensitively.
type Mailbox struct {
	Address     string
	Alias       string
	DisplayName string
	ModSeq      uint64 // the mailbox's change counter
	Data        []byte
}

// Folder is one folder of a mailbox, tombstones included.
type Folder struct {
	Mailbox     string
	ServerID    string
	ParentID    string
	DisplayName string
	Type        int
	ModSeq      uint64
	Deleted     bool
}

// Item is one item of a mailbox, tombstones included. Subject is a copy
// for people reading the database; Data holds the properties, body and
// attachments.
type Item struct {
	Mailbox  string
	ServerID string
	FolderID string
	Class    string
	Subject  string
	Received time.Time
	ModSeq   uint64
	Deleted  bool
	Data     []byte
}

// Device is a device partnership of a mailbox. DeviceID compares
// case-insensitively within its mailbox.
type Device struct {
	Mailbox     string
	DeviceID    string
	DeviceType  string
	UserAgent   string
	AccessState string
	PolicyKey   uint32
	Data        []byte
}

// SyncState is what one device holds of one collection (a folder, or ""
// for the folder hierarchy): keyed by mailbox, device and collection. Key
// is the current SyncKey, so a reader can tell states apart without
// decoding Data.
type SyncState struct {
	Mailbox    string
	DeviceID   string
	Collection string
	Key        string
	Data       []byte
}

// Event is one entry of the organization's event log. IDs are assigned by
// the simulator, increase, and are never reused.
type Event struct {
	ID       uint64
	Time     time.Time
	Type     string
	Mailbox  string
	DeviceID string
	Data     []byte
}

// State is everything a store holds, as Load returns it: mailboxes by
// address, folders and items in (mailbox, ModSeq) order, devices and sync
// states by key, events by ID.
type State struct {
	Org        *Org // nil in an empty store
	Mailboxes  []Mailbox
	Folders    []Folder
	Items      []Item
	Devices    []Device
	SyncStates []SyncState
	Events     []Event
}

// Tx is one transaction. Its changes are visible to Load only after
// Update returns nil, and all of them or none are.
type Tx interface {
	PutOrg(Org) error
	PutMailbox(Mailbox) error
	// DeleteMailbox removes a mailbox with its folders, items, devices
	// and sync states (not its events).
	DeleteMailbox(address string) error
	PutFolder(Folder) error
	PutItem(Item) error
	// DeleteItem purges an item; a tombstone is a PutItem with Deleted.
	DeleteItem(mailbox, serverID string) error
	PutDevice(Device) error
	// DeleteDevice removes a partnership and its sync states.
	DeleteDevice(mailbox, deviceID string) error
	PutSyncState(SyncState) error
	DeleteSyncState(mailbox, deviceID, collection string) error
	// AppendEvent adds an event; an ID not above the last one is an error.
	AppendEvent(Event) error
	// TrimEvents drops the events with an ID up to and including id.
	TrimEvents(id uint64) error
}

// Store is where the simulator's state is kept.
type Store interface {
	// Load returns everything the store holds.
	Load() (*State, error)
	// LoadDirectory returns the organization, the mailboxes and the
	// events: what a simulator needs to start. Load is LoadDirectory and
	// LoadMailbox of every mailbox, read at one moment.
	LoadDirectory() (*State, error)
	// LoadMailbox returns one mailbox's folders, items, devices and sync
	// states, in Load's order; an empty State for a mailbox the store does
	// not hold.
	LoadMailbox(address string) (*State, error)
	// Update runs fn in one transaction and commits it when fn returns
	// nil; when fn returns an error, nothing fn did is kept.
	Update(fn func(Tx) error) error
	// Close releases the store. A SQLite store's directory may be opened
	// again afterwards.
	Close() error
}

// PutState puts every record of st through tx, in the order org,
// mailboxes, folders, items, devices, sync states, events: what Import
// does, and what a caller that has its changes as a State does.
func PutState(tx Tx, st *State) error {
	if st.Org != nil {
		if err := tx.PutOrg(*st.Org); err != nil {
			return err
		}
	}
	for _, m := range st.Mailboxes {
		if err := tx.PutMailbox(m); err != nil {
			return err
		}
	}
	for _, f := range st.Folders {
		if err := tx.PutFolder(f); err != nil {
			return err
		}
	}
	for _, it := range st.Items {
		if err := tx.PutItem(it); err != nil {
			return err
		}
	}
	for _, d := range st.Devices {
		if err := tx.PutDevice(d); err != nil {
			return err
		}
	}
	for _, s := range st.SyncStates {
		if err := tx.PutSyncState(s); err != nil {
			return err
		}
	}
	for _, e := range st.Events {
		if err := tx.AppendEvent(e); err != nil {
			return err
		}
	}
	return nil
}

// Errors a store returns.
var (
	// ErrNoMailbox: a folder, item, device or sync state names a mailbox
	// the store does not have.
	ErrNoMailbox = errors.New("store: no such mailbox")
	// ErrEventOrder: an event's ID is not above the last event's.
	ErrEventOrder = errors.New("store: event ID out of order")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)
