package eas

import "github.com/easlab/easlab/wbxml"

// The AirSyncBase elements (page 17, MS-ASAIRS) that items and commands
// share: bodies, body preferences, attachments and, from 16.0, locations.

// Body types (AirSyncBase:Type in Body, BodyPreference and BodyPart).
const (
	BodyTypePlainText = 1
	BodyTypeHTML      = 2
	BodyTypeRTF       = 3
	BodyTypeMIME      = 4
)

// BodyPreference asks for bodies of one type in Sync, ItemOperations and
// Search options (MS-ASAIRS 2.2.2.8).
type BodyPreference struct {
	Type           int           `wbxml:"Type"`
	TruncationSize int           `wbxml:"TruncationSize,omitempty"` // bytes; absent = the whole body
	AllOrNone      *bool         `wbxml:"AllOrNone,omitempty"`
	Preview        int           `wbxml:"Preview,omitempty"` // characters of preview, 0..255 (14.0+)
	Extra          []*wbxml.Node `wbxml:",any"`
}

// BodyPartPreference asks for the message part of a conversation's bodies
// (MS-ASAIRS 2.2.2.7, 14.1+). Its fields are those of BodyPreference.
type BodyPartPreference struct {
	Type           int           `wbxml:"Type"`
	TruncationSize int           `wbxml:"TruncationSize,omitempty"`
	AllOrNone      *bool         `wbxml:"AllOrNone,omitempty"`
	Preview        int           `wbxml:"Preview,omitempty"`
	Extra          []*wbxml.Node `wbxml:",any"`
}

// Body is an item's body (MS-ASAIRS 2.2.2.4), in the schema's order: Type,
// EstimatedDataSize, Truncated, Data, Preview and, in an ItemOperations
// multipart response, the ItemOperations:Part that holds the data.
type Body struct {
	Type              int           `wbxml:"Type"`
	EstimatedDataSize *int          `wbxml:"EstimatedDataSize,omitempty"`
	Truncated         *bool         `wbxml:"Truncated,omitempty"`
	Data              string        `wbxml:"Data,omitempty"`
	Preview           string        `wbxml:"Preview,omitempty"`
	Part              int           `wbxml:"ItemOperations:Part,omitempty"`
	Extra             []*wbxml.Node `wbxml:",any"`
}

// BodyPart is the new part of a message in a conversation (MS-ASAIRS
// 2.2.2.6, 14.1+). Status is 1, or 176 when the conversation is too large.
type BodyPart struct {
	Status            int           `wbxml:"Status"`
	Type              int           `wbxml:"Type"`
	EstimatedDataSize int           `wbxml:"EstimatedDataSize"`
	Truncated         *bool         `wbxml:"Truncated,omitempty"`
	Data              string        `wbxml:"Data,omitempty"`
	Preview           string        `wbxml:"Preview,omitempty"`
	Extra             []*wbxml.Node `wbxml:",any"`
}

// Attachments is an item's AirSyncBase:Attachments (MS-ASAIRS 2.2.2.3). A
// server lists Attachment elements; from 16.0 a client adds and deletes
// attachments of drafts and calendar items with Add and Delete, and the
// server's Sync response maps each added ClientId to a FileReference with
// an Attachment.
type Attachments struct {
	Attachment []Attachment       `wbxml:"Attachment,omitempty"`
	Add        []AttachmentAdd    `wbxml:"Add,omitempty"`
	Delete     []AttachmentDelete `wbxml:"Delete,omitempty"`
	Extra      []*wbxml.Node      `wbxml:",any"`
}

// Attachment methods (AirSyncBase:Method).
const (
	AttachmentMethodNormal      = 1 // a regular attachment
	AttachmentMethodEmbeddedEML = 5 // an embedded e-mail message
	AttachmentMethodOLE         = 6 // an OLE object
)

// Attachment describes one attachment of an item (MS-ASAIRS 2.2.2.2).
// FileReference fetches it with ItemOperations. ClientId appears only in
// the 16.x Sync response to an AttachmentAdd.
type Attachment struct {
	ClientId          string        `wbxml:"ClientId,omitempty"`
	DisplayName       string        `wbxml:"DisplayName,omitempty"`
	FileReference     string        `wbxml:"FileReference,omitempty"`
	Method            int           `wbxml:"Method,omitempty"`
	EstimatedDataSize int           `wbxml:"EstimatedDataSize,omitempty"`
	ContentId         string        `wbxml:"ContentId,omitempty"`
	ContentLocation   string        `wbxml:"ContentLocation,omitempty"`
	IsInline          *bool         `wbxml:"IsInline,omitempty"`
	ContentType       string        `wbxml:"ContentType,omitempty"`
	UmAttDuration     int           `wbxml:"Email2:UmAttDuration,omitempty"`
	UmAttOrder        string        `wbxml:"Email2:UmAttOrder,omitempty"`
	Extra             []*wbxml.Node `wbxml:",any"`
}

// AttachmentAdd adds an attachment to a draft or calendar item (16.0+).
// Content is the file itself.
type AttachmentAdd struct {
	ClientId        string        `wbxml:"ClientId"`
	DisplayName     string        `wbxml:"DisplayName,omitempty"`
	Content         []byte        `wbxml:"Content,opaque"`
	Method          int           `wbxml:"Method,omitempty"`
	ContentType     string        `wbxml:"ContentType,omitempty"`
	ContentId       string        `wbxml:"ContentId,omitempty"`
	ContentLocation string        `wbxml:"ContentLocation,omitempty"`
	IsInline        *bool         `wbxml:"IsInline,omitempty"`
	Extra           []*wbxml.Node `wbxml:",any"`
}

// AttachmentDelete removes the attachment FileReference names (16.0+).
type AttachmentDelete struct {
	FileReference string        `wbxml:"FileReference"`
	Extra         []*wbxml.Node `wbxml:",any"`
}

// Location is the structured location of a 16.x calendar item, exception
// or meeting request (MS-ASAIRS 2.2.2.27); 14.1 and earlier send a plain
// Calendar:Location or Email:Location string instead.
type Location struct {
	DisplayName      string        `wbxml:"DisplayName,omitempty"`
	Annotation       string        `wbxml:"Annotation,omitempty"`
	Street           string        `wbxml:"Street,omitempty"`
	City             string        `wbxml:"City,omitempty"`
	State            string        `wbxml:"State,omitempty"`
	Country          string        `wbxml:"Country,omitempty"`
	PostalCode       string        `wbxml:"PostalCode,omitempty"`
	Latitude         *float64      `wbxml:"Latitude,omitempty"`
	Longitude        *float64      `wbxml:"Longitude,omitempty"`
	Accuracy         *float64      `wbxml:"Accuracy,omitempty"`
	Altitude         *float64      `wbxml:"Altitude,omitempty"`
	AltitudeAccuracy *float64      `wbxml:"AltitudeAccuracy,omitempty"`
	LocationUri      string        `wbxml:"LocationUri,omitempty"`
	Extra            []*wbxml.Node `wbxml:",any"`
}
