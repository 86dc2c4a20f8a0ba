package simulator

import (
	"sort"
	"strconv"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// The legacy hierarchy commands of EAS 2.x that Exchange still serves to
// clients of protocol 12.1 and earlier (their MaxVersion is 121):
// GetHierarchy, CreateCollection, DeleteCollection and MoveCollection.
// MS-ASCMD no longer describes them; these handlers follow Exchange 2013's
// GetHierarchyCommand and CollectionCommand with its three subclasses
// (exchange-admin.md S1):
//
//   - GetHierarchy takes no body and answers FolderHierarchy:Folders, one
//     Folder (DisplayName, ServerId, Type, ParentId) per mail folder (the
//     default ones and those of type 12), shallowest first. Its ServerIds
//     are those FolderSync hands out.
//   - The *Collection commands take their arguments from the query string
//     (CollectionId, ParentId, CollectionName, each 1 to 256 characters,
//     else HTTP 400) and no body, and answer a bare
//     <FolderHierarchy:Response><Status>N</Status></Response> with HTTP
//     200. (Response is token 0x0B of the FolderHierarchy page, which the
//     current MS-ASWBXML no longer lists.) A missing argument is HTTP 400
//     (InvalidCombinationOfIDs). The statuses are Exchange's Sync ones:
//     1 success, 2 the folder already has that name and parent (Move), 4
//     CollectionId unknown, 5 ParentId unknown, 6 the store refused
//     (Exchange's StoragePermanentException: the name exists in the
//     parent, a default folder, a move into the folder's own subtree).
//   - CreateCollection makes a mail folder (IPF.Note, type 12) named
//     CollectionName under ParentId ("0": the root) and answers its
//     ServerId in Response/Folder/ServerId. DeleteCollection deletes
//     CollectionId with its subfolders; MoveCollection renames CollectionId
//     to CollectionName and moves it under ParentId.
//
// Changes made here reach FolderSync devices as ordinary hierarchy
// changes.

var (
	lkFHResponse = mustTag("FolderHierarchy:Response")
	lkFHStatus   = mustTag("FolderHierarchy:Status")
	lkFHFolder   = mustTag("FolderHierarchy:Folder")
	lkFHServerID = mustTag("FolderHierarchy:ServerId")
)

// Statuses of the legacy *Collection commands (Exchange's Sync_* values).
const (
	collectionStatusSuccess      = 1
	collectionStatusSameFolder   = 2 // Sync_ProtocolVersionMismatch
	collectionStatusNotFound     = 4 // Sync_ProtocolError
	collectionStatusNoParent     = 5 // Sync_ServerError
	collectionStatusStoreRefusal = 6 // Sync_ClientServerConversion
	maxCollectionParameterLength = 256
	legacyMailFolderType         = eas.FolderTypeUserMail
)

func handleGetHierarchy(c *call) error {
	m := c.mb
	m.lock()
	defer m.unlock()
	type entry struct {
		f     *Folder
		depth int
	}
	var list []entry
	for _, f := range m.folders {
		// Exchange lists the mail folders only, default and user-made
		// (its GetHierarchyFilter: non-hidden, AllMailFolder), so no
		// calendar, contacts, tasks, notes, journal or recipient
		// information cache (MSASCMD_S22_TC01, R6026).
		mail := f.Type >= eas.FolderTypeInbox && f.Type <= eas.FolderTypeOutbox || f.Type == eas.FolderTypeUserMail
		if f.Deleted || !mail {
			continue
		}
		list = append(list, entry{f, m.legacyFolderDepthLocked(f)})
	}
	if len(list) == 0 {
		return eas.NewStatusError(eas.StatusNoFoldersFound, "the mailbox has no folders")
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].depth < list[j].depth })
	resp := &eas.GetHierarchyResponse{}
	for _, e := range list {
		resp.Folder = append(resp.Folder, eas.HierarchyFolder{
			DisplayName: e.f.DisplayName, ServerId: e.f.ServerID, Type: e.f.Type, ParentId: e.f.ParentID,
		})
	}
	return c.reply(resp)
}

// legacyFolderDepthLocked is a folder's depth below the root (1 for a top-level
// folder).
func (m *Mailbox) legacyFolderDepthLocked(f *Folder) int {
	d := 1
	for p := f.ParentID; p != "0" && d < 1000; d++ {
		pf := m.folderByIDLocked(p)
		if pf == nil {
			break
		}
		p = pf.ParentID
	}
	return d
}

// collectionCheckLocked checks the legacy query arguments in Exchange's
// order: each one given must be 1 to 256 characters (InvalidIDs, HTTP
// 400); a CollectionId given must name a folder (Status 4) and a ParentId
// given must be "0" or name a folder (Status 5), whichever command it is;
// then the arguments the command needs must be there
// (InvalidCombinationOfIDs, HTTP 400). done reports that the answer is
// written or err is to be returned.
func (c *call) collectionCheckLocked(required ...string) (done bool, err error) {
	args := map[string]string{
		"CollectionId":   c.req.CollectionID,
		"ParentId":       c.req.ParentID,
		"CollectionName": c.req.CollectionName,
	}
	for _, name := range []string{"CollectionId", "ParentId", "CollectionName"} {
		if len([]rune(args[name])) > maxCollectionParameterLength {
			return true, eas.NewStatusError(eas.StatusInvalidIDs, name+" is longer than 256 characters")
		}
	}
	m := c.mb
	if id := c.req.CollectionID; id != "" && m.folderLocked(id) == nil {
		return true, c.replyCollection(collectionStatusNotFound, "")
	}
	if p := c.req.ParentID; p != "" && p != "0" && m.folderLocked(p) == nil {
		return true, c.replyCollection(collectionStatusNoParent, "")
	}
	for _, name := range required {
		if args[name] == "" {
			return true, eas.NewStatusError(eas.StatusInvalidCombinationOfIDs, "missing "+name)
		}
	}
	return false, nil
}

// replyCollection answers a *Collection command: Response with Status and,
// for a created folder, Folder/ServerId. The Response tag is legacy, so
// the body is written with an encoder that allows it.
func (c *call) replyCollection(status int, serverID string) error {
	e := wbxml.NewEncoder(nil)
	e.AllowLegacy = true
	e.Start(lkFHResponse)
	e.Element(lkFHStatus, strconv.Itoa(status))
	if serverID != "" {
		e.Start(lkFHFolder)
		e.Element(lkFHServerID, serverID)
		e.End()
	}
	e.End()
	if err := e.Close(); err != nil {
		return err
	}
	c.out = append([]byte(nil), e.Bytes()...)
	return nil
}

func handleCreateCollection(c *call) error {
	m := c.mb
	m.lock()
	defer m.unlock()
	if done, err := c.collectionCheckLocked("CollectionName", "ParentId"); done {
		return err
	}
	parent, name := c.req.ParentID, c.req.CollectionName
	if pf := m.folderLocked(parent); pf != nil && pf.Type == eas.FolderTypeRecipientInfoCache {
		return c.replyCollection(collectionStatusStoreRefusal, "")
	}
	if m.childNamedLocked(parent, name) != nil {
		return c.replyCollection(collectionStatusStoreRefusal, "")
	}
	f := m.addFolderLocked(parent, name, legacyMailFolderType)
	return c.replyCollection(collectionStatusSuccess, f.ServerID)
}

func handleDeleteCollection(c *call) error {
	m := c.mb
	m.lock()
	defer m.unlock()
	if done, err := c.collectionCheckLocked("CollectionId"); done {
		return err
	}
	f := m.folderLocked(c.req.CollectionID)
	if isDefaultFolder(f.Type) {
		return c.replyCollection(collectionStatusStoreRefusal, "")
	}
	m.deleteFolderLocked(f)
	return c.replyCollection(collectionStatusSuccess, "")
}

func handleMoveCollection(c *call) error {
	m := c.mb
	m.lock()
	defer m.unlock()
	if done, err := c.collectionCheckLocked("CollectionName", "ParentId", "CollectionId"); done {
		return err
	}
	id, parent, name := c.req.CollectionID, c.req.ParentID, c.req.CollectionName
	f := m.folderLocked(id)
	// Exchange compares the name exactly here.
	if f.DisplayName == name && f.ParentID == parent {
		return c.replyCollection(collectionStatusSameFolder, "")
	}
	if isDefaultFolder(f.Type) || m.legacyInSubtreeLocked(parent, id) {
		return c.replyCollection(collectionStatusStoreRefusal, "")
	}
	if other := m.childNamedLocked(parent, name); other != nil && other != f {
		return c.replyCollection(collectionStatusStoreRefusal, "")
	}
	f.DisplayName, f.ParentID = name, parent
	f.ModSeq = m.commitLocked()
	return c.replyCollection(collectionStatusSuccess, "")
}

// legacyInSubtreeLocked reports whether folder id is root or one of its
// descendants.
func (m *Mailbox) legacyInSubtreeLocked(id, root string) bool {
	for i := 0; id != "0" && i < 1000; i++ {
		if id == root {
			return true
		}
		f := m.folderByIDLocked(id)
		if f == nil {
			return false
		}
		id = f.ParentID
	}
	return false
}
