package eas

import "github.com/easlab/easlab/wbxml"

// FolderType is the type of a folder in the hierarchy (MS-ASCMD 2.2.3.186.3).
type FolderType int

// The folder types.
const (
	FolderTypeUserGeneric        FolderType = 1
	FolderTypeInbox              FolderType = 2
	FolderTypeDrafts             FolderType = 3
	FolderTypeDeletedItems       FolderType = 4
	FolderTypeSentItems          FolderType = 5
	FolderTypeOutbox             FolderType = 6
	FolderTypeTasks              FolderType = 7
	FolderTypeCalendar           FolderType = 8
	FolderTypeContacts           FolderType = 9
	FolderTypeNotes              FolderType = 10
	FolderTypeJournal            FolderType = 11
	FolderTypeUserMail           FolderType = 12
	FolderTypeUserCalendar       FolderType = 13
	FolderTypeUserContacts       FolderType = 14
	FolderTypeUserTasks          FolderType = 15
	FolderTypeUserJournal        FolderType = 16
	FolderTypeUserNotes          FolderType = 17
	FolderTypeUnknown            FolderType = 18
	FolderTypeRecipientInfoCache FolderType = 19
)

// FolderSyncRequest asks for the changes to the folder hierarchy since
// SyncKey ("0" for the whole hierarchy) (MS-ASCMD 2.2.1.5).
type FolderSyncRequest struct {
	WBXMLName wbxml.Name    `wbxml:"FolderHierarchy:FolderSync"`
	SyncKey   string        `wbxml:"SyncKey"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// FolderSyncResponse answers a FolderSync: a new hierarchy SyncKey and the
// changes since the client's.
type FolderSyncResponse struct {
	WBXMLName wbxml.Name     `wbxml:"FolderHierarchy:FolderSync"`
	Status    int            `wbxml:"Status"`
	SyncKey   string         `wbxml:"SyncKey,omitempty"`
	Changes   *FolderChanges `wbxml:"Changes,omitempty"`
	Extra     []*wbxml.Node  `wbxml:",any"`
}

// FolderChanges lists hierarchy changes in the schema's order: updates,
// deletes, adds. Count is their number (Exchange sends 0 when nothing
// changed).
type FolderChanges struct {
	Count  *int          `wbxml:"Count,omitempty"`
	Update []Folder      `wbxml:"Update,omitempty"`
	Delete []Folder      `wbxml:"Delete,omitempty"`
	Add    []Folder      `wbxml:"Add,omitempty"`
	Extra  []*wbxml.Node `wbxml:",any"`
}

// Folder is one folder in a FolderSync Add or Update; a Delete carries
// ServerId only. ParentId "0" is the root.
type Folder struct {
	ServerId    string        `wbxml:"ServerId"`
	ParentId    string        `wbxml:"ParentId,omitempty"`
	DisplayName string        `wbxml:"DisplayName,omitempty"`
	Type        FolderType    `wbxml:"Type,omitempty"`
	Extra       []*wbxml.Node `wbxml:",any"`
}

// GetHierarchyResponse is the response of the legacy GetHierarchy command
// (2.5 to 12.1, no request body): the whole folder list.
type GetHierarchyResponse struct {
	WBXMLName wbxml.Name        `wbxml:"FolderHierarchy:Folders"`
	Folder    []HierarchyFolder `wbxml:"Folder"`
	Extra     []*wbxml.Node     `wbxml:",any"`
}

// HierarchyFolder is one folder of a GetHierarchy response, in that
// command's order.
type HierarchyFolder struct {
	DisplayName string        `wbxml:"DisplayName"`
	ServerId    string        `wbxml:"ServerId"`
	Type        FolderType    `wbxml:"Type"`
	ParentId    string        `wbxml:"ParentId"`
	Extra       []*wbxml.Node `wbxml:",any"`
}
