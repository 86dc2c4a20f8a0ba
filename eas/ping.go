package eas

import "github.com/easlab/easlab/wbxml"

// PingRequest asks to be told when a folder changes (MS-ASCMD 2.2.1.13):
// the server holds the request for HeartbeatInterval seconds. The first
// Ping of a device must carry both fields; an empty body (or one missing
// either) reuses the cached ones.
type PingRequest struct {
	WBXMLName         wbxml.Name    `wbxml:"Ping:Ping"`
	HeartbeatInterval int           `wbxml:"HeartbeatInterval,omitempty"`
	Folders           *PingFolders  `wbxml:"Folders,omitempty"`
	Extra             []*wbxml.Node `wbxml:",any"`
}

// PingFolders lists the folders to watch.
type PingFolders struct {
	Folder []PingFolder  `wbxml:"Folder"`
	Extra  []*wbxml.Node `wbxml:",any"`
}

// PingFolder is a folder to watch: its ServerId and class (Email,
// Calendar, Contacts, Tasks or Notes).
type PingFolder struct {
	Id    string        `wbxml:"Id"`
	Class string        `wbxml:"Class"`
	Extra []*wbxml.Node `wbxml:",any"`
}

// PingResponse answers a Ping: Status 2 lists the changed folders, 5 gives
// the nearest allowed HeartbeatInterval, 6 the MaxFolders allowed.
type PingResponse struct {
	WBXMLName         wbxml.Name          `wbxml:"Ping:Ping"`
	Status            int                 `wbxml:"Status"`
	Folders           *PingChangedFolders `wbxml:"Folders,omitempty"`
	MaxFolders        int                 `wbxml:"MaxFolders,omitempty"`
	HeartbeatInterval int                 `wbxml:"HeartbeatInterval,omitempty"`
	Extra             []*wbxml.Node       `wbxml:",any"`
}

// PingChangedFolders lists the ServerIds of the folders that changed.
type PingChangedFolders struct {
	Folder []string      `wbxml:"Folder"`
	Extra  []*wbxml.Node `wbxml:",any"`
}
