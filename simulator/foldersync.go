package simulator

import (
	"strings"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// FolderSync, FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD
// 2.2.1.2-5). They share one hierarchy SyncKey per device.

func handleFolderSync(c *call) error {
	var req eas.FolderSyncRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if !c.hasSyncKey() {
		return c.reply(&eas.FolderSyncResponse{Status: int(eas.FolderSyncStatusMalformedRequest)})
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	dev := c.deviceLocked()
	var st *syncState
	if req.SyncKey == "0" {
		st = &syncState{guid: newGUID()}
	} else if st = resolveKey(dev.hierarchy, req.SyncKey); st == nil {
		return c.reply(&eas.FolderSyncResponse{Status: int(eas.FolderSyncStatusInvalidSyncKey)})
	}
	next := st.next()
	ch := &eas.FolderChanges{}
	for _, f := range m.folders {
		if f.ModSeq <= st.seen {
			continue
		}
		if f.Type == eas.FolderTypeRecipientInfoCache && !c.req.ProtocolVersion.AtLeast(eas.Version140) {
			// Exchange lists its recipient information cache from 14.0
			// (FolderSyncCommand.AddVirtualFolders).
			continue
		}
		if v, ok := st.echo[f.ServerID]; ok && v == f.ModSeq {
			continue
		}
		held := st.held[f.ServerID]
		switch {
		case f.Deleted && held:
			ch.Delete = append(ch.Delete, eas.Folder{ServerId: f.ServerID})
			next.unsetHeld(f.ServerID)
		case f.Deleted:
		case held:
			ch.Update = append(ch.Update, folderOf(f))
		default:
			ch.Add = append(ch.Add, folderOf(f))
			next.setHeld(f.ServerID)
		}
	}
	next.seen = m.modseq
	next.echo = nil
	m.shareHeldLocked("", next)
	dev.hierarchy = next
	n := len(ch.Add) + len(ch.Update) + len(ch.Delete)
	ch.Count = &n
	if req.SyncKey == "0" {
		c.s.setResetHeaders(c)
	}
	return c.reply(&eas.FolderSyncResponse{Status: int(eas.FolderSyncStatusSuccess), SyncKey: next.key(), Changes: ch})
}

func folderOf(f *Folder) eas.Folder {
	return eas.Folder{ServerId: f.ServerID, ParentId: f.ParentID, DisplayName: f.DisplayName, Type: f.Type}
}

// hasSyncKey reports whether the hierarchy command's request (decoded
// already) has a SyncKey element, empty or not. Exchange answers a
// FolderSync, FolderCreate, FolderUpdate or FolderDelete without one with
// Status 10, malformed request, and one with an empty or unknown key with
// Status 9 (Interop MS-ASCMD S04_TC06 R4086, S02_TC06 R4035, S03_TC05
// R4063, S05_TC06 R3102/R4123/R4568; S04_TC05 R4068 for the empty key).
func (c *call) hasSyncKey() bool {
	root := c.requestTree()
	return root == nil || root.Find(fhSyncKeyTag) != nil // nil: decode accepted it, let the key check answer
}

var fhSyncKeyTag = mustTag("FolderHierarchy:SyncKey")

// requestTree reads the request body, which c.decode accepted, again as a
// tree, for what decoding into a struct loses: whether an element is
// there at all, or there twice. It returns nil if the body is not WBXML.
func (c *call) requestTree() *wbxml.Node {
	if len(c.body) == 0 {
		return nil
	}
	d := wbxml.NewBytesDecoder(c.body)
	d.Limits = c.s.opts.Limits
	root, err := wbxml.ParseWith(d)
	if err != nil {
		return nil
	}
	return root
}

// hierarchyStep checks a FolderCreate/Update/Delete SyncKey against the
// device's hierarchy state and returns the state to change, or nil.
func (c *call) hierarchyStepLocked(key string) (*Device, *syncState) {
	dev := c.deviceLocked()
	if dev.hierarchy == nil || key != dev.hierarchy.key() {
		return dev, nil
	}
	return dev, dev.hierarchy
}

// commitHierarchyLocked moves the device to a new hierarchy key after its
// own change to folder id, which it need not be told about.
func (c *call) commitHierarchyLocked(dev *Device, st *syncState, id string, deleted bool) string {
	next := st.next()
	f := c.mb.folderByIDLocked(id)
	if deleted {
		next.unsetHeld(id)
	} else {
		next.setHeld(id)
	}
	if f != nil {
		next.setEcho(id, f.ModSeq)
	}
	c.mb.shareHeldLocked("", next)
	dev.hierarchy = next
	return next.key()
}

func handleFolderCreate(c *call) error {
	var req eas.FolderCreateRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	reply := func(s eas.FolderCreateStatus) error { return c.reply(&eas.FolderCreateResponse{Status: int(s)}) }
	if !c.hasSyncKey() {
		return reply(eas.FolderCreateStatusMalformedRequest)
	}
	dev, st := c.hierarchyStepLocked(req.SyncKey)
	if st == nil {
		return reply(eas.FolderCreateStatusInvalidSyncKey)
	}
	switch {
	case req.Type == eas.FolderTypeRecipientInfoCache && c.req.ProtocolVersion.AtLeast(eas.Version140):
		// A recipient information cache cannot be created: Status 3, as
		// for a folder under one (Interop MS-ASCMD S02_TC08 R81, from
		// 14.0; at 12.1 there is no such folder type, and Type 19 is
		// malformed).
		return reply(eas.FolderCreateStatusSpecialFolder)
	case req.DisplayName == "" || isDefaultFolder(req.Type) || req.Type < eas.FolderTypeUserGeneric || req.Type > eas.FolderTypeUserNotes:
		return reply(eas.FolderCreateStatusMalformedRequest)
	case req.ParentId != "0" && m.folderLocked(req.ParentId) == nil:
		return reply(eas.FolderCreateStatusParentNotFound)
	case req.ParentId != "0" && m.folderLocked(req.ParentId).Type == eas.FolderTypeRecipientInfoCache:
		return reply(eas.FolderCreateStatusSpecialFolder)
	case m.childNamedLocked(req.ParentId, req.DisplayName) != nil:
		return reply(eas.FolderCreateStatusFolderExists)
	}
	f := m.addFolderLocked(req.ParentId, req.DisplayName, req.Type)
	key := c.commitHierarchyLocked(dev, st, f.ServerID, false)
	return c.reply(&eas.FolderCreateResponse{Status: int(eas.FolderCreateStatusSuccess), SyncKey: key, ServerId: f.ServerID})
}

func handleFolderUpdate(c *call) error {
	var req eas.FolderUpdateRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	reply := func(s eas.FolderUpdateStatus) error { return c.reply(&eas.FolderUpdateResponse{Status: int(s)}) }
	if !c.hasSyncKey() {
		return reply(eas.FolderUpdateStatusMalformedRequest)
	}
	dev, st := c.hierarchyStepLocked(req.SyncKey)
	if st == nil {
		return reply(eas.FolderUpdateStatusInvalidSyncKey)
	}
	f := m.folderLocked(req.ServerId)
	switch {
	case f == nil:
		return reply(eas.FolderUpdateStatusFolderNotFound)
	case f.Type == eas.FolderTypeRecipientInfoCache:
		return reply(eas.FolderUpdateStatusSpecialFolder)
	case isDefaultFolder(f.Type):
		return reply(eas.FolderUpdateStatusFolderExists)
	case req.ParentId != "0" && m.folderLocked(req.ParentId) == nil:
		return reply(eas.FolderUpdateStatusParentNotFound)
	case req.DisplayName == "":
		return reply(eas.FolderUpdateStatusMalformedRequest)
	}
	if other := m.childNamedLocked(req.ParentId, req.DisplayName); other != nil && other != f {
		return reply(eas.FolderUpdateStatusFolderExists)
	}
	f.ParentID, f.DisplayName = req.ParentId, req.DisplayName
	f.ModSeq = m.commitLocked()
	key := c.commitHierarchyLocked(dev, st, f.ServerID, false)
	return c.reply(&eas.FolderUpdateResponse{Status: int(eas.FolderUpdateStatusSuccess), SyncKey: key})
}

func handleFolderDelete(c *call) error {
	var req eas.FolderDeleteRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	reply := func(s eas.FolderDeleteStatus) error { return c.reply(&eas.FolderDeleteResponse{Status: int(s)}) }
	if !c.hasSyncKey() {
		return reply(eas.FolderDeleteStatusMalformedRequest)
	}
	dev, st := c.hierarchyStepLocked(req.SyncKey)
	if st == nil {
		return reply(eas.FolderDeleteStatusInvalidSyncKey)
	}
	f := m.folderLocked(req.ServerId)
	switch {
	case f == nil:
		return reply(eas.FolderDeleteStatusFolderNotFound)
	case isDefaultFolder(f.Type):
		return reply(eas.FolderDeleteStatusSpecialFolder)
	}
	m.deleteFolderLocked(f)
	key := c.commitHierarchyLocked(dev, st, f.ServerID, true)
	return c.reply(&eas.FolderDeleteResponse{Status: int(eas.FolderDeleteStatusSuccess), SyncKey: key})
}

// childNamedLocked finds a live folder of parent by name (case-insensitive,
// as Exchange compares folder names).
func (m *Mailbox) childNamedLocked(parent, name string) *Folder {
	for _, f := range m.folders {
		if !f.Deleted && f.ParentID == parent && strings.EqualFold(f.DisplayName, name) {
			return f
		}
	}
	return nil
}

// folderByIDLocked returns a folder, live or deleted.
func (m *Mailbox) folderByIDLocked(id string) *Folder {
	for _, f := range m.folders {
		if f.ServerID == id {
			return f
		}
	}
	return nil
}

// deleteFolderLocked deletes a folder, its subfolders and their items.
func (m *Mailbox) deleteFolderLocked(f *Folder) {
	for _, child := range m.folders {
		if !child.Deleted && child.ParentID == f.ServerID {
			m.deleteFolderLocked(child)
		}
	}
	for _, it := range m.items {
		if it.FolderID == f.ServerID && !it.Deleted {
			it.Deleted = true
			m.stampLocked(it, true)
		}
	}
	f.Deleted = true
	f.ModSeq = m.commitLocked()
}

// setResetHeaders puts on a successful FolderSync with SyncKey 0 the
// headers Exchange sends when a device (re)starts its hierarchy: X-MS-RP
// and MS-ASProtocolVersions with the versions the server speaks, and
// MS-ASProtocolCommands (MS-ASHTTP 3.2.5.1: the server SHOULD send them
// "if the client sends a request to synchronize the folder hierarchy with
// a synchronization key of 0"; Exchange 2013's FolderCommand.LoadSyncState
// sets SendServerUpgradeHeader for SyncKey 0, and Command's completion
// calls AddHeadersForEnterpriseOrgUser: protocol.md 1.6). Exchange 2013's
// command list on POST answers is the fixed one without Find, as its
// OPTIONS list; easlab sends the profile's OPTIONS lists, which for 2016
// and 2019 (with Find) is UNCONFIRMED on a POST.
func (s *Server) setResetHeaders(c *call) {
	h := c.w.Header()
	eas.SetHeader(h, eas.HeaderResetPartnership, s.profile.VersionsHeader())
	eas.SetHeader(h, eas.HeaderProtocolVersions, s.profile.VersionsHeader())
	eas.SetHeader(h, eas.HeaderProtocolCommands, s.profile.CommandsHeader())
}
