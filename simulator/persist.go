package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/store"
	"github.com/easlab/easlab/wbxml"
)

// Write-through to a store (simulator/store). The mailboxes and the
// directory keep the working state in memory; a mailbox's lock section is
// its transaction, and unlock writes what it changed (folders and items
// above the last written change counter, devices and sync states that
// differ from what was written) in one store transaction before the lock is
// released, so before any answer that reports the change leaves. The
// organization's settings are written the same way when the directory's
// write lock is released, and every event as it is emitted.
//
// A write that fails is logged and retried at the next unlock: nothing is
// marked written until the store has committed it.

// OpenDirectory returns the directory kept in st. When st holds an
// organization, it is rebuilt from it (seed is not called); otherwise seed
// builds one, which is written to st whole. Either way every later change
// of the directory, its mailboxes and its events is written through to st.
func OpenDirectory(st store.Store, seed func() (*Directory, error)) (*Directory, error) {
	// The directory only: each mailbox reads its own records at its
	// first transaction (or when warm gets to it), so that startup costs
	// what the organization's users cost, not what their mail does.
	state, err := st.LoadDirectory()
	if err != nil {
		return nil, fmt.Errorf("simulator: reading the store: %w", err)
	}
	var d *Directory
	if state.Org != nil {
		if d, err = RestoreDirectory(state); err != nil {
			return nil, err
		}
		for _, a := range d.users {
			m := a.mailbox
			addr := m.owner.PrimarySmtpAddress
			m.pending = &pendingRecords{load: func() (*store.State, error) { return st.LoadMailbox(addr) }}
		}
	} else {
		if d, err = seed(); err != nil {
			return nil, err
		}
	}
	w := &writer{st: st, log: slog.Default()}
	if err := d.attach(w, state.Org == nil); err != nil {
		return nil, err
	}
	d.warmed = make(chan struct{})
	go d.warm()
	return d, nil
}

// writer writes through to a store.
type writer struct {
	st  store.Store
	log *slog.Logger
}

// attach makes d write through w; all says whether to write everything
// now (a store that held nothing).
func (d *Directory) attach(w *writer, all bool) error {
	d.mu.Lock()
	d.store = w
	accounts := slices.Collect(maps.Values(d.users))
	d.mu.Unlock()
	d.events.attach(w)
	if all {
		if err := d.flushOrg(); err != nil {
			return err
		}
	} else {
		d.mu.RLock()
		d.savedOrg, _ = d.orgRecordLocked()
		d.mu.RUnlock()
	}
	for _, a := range accounts {
		m := a.mailbox
		m.mu.Lock()
		m.store = w
		var err error
		if all {
			m.sweep = true
			err = m.flushLocked(true)
		} else if m.pending == nil {
			// Restored from the store: what it holds is the baseline
			// (materializeLocked takes it for a mailbox not decoded yet).
			m.saved = saved{modseq: m.modseq}
			var commit func()
			if _, commit, err = m.diffLocked(&m.saved, true, true); err == nil {
				commit()
			}
		}
		m.mu.Unlock()
		if err != nil {
			return err
		}
	}
	if all {
		return d.events.flushAll()
	}
	return nil
}

// unlock ends a write section of the directory: the organization's
// record is written when it changed.
func (d *Directory) unlock() {
	if d.store != nil {
		d.writeErr = d.writeOrgLocked()
		if d.writeErr != nil {
			d.store.log.Error("simulator: writing the organization to the store", "err", d.writeErr)
		}
	}
	d.mu.Unlock()
}

func (d *Directory) writeOrgLocked() error {
	rec, err := d.orgRecordLocked()
	if err != nil || bytes.Equal(rec, d.savedOrg) {
		return err
	}
	if err := d.store.st.Update(func(tx store.Tx) error { return tx.PutOrg(store.Org{Data: rec}) }); err != nil {
		return err
	}
	d.savedOrg = rec
	return nil
}

// storeErr tries once more to write what the organization and its
// mailboxes could not, and returns the first error that remains: the
// admin API does not acknowledge a change it could not keep.
func (d *Directory) storeErr() error {
	if d.store == nil {
		return nil
	}
	d.mu.Lock()
	if d.writeErr != nil {
		d.writeErr = d.writeOrgLocked()
	}
	err := d.writeErr
	accounts := slices.Collect(maps.Values(d.users))
	d.mu.Unlock()
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if err := a.mailbox.storeErr(); err != nil {
			return err
		}
	}
	return nil
}

func (d *Directory) flushOrg() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, err := d.orgRecordLocked()
	if err != nil {
		return err
	}
	if err := d.store.st.Update(func(tx store.Tx) error { return tx.PutOrg(store.Org{Data: rec}) }); err != nil {
		return fmt.Errorf("simulator: writing the organization: %w", err)
	}
	d.savedOrg = rec
	return nil
}

// orgRecord is the organization's record in the store.
type orgRecord struct {
	Org       Organization
	Settings  OrganizationSettings
	Rules     []access.Rule
	Policies  []policyRecord
	Autoblock []AutoblockThreshold
}

// policyRecord is a policy with its version, which the policy keys
// devices hold are for.
type policyRecord struct {
	MobileDeviceMailboxPolicy
	Version int
}

func (d *Directory) orgRecordLocked() ([]byte, error) {
	r := orgRecord{Org: d.Org, Settings: d.settings, Rules: d.rules}
	for _, p := range d.policies {
		r.Policies = append(r.Policies, policyRecord{p, p.version})
	}
	for _, t := range autoblockTypes {
		if th, ok := d.autoblock[t]; ok {
			r.Autoblock = append(r.Autoblock, th)
		}
	}
	return json.Marshal(r)
}

// lock starts a mailbox transaction. A mailbox restored from a store
// decodes its records at its first one.
func (m *Mailbox) lock() {
	m.mu.Lock()
	if m.pending != nil {
		m.materializeLocked()
	}
}

// touchLocked notes that the transaction changes the partnership with
// the lower-case DeviceId key, so that its commit writes it. Every path
// that changes a device says so: deviceLocked (a device's own request),
// the access writer, wipes and removals; a change of the CAS settings,
// which may restamp them all, sets sweep.
func (m *Mailbox) touchLocked(key string) {
	if m.store == nil {
		return
	}
	if m.touched == nil {
		m.touched = map[string]bool{}
	}
	m.touched[key] = true
}

// unlock commits a mailbox transaction: what it changed is written to the
// store, if the mailbox has one, before the lock is released.
func (m *Mailbox) unlock() {
	if m.store != nil {
		m.writeErr = m.flushLocked(!m.deferDevices)
		m.deferDevices = false
		if m.writeErr != nil {
			m.store.log.Error("simulator: writing a mailbox to the store", "mailbox", m.owner.PrimarySmtpAddress, "err", m.writeErr)
		}
	}
	m.mu.Unlock()
}

// storeErr tries once more to write what the mailbox could not, and
// returns the error if it still cannot: a request whose changes are not
// kept must not be acknowledged.
func (m *Mailbox) storeErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.store == nil || m.writeErr == nil {
		return nil
	}
	m.writeErr = m.flushLocked(true)
	return m.writeErr
}

// commitDevices writes the partnerships a request's sections changed and
// left for the end (see unlock); a request calls it before it answers,
// with the key of its device, whose AD object the request's end writes
// if what it shows changed (adobject.go).
func (m *Mailbox) commitDevices(key string) {
	m.mu.Lock()
	if d := m.devices[key]; d != nil && m.now != nil {
		m.noteADWriteLocked(key, d, m.now(), true)
	}
	if m.store != nil && (len(m.touched) > 0 || m.writeErr != nil) {
		m.writeErr = m.flushLocked(true)
		if m.writeErr != nil {
			m.store.log.Error("simulator: writing a mailbox to the store", "mailbox", m.owner.PrimarySmtpAddress, "err", m.writeErr)
		}
	}
	m.deferDevices = false
	m.mu.Unlock()
}

// saved is what a mailbox last wrote to its store.
type saved struct {
	modseq  uint64 // every folder and item change up to here is written
	meta    []byte
	metaGen uint64 // Mailbox.metaGen when meta was encoded
	mailGen uint64 // mailSideState.gen when meta was encoded
	folders map[string]Folder
	devices map[string]*savedDevice // by lower-case DeviceId
}

// savedDevice is a partnership as last written: its record and its sync
// states, by collection ("" for the hierarchy). States are compared by
// identity: a state is never changed once a device holds its key.
type savedDevice struct {
	id     string
	rec    []byte
	states map[string]*syncState
}

// flushLocked writes what changed since the last write, in one store
// transaction; the partnerships the transaction touched only when devices
// is set. The lock is held.
func (m *Mailbox) flushLocked(devices bool) error {
	if m.broken != nil {
		return fmt.Errorf("simulator: mailbox %s is not written: its records could not be read: %w", m.owner.PrimarySmtpAddress, m.broken)
	}
	diff, commit, err := m.diffLocked(&m.saved, m.sweep, devices)
	if err != nil {
		return err
	}
	if !diff.empty() {
		if err := m.store.st.Update(diff.write); err != nil {
			return fmt.Errorf("simulator: writing mailbox %s: %w", m.owner.PrimarySmtpAddress, err)
		}
	}
	commit()
	if devices || m.sweep {
		clear(m.touched)
	}
	m.sweep = false
	return nil
}

// mailboxDiff is what a mailbox transaction changed, as store records.
type mailboxDiff struct {
	addr    string
	meta    *store.Mailbox
	folders []store.Folder
	items   []store.Item
	devices []store.Device
	gone    []string // device keys
	states  []store.SyncState
	dropped []store.SyncState
}

func (d *mailboxDiff) empty() bool {
	return d.meta == nil && len(d.folders)+len(d.items)+len(d.devices)+len(d.gone)+len(d.states)+len(d.dropped) == 0
}

// write puts the diff in tx: the removals, then the records.
func (d *mailboxDiff) write(tx store.Tx) error {
	for _, key := range d.gone {
		if err := tx.DeleteDevice(d.addr, key); err != nil {
			return err
		}
	}
	for _, s := range d.dropped {
		if err := tx.DeleteSyncState(s.Mailbox, s.DeviceID, s.Collection); err != nil {
			return err
		}
	}
	st := &store.State{Folders: d.folders, Items: d.items, Devices: d.devices, SyncStates: d.states}
	if d.meta != nil {
		st.Mailboxes = []store.Mailbox{*d.meta}
	}
	return store.PutState(tx, st)
}

// diffLocked returns what changed since prev was written, and a commit
// that updates prev once the diff is. The devices compared are those the
// transaction touched (deviceLocked), or every one when all is set: a
// transaction that is not a device's own request (a cmdlet, a wipe, a
// change of the CAS settings) sweeps them all. The lock is held.
//
// A restored mailbox takes its baseline with prev.modseq at its own
// counter, so that its items, already in the store, are not encoded again.
func (m *Mailbox) diffLocked(prev *saved, all, devices bool) (*mailboxDiff, func(), error) {
	addr := m.owner.PrimarySmtpAddress
	diff := &mailboxDiff{addr: addr}
	var commits []func()
	// The mailbox record changes with the counter, or with the fields
	// that bump a generation (Out of Office, CAS settings, the
	// partnership-limit mail, SendMail's ClientIds).
	m.mail.mu.Lock()
	mailGen := m.mail.gen
	m.mail.mu.Unlock()
	if all || m.modseq != prev.modseq || m.metaGen != prev.metaGen || mailGen != prev.mailGen {
		meta, err := m.metaRecordLocked()
		if err != nil {
			return nil, nil, err
		}
		metaGen := m.metaGen
		if !bytes.Equal(meta, prev.meta) {
			diff.meta = &store.Mailbox{Address: addr, Alias: m.owner.Alias, DisplayName: m.owner.DisplayName, ModSeq: m.modseq, Data: meta}
		}
		commits = append(commits, func() { prev.meta, prev.metaGen, prev.mailGen = meta, metaGen, mailGen })
	}
	if all || m.modseq != prev.modseq {
		for _, f := range m.folders {
			if old, ok := prev.folders[f.ServerID]; !ok || old != *f {
				diff.folders = append(diff.folders, store.Folder{Mailbox: addr, ServerID: f.ServerID, ParentID: f.ParentID, DisplayName: f.DisplayName, Type: int(f.Type), ModSeq: f.ModSeq, Deleted: f.Deleted})
				f := *f
				commits = append(commits, func() {
					if prev.folders == nil {
						prev.folders = map[string]Folder{}
					}
					prev.folders[f.ServerID] = f
				})
			}
		}
	}
	if m.modseq > prev.modseq {
		for id := range m.logs {
			for it := range m.changesLocked(id, prev.modseq) {
				rec, err := itemRecord(addr, it)
				if err != nil {
					return nil, nil, err
				}
				diff.items = append(diff.items, rec)
			}
		}
		modseq := m.modseq
		commits = append(commits, func() { prev.modseq = modseq })
	}
	keys := m.touched
	if !devices {
		keys = nil
	}
	if all {
		keys = map[string]bool{}
		for k := range m.devices {
			keys[k] = true
		}
		for k := range prev.devices {
			keys[k] = true
		}
	}
	for key := range keys {
		dev := m.devices[key]
		old := prev.devices[key]
		if dev == nil {
			if old != nil {
				diff.gone = append(diff.gone, old.id)
				commits = append(commits, func() { delete(prev.devices, key) })
			}
			continue
		}
		rec, err := json.Marshal(deviceRecordOf(dev))
		if err != nil {
			return nil, nil, fmt.Errorf("simulator: encoding device %s: %w", dev.DeviceID, err)
		}
		now := &savedDevice{id: dev.DeviceID, rec: rec, states: map[string]*syncState{}}
		if old == nil {
			old = &savedDevice{}
		}
		if !bytes.Equal(rec, old.rec) {
			diff.devices = append(diff.devices, store.Device{Mailbox: addr, DeviceID: dev.DeviceID, DeviceType: dev.DeviceType, UserAgent: dev.DeviceUserAgent, AccessState: dev.DeviceAccessState.String(), PolicyKey: dev.PolicyKey, Data: rec})
		}
		each := func(col string, st *syncState) error {
			now.states[col] = st
			if old.states[col] == st {
				return nil
			}
			b, err := json.Marshal(syncStateRecordOf(st))
			if err != nil {
				return err
			}
			diff.states = append(diff.states, store.SyncState{Mailbox: addr, DeviceID: dev.DeviceID, Collection: col, Key: st.key(), Data: b})
			return nil
		}
		if dev.hierarchy != nil {
			if err := each("", dev.hierarchy); err != nil {
				return nil, nil, err
			}
		}
		for _, c := range dev.collections {
			if c.st != nil {
				if err := each(c.id, c.st); err != nil {
					return nil, nil, err
				}
			}
		}
		for col := range old.states {
			if _, ok := now.states[col]; !ok {
				diff.dropped = append(diff.dropped, store.SyncState{Mailbox: addr, DeviceID: dev.DeviceID, Collection: col})
			}
		}
		commits = append(commits, func() {
			if prev.devices == nil {
				prev.devices = map[string]*savedDevice{}
			}
			prev.devices[key] = now
		})
	}
	return diff, func() {
		for _, c := range commits {
			c()
		}
	}, nil
}

// Snapshot writes the whole directory, its mailboxes and its events to st,
// which should be empty, without keeping the directory in it: what `easlab
// state export` and GET /api/state save of a running server. Each mailbox
// is read in one transaction of its own.
func (d *Directory) Snapshot(st store.Store) error {
	d.mu.RLock()
	org, err := d.orgRecordLocked()
	accounts := slices.Collect(maps.Values(d.users))
	d.mu.RUnlock()
	if err != nil {
		return err
	}
	if err := st.Update(func(tx store.Tx) error { return tx.PutOrg(store.Org{Data: org}) }); err != nil {
		return fmt.Errorf("simulator: snapshot of the organization: %w", err)
	}
	for _, a := range accounts {
		m := a.mailbox
		m.lock()
		diff, _, err := m.diffLocked(&saved{}, true, true)
		m.mu.Unlock()
		if err != nil {
			return err
		}
		if err := st.Update(diff.write); err != nil {
			return fmt.Errorf("simulator: snapshot of mailbox %s: %w", m.owner.PrimarySmtpAddress, err)
		}
	}
	events, _ := d.events.Since(0)
	return st.Update(func(tx store.Tx) error {
		for _, e := range events {
			if err := tx.AppendEvent(eventRecord(e)); err != nil {
				return err
			}
		}
		return nil
	})
}

// mailboxRecord is a mailbox's own state in the store.
type mailboxRecord struct {
	User           User
	ModSeq         uint64
	NextFolder     int
	NextItem       map[string]int `json:",omitempty"`
	CAS            CASMailbox
	CASHistory     []casVersionRecord `json:",omitempty"`
	OOF            oofRecord
	MaxDevicesMail time.Time            `json:",omitzero"`
	ClientIDs      map[string]time.Time `json:",omitempty"`
	ClientIDOrder  []string             `json:",omitempty"`
	ConvRules      map[string]string    `json:",omitempty"`
}

type casVersionRecord struct {
	Until time.Time
	CAS   CASMailbox
}

type oofRecord struct {
	State      int    `json:",omitempty"`
	Start, End string `json:",omitempty"`
	Enabled    [3]bool
	Message    [3]string
}

func (m *Mailbox) metaRecordLocked() ([]byte, error) {
	r := mailboxRecord{User: m.owner, ModSeq: m.modseq, NextFolder: m.nextFolder, NextItem: m.next, CAS: m.cas, MaxDevicesMail: m.maxDevicesMail,
		OOF: oofRecord{State: m.oof.state, Start: m.oof.start, End: m.oof.end, Enabled: m.oof.enabled, Message: m.oof.message}}
	for _, v := range m.casHistory {
		r.CASHistory = append(r.CASHistory, casVersionRecord{Until: v.until, CAS: v.cas})
	}
	m.mail.mu.Lock()
	r.ClientIDs, r.ClientIDOrder, r.ConvRules = m.mail.clientIDs, m.mail.order, m.mail.convRules
	b, err := json.Marshal(r)
	m.mail.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("simulator: encoding mailbox %s: %w", m.owner.PrimarySmtpAddress, err)
	}
	return b, nil
}

// itemData is an item's Data in the store: its properties as WBXML nodes
// named by their qualified tags, its body and its attachments.
type itemData struct {
	Props       []nodeRecord `json:",omitempty"`
	Plain       string       `json:",omitempty"`
	HTML        string       `json:",omitempty"`
	MIME        string       `json:",omitempty"` // the RFC 5322 message, as text
	MIMEBase64  []byte       `json:",omitempty"` // ... unless it is not UTF-8
	Attachments []Attachment `json:",omitempty"`
}

// nodeRecord is a WBXML node as JSON: an element has Tag; content has
// Text or Opaque.
type nodeRecord struct {
	Tag      string       `json:"tag,omitempty"`
	Empty    bool         `json:"empty,omitempty"`
	Text     *string      `json:"text,omitempty"`
	Opaque   []byte       `json:"opaque,omitempty"`
	Children []nodeRecord `json:"children,omitempty"`
}

func nodeRecordOf(n *wbxml.Node) nodeRecord {
	if n.Tag == nil {
		if n.IsOpaque {
			return nodeRecord{Opaque: append([]byte{}, n.Data...)}
		}
		s := string(n.Data)
		return nodeRecord{Text: &s}
	}
	r := nodeRecord{Tag: n.Tag.String(), Empty: n.Empty}
	for _, c := range n.Children {
		r.Children = append(r.Children, nodeRecordOf(c))
	}
	return r
}

func (r nodeRecord) node() (*wbxml.Node, error) {
	if r.Tag == "" {
		if r.Text != nil {
			return &wbxml.Node{Data: []byte(*r.Text)}, nil
		}
		return &wbxml.Node{IsOpaque: true, Data: r.Opaque}, nil
	}
	t := wbxml.LookupQualified(r.Tag)
	if t == nil {
		return nil, fmt.Errorf("unknown WBXML tag %q", r.Tag)
	}
	n := &wbxml.Node{Tag: t, Empty: r.Empty}
	for _, c := range r.Children {
		cn, err := c.node()
		if err != nil {
			return nil, err
		}
		n.Children = append(n.Children, cn)
	}
	return n, nil
}

func itemRecord(addr string, it *Item) (store.Item, error) {
	d := itemData{Plain: it.Body.Plain, HTML: it.Body.HTML, Attachments: it.Attachments}
	if utf8.Valid(it.Body.MIME) {
		d.MIME = string(it.Body.MIME)
	} else {
		d.MIMEBase64 = it.Body.MIME
	}
	for _, p := range it.Props {
		d.Props = append(d.Props, nodeRecordOf(p))
	}
	b, err := json.Marshal(d)
	if err != nil {
		return store.Item{}, fmt.Errorf("simulator: encoding item %s: %w", it.ServerID, err)
	}
	subject := it.Prop(tEmailSubject)
	return store.Item{Mailbox: addr, ServerID: it.ServerID, FolderID: it.FolderID, Class: it.Class, Subject: subject, Received: it.Received, ModSeq: it.ModSeq, Deleted: it.Deleted, Data: b}, nil
}

// deviceRecord is a partnership in the store: everything but its sync
// states, which are records of their own, and the last Sync request, which
// a device resends in full when the server no longer has it (status 13).
type deviceRecord struct {
	Device
	PolicyVersion int              `json:",omitempty"`
	NoticeItem    string           `json:",omitempty"`
	Wipe          *wipeRecord      `json:",omitempty"`
	Announced     bool             `json:",omitempty"`
	Stamped       access.State     `json:",omitempty"`
	AdminStamped  time.Time        `json:",omitzero"`
	ADHash        uint64           `json:",omitempty"`
	Behaviour     *behaviourRecord `json:",omitempty"`
	Ping          *pingRecord      `json:",omitempty"`
}

type wipeRecord struct {
	Requested, Sent, Acked time.Time `json:",omitzero"`
	AccountOnly, Failed    bool      `json:",omitempty"`
	Requestor              string    `json:",omitempty"`
	Notify                 []string  `json:",omitempty"`
}

type behaviourRecord struct {
	UserAgentChanges, Syncs, Commands []time.Time `json:",omitempty"`
	Reason                            access.Reason
	Until                             time.Time `json:",omitzero"`
}

type pingRecord struct {
	Heartbeat time.Duration
	Folders   [][2]string // id, class
}

func deviceRecordOf(d *Device) deviceRecord {
	r := deviceRecord{Device: *d, PolicyVersion: d.policyVersion, NoticeItem: d.noticeItem, Announced: d.announced, Stamped: d.stamped, AdminStamped: d.adminStamped, ADHash: d.adHash}
	r.Device.hierarchy, r.Device.collections, r.Device.ping, r.Device.lastSync = nil, nil, nil, nil
	if w := d.wipeOf(); !w.requested.IsZero() || !w.sent.IsZero() || !w.acked.IsZero() || w.accountOnly || w.failed || w.requestor != "" || len(w.notify) > 0 {
		r.Wipe = &wipeRecord{Requested: w.requested, Sent: w.sent, Acked: w.acked, AccountOnly: w.accountOnly, Failed: w.failed, Requestor: w.requestor, Notify: w.notify}
	}
	if b := d.behaviour; len(b.userAgentChanges)+len(b.syncs)+len(b.commands) > 0 || b.reason != 0 || !b.until.IsZero() {
		r.Behaviour = &behaviourRecord{UserAgentChanges: b.userAgentChanges, Syncs: b.syncs, Commands: b.commands, Reason: b.reason, Until: b.until}
	}
	if p := d.ping; p != nil {
		r.Ping = &pingRecord{Heartbeat: p.heartbeat}
		for _, f := range p.folders {
			r.Ping.Folders = append(r.Ping.Folders, [2]string{f.id, f.class})
		}
	}
	return r
}

func (r deviceRecord) device() *Device {
	d := r.Device
	d.policyVersion, d.noticeItem, d.announced, d.stamped, d.adminStamped, d.adHash = r.PolicyVersion, r.NoticeItem, r.Announced, r.Stamped, r.AdminStamped, r.ADHash
	if w := r.Wipe; w != nil {
		d.wipe = &wipeState{requested: w.Requested, sent: w.Sent, acked: w.Acked, accountOnly: w.AccountOnly, failed: w.Failed, requestor: w.Requestor, notify: w.Notify}
	}
	if b := r.Behaviour; b != nil {
		d.behaviour = behaviour{userAgentChanges: b.UserAgentChanges, syncs: b.Syncs, commands: b.Commands, reason: b.Reason, until: b.Until}
	}
	if p := r.Ping; p != nil {
		d.ping = &pingState{heartbeat: p.Heartbeat}
		for _, f := range p.Folders {
			d.ping.folders = append(d.ping.folders, pingFolder{id: f[0], class: f[1]})
		}
	}
	d.collections = nil
	return &d
}

// syncStateRecord is a sync state in the store, with the previous
// generation a device may still resend.
type syncStateRecord struct {
	GUID string
	N    int
	Seen uint64
	Held []string          `json:",omitempty"`
	Echo map[string]uint64 `json:",omitempty"`
	// Filter is the state's FilterType.
	Filter *int             `json:",omitempty"`
	Prev   *syncStateRecord `json:",omitempty"`
	// Supported is the initial Sync's Supported element, when it had one
	// (HasSupported: it may be empty).
	Supported    []string `json:",omitempty"`
	HasSupported bool     `json:",omitempty"`
}

func syncStateRecordOf(s *syncState) *syncStateRecord {
	if s == nil {
		return nil
	}
	r := &syncStateRecord{GUID: s.guid, N: s.n, Seen: s.seen, Echo: s.echo, Filter: s.filter, Prev: syncStateRecordOf(s.prev)}
	r.Held = slices.Sorted(maps.Keys(s.held))
	if s.supported != nil {
		r.Supported, r.HasSupported = slices.Sorted(maps.Keys(s.supported)), true
	}
	return r
}

func (r *syncStateRecord) state() *syncState {
	if r == nil {
		return nil
	}
	s := &syncState{guid: r.GUID, n: r.N, seen: r.Seen, echo: r.Echo, filter: r.Filter, prev: r.Prev.state()}
	if len(s.echo) == 0 {
		s.echo = nil
	}
	for _, id := range r.Held {
		s.setHeld(id)
	}
	if r.HasSupported {
		s.supported = make(map[string]bool, len(r.Supported))
		for _, name := range r.Supported {
			s.supported[name] = true
		}
	}
	return s
}

// RestoreDirectory rebuilds a directory from a store's state (a state
// file's, say: store.ReadFile): the organization, its mailboxes with their
// items, devices with their keys, and the event log. The directory is in
// memory only; OpenDirectory keeps one in a store.
func RestoreDirectory(state *store.State) (*Directory, error) {
	if state.Org == nil {
		return nil, errors.New("simulator: the state holds no organization")
	}
	var org orgRecord
	if err := json.Unmarshal(state.Org.Data, &org); err != nil {
		return nil, fmt.Errorf("simulator: the store's organization record: %w", err)
	}
	d := NewDirectory(org.Org)
	d.settings, d.rules = org.Settings, org.Rules
	for _, p := range org.Policies {
		p.MobileDeviceMailboxPolicy.version = p.Version
		d.policies = append(d.policies, p.MobileDeviceMailboxPolicy)
	}
	for _, th := range org.Autoblock {
		if d.autoblock == nil {
			d.autoblock = map[access.Reason]AutoblockThreshold{}
		}
		d.autoblock[th.BehaviorType] = th
	}
	boxes := map[string]*Mailbox{}
	for _, rec := range state.Mailboxes {
		var r mailboxRecord
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			return nil, fmt.Errorf("simulator: the store's record of mailbox %s: %w", rec.Address, err)
		}
		m := &Mailbox{
			items:          map[string]*Item{},
			logs:           map[string]*changeLog{},
			next:           r.NextItem,
			devices:        map[string]*Device{},
			changed:        make(chan struct{}),
			nextFolder:     r.NextFolder,
			cas:            r.CAS,
			modseq:         r.ModSeq,
			maxDevicesMail: r.MaxDevicesMail,
			oof:            oofSettings{state: r.OOF.State, start: r.OOF.Start, end: r.OOF.End, enabled: r.OOF.Enabled, message: r.OOF.Message},
			mail:           mailSideState{clientIDs: r.ClientIDs, order: r.ClientIDOrder, convRules: r.ConvRules},
		}
		if m.next == nil {
			m.next = map[string]int{}
		}
		if m.mail.clientIDs == nil {
			m.mail.clientIDs = map[string]time.Time{}
		}
		if m.mail.convRules == nil {
			m.mail.convRules = map[string]string{}
		}
		for _, v := range r.CASHistory {
			m.casHistory = append(m.casHistory, casVersion{until: v.Until, cas: v.CAS})
		}
		if err := d.AddUser(r.User, m); err != nil {
			return nil, fmt.Errorf("simulator: the store's mailbox %s: %w", rec.Address, err)
		}
		boxes[strings.ToLower(rec.Address)] = m
	}
	box := func(addr, what string) (*Mailbox, error) {
		m := boxes[strings.ToLower(addr)]
		if m == nil {
			return nil, fmt.Errorf("simulator: the store's %s names mailbox %q, which it does not hold", what, addr)
		}
		if m.pending == nil {
			m.pending = &pendingRecords{}
		}
		return m, nil
	}
	// A mailbox's folders, items and devices are kept as the store's
	// records and decoded at its first transaction (materializeLocked):
	// startup reads and groups them only, so a large organization starts
	// in the time its database takes to read.
	for _, f := range state.Folders {
		m, err := box(f.Mailbox, "folder "+f.ServerID)
		if err != nil {
			return nil, err
		}
		m.pending.folders = append(m.pending.folders, f)
	}
	for _, it := range state.Items {
		m, err := box(it.Mailbox, "item "+it.ServerID)
		if err != nil {
			return nil, err
		}
		m.pending.items = append(m.pending.items, it)
	}
	for _, dev := range state.Devices {
		m, err := box(dev.Mailbox, "device "+dev.DeviceID)
		if err != nil {
			return nil, err
		}
		m.pending.devices = append(m.pending.devices, dev)
	}
	for _, st := range state.SyncStates {
		m, err := box(st.Mailbox, "sync state of device "+st.DeviceID)
		if err != nil {
			return nil, err
		}
		m.pending.states = append(m.pending.states, st)
	}
	if err := d.events.restore(state.Events); err != nil {
		return nil, err
	}
	return d, nil
}

// pendingRecords are a restored mailbox's records not decoded yet.
type pendingRecords struct {
	load    func() (*store.State, error) // reads the records, if not given
	folders []store.Folder
	items   []store.Item
	devices []store.Device
	states  []store.SyncState
}

// materializeLocked decodes the records a restored mailbox kept for its
// first transaction, and takes what the store holds as what was written.
// A record that does not decode is an error; the mailbox then stays as it
// was, without its folders and items, and says so at every transaction.
func (m *Mailbox) materializeLocked() {
	p := m.pending
	if p == nil {
		return
	}
	m.pending = nil
	if err := m.decodeLocked(p); err != nil {
		// The mailbox goes on empty and is never written again: its
		// records stay in the store as they are, for a person to look at.
		m.folders, m.items, m.logs, m.devices = nil, map[string]*Item{}, map[string]*changeLog{}, map[string]*Device{}
		m.broken = err
		slog.Error("simulator: a mailbox's records in the store cannot be read; it is served empty and not written", "mailbox", m.owner.PrimarySmtpAddress, "err", err)
		return
	}
	if m.store != nil {
		m.saved = saved{modseq: m.modseq}
		if _, commit, err := m.diffLocked(&m.saved, true, true); err == nil {
			commit()
		}
	}
}

func (m *Mailbox) decodeLocked(p *pendingRecords) error {
	if p.load != nil {
		st, err := p.load()
		if err != nil {
			return err
		}
		p = &pendingRecords{folders: st.Folders, items: st.Items, devices: st.Devices, states: st.SyncStates}
	}
	for _, f := range p.folders {
		m.folders = append(m.folders, &Folder{ServerID: f.ServerID, ParentID: f.ParentID, DisplayName: f.DisplayName, Type: eas.FolderType(f.Type), ModSeq: f.ModSeq, Deleted: f.Deleted})
	}
	// Creation order: folder ServerIds are numbered as created.
	sort.SliceStable(m.folders, func(i, j int) bool {
		a, _ := strconv.Atoi(m.folders[i].ServerID)
		b, _ := strconv.Atoi(m.folders[j].ServerID)
		return a < b
	})
	for _, rec := range p.items {
		var data itemData
		if err := json.Unmarshal(rec.Data, &data); err != nil {
			return fmt.Errorf("simulator: the store's item %s of %s: %w", rec.ServerID, rec.Mailbox, err)
		}
		it := &Item{ServerID: rec.ServerID, FolderID: rec.FolderID, Class: rec.Class, Received: rec.Received, ModSeq: rec.ModSeq, Deleted: rec.Deleted,
			Body: Body{Plain: data.Plain, HTML: data.HTML, MIME: []byte(data.MIME)}, Attachments: data.Attachments}
		if data.MIMEBase64 != nil {
			it.Body.MIME = data.MIMEBase64
		}
		if data.MIME == "" && data.MIMEBase64 == nil {
			it.Body.MIME = nil
		}
		for _, p := range data.Props {
			n, err := p.node()
			if err != nil {
				return fmt.Errorf("simulator: the store's item %s of %s: %w", rec.ServerID, rec.Mailbox, err)
			}
			it.Props = append(it.Props, n)
		}
		m.items[it.ServerID] = it
	}
	// The change logs, rebuilt in change order.
	all := slices.Collect(maps.Values(m.items))
	sort.Slice(all, func(i, j int) bool { return all[i].ModSeq < all[j].ModSeq })
	for _, it := range all {
		m.appendLocked(it, false)
	}
	m.logged = m.modseq
	for _, rec := range p.devices {
		var r deviceRecord
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			return fmt.Errorf("simulator: the store's device %s of %s: %w", rec.DeviceID, rec.Mailbox, err)
		}
		m.devices[strings.ToLower(rec.DeviceID)] = r.device()
	}
	for _, rec := range p.states {
		dev := m.devices[strings.ToLower(rec.DeviceID)]
		if dev == nil {
			return fmt.Errorf("simulator: the store's sync state %q names device %s of %s, which it does not hold", rec.Collection, rec.DeviceID, rec.Mailbox)
		}
		var r syncStateRecord
		if err := json.Unmarshal(rec.Data, &r); err != nil {
			return fmt.Errorf("simulator: the store's sync state %q of device %s: %w", rec.Collection, rec.DeviceID, err)
		}
		if rec.Collection == "" {
			dev.hierarchy = r.state()
		} else {
			dev.collections.set(rec.Collection, r.state())
		}
	}
	return nil
}

// warm decodes the mailboxes of a restored directory in the background,
// two at a time, so that the first cmdlet over every mailbox does not pay
// for all of them. A mailbox a request reaches first is decoded by that
// request.
func (d *Directory) warm() {
	d.mu.RLock()
	accounts := slices.Collect(maps.Values(d.users))
	d.mu.RUnlock()
	work := make(chan *Mailbox)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				m.mu.Lock()
				if m.pending != nil {
					m.materializeLocked()
				}
				m.mu.Unlock()
			}
		}()
	}
	for _, a := range accounts {
		work <- a.mailbox
	}
	close(work)
	wg.Wait()
	close(d.warmed)
}
