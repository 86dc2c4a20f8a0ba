package eas

import "github.com/easlab/easlab/wbxml"

// FolderCreate, FolderUpdate and FolderDelete change the folder hierarchy
// (MS-ASCMD 2.2.1.2-4). Each takes and returns a hierarchy SyncKey of the
// same key space as FolderSync.

// FolderCreateRequest creates a folder named DisplayName under ParentId
// ("0": the root). Type is a user-created type (12..17) or 1.
type FolderCreateRequest struct {
	WBXMLName   wbxml.Name    `wbxml:"FolderHierarchy:FolderCreate"`
	SyncKey     string        `wbxml:"SyncKey"`
	ParentId    string        `wbxml:"ParentId"`
	DisplayName string        `wbxml:"DisplayName"`
	Type        FolderType    `wbxml:"Type"`
	Extra       []*wbxml.Node `wbxml:",any"`
}

// FolderCreateResponse answers a FolderCreate with the new folder's
// ServerId.
type FolderCreateResponse struct {
	WBXMLName wbxml.Name    `wbxml:"FolderHierarchy:FolderCreate"`
	Status    int           `wbxml:"Status"`
	SyncKey   string        `wbxml:"SyncKey,omitempty"`
	ServerId  string        `wbxml:"ServerId,omitempty"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// FolderUpdateRequest renames folder ServerId and/or moves it under
// ParentId.
type FolderUpdateRequest struct {
	WBXMLName   wbxml.Name    `wbxml:"FolderHierarchy:FolderUpdate"`
	SyncKey     string        `wbxml:"SyncKey"`
	ServerId    string        `wbxml:"ServerId"`
	ParentId    string        `wbxml:"ParentId"`
	DisplayName string        `wbxml:"DisplayName"`
	Extra       []*wbxml.Node `wbxml:",any"`
}

// FolderUpdateResponse answers a FolderUpdate.
type FolderUpdateResponse struct {
	WBXMLName wbxml.Name    `wbxml:"FolderHierarchy:FolderUpdate"`
	Status    int           `wbxml:"Status"`
	SyncKey   string        `wbxml:"SyncKey,omitempty"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// FolderDeleteRequest deletes folder ServerId.
type FolderDeleteRequest struct {
	WBXMLName wbxml.Name    `wbxml:"FolderHierarchy:FolderDelete"`
	SyncKey   string        `wbxml:"SyncKey"`
	ServerId  string        `wbxml:"ServerId"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// FolderDeleteResponse answers a FolderDelete.
type FolderDeleteResponse struct {
	WBXMLName wbxml.Name    `wbxml:"FolderHierarchy:FolderDelete"`
	Status    int           `wbxml:"Status"`
	SyncKey   string        `wbxml:"SyncKey,omitempty"`
	Extra     []*wbxml.Node `wbxml:",any"`
}
