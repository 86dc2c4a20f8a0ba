package eas

import (
	"fmt"

	"github.com/easlab/easlab/wbxml"
)

// SyncRequest is a Sync request (MS-ASCMD 2.2.1.21): the collections to
// synchronize and, from 12.1, how long to wait for changes (Wait in minutes
// or, from 14.0, HeartbeatInterval in seconds, never both; Wait is nil
// when absent, as a Wait of 0 is out of range, not absent), a global
// WindowSize and Partial (the request lists only some of the cached
// collections). An empty request body (12.1+) repeats the previous request
// and is not a SyncRequest.
type SyncRequest struct {
	WBXMLName         wbxml.Name       `wbxml:"AirSync:Sync"`
	Collections       *SyncCollections `wbxml:"Collections,omitempty"`
	Wait              *int             `wbxml:"Wait,omitempty"`
	HeartbeatInterval int              `wbxml:"HeartbeatInterval,omitempty"`
	WindowSize        int              `wbxml:"WindowSize,omitempty"`
	Partial           bool             `wbxml:"Partial,empty"`
	Extra             []*wbxml.Node    `wbxml:",any"`
}

// NewInt returns a pointer to v, for the optional integer elements a
// message tells apart from absent (a Sync's Wait).
func NewInt(v int) *int { return &v }

// SyncResponse is a Sync response. Status is set only when the whole
// request failed (with Limit, the nearest allowed Wait or
// HeartbeatInterval, for Status 14); otherwise each collection has its
// own.
type SyncResponse struct {
	WBXMLName   wbxml.Name       `wbxml:"AirSync:Sync"`
	Status      int              `wbxml:"Status,omitempty"`
	Limit       int              `wbxml:"Limit,omitempty"`
	Collections *SyncCollections `wbxml:"Collections,omitempty"`
	Extra       []*wbxml.Node    `wbxml:",any"`
}

// SyncCollections is the Collections element of a Sync request or response.
type SyncCollections struct {
	Collection []SyncCollection `wbxml:"Collection"`
	Extra      []*wbxml.Node    `wbxml:",any"`
}

// SyncCollection is one collection (folder) of a Sync request or response.
// Its fields are the union of both, in an order that is the schema order of
// each:
//
//	request:  Class? (≤12.1), SyncKey, CollectionId, Supported?, DeletesAsMoves?,
//	          GetChanges?, WindowSize?, ConversationMode?, Options*, Commands?
//	response: Class? (≤12.1), SyncKey, CollectionId, Status, Commands?,
//	          Responses?, MoreAvailable?
//
// SyncKey "0" starts (or restarts) the collection: the server answers with
// a first key and no items.
type SyncCollection struct {
	Class            string        `wbxml:"Class,omitempty"`
	SyncKey          string        `wbxml:"SyncKey"`
	CollectionId     string        `wbxml:"CollectionId"`
	Status           int           `wbxml:"Status,omitempty"`
	Supported        TagList       `wbxml:"Supported"`
	DeletesAsMoves   Bool          `wbxml:"DeletesAsMoves,omitempty"`
	GetChanges       Bool          `wbxml:"GetChanges,omitempty"`
	WindowSize       int           `wbxml:"WindowSize,omitempty"`
	ConversationMode *bool         `wbxml:"ConversationMode,omitempty"`
	Options          []SyncOptions `wbxml:"Options,omitempty"`
	Commands         SyncCommands  `wbxml:"Commands"`
	Responses        SyncCommands  `wbxml:"Responses"`
	MoreAvailable    bool          `wbxml:"MoreAvailable,empty"`
	Extra            []*wbxml.Node `wbxml:",any"`
}

// Sync FilterType values (MS-ASCMD 2.2.3.70.2).
const (
	FilterTypeAll             = 0
	FilterTypeOneDay          = 1
	FilterTypeThreeDays       = 2
	FilterTypeOneWeek         = 3
	FilterTypeTwoWeeks        = 4
	FilterTypeOneMonth        = 5
	FilterTypeThreeMonths     = 6
	FilterTypeSixMonths       = 7
	FilterTypeIncompleteTasks = 8
)

// SyncOptions are the options of one class of items in a Sync collection
// (MS-ASCMD 2.2.3.125.6); from 14.0 a collection may carry several, one per
// Class (e.g. Email and SMS). GetItemEstimate uses the same element.
// Truncation is 2.5 only.
type SyncOptions struct {
	Class                   string               `wbxml:"Class,omitempty"`
	FilterType              *int                 `wbxml:"FilterType,omitempty"`
	Truncation              *int                 `wbxml:"Truncation,omitempty"`
	BodyPreference          []BodyPreference     `wbxml:"AirSyncBase:BodyPreference,omitempty"`
	BodyPartPreference      []BodyPartPreference `wbxml:"AirSyncBase:BodyPartPreference,omitempty"`
	Conflict                *int                 `wbxml:"Conflict,omitempty"`       // 0 client wins, 1 server wins
	MIMESupport             *int                 `wbxml:"MIMESupport,omitempty"`    // 0 never, 1 S/MIME only, 2 always
	MIMETruncation          *int                 `wbxml:"MIMETruncation,omitempty"` // 0..8
	MaxItems                int                  `wbxml:"MaxItems,omitempty"`
	RightsManagementSupport *bool                `wbxml:"RightsManagement:RightsManagementSupport,omitempty"`
	Extra                   []*wbxml.Node        `wbxml:",any"`
}

// SyncCommandKind says which element a SyncCommand is.
type SyncCommandKind uint8

// The Sync commands and responses.
const (
	SyncAdd        SyncCommandKind = iota + 1 // Add
	SyncChange                                // Change
	SyncDelete                                // Delete
	SyncFetch                                 // Fetch
	SyncSoftDelete                            // SoftDelete: left the filter window (server only)
)

var syncCommandTags = [...]*wbxml.Tag{
	SyncAdd:        wbxml.Lookup("AirSync", "Add"),
	SyncChange:     wbxml.Lookup("AirSync", "Change"),
	SyncDelete:     wbxml.Lookup("AirSync", "Delete"),
	SyncFetch:      wbxml.Lookup("AirSync", "Fetch"),
	SyncSoftDelete: wbxml.Lookup("AirSync", "SoftDelete"),
}

// String returns the element name, e.g. "Add".
func (k SyncCommandKind) String() string {
	if k == 0 || int(k) >= len(syncCommandTags) {
		return fmt.Sprintf("SyncCommandKind(%d)", uint8(k))
	}
	return syncCommandTags[k].Name
}

func syncCommandKindOf(t *wbxml.Tag) SyncCommandKind {
	for k, tag := range syncCommandTags {
		if tag == t && k != 0 {
			return SyncCommandKind(k)
		}
	}
	return 0
}

// SyncCommand is one element of a collection's Commands or Responses
// (MS-ASCMD 2.2.3.30, 2.2.3.145). Which fields are set depends on Kind and
// direction:
//
//	client Commands:  Add(Class?, ClientId, ApplicationData), Change(ServerId, InstanceId?, ApplicationData),
//	                  Delete(ServerId, InstanceId?), Fetch(ServerId)
//	server Commands:  Add(ServerId, ApplicationData), Change(Class?, ServerId, ApplicationData),
//	                  Delete(Class?, ServerId), SoftDelete(ServerId)
//	server Responses: Add(Class?, ClientId, ServerId?, Status, ApplicationData?),
//	                  Change(Class?, ServerId, InstanceId?, Status), Delete(ServerId, InstanceId?, Status),
//	                  Fetch(ServerId?, Status, ApplicationData?)
//
// ApplicationData is kept raw so that a server can store items of any
// class; DecodeItem and EncodeItem convert it to and from Email, Calendar,
// Contact, Task and Note.
type SyncCommand struct {
	Kind            SyncCommandKind `wbxml:"-"`
	Class           string          `wbxml:"Class,omitempty"`
	ClientId        string          `wbxml:"ClientId,omitempty"`
	ServerId        string          `wbxml:"ServerId,omitempty"`
	InstanceId      string          `wbxml:"AirSyncBase:InstanceId,omitempty"` // 16.x: one occurrence of a recurring item
	Status          int             `wbxml:"Status,omitempty"`
	ApplicationData *wbxml.Node     `wbxml:"ApplicationData"`
	Extra           []*wbxml.Node   `wbxml:",any"`
}

// SyncCommands is a Commands or Responses element: the commands in
// document order, which matters (an Add then a Delete of the same item). A
// nil SyncCommands is absent; an empty non-nil one is the bare element.
type SyncCommands []SyncCommand

// One element type per command, for writing a SyncCommand under its name.
type (
	syncAddElem struct {
		WBXMLName wbxml.Name `wbxml:"AirSync:Add"`
		SyncCommand
	}
	syncChangeElem struct {
		WBXMLName wbxml.Name `wbxml:"AirSync:Change"`
		SyncCommand
	}
	syncDeleteElem struct {
		WBXMLName wbxml.Name `wbxml:"AirSync:Delete"`
		SyncCommand
	}
	syncFetchElem struct {
		WBXMLName wbxml.Name `wbxml:"AirSync:Fetch"`
		SyncCommand
	}
	syncSoftDeleteElem struct {
		WBXMLName wbxml.Name `wbxml:"AirSync:SoftDelete"`
		SyncCommand
	}
)

// MarshalWBXML writes element t (Commands or Responses) with the commands
// in order.
func (c SyncCommands) MarshalWBXML(e *wbxml.Encoder, t *wbxml.Tag) error {
	if c == nil {
		return nil
	}
	e.Start(t)
	for i := range c {
		if fastSyncCommand(e, &c[i]) {
			continue
		}
		var v any
		switch cmd := c[i]; cmd.Kind {
		case SyncAdd:
			v = &syncAddElem{SyncCommand: cmd}
		case SyncChange:
			v = &syncChangeElem{SyncCommand: cmd}
		case SyncDelete:
			v = &syncDeleteElem{SyncCommand: cmd}
		case SyncFetch:
			v = &syncFetchElem{SyncCommand: cmd}
		case SyncSoftDelete:
			v = &syncSoftDeleteElem{SyncCommand: cmd}
		default:
			return fmt.Errorf("eas: SyncCommand %d in %s has no valid Kind (%d)", i, t, cmd.Kind)
		}
		if err := e.Encode(v); err != nil {
			return err
		}
	}
	e.End()
	return e.Err()
}

// Tags of the commands a server sends most, for fastSyncCommand.
var (
	tagSyncServerID        = wbxml.LookupQualified("AirSync:ServerId")
	tagSyncApplicationData = wbxml.LookupQualified("AirSync:ApplicationData")
	syncKindTags           = map[SyncCommandKind]*wbxml.Tag{
		SyncAdd: wbxml.LookupQualified("AirSync:Add"), SyncChange: wbxml.LookupQualified("AirSync:Change"),
		SyncDelete: wbxml.LookupQualified("AirSync:Delete"), SyncSoftDelete: wbxml.LookupQualified("AirSync:SoftDelete"),
	}
)

// noFastSync turns fastSyncCommand off, for the test that compares it
// with Encode.
var noFastSync bool

// fastSyncCommand writes the commands a server sends by the thousand (an
// Add, Change, Delete or SoftDelete of a ServerId, with its
// ApplicationData) without reflection, exactly as Encode would; it
// reports false for any other command, which Encode then writes.
func fastSyncCommand(e *wbxml.Encoder, cmd *SyncCommand) bool {
	if noFastSync {
		return false
	}
	tag := syncKindTags[cmd.Kind]
	if tag == nil || cmd.Class != "" || cmd.ClientId != "" || cmd.InstanceId != "" || cmd.Status != 0 || len(cmd.Extra) > 0 || cmd.ServerId == "" {
		return false
	}
	data := cmd.ApplicationData
	if data != nil && (data.Tag != tagSyncApplicationData || data.Data != nil || data.IsOpaque) {
		return false
	}
	e.Start(tag)
	e.Element(tagSyncServerID, cmd.ServerId)
	if data != nil {
		data.Encode(e)
	}
	e.End()
	return true
}

// UnmarshalWBXML reads the commands of element start in order. An element
// other than Add, Change, Delete, Fetch and SoftDelete is an error.
func (c *SyncCommands) UnmarshalWBXML(d *wbxml.Decoder, start wbxml.Token) error {
	cmds := SyncCommands{}
	err := eachChild(d, func(tok wbxml.Token) error {
		kind := syncCommandKindOf(tok.Tag)
		if kind == 0 {
			return fmt.Errorf("eas: unexpected element %s in %s (at %s)", tok.Tag, start.Tag, d.Path())
		}
		var cmd SyncCommand
		if err := d.DecodeElement(&cmd, tok); err != nil {
			return err
		}
		cmd.Kind = kind
		cmds = append(cmds, cmd)
		return nil
	})
	if err != nil {
		return err
	}
	*c = cmds
	return nil
}
