package simulator

import (
	"net/http"
	"strconv"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/internal/htmltext"
	"github.com/easlab/easlab/wbxml"
)

// Sync (MS-ASCMD 2.2.1.21).

// Limits of Sync as Exchange applies them (protocol.md 3.2 Sync).
const (
	defaultWindowSize = 100
	maxWindowSize     = 512
	minWait           = 1  // minutes
	maxWait           = 59 // minutes
	minHeartbeat      = 60
	maxHeartbeat      = 3540 // seconds
	maxSyncCommands   = 200  // client commands per Sync
)

func handleSync(c *call) error {
	m := c.mb
	decoded, err := c.syncRequest()
	if reason := c.syncBodyPreferenceError(); reason != "" {
		// Options whose body preferences break the schema: Status 4 (see
		// bodyprefs.go).
		c.extra().logError = "InvalidBodyPreference"
		return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
	}
	if err != nil {
		return err
	}
	req := *decoded
	m.lock()
	dev := c.deviceLocked()
	cached := dev.lastSync
	if len(c.body) == 0 || req.Partial {
		// An empty Sync repeats the device's last request; a Partial one
		// names only what changed and takes the rest from it (MS-ASCMD
		// 2.2.3.124, 12.1+). Either needs a request to build on.
		if cached == nil {
			m.unlock()
			return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusIncompleteRequest)})
		}
		req = mergeSync(cached, &req, dev)
	}
	m.unlock()
	var wait time.Duration
	switch {
	case req.Wait != nil && req.HeartbeatInterval != 0:
		return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
	case req.Wait != nil:
		// A Wait of 0 is out of range like any other: Status 14 with
		// Limit 1 (MS-ASCMD 2.2.3.190; Interop MSASCMD_S19_TC30 and
		// TC47, R3227 and R5782).
		if *req.Wait < minWait || *req.Wait > maxWait {
			return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusInvalidWaitOrHeartbeat), Limit: clamp(*req.Wait, minWait, maxWait)})
		}
		wait = time.Duration(*req.Wait) * time.Minute
	case req.HeartbeatInterval != 0:
		if req.HeartbeatInterval < minHeartbeat || req.HeartbeatInterval > maxHeartbeat {
			return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusInvalidWaitOrHeartbeat), Limit: clamp(req.HeartbeatInterval, minHeartbeat, maxHeartbeat)})
		}
		wait = time.Duration(req.HeartbeatInterval) * time.Second
	}
	if req.Collections == nil || len(req.Collections.Collection) == 0 {
		return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
	}
	// WindowSize: MS-ASCMD 2.2.3.199 has the server read values above 512
	// as 512 (see the budget below); a negative one breaks the schema's
	// range (0 to 512) and is a protocol error. An explicit 0, which the
	// same section reads as 512, is read as an omitted WindowSize (100):
	// the codec cannot tell them apart.
	if req.WindowSize < 0 {
		return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
	}
	for _, col := range req.Collections.Collection {
		if col.WindowSize < 0 {
			return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
		}
	}
	commands := 0
	for _, col := range req.Collections.Collection {
		commands += len(col.Commands)
	}
	if commands > maxSyncCommands {
		return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
	}
	for _, col := range req.Collections.Collection {
		// A collection's first Sync (SyncKey 0) asking for changes, or
		// carrying client commands, fails the whole request with the
		// top-level Status 4 (Exchange 2013's SyncCommand.ParseSyncKey
		// throws Sync_ProtocolError, logged Error:Sk0WithActions; Interop
		// MS-ASCMD R5838 reads <Sync><Status>4</Status>).
		if col.SyncKey == "0" && (len(col.Commands) > 0 || col.GetChanges.IsSet() && col.GetChanges.Value()) {
			c.extra().logError = "Sk0WithActions"
			return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
		}
	}
	for _, col := range req.Collections.Collection {
		for _, o := range col.Options {
			for _, p := range o.BodyPartPreference {
				// Only HTML (2) body parts exist: another Type is the
				// common Status 164 (MSASCMD_S21_TC05, R5412).
				if p.Type != 2 {
					return eas.NewStatusError(eas.StatusBodyPartPreferenceTypeNotSupported, "BodyPartPreference Type "+strconv.Itoa(p.Type))
				}
			}
		}
	}
	m.lock()
	for _, col := range req.Collections.Collection {
		if reason := m.syncCollectionErrorLocked(col); reason != "" {
			m.unlock()
			c.extra().logError = reason
			return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusProtocolError)})
		}
	}
	// Exchange keeps no initial request: an empty Sync after a SyncKey 0
	// one alone is Status 13 (MSASCMD_S19_TC06, R4456).
	if !allInitial(&req) {
		dev.lastSync = cacheable(&req)
	}
	m.unlock()
	ids := make([]string, len(req.Collections.Collection))
	for i, col := range req.Collections.Collection {
		ids[i] = col.CollectionId
	}
	h := c.newHold(wait, func(h *hold) (bool, error) {
		if c.quarantined && h.passes > 0 && c.s.opts.ReleaseHangingOnApproval {
			// Woken by a change (an approval?): decide again.
			if err := c.s.redecide(c); err != nil {
				return true, err
			}
		}
		m.lock()
		if h.w == nil && wait > 0 {
			h.watchLocked(ids)
		}
		resp, nonEmpty := c.syncLocked(&req)
		m.unlock()
		c.sendInvitations()
		if nonEmpty {
			return true, c.reply(resp)
		}
		if wait == 0 {
			c.replyEmpty()
			return true, nil
		}
		if h.passes == 0 {
			c.s.metrics.syncs.Add(1)
			h.onEnd = append(h.onEnd, func() { c.s.metrics.syncs.Add(-1) })
		}
		// Client commands were applied on the first pass; later passes
		// only look for server changes.
		for i := range req.Collections.Collection {
			req.Collections.Collection[i].Commands = nil
		}
		return false, nil
	}, func(r wakeReason) error {
		switch r {
		case wakeStolen:
			// A newer Ping or hanging Sync of this device took over:
			// Exchange answers this one Status 16, retry (see hangLocked).
			c.extra().logError = "NMStolen"
			return c.reply(&eas.SyncResponse{Status: int(eas.SyncStatusRetry)})
		case wakeGone:
			return eas.NewHTTPError(http.StatusRequestTimeout, "client went away during a hanging Sync")
		}
		c.replyEmpty()
		return nil
	})
	return h.loop()
}

// syncRequest returns the request's Sync body, decoded at the first call
// (checkAccess asks whether it waits, then handleSync serves it); an empty
// body is an empty request.
func (c *call) syncRequest() (*eas.SyncRequest, error) {
	if err := c.rareOf().syncErr; err != nil {
		return nil, err
	}
	if c.syncReq == nil {
		req := &eas.SyncRequest{}
		if len(c.body) > 0 {
			if err := c.decode(req); err != nil {
				c.extra().syncErr = err
				return nil, err
			}
		}
		c.syncReq = req
	}
	return c.syncReq, nil
}

// allInitial reports whether every collection of req has SyncKey 0.
func allInitial(req *eas.SyncRequest) bool {
	for _, col := range req.Collections.Collection {
		if col.SyncKey != "0" {
			return false
		}
	}
	return true
}

// cacheable is what the server keeps of a Sync request for later empty
// or Partial ones: everything but the commands.
func cacheable(req *eas.SyncRequest) *eas.SyncRequest {
	c := *req
	c.Partial = false
	if req.Collections != nil {
		cols := make([]eas.SyncCollection, len(req.Collections.Collection))
		copy(cols, req.Collections.Collection)
		for i := range cols {
			cols[i].Commands = nil
		}
		c.Collections = &eas.SyncCollections{Collection: cols}
	}
	return &c
}

// mergeSync builds the request an empty or Partial Sync stands for: the
// cached collections, each at the device's current SyncKey, with the ones
// the request names replacing theirs; Wait, HeartbeatInterval and
// WindowSize from the request when it gives them.
func mergeSync(cached, req *eas.SyncRequest, dev *Device) eas.SyncRequest {
	out := *cacheable(cached)
	for i := range out.Collections.Collection {
		col := &out.Collections.Collection[i]
		if st := dev.collections.get(col.CollectionId); st != nil {
			col.SyncKey = st.key()
		}
	}
	if req.Collections != nil {
	next:
		for _, col := range req.Collections.Collection {
			for i := range out.Collections.Collection {
				if out.Collections.Collection[i].CollectionId == col.CollectionId {
					out.Collections.Collection[i] = col
					continue next
				}
			}
			out.Collections.Collection = append(out.Collections.Collection, col)
		}
	}
	if req.Wait != nil || req.HeartbeatInterval != 0 {
		out.Wait, out.HeartbeatInterval = req.Wait, req.HeartbeatInterval
	}
	if req.WindowSize != 0 {
		out.WindowSize = req.WindowSize
	}
	return out
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// syncLocked computes the response to req and commits the device's new
// sync state if there is anything to send.
func (c *call) syncLocked(req *eas.SyncRequest) (*eas.SyncResponse, bool) {
	m := c.mb
	dev := c.deviceLocked()
	v := c.req.ProtocolVersion
	budget := maxWindowSize
	if req.WindowSize > 0 && req.WindowSize < budget {
		budget = req.WindowSize
	}
	resp := &eas.SyncResponse{Collections: &eas.SyncCollections{}}
	nonEmpty := false
	var commits []func()
	for _, col := range req.Collections.Collection {
		out := eas.SyncCollection{SyncKey: col.SyncKey, CollectionId: col.CollectionId}
		f := m.folderLocked(col.CollectionId)
		if !v.AtLeast(eas.Version140) && f != nil {
			out.Class = folderClass(f.Type)
		}
		switch {
		case f == nil:
			// An unknown collection: the hierarchy changed under the device.
			out.Status = int(eas.SyncStatusFolderHierarchyChanged)
			nonEmpty = true
		case col.SyncKey == "0":
			// (handleSync refused a SyncKey 0 with GetChanges or commands.)
			st := initialState()
			st.supported = supportedNames(col.Supported)
			out.SyncKey, out.Status = st.key(), int(eas.SyncStatusSuccess)
			id := col.CollectionId
			commits = append(commits, func() { dev.collections.set(id, st) })
			nonEmpty = true
		default:
			st := resolveKey(dev.collections.get(col.CollectionId), col.SyncKey)
			if st == nil {
				out.Status = int(eas.SyncStatusInvalidSyncKey)
				nonEmpty = true
				break
			}
			next := st.next()
			out.Status = int(eas.SyncStatusSuccess)
			if c.quarantined {
				// A quarantined or discovering device gets new keys and, in
				// the Inbox, the quarantine notice alone; nothing else moves,
				// so once released it receives the whole backlog
				// (exchange-admin.md 2.1).
				if notice := m.quarantineNoticeLocked(dev, f, next); notice != nil {
					out.Commands = append(out.Commands, eas.SyncCommand{Kind: eas.SyncAdd, ServerId: notice.ServerID, ApplicationData: renderItem(notice, c.renderOptionsFor(col, "Email"))})
					next.setHeld(notice.ServerID)
					nonEmpty = true
				}
				out.SyncKey = next.key()
				id := col.CollectionId
				commits = append(commits, func() { m.shareHeldLocked(id, next); dev.collections.set(id, next) })
				if st != dev.collections.get(col.CollectionId) {
					nonEmpty = true
				}
				break
			}
			if len(col.Commands) > 0 {
				out.Responses = c.applyClientCommandsLocked(f, next, col)
				nonEmpty = true
			}
			getChanges := !col.GetChanges.IsSet() || col.GetChanges.Value()
			if getChanges {
				window := defaultWindowSize
				if col.WindowSize > 0 {
					window = min(col.WindowSize, maxWindowSize)
				}
				window = min(window, budget)
				opts := c.renderOptionsFor(col, folderClass(f.Type))
				ft := c.syncFilter(col, folderClass(f.Type), next)
				keep, ok := c.filterOfType(ft, folderClass(f.Type))
				if !ok {
					out.Status = int(eas.SyncStatusProtocolError)
					nonEmpty = true
					break
				}
				// A FilterType other than the one the state last applied
				// moves the client's view: what it holds that the new
				// filter leaves out is soft-deleted, what the new filter
				// takes in that it lacks is added (MS-ASCMD 2.2.3.168;
				// MSASCMD_S19_TC49, R3967). That takes the whole folder,
				// not only what changed since the state.
				refilter := next.filter != nil && *next.filter != ft
				since := next.seen
				if refilter {
					since = 0
				}
				log := m.changesSinceLocked(f.ServerID, since)
				changes, seen, more := planChanges(next, log, window, keep)
				budget -= len(changes)
				for _, ch := range changes {
					out.Commands = append(out.Commands, syncCommandFor(ch, opts, since))
				}
				out.MoreAvailable = more
				if len(changes) > 0 || more || seen != next.seen {
					nonEmpty = nonEmpty || len(changes) > 0 || more
				}
				next.apply(changes, seen)
				if !more {
					next.filter = &ft
				}
			}
			out.SyncKey = next.key()
			id := col.CollectionId
			commits = append(commits, func() { m.shareHeldLocked(id, next); dev.collections.set(id, next) })
			if st != dev.collections.get(col.CollectionId) && (getChanges || len(col.Commands) > 0) {
				// A resend of the previous key gets its answer again, as
				// Exchange's recovery sync does; with GetChanges 0 and no
				// commands there is nothing to answer, and the collection
				// is left out (Exchange 2013's SyncCommand.UpdateSyncKey;
				// MSASCMD_S19_TC26, R3125).
				nonEmpty = true
			}
		}
		resp.Collections.Collection = append(resp.Collections.Collection, out)
	}
	if nonEmpty {
		for _, commit := range commits {
			commit()
		}
	}
	return resp, nonEmpty
}

// syncCollectionErrorLocked checks what of a collection fails the whole
// Sync with the top-level Status 4, and returns why, or "" (an unknown
// CollectionId is the collection's Status 12, in syncLocked):
//   - no CollectionId (MSASCMD_S19_TC46, R4545);
//   - an Add to the recipient information cache (S19_TC05, R756);
//   - ConversationMode on a collection that holds no email (S19_TC08,
//     R2117);
//   - two Options for the same Class (S19_TC09, R930), or Options for
//     classes other than Email with SMS (S19_TC42, R935), an Options
//     without Class standing for the folder's class;
//   - a FilterType the class does not take, 8 on email included
//     (S19_TC11, R3080), whatever the SyncKey;
//   - Supported in a Sync of the Notes folder (MSASNOTE_S01_TC04, R114).
func (m *Mailbox) syncCollectionErrorLocked(col eas.SyncCollection) string {
	if col.CollectionId == "" {
		return "NoCollectionId"
	}
	f := m.folderLocked(col.CollectionId)
	if f == nil {
		return ""
	}
	if f.Type == eas.FolderTypeRecipientInfoCache {
		for _, cmd := range col.Commands {
			if cmd.Kind == eas.SyncAdd {
				return "AddToRecipientInfoCache"
			}
		}
	}
	class := folderClass(f.Type)
	// Supported names ghosted contact and calendar properties; in a Sync
	// of notes it is an error (MSASNOTE_S01_TC04, MS-ASNOTE R114).
	if col.Supported != nil && class == "Notes" {
		return "SupportedOnNotes"
	}
	if col.ConversationMode != nil && class != "Email" {
		return "ConversationModeNotEmail"
	}
	classes := map[string]bool{}
	for _, o := range col.Options {
		cl := o.Class
		if cl == "" {
			cl = class
		}
		if classes[cl] {
			return "OptionsRedefined"
		}
		classes[cl] = true
	}
	if len(classes) > 1 && (len(classes) > 2 || !classes["Email"] || !classes["SMS"]) {
		return "OptionsClassCombination"
	}
	if o := optionsFor(col.Options, class); o != nil && o.FilterType != nil && !filterTypeValid(class, *o.FilterType) {
		return "InvalidFilterType"
	}
	return ""
}

// filterTypeValid reports whether class takes FilterType ft: e-mail 0-5,
// calendar 0 and 4-7, tasks 0 and 8; contacts and notes ignore it
// (protocol.md 3.2 Sync, from the spec's capture strings).
func filterTypeValid(class string, ft int) bool {
	if ft == eas.FilterTypeAll {
		return true
	}
	switch class {
	case "Email":
		return ft >= eas.FilterTypeOneDay && ft <= eas.FilterTypeOneMonth
	case "Calendar":
		return ft >= eas.FilterTypeTwoWeeks && ft <= eas.FilterTypeSixMonths
	case "Tasks":
		return ft == eas.FilterTypeIncompleteTasks
	}
	return true
}

// quarantineNoticeLocked returns the device's quarantine notice when f is
// the Inbox and the device has not received it yet, else nil.
func (m *Mailbox) quarantineNoticeLocked(dev *Device, f *Folder, st *syncState) *Item {
	if f.Type != eas.FolderTypeInbox || dev.noticeItem == "" || st.held[dev.noticeItem] {
		return nil
	}
	it := m.items[dev.noticeItem]
	if it == nil || it.Deleted || it.FolderID != f.ServerID {
		return nil
	}
	return it
}

// syncCommandFor renders one server change.
func syncCommandFor(ch outChange, opts renderOptions, since uint64) eas.SyncCommand {
	if ch.item.FolderID == recipientInfoCacheID && opts.withBody {
		// An entry of the recipient information cache has no body: Exchange
		// sends Email1Address, FileAs and WeightedRank only
		// (RecipientInfoCacheSchemaState, MSASCNTC_S01_TC04).
		opts.withBody = false
		opts = opts.withKey()
	}
	switch ch.kind {
	case changeAdd:
		return eas.SyncCommand{Kind: eas.SyncAdd, ServerId: ch.item.ServerID, ApplicationData: renderItem(ch.item, opts)}
	case changeChange:
		return eas.SyncCommand{Kind: eas.SyncChange, ServerId: ch.item.ServerID, ApplicationData: changedData(ch.item, opts, since)}
	case changeDelete:
		return eas.SyncCommand{Kind: eas.SyncDelete, ServerId: ch.item.ServerID}
	default:
		return eas.SyncCommand{Kind: eas.SyncSoftDelete, ServerId: ch.item.ServerID}
	}
}

// changedData is the ApplicationData of a Change of it to a device up to
// date with the change counter since. Exchange tracks an e-mail's Read
// and Flag (from 14.0 its Categories, LastVerbExecuted,
// LastVerbExecutionTime and UmUserNotes too) apart from the rest of it,
// and when only tracked properties changed it sends only those
// (ChangeTrackingFilterFactory's V12EmailFilter and V14EmailFilter,
// ChangeTrackingFilter.Filter; MSASEMAIL_S01_TC05 R75, TC06 R76 R100,
// TC03 R320). Any other change, or one easlab cannot tell, sends the
// whole item, as for the other classes.
func changedData(it *Item, opts renderOptions, since uint64) *wbxml.Node {
	full := renderItem(it, opts)
	if it.Class != "Email" {
		return full
	}
	touched, all := it.touchedSince(since)
	if all || len(touched) == 0 {
		return full
	}
	tracked := emailTrackedV12
	if versionAtLeast(opts.version, eas.Version140) {
		tracked = emailTrackedV14
	}
	for t := range touched {
		if !tracked[t] {
			return full
		}
	}
	part := &wbxml.Node{Tag: full.Tag}
	for _, ch := range full.Children {
		if touched[ch.Tag] {
			part.Children = append(part.Children, ch)
		}
	}
	if len(part.Children) == 0 {
		return full
	}
	return part
}

// The e-mail properties Exchange tracks apart (ChangeTrackingFilterFactory).
var (
	emailTrackedV12 = map[*wbxml.Tag]bool{tEmailRead: true, tEmailFlag: true}
	emailTrackedV14 = map[*wbxml.Tag]bool{
		tEmailRead: true, tEmailFlag: true, tCategories: true,
		tLastVerbExecuted: true, tLastVerbExecutionTime: true, mustTag("Email2:UmUserNotes"): true,
	}
)

// optionsFor returns the Options block of a collection for class: the one
// naming the class, else the one naming none.
func optionsFor(opts []eas.SyncOptions, class string) *eas.SyncOptions {
	var generic *eas.SyncOptions
	for i := range opts {
		switch opts[i].Class {
		case class:
			return &opts[i]
		case "":
			generic = &opts[i]
		}
	}
	return generic
}

func (c *call) renderOptionsFor(col eas.SyncCollection, class string) renderOptions {
	ro := renderOptions{withBody: true, version: c.req.ProtocolVersion.String()}
	if o := optionsFor(col.Options, class); o != nil {
		ro.prefs = o.BodyPreference
		ro.parts = o.BodyPartPreference
		ro.mimeTruncation = mimeTruncationSize(o.MIMETruncation)
		if o.MIMESupport != nil {
			ro.mime = *o.MIMESupport
		}
	}
	return ro.withKey()
}

// filterDays is the window of each FilterType value in days.
var filterDays = map[int]int{
	eas.FilterTypeOneDay: 1, eas.FilterTypeThreeDays: 3, eas.FilterTypeOneWeek: 7, eas.FilterTypeTwoWeeks: 14,
	eas.FilterTypeOneMonth: 31, eas.FilterTypeThreeMonths: 92, eas.FilterTypeSixMonths: 183,
}

// filterFor returns the FilterType of a collection as a keep function (nil
// for no filter), and false when the value is not one the class accepts:
// e-mail 0-5, calendar 0 and 4-7, tasks 0 and 8; contacts ignore it
// (protocol.md 3.2 Sync, from the spec's capture strings). E-mail is kept
// by the time it arrived, appointments by their end (recurring ones
// always), tasks by completion.
func (c *call) filterFor(col eas.SyncCollection, class string) (func(*Item) bool, bool) {
	ft := eas.FilterTypeAll
	if o := optionsFor(col.Options, class); o != nil && o.FilterType != nil {
		ft = *o.FilterType
	}
	return c.filterOfType(ft, class)
}

// syncFilter is the FilterType a Sync of col applies to class: the one
// its Options give, else the one the collection's state last applied
// (from 12.1 a client's Options persist until it sends others), else
// none (0).
func (c *call) syncFilter(col eas.SyncCollection, class string, st *syncState) int {
	if o := optionsFor(col.Options, class); o != nil {
		if o.FilterType != nil {
			return *o.FilterType
		}
		return eas.FilterTypeAll
	}
	if st.filter != nil && c.req.ProtocolVersion.AtLeast(eas.Version121) {
		return *st.filter
	}
	return eas.FilterTypeAll
}

// filterOfType is filterFor for FilterType ft.
func (c *call) filterOfType(ft int, class string) (func(*Item) bool, bool) {
	if ft == eas.FilterTypeAll || class == "Contacts" || class == "Notes" {
		return nil, true
	}
	cutoff := c.s.clock.Now().Add(-time.Duration(filterDays[ft]) * 24 * time.Hour)
	switch class {
	case "Email":
		if ft < eas.FilterTypeOneDay || ft > eas.FilterTypeOneMonth {
			return nil, false
		}
		return func(it *Item) bool { return !it.Received.Before(cutoff) }, true
	case "Calendar":
		if ft < eas.FilterTypeTwoWeeks || ft > eas.FilterTypeSixMonths {
			return nil, false
		}
		return func(it *Item) bool {
			if hasChild(it, tCalRecurrence) {
				return true
			}
			end, err := eas.ParseDate(it.Prop(tCalEndTime))
			return err != nil || !end.Before(cutoff)
		}, true
	case "Tasks":
		if ft != eas.FilterTypeIncompleteTasks {
			return nil, false
		}
		return func(it *Item) bool { return it.Prop(tTaskComplete) != "1" }, true
	}
	return nil, true
}

var (
	tCalRecurrence = mustTag("Calendar:Recurrence")
	tCalEndTime    = mustTag("Calendar:EndTime")
	tCalStartTime  = mustTag("Calendar:StartTime")
	tTaskComplete  = mustTag("Tasks:Complete")
)

func hasChild(it *Item, t *wbxml.Tag) bool {
	for _, p := range it.Props {
		if p.Tag == t {
			return true
		}
	}
	return false
}

// applyClientCommandsLocked applies a device's Add, Change, Delete and
// Fetch to the mailbox and returns the Responses. The device's own changes
// are recorded in its state so they are not sent back to it.
func (c *call) applyClientCommandsLocked(f *Folder, st *syncState, col eas.SyncCollection) eas.SyncCommands {
	m := c.mb
	var out eas.SyncCommands
	class := folderClass(f.Type)
	deletesAsMoves := !col.DeletesAsMoves.IsSet() || col.DeletesAsMoves.Value()
	opts := c.renderOptionsFor(col, class)
	for _, cmd := range col.Commands {
		switch cmd.Kind {
		case eas.SyncAdd:
			r := eas.SyncCommand{Kind: eas.SyncAdd, ClientId: cmd.ClientId}
			if cmd.ApplicationData == nil || cmd.ClientId == "" {
				r.Status = int(eas.SyncStatusConversionError)
				out = append(out, r)
				continue
			}
			if st := addItemStatus(c.req.ProtocolVersion, f, cmd); st != eas.SyncStatusSuccess {
				r.Status = int(st)
				out = append(out, r)
				continue
			}
			// An item whose Class is not the folder's is answered with its
			// Class (MSASCMD_S19_TC50, R941, R9945).
			if cmd.Class != "" && cmd.Class != class {
				r.Class = cmd.Class
			}
			props, body := splitBody(cmd.ApplicationData)
			// Notes, tasks and contacts are checked and stored as Exchange
			// converts them (pimitems.go).
			if status := pimAddStatus(class, props); status != eas.SyncStatusSuccess {
				r.Status = int(status)
				out = append(out, r)
				continue
			}
			props, body = pimProps(class, props, c.req.ProtocolVersion, c.s.clock.Now()), pimBody(class, body)
			if class == "Calendar" {
				var cst eas.SyncStatus
				if props, cst = c.calendarAddLocked(props, body); cst != eas.SyncStatusSuccess {
					r.Status = int(cst)
					out = append(out, r)
					continue
				}
			}
			it, err := m.addItemLocked(f.ServerID, &Item{Class: class, Props: props, Body: body, Received: c.s.clock.Now()})
			if err != nil {
				r.Status = int(eas.SyncStatusServerError)
			} else {
				r.ServerId, r.Status = it.ServerID, int(eas.SyncStatusSuccess)
				c.queueInvitationLocked(it.ServerID)
				st.setHeld(it.ServerID)
				st.setEcho(it.ServerID, it.ModSeq)
			}
			out = append(out, r)
		case eas.SyncChange:
			// An element only the server sets is refused before the item
			// is looked up (flags.go).
			if class == "Email" && serverOnlyEmail(cmd.ApplicationData) {
				out = append(out, eas.SyncCommand{Kind: eas.SyncChange, ServerId: cmd.ServerId, Status: int(eas.SyncStatusConversionError)})
				continue
			}
			it := m.items[cmd.ServerId]
			if it == nil || it.Deleted || it.FolderID != f.ServerID {
				out = append(out, eas.SyncCommand{Kind: eas.SyncChange, ServerId: cmd.ServerId, Status: int(eas.SyncStatusObjectNotFound)})
				continue
			}
			// A conflict: the item changed on the server since this device
			// last saw it. The server wins unless the device asked for
			// Conflict 0 (MS-ASCMD 2.2.3.34): its change is refused with
			// status 7 and the server's version follows in Commands. The
			// item's last change made by this very device (in the request
			// it now resends the previous SyncKey of) is not a conflict:
			// a device's own changes are never reported back to it
			// (MSASNOTE_S01_TC03, R210: a second Change from the same key).
			v, own := st.echo[it.ServerID]
			if !own {
				v, own = m.storedEchoLocked(c.req.DeviceID, f.ServerID, it.ServerID)
			}
			if it.ModSeq > st.seen && (!own || v != it.ModSeq) && !clientWins(col.Options, class) {
				out = append(out, eas.SyncCommand{Kind: eas.SyncChange, ServerId: cmd.ServerId, Status: int(eas.SyncStatusConflict)})
				continue
			}
			var touched []*wbxml.Tag // nil: anything
			if cmd.ApplicationData != nil && pimClasses[class] {
				// A Change that changes nothing leaves the item as it was
				// (MSASNOTE_S01_TC03: a note's LastModifiedDate alone).
				props, body := splitBody(cmd.ApplicationData)
				if status := pimAddStatus(class, props); status != eas.SyncStatusSuccess {
					out = append(out, eas.SyncCommand{Kind: eas.SyncChange, ServerId: cmd.ServerId, Status: int(status)})
					continue
				}
				if !pimChange(it, props, body, st.supported, c.req.ProtocolVersion, c.s.clock.Now()) {
					continue
				}
			} else if cmd.ApplicationData != nil {
				props, body := splitBody(cmd.ApplicationData)
				if class == "Calendar" {
					props = calendarChangeProps(it, props)
				}
				if it.Class == "Email" {
					// An e-mail's flag as Exchange takes it (flags.go).
					var ok bool
					if props, ok = changeEmailFlags(it, props); !ok {
						out = append(out, eas.SyncCommand{Kind: eas.SyncChange, ServerId: cmd.ServerId, Status: int(eas.SyncStatusConversionError)})
						continue
					}
				}
				it.setProps(props)
				if body.Plain != "" {
					it.Body = body
				} else if it.Class == "Email" {
					// What the Change touched, so that other devices get
					// only that (changedData).
					touched = propTags(props)
				}
			}
			m.stampTouchedLocked(it, true, touched)
			st.setEcho(it.ServerID, it.ModSeq)
		case eas.SyncDelete:
			it := m.items[cmd.ServerId]
			if it == nil || it.Deleted || it.FolderID != f.ServerID {
				out = append(out, eas.SyncCommand{Kind: eas.SyncDelete, ServerId: cmd.ServerId, Status: int(eas.SyncStatusObjectNotFound)})
				continue
			}
			if deletesAsMoves && class == "Email" && f.Type != eas.FolderTypeDeletedItems {
				if dst := m.folderOfTypeLocked(eas.FolderTypeDeletedItems); dst != nil {
					m.moveLocked(it, dst.ServerID)
				}
			} else {
				it.Deleted = true
				m.stampLocked(it, true)
			}
			st.unsetHeld(cmd.ServerId)
			st.setEcho(cmd.ServerId, m.items[cmd.ServerId].ModSeq)
		case eas.SyncFetch:
			it := m.items[cmd.ServerId]
			if it == nil || it.Deleted {
				out = append(out, eas.SyncCommand{Kind: eas.SyncFetch, ServerId: cmd.ServerId, Status: int(eas.SyncStatusObjectNotFound)})
				continue
			}
			out = append(out, eas.SyncCommand{Kind: eas.SyncFetch, ServerId: cmd.ServerId, Status: int(eas.SyncStatusSuccess), ApplicationData: renderItem(it, opts)})
		}
	}
	return out
}

// addItemStatus checks a client's Add as Exchange does, and answers
// Status 6 for an item it refuses:
//   - an email, which a client cannot add (MSASCMD_S19_TC25, R755), but
//     from 16.0 as a draft in the Drafts folder;
//   - a calendar item with an empty StartTime or EndTime (S19_TC24,
//     R4440).
func addItemStatus(v eas.ProtocolVersion, f *Folder, cmd eas.SyncCommand) eas.SyncStatus {
	class := cmd.Class
	if class == "" {
		class = folderClass(f.Type)
	}
	switch class {
	case "Email":
		if !v.AtLeast(eas.Version160) || f.Type != eas.FolderTypeDrafts {
			return eas.SyncStatusConversionError
		}
	case "Calendar":
		for _, p := range cmd.ApplicationData.Elements() {
			if (p.Tag == tCalEndTime || p.Tag == tCalStartTime) && p.Text() == "" {
				return eas.SyncStatusConversionError
			}
		}
	}
	return eas.SyncStatusSuccess
}

// clientWins reports whether a collection's Options ask for the client's
// changes to win conflicts (Conflict 0); the default is the server's.
func clientWins(opts []eas.SyncOptions, class string) bool {
	o := optionsFor(opts, class)
	return o != nil && o.Conflict != nil && *o.Conflict == 0
}

// splitBody separates the AirSyncBase:Body of a client's ApplicationData
// from its other properties.
func splitBody(app *wbxml.Node) ([]*wbxml.Node, Body) {
	var props []*wbxml.Node
	var body Body
	for _, p := range app.Elements() {
		if p.Tag == tBody {
			if d := p.Find(tData); d != nil {
				switch p.Find(tBodyType).Text() {
				case "2":
					body.HTML = d.Text()
					body.Plain = htmltext.StripTags(body.HTML)
				default:
					body.Plain = d.Text()
				}
			}
			continue
		}
		props = append(props, p)
	}
	return props, body
}

func (m *Mailbox) folderOfTypeLocked(t eas.FolderType) *Folder {
	for _, f := range m.folders {
		if f.Type == t && !f.Deleted {
			return f
		}
	}
	return nil
}
