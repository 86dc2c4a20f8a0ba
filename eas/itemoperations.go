package eas

import (
	"fmt"

	"github.com/easlab/easlab/wbxml"
)

// ItemOperationsRequest is an ItemOperations request (MS-ASCMD 2.2.1.10,
// 12.0+): fetches of items, attachments and documents, emptying of folders
// and (14.0+) moves of conversations, in document order. The server answers
// each operation in the same order.
type ItemOperationsRequest struct {
	Operations []ItemOperation
	Extra      []*wbxml.Node // children that are none of the operations
}

// ItemOperation is one operation of a request: exactly one field is set.
type ItemOperation struct {
	Fetch               *Fetch
	EmptyFolderContents *EmptyFolderContents
	Move                *ConversationMove
}

var (
	itemOperationsTag     = wbxml.Lookup("ItemOperations", "ItemOperations")
	ioFetchTag            = wbxml.Lookup("ItemOperations", "Fetch")
	ioEmptyFolderContents = wbxml.Lookup("ItemOperations", "EmptyFolderContents")
	ioMoveTag             = wbxml.Lookup("ItemOperations", "Move")
)

// MarshalWBXML writes the request, operations in order.
func (r ItemOperationsRequest) MarshalWBXML(e *wbxml.Encoder, t *wbxml.Tag) error {
	if t == nil {
		t = itemOperationsTag
	}
	e.Start(t)
	for i, op := range r.Operations {
		var v any
		switch {
		case op.Fetch != nil:
			v = op.Fetch
		case op.EmptyFolderContents != nil:
			v = op.EmptyFolderContents
		case op.Move != nil:
			v = op.Move
		default:
			return fmt.Errorf("eas: ItemOperations operation %d is empty", i)
		}
		if err := e.Encode(v); err != nil {
			return err
		}
	}
	for _, n := range r.Extra {
		if err := n.Encode(e); err != nil {
			return err
		}
	}
	e.End()
	return e.Err()
}

// UnmarshalWBXML reads the request's operations in order.
func (r *ItemOperationsRequest) UnmarshalWBXML(d *wbxml.Decoder, start wbxml.Token) error {
	if start.Tag != itemOperationsTag {
		return fmt.Errorf("eas: expected element %s, found %s", itemOperationsTag, start.Tag)
	}
	*r = ItemOperationsRequest{}
	return eachChild(d, func(tok wbxml.Token) error {
		var op ItemOperation
		var v any
		switch tok.Tag {
		case ioFetchTag:
			op.Fetch = new(Fetch)
			v = op.Fetch
		case ioEmptyFolderContents:
			op.EmptyFolderContents = new(EmptyFolderContents)
			v = op.EmptyFolderContents
		case ioMoveTag:
			op.Move = new(ConversationMove)
			v = op.Move
		default:
			n, err := wbxml.ReadNode(d, tok)
			r.Extra = append(r.Extra, n)
			return err
		}
		r.Operations = append(r.Operations, op)
		return d.DecodeElement(v, tok)
	})
}

// Fetch fetches an item (CollectionId and ServerId, or a Search LongId), an
// attachment (FileReference) or a document (LinkId) from Store ("Mailbox"
// or "Document Library").
type Fetch struct {
	WBXMLName                        wbxml.Name    `wbxml:"ItemOperations:Fetch"`
	Store                            string        `wbxml:"Store"`
	CollectionId                     string        `wbxml:"AirSync:CollectionId,omitempty"`
	ServerId                         string        `wbxml:"AirSync:ServerId,omitempty"`
	LongId                           string        `wbxml:"Search:LongId,omitempty"`
	LinkId                           string        `wbxml:"DocumentLibrary:LinkId,omitempty"`
	FileReference                    string        `wbxml:"AirSyncBase:FileReference,omitempty"`
	Options                          *FetchOptions `wbxml:"Options,omitempty"`
	RemoveRightsManagementProtection bool          `wbxml:"RightsManagement:RemoveRightsManagementProtection,empty"`
	Extra                            []*wbxml.Node `wbxml:",any"`
}

// FetchOptions shape a Fetch: the properties wanted (Schema), a byte Range
// of a document, credentials for a document library, and the body and MIME
// preferences.
type FetchOptions struct {
	Schema                  TagList              `wbxml:"Schema"`
	Range                   string               `wbxml:"Range,omitempty"`
	UserName                string               `wbxml:"UserName,omitempty"`
	Password                string               `wbxml:"Password,omitempty"`
	MIMESupport             *int                 `wbxml:"AirSync:MIMESupport,omitempty"`
	BodyPreference          []BodyPreference     `wbxml:"AirSyncBase:BodyPreference,omitempty"`
	BodyPartPreference      []BodyPartPreference `wbxml:"AirSyncBase:BodyPartPreference,omitempty"`
	RightsManagementSupport *bool                `wbxml:"RightsManagement:RightsManagementSupport,omitempty"`
	Extra                   []*wbxml.Node        `wbxml:",any"`
}

// EmptyFolderContents deletes the items of folder CollectionId, and its
// subfolders too with DeleteSubFolders.
type EmptyFolderContents struct {
	WBXMLName    wbxml.Name                  `wbxml:"ItemOperations:EmptyFolderContents"`
	CollectionId string                      `wbxml:"AirSync:CollectionId"`
	Options      *EmptyFolderContentsOptions `wbxml:"Options,omitempty"`
	Extra        []*wbxml.Node               `wbxml:",any"`
}

// EmptyFolderContentsOptions are the options of EmptyFolderContents.
type EmptyFolderContentsOptions struct {
	DeleteSubFolders bool          `wbxml:"DeleteSubFolders,empty"`
	Extra            []*wbxml.Node `wbxml:",any"`
}

// ConversationMove moves a conversation to folder DstFldId (14.0+);
// MoveAlways also moves its future messages.
type ConversationMove struct {
	WBXMLName      wbxml.Name               `wbxml:"ItemOperations:Move"`
	ConversationId []byte                   `wbxml:"ConversationId,opaque"`
	DstFldId       string                   `wbxml:"DstFldId"`
	Options        *ConversationMoveOptions `wbxml:"Options,omitempty"`
	Extra          []*wbxml.Node            `wbxml:",any"`
}

// ConversationMoveOptions are the options of a conversation Move.
type ConversationMoveOptions struct {
	MoveAlways bool          `wbxml:"MoveAlways,empty"`
	Extra      []*wbxml.Node `wbxml:",any"`
}

// ItemOperationsResponse answers an ItemOperations request: a global
// Status and the results, in the request's order.
type ItemOperationsResponse struct {
	WBXMLName wbxml.Name             `wbxml:"ItemOperations:ItemOperations"`
	Status    int                    `wbxml:"Status"`
	Response  *ItemOperationsResults `wbxml:"Response,omitempty"`
	Extra     []*wbxml.Node          `wbxml:",any"`
}

// ItemOperationsResults is the Response element: one result per
// operation, in order.
type ItemOperationsResults struct {
	Results []ItemOperationResult
	Extra   []*wbxml.Node // children that are none of the results
}

// ItemOperationResult is the result of one operation: exactly one field is
// set.
type ItemOperationResult struct {
	Fetch               *FetchResult
	EmptyFolderContents *EmptyFolderContentsResult
	Move                *ConversationMoveResult
}

// MarshalWBXML writes element t (Response) with the results in order.
func (r ItemOperationsResults) MarshalWBXML(e *wbxml.Encoder, t *wbxml.Tag) error {
	e.Start(t)
	for i, res := range r.Results {
		var v any
		switch {
		case res.Fetch != nil:
			v = res.Fetch
		case res.EmptyFolderContents != nil:
			v = res.EmptyFolderContents
		case res.Move != nil:
			v = res.Move
		default:
			return fmt.Errorf("eas: ItemOperations result %d is empty", i)
		}
		if err := e.Encode(v); err != nil {
			return err
		}
	}
	for _, n := range r.Extra {
		if err := n.Encode(e); err != nil {
			return err
		}
	}
	e.End()
	return e.Err()
}

// UnmarshalWBXML reads the results of element start in order.
func (r *ItemOperationsResults) UnmarshalWBXML(d *wbxml.Decoder, start wbxml.Token) error {
	*r = ItemOperationsResults{}
	return eachChild(d, func(tok wbxml.Token) error {
		var res ItemOperationResult
		var v any
		switch tok.Tag {
		case ioFetchTag:
			res.Fetch = new(FetchResult)
			v = res.Fetch
		case ioEmptyFolderContents:
			res.EmptyFolderContents = new(EmptyFolderContentsResult)
			v = res.EmptyFolderContents
		case ioMoveTag:
			res.Move = new(ConversationMoveResult)
			v = res.Move
		default:
			n, err := wbxml.ReadNode(d, tok)
			r.Extra = append(r.Extra, n)
			return err
		}
		r.Results = append(r.Results, res)
		return d.DecodeElement(v, tok)
	})
}

// FetchResult is the result of a Fetch. Properties is kept raw: for an
// item it holds the item's own elements (DecodeItem into an Email,
// Calendar, ...); for an attachment or a document, those of
// FetchProperties. With a multipart response, the data are in the part
// that Part numbers.
type FetchResult struct {
	WBXMLName     wbxml.Name    `wbxml:"ItemOperations:Fetch"`
	Status        int           `wbxml:"Status"`
	CollectionId  string        `wbxml:"AirSync:CollectionId,omitempty"`
	ServerId      string        `wbxml:"AirSync:ServerId,omitempty"`
	LongId        string        `wbxml:"Search:LongId,omitempty"`
	Class         string        `wbxml:"AirSync:Class,omitempty"`
	LinkId        string        `wbxml:"DocumentLibrary:LinkId,omitempty"`
	FileReference string        `wbxml:"AirSyncBase:FileReference,omitempty"`
	Properties    *wbxml.Node   `wbxml:"Properties"`
	Extra         []*wbxml.Node `wbxml:",any"`
}

// FetchProperties are the Properties of a fetched attachment or document
// (use DecodeItem and EncodeItemAs): the byte Range sent and the Total
// size of a document, the ContentType of an attachment, the Data (base64)
// or the number of the multipart Part holding them, and the Version (last
// modification date) of a document.
type FetchProperties struct {
	Range       string        `wbxml:"ItemOperations:Range,omitempty"`
	Total       *int          `wbxml:"ItemOperations:Total,omitempty"`
	ContentType string        `wbxml:"AirSyncBase:ContentType,omitempty"`
	Data        string        `wbxml:"ItemOperations:Data,omitempty"`
	Part        int           `wbxml:"ItemOperations:Part,omitempty"`
	Version     string        `wbxml:"ItemOperations:Version,omitempty"`
	Extra       []*wbxml.Node `wbxml:",any"`
}

// EmptyFolderContentsResult is the result of an EmptyFolderContents.
type EmptyFolderContentsResult struct {
	WBXMLName    wbxml.Name    `wbxml:"ItemOperations:EmptyFolderContents"`
	Status       int           `wbxml:"Status"`
	CollectionId string        `wbxml:"AirSync:CollectionId,omitempty"`
	Extra        []*wbxml.Node `wbxml:",any"`
}

// ConversationMoveResult is the result of a conversation Move.
type ConversationMoveResult struct {
	WBXMLName      wbxml.Name    `wbxml:"ItemOperations:Move"`
	Status         int           `wbxml:"Status"`
	ConversationId []byte        `wbxml:"ConversationId,omitempty,opaque"`
	Extra          []*wbxml.Node `wbxml:",any"`
}

var itemOperationsPropertiesTag = wbxml.Lookup("ItemOperations", "Properties")

// NewFetchResultProperties encodes v, an item struct (*Email, ...) or a
// *FetchProperties, as the Properties of a FetchResult.
func NewFetchResultProperties(v any) (*wbxml.Node, error) {
	return EncodeItemAs(itemOperationsPropertiesTag, v)
}
