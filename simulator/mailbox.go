package simulator

import (
	"fmt"
	"iter"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// folderClass returns the item class a folder of type t holds ("Email",
// "Calendar", "Contacts", "Tasks" or "Notes").
func folderClass(t eas.FolderType) string {
	switch t {
	case eas.FolderTypeCalendar, eas.FolderTypeUserCalendar:
		return "Calendar"
	case eas.FolderTypeContacts, eas.FolderTypeUserContacts, eas.FolderTypeRecipientInfoCache:
		return "Contacts"
	case eas.FolderTypeTasks, eas.FolderTypeUserTasks:
		return "Tasks"
	case eas.FolderTypeNotes, eas.FolderTypeUserNotes:
		return "Notes"
	}
	return "Email"
}

// isDefaultFolder reports whether t is one of the default (special) folders
// that clients may not create, rename or delete.
func isDefaultFolder(t eas.FolderType) bool {
	return t >= eas.FolderTypeInbox && t <= eas.FolderTypeJournal || t == eas.FolderTypeRecipientInfoCache
}

// Folder is one folder of a mailbox's hierarchy.
type Folder struct {
	ServerID    string
	ParentID    string // "0" for the root
	DisplayName string
	Type        eas.FolderType
	ModSeq      uint64 // mailbox change counter at its last change
	Deleted     bool   // a tombstone, kept so devices learn of the delete
}

// Body is an item's body, kept in every form a device may ask for.
type Body struct {
	Plain string // text/plain
	HTML  string // text/html, "" when the item has none
	MIME  []byte // the whole RFC 5322 message, for e-mail
}

// Attachment is a file attached to an item.
type Attachment struct {
	Name        string
	ContentType string
	ContentID   string
	Inline      bool
	Data        []byte
}

// Item is one item of a folder: an e-mail, appointment, contact, task or
// note. Props are its ApplicationData properties other than the body, in
// the order they are sent; Body and Attachments are rendered per request.
type Item struct {
	ServerID    string
	FolderID    string
	Class       string
	Props       []*wbxml.Node
	Body        Body
	Attachments []Attachment
	Received    time.Time
	ModSeq      uint64
	Deleted     bool
	rendered    *renderCache // see renderItem
	// changes are its recent changes, oldest first, the first touching
	// everything (see touchedSince).
	changes []propChange
}

// propChange is one change of an item: the change counter it was
// committed at and the properties it touched, or all of them.
type propChange struct {
	seq  uint64
	tags []*wbxml.Tag
	all  bool
}

// maxPropChanges bounds an item's recorded changes; older ones are
// folded into one that touches everything.
const maxPropChanges = 16

// recordChange records that the change committed at seq touched tags
// (nil: anything, as an add, a move, a delete or a body change does).
// prev is the counter of the item's change before it.
func (it *Item) recordChange(seq, prev uint64, again bool, tags []*wbxml.Tag) {
	if !again || tags == nil {
		it.changes = []propChange{{seq: seq, all: true}}
		return
	}
	ch := it.changes
	if len(ch) == 0 {
		// Nothing is known of the changes up to prev (a restored item).
		ch = []propChange{{seq: prev, all: true}}
	}
	ch = append(ch[:len(ch):len(ch)], propChange{seq: seq, tags: tags})
	if len(ch) > maxPropChanges {
		drop := len(ch) - maxPropChanges + 1
		ch = append([]propChange{{seq: ch[drop-1].seq, all: true}}, ch[drop:]...)
	}
	it.changes = ch
}

// touchedSince returns the properties the item's changes after the
// change counter since touched, or all when one of them may have touched
// anything or they are not all known.
func (it *Item) touchedSince(since uint64) (tags map[*wbxml.Tag]bool, all bool) {
	if len(it.changes) == 0 || it.changes[0].seq > since {
		return nil, true
	}
	tags = map[*wbxml.Tag]bool{}
	for _, c := range it.changes {
		if c.seq <= since {
			continue
		}
		if c.all {
			return nil, true
		}
		for _, t := range c.tags {
			tags[t] = true
		}
	}
	return tags, false
}

// Prop returns the text of property tag, or "".
func (it *Item) Prop(tag *wbxml.Tag) string {
	for _, p := range it.Props {
		if p.Tag == tag {
			return p.Text()
		}
	}
	return ""
}

// setProps replaces the properties changes names and keeps the others: an
// EAS Change carries only what changed (ghosting, MS-ASCMD 2.2.3.168).
func (it *Item) setProps(changes []*wbxml.Node) {
	for _, c := range changes {
		replaced := false
		for i, p := range it.Props {
			if p.Tag == c.Tag {
				it.Props[i] = c
				replaced = true
				break
			}
		}
		if !replaced {
			it.Props = append(it.Props, c)
		}
	}
}

func (it *Item) clone() *Item {
	c := *it
	c.Props = append([]*wbxml.Node(nil), it.Props...)
	c.Attachments = append([]Attachment(nil), it.Attachments...)
	return &c
}

// Mailbox is one user's store: folders, items and device partnerships,
// owned by its own lock. A single change counter (like IMAP's MODSEQ)
// stamps every change, so "what a device has not seen" is a range query.
type Mailbox struct {
	mu             sync.Mutex
	owner          User
	modseq         uint64
	folders        []*Folder             // in creation order, tombstones included
	items          map[string]*Item      // by ServerID, tombstones included
	logs           map[string]*changeLog // by folder ServerID: its items in change order
	logged         uint64                // every item change up to this counter is in logs
	next           map[string]int        // next item number per folder
	devices        map[string]*Device    // partnerships, by lower-case DeviceId
	changed        chan struct{}         // closed and replaced at every commit
	nextFolder     int
	oof            oofSettings
	mail           mailSideState // its own lock
	cas            CASMailbox
	casHistory     []casVersion                // earlier settings, kept in the store's record
	casChanges     uint64                      // counts the changes of the settings (rememberCASLocked)
	casCache       casCacheEntry               // the EAS side's directory cache entry (casViewLocked)
	now            func() time.Time            // the server's clock; set by Directory.AddUser
	events         *EventLog                   // the organization's; set by Directory.AddUser
	names          *interner                   // the directory's; set by Directory.AddUser (nil: copies)
	heldSets       map[string]map[string]bool  // the sync states' held sets shared by folder ("": the hierarchy; shareHeldLocked)
	maxDevicesMail time.Time                   // when the owner was last told of the partnership limit
	store          *writer                     // nil: the mailbox lives in memory only
	saved          saved                       // what was last written to store
	touched        map[string]bool             // devices this transaction changed, by lower-case DeviceId
	sweep          bool                        // this transaction may change any device
	watchers       map[string]map[*waiter]bool // hanging requests by the folder they watch
	waiting        []*waiter                   // every hanging request
	hanging        map[string]*hangToken       // each device's hanging request, by lower-case DeviceId
	deferDevices   bool                        // this transaction is a device's request: its partnership is written at the request's end
	pending        *pendingRecords             // a restored mailbox's records, decoded at its first transaction
	broken         error                       // its records could not be read: it is not written
	writeErr       error                       // the last write to the store failed
	inflight       atomic.Int64                // the owner's requests in progress (EasMaxConcurrency)
	metaGen        uint64                      // bumped by changes of the mailbox record's fields the counter does not cover
}

// NewMailbox returns a mailbox with Exchange's default folders.
func NewMailbox() *Mailbox {
	m := &Mailbox{
		items:      map[string]*Item{},
		logs:       map[string]*changeLog{},
		next:       map[string]int{},
		devices:    map[string]*Device{},
		changed:    make(chan struct{}),
		nextFolder: 1,
		cas:        CASMailbox{ActiveSyncEnabled: true},
		mail:       mailSideState{clientIDs: map[string]time.Time{}, convRules: map[string]string{}},
	}
	for _, f := range defaultFolders {
		nf := m.addFolderLocked("0", f.name, f.typ)
		if f.typ == eas.FolderTypeRecipientInfoCache {
			nf.ServerID = recipientInfoCacheID // the number it took stays unused
		}
	}
	return m
}

var defaultFolders = []struct {
	name string
	typ  eas.FolderType
}{
	{"Inbox", eas.FolderTypeInbox},
	{"Drafts", eas.FolderTypeDrafts},
	{"Deleted Items", eas.FolderTypeDeletedItems},
	{"Sent Items", eas.FolderTypeSentItems},
	{"Outbox", eas.FolderTypeOutbox},
	{"Calendar", eas.FolderTypeCalendar},
	{"Contacts", eas.FolderTypeContacts},
	{"Tasks", eas.FolderTypeTasks},
	{"Notes", eas.FolderTypeNotes},
	{"Journal", eas.FolderTypeJournal},
	{"Junk E-Mail", eas.FolderTypeUserMail},
	{"RecipientInfo", eas.FolderTypeRecipientInfoCache},
}

// recipientInfoCacheID is the ServerId of the recipient information
// cache: Exchange serves it as a virtual folder "RI" named RecipientInfo
// under the root (Exchange 2013's FolderSyncCommand.virtualFolders;
// MSASCMD_S03_TC02 R100, S05_TC08 R143).
const recipientInfoCacheID = "RI"

// Owner returns the user who owns the mailbox.
func (m *Mailbox) Owner() User { return m.owner }

// emit adds an event about a device of this mailbox.
func (m *Mailbox) emit(e Event) {
	if m.events == nil {
		return
	}
	e.Mailbox = m.owner.PrimarySmtpAddress
	m.events.Emit(e)
}

// commitLocked advances the change counter and wakes every hanging
// request: a change of the hierarchy, or of the mailbox's partnerships
// (an approval, a wipe), concerns them all.
func (m *Mailbox) commitLocked() uint64 {
	seq := m.advanceLocked()
	m.wakeLocked("")
	return seq
}

// advanceLocked advances the change counter and closes the channel
// Changed handed out, without waking hanging requests.
func (m *Mailbox) advanceLocked() uint64 {
	m.modseq++
	close(m.changed)
	m.changed = make(chan struct{})
	return m.modseq
}

// A waiter is a hanging request (Ping, Sync with Wait) watching folders of
// a mailbox, as go-imap's trackers watch a mailbox: a change of a
// folder's items wakes the waiters of that folder only, so a delivery to
// one user's Inbox wakes the requests that watch it and not every request
// of the mailbox.
type waiter struct {
	c       chan struct{} // buffered: a wake is never lost, never blocks
	notify  func()        // instead of c (watchFuncLocked); called with the mailbox locked
	folders []string
}

// watchLocked registers a waiter for folders.
func (m *Mailbox) watchLocked(folders []string) *waiter {
	return m.addWaiterLocked(&waiter{c: make(chan struct{}, 1), folders: folders})
}

// watchFuncLocked registers a waiter for folders that calls notify at a
// change, with the mailbox locked (so notify must not lock it), rather
// than send on a channel: a parked request has no goroutine to receive.
func (m *Mailbox) watchFuncLocked(folders []string, notify func()) *waiter {
	return m.addWaiterLocked(&waiter{notify: notify, folders: folders})
}

func (m *Mailbox) addWaiterLocked(w *waiter) *waiter {
	if m.watchers == nil {
		m.watchers = map[string]map[*waiter]bool{}
	}
	for _, f := range w.folders {
		if m.watchers[f] == nil {
			m.watchers[f] = map[*waiter]bool{}
		}
		m.watchers[f][w] = true
	}
	m.waiting = append(m.waiting, w)
	return w
}

// unwatchLocked removes a waiter.
func (m *Mailbox) unwatchLocked(w *waiter) {
	for _, f := range w.folders {
		delete(m.watchers[f], w)
		if len(m.watchers[f]) == 0 {
			delete(m.watchers, f)
		}
	}
	if i := slices.Index(m.waiting, w); i >= 0 {
		m.waiting = slices.Delete(m.waiting, i, i+1)
	}
}

// hangToken is a device's current hanging request, a Ping or a hanging
// Sync: steal is called, with the mailbox locked, when a newer one of the
// same device takes its place.
type hangToken struct{ steal func() }

// hangLocked makes the caller its device's hanging request and ends the
// earlier one, as Exchange does: a device has one notification manager,
// and a new Ping or hanging Sync of the same user and device steals it
// from the request that held it, which then answers at once (Exchange's
// PingCommand.ReleaseNotificationManager(wasStolen): Ping Status 1,
// logged Error:NMStolen; SyncCommand.SyncCollisionDetected: Sync Status
// 16, retry). So one device holds at most one waiting request, however
// many it sends.
func (m *Mailbox) hangLocked(device string, steal func()) *hangToken {
	key := strings.ToLower(device)
	if old := m.hanging[key]; old != nil {
		old.steal()
	}
	if m.hanging == nil {
		m.hanging = map[string]*hangToken{}
	}
	t := &hangToken{steal: steal}
	m.hanging[key] = t
	return t
}

// unhang removes the waiter *w and the hanging token *t, those that were
// registered: a hanging request defers it when it starts.
func (m *Mailbox) unhang(device string, w **waiter, t **hangToken) {
	if *w == nil && *t == nil {
		return
	}
	m.lock()
	if *w != nil {
		m.unwatchLocked(*w)
	}
	if key := strings.ToLower(device); *t != nil && m.hanging[key] == *t {
		delete(m.hanging, key)
	}
	m.unlock()
}

// wakeLocked wakes the waiters of folder, or every waiter for "".
func (m *Mailbox) wakeLocked(folder string) {
	wake := func(w *waiter) {
		if w.notify != nil {
			w.notify()
			return
		}
		select {
		case w.c <- struct{}{}:
		default:
		}
	}
	if folder == "" {
		for _, w := range m.waiting {
			wake(w)
		}
		return
	}
	for w := range m.watchers[folder] {
		wake(w)
	}
}

// Changed returns a channel closed at the next change of the mailbox, and
// the change counter it was taken at.
func (m *Mailbox) Changed() (<-chan struct{}, uint64) {
	m.lock()
	defer m.unlock()
	return m.changed, m.modseq
}

func (m *Mailbox) addFolderLocked(parent, name string, t eas.FolderType) *Folder {
	f := &Folder{ServerID: strconv.Itoa(m.nextFolder), ParentID: parent, DisplayName: name, Type: t}
	m.nextFolder++
	upToDate := m.logged == m.modseq
	f.ModSeq = m.commitLocked()
	if upToDate {
		m.logged = m.modseq // a folder's change leaves the item logs as they are
	}
	m.folders = append(m.folders, f)
	return f
}

func (m *Mailbox) folderLocked(id string) *Folder {
	for _, f := range m.folders {
		if f.ServerID == id && !f.Deleted {
			return f
		}
	}
	return nil
}

// Folder returns a copy of the live folder with the given ServerId.
func (m *Mailbox) Folder(id string) (Folder, bool) {
	m.lock()
	defer m.unlock()
	f := m.folderLocked(id)
	if f == nil {
		return Folder{}, false
	}
	return *f, true
}

// FolderByType returns the default folder of type t.
func (m *Mailbox) FolderByType(t eas.FolderType) (Folder, bool) {
	m.lock()
	defer m.unlock()
	for _, f := range m.folders {
		if f.Type == t && !f.Deleted {
			return *f, true
		}
	}
	return Folder{}, false
}

// FolderByName returns the live folder with the given display name
// (case-insensitive).
func (m *Mailbox) FolderByName(name string) (Folder, bool) {
	m.lock()
	defer m.unlock()
	for _, f := range m.folders {
		if !f.Deleted && strings.EqualFold(f.DisplayName, name) {
			return *f, true
		}
	}
	return Folder{}, false
}

// Folders returns copies of the live folders, in creation order.
func (m *Mailbox) Folders() []Folder {
	m.lock()
	defer m.unlock()
	var out []Folder
	for _, f := range m.folders {
		if !f.Deleted {
			out = append(out, *f)
		}
	}
	return out
}

// AddItem stores a new item in folder and returns a copy with its ServerId.
func (m *Mailbox) AddItem(folderID string, it *Item) (*Item, error) {
	m.lock()
	defer m.unlock()
	return m.addItemLocked(folderID, it)
}

func (m *Mailbox) addItemLocked(folderID string, it *Item) (*Item, error) {
	f := m.folderLocked(folderID)
	if f == nil {
		return nil, fmt.Errorf("simulator: no folder %q", folderID)
	}
	it = it.clone()
	m.next[folderID]++
	it.ServerID = fmt.Sprintf("%s:%d", folderID, m.next[folderID])
	it.FolderID = folderID
	if it.Class == "" {
		it.Class = folderClass(f.Type)
	}
	it.Deleted = false
	m.items[it.ServerID] = it
	m.stampLocked(it, false)
	return it.clone(), nil
}

// Item returns a copy of the live item with the given ServerId.
func (m *Mailbox) Item(serverID string) (*Item, bool) {
	m.lock()
	defer m.unlock()
	it := m.items[serverID]
	if it == nil || it.Deleted {
		return nil, false
	}
	return it.clone(), true
}

// Items returns copies of the live items of a folder, oldest first.
func (m *Mailbox) Items(folderID string) []*Item {
	m.lock()
	defer m.unlock()
	var out []*Item
	for it := range m.changesLocked(folderID, 0) {
		if !it.Deleted {
			out = append(out, it.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return itemLess(out[i], out[j]) })
	return out
}

// itemLess orders items by their number within the folder.
func itemLess(a, b *Item) bool {
	na, _ := strconv.Atoi(a.ServerID[strings.IndexByte(a.ServerID, ':')+1:])
	nb, _ := strconv.Atoi(b.ServerID[strings.IndexByte(b.ServerID, ':')+1:])
	return na < nb
}

// ChangeItem merges changed properties into an item (and replaces its body
// when body is non-nil).
func (m *Mailbox) ChangeItem(serverID string, props []*wbxml.Node, body *Body) error {
	m.lock()
	defer m.unlock()
	it := m.items[serverID]
	if it == nil || it.Deleted {
		return errNotFound
	}
	it.setProps(props)
	if body != nil {
		it.Body = *body
		m.stampLocked(it, true)
		return nil
	}
	m.stampTouchedLocked(it, true, propTags(props))
	return nil
}

// propTags are the tags of props.
func propTags(props []*wbxml.Node) []*wbxml.Tag {
	tags := make([]*wbxml.Tag, 0, len(props))
	for _, p := range props {
		if p.Tag != nil {
			tags = append(tags, p.Tag)
		}
	}
	return tags
}

// DeleteItem removes an item. With toDeletedItems (EAS DeletesAsMoves) it
// moves the item to Deleted Items instead, unless it is there already.
func (m *Mailbox) DeleteItem(serverID string, toDeletedItems bool) error {
	m.lock()
	defer m.unlock()
	it := m.items[serverID]
	if it == nil || it.Deleted {
		return errNotFound
	}
	if toDeletedItems {
		for _, f := range m.folders {
			if f.Type == eas.FolderTypeDeletedItems && !f.Deleted && f.ServerID != it.FolderID && it.Class == "Email" {
				_, err := m.moveLocked(it, f.ServerID)
				return err
			}
		}
	}
	it.Deleted = true
	m.stampLocked(it, true)
	return nil
}

// MoveItem moves an item to another folder, where it gets a new ServerId.
func (m *Mailbox) MoveItem(serverID, dstFolder string) (string, error) {
	m.lock()
	defer m.unlock()
	it := m.items[serverID]
	if it == nil || it.Deleted {
		return "", errNotFound
	}
	moved, err := m.moveLocked(it, dstFolder)
	if err != nil {
		return "", err
	}
	return moved.ServerID, nil
}

func (m *Mailbox) moveLocked(it *Item, dst string) (*Item, error) {
	if m.folderLocked(dst) == nil {
		return nil, errNoFolder
	}
	moved, err := m.addItemLocked(dst, it)
	if err != nil {
		return nil, err
	}
	it.Deleted = true
	m.stampLocked(it, true)
	return moved, nil
}

// changesSinceLocked returns the items of folder changed after modseq (live
// and tombstones), in change order.
func (m *Mailbox) changesSinceLocked(folderID string, since uint64) []*Item {
	tail := m.logTailLocked(folderID, since)
	if len(tail) == 0 {
		return nil
	}
	out := make([]*Item, 0, len(tail))
	for _, e := range tail {
		if e.current() {
			out = append(out, e.it)
		}
	}
	return out
}

// changesLocked yields what changesSinceLocked returns, without building
// the list. Range over it with the lock held, and change nothing meanwhile.
func (m *Mailbox) changesLocked(folderID string, since uint64) iter.Seq[*Item] {
	tail := m.logTailLocked(folderID, since)
	return func(yield func(*Item) bool) {
		for _, e := range tail {
			if e.current() && !yield(e.it) {
				return
			}
		}
	}
}

// logTailLocked returns the entries of folder's log after modseq since,
// found by binary search: the changes only, and their superseded entries.
func (m *Mailbox) logTailLocked(folderID string, since uint64) []logEntry {
	m.catchUpLocked()
	l := m.logs[folderID]
	if l == nil {
		return nil
	}
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].seq > since })
	return l.entries[i:]
}

// changeLog is one folder's index by change counter: its items in the
// order of their last change, tombstones included. Every change takes a
// new, larger counter value, so an item that changes again is appended at
// the end and its earlier entry, superseded, is skipped, until compaction
// drops it. Items never change folder (a move adds a new item and leaves a
// tombstone), so an item is in one log only.
type changeLog struct {
	entries    []logEntry // by seq, ascending
	superseded int        // entries whose item changed since (at most)
}

type logEntry struct {
	seq uint64
	it  *Item
}

// current reports whether the entry is its item's last change.
func (e logEntry) current() bool { return e.it.ModSeq == e.seq }

// stampLocked commits a change of it (added, changed or deleted) and
// moves it to the end of its folder's log. again says whether it was in
// the log already.
func (m *Mailbox) stampLocked(it *Item, again bool) {
	m.stampTouchedLocked(it, again, nil)
}

// stampTouchedLocked is stampLocked for a change that touched the
// properties tags only (nil: anything), which a Change to devices that
// saw the item before may then be limited to (syncCommandFor).
func (m *Mailbox) stampTouchedLocked(it *Item, again bool, tags []*wbxml.Tag) {
	m.catchUpLocked()
	prev := it.ModSeq
	it.ModSeq = m.advanceLocked()
	it.recordChange(it.ModSeq, prev, again, tags)
	m.wakeLocked(it.FolderID)
	l := m.appendLocked(it, again)
	m.logged = m.modseq
	l.compact()
}

func (m *Mailbox) appendLocked(it *Item, again bool) *changeLog {
	l := m.logs[it.FolderID]
	if l == nil {
		l = &changeLog{}
		if m.logs == nil {
			m.logs = map[string]*changeLog{}
		}
		m.logs[it.FolderID] = l
	}
	l.entries = append(l.entries, logEntry{seq: it.ModSeq, it: it})
	if again {
		l.superseded++
	}
	return l
}

// catchUpLocked logs the item changes committed without stampLocked (a
// safety net: every item change in this package goes through stampLocked;
// folder changes and wake-only commits leave nothing to find): their counter values are
// all above m.logged, so one scan finds them and appending them in order
// keeps every log sorted. It costs nothing when every change went through
// stampLocked, and one scan of the mailbox after one that did not.
func (m *Mailbox) catchUpLocked() {
	if m.logged == m.modseq {
		return
	}
	var late []*Item
	for _, it := range m.items {
		if it.ModSeq > m.logged {
			late = append(late, it)
		}
	}
	sort.Slice(late, func(i, j int) bool { return late[i].ModSeq < late[j].ModSeq })
	touched := map[*changeLog]bool{}
	for _, it := range late {
		touched[m.appendLocked(it, true)] = true
	}
	m.logged = m.modseq
	for l := range touched {
		l.compact()
	}
}

// compact drops the superseded entries once they are as many as the
// others, so a log stays within twice its folder's item count and
// compaction costs O(1) per change, amortized.
func (l *changeLog) compact() {
	if l.superseded < 64 || 2*l.superseded < len(l.entries) {
		return
	}
	kept := l.entries[:0]
	for _, e := range l.entries {
		if e.current() {
			kept = append(kept, e)
		}
	}
	clear(l.entries[len(kept):]) // let the dropped entries' items go
	if cap(kept) > 4*len(kept)+64 {
		kept = slices.Clip(slices.Clone(kept))
	}
	l.entries = kept
	l.superseded = 0
}

var (
	errNotFound = fmt.Errorf("simulator: item not found")
	errNoFolder = fmt.Errorf("simulator: folder not found")
)
