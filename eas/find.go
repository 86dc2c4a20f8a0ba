package eas

import "github.com/easlab/easlab/wbxml"

// FindRequest is a Find request (MS-ASCMD 2.2.1.4, 16.1): a KQL search of
// the mailbox or the GAL. SearchId is a client-chosen GUID.
type FindRequest struct {
	WBXMLName     wbxml.Name         `wbxml:"Find:Find"`
	SearchId      string             `wbxml:"SearchId"`
	ExecuteSearch *FindExecuteSearch `wbxml:"ExecuteSearch,omitempty"`
	Extra         []*wbxml.Node      `wbxml:",any"`
}

// FindExecuteSearch holds the one criterion of a Find.
type FindExecuteSearch struct {
	MailBoxSearchCriterion *FindCriterion `wbxml:"MailBoxSearchCriterion,omitempty"`
	GalSearchCriterion     *FindCriterion `wbxml:"GalSearchCriterion,omitempty"`
	Extra                  []*wbxml.Node  `wbxml:",any"`
}

// FindCriterion is a mailbox or GAL criterion: the query and its options.
type FindCriterion struct {
	Query   *FindQuery    `wbxml:"Query,omitempty"`
	Options *FindOptions  `wbxml:"Options,omitempty"`
	Extra   []*wbxml.Node `wbxml:",any"`
}

// FindQuery is a Find query: for the mailbox airsync:Class, an optional
// airsync:CollectionId (none with DeepTraversal: every folder) and the KQL
// FreeText; for the GAL, Text alone.
type FindQuery struct {
	Text         string        `wbxml:",chardata"`
	Class        string        `wbxml:"AirSync:Class,omitempty"`
	CollectionId string        `wbxml:"AirSync:CollectionId,omitempty"`
	FreeText     string        `wbxml:"FreeText,omitempty"`
	Extra        []*wbxml.Node `wbxml:",any"`
}

// FindOptions are the Range of results wanted ("0-N"; it must start at 0),
// DeepTraversal of subfolders and, for the GAL, photos.
type FindOptions struct {
	Range         string          `wbxml:"Range,omitempty"`
	DeepTraversal bool            `wbxml:"DeepTraversal,empty"`
	Picture       *PictureOptions `wbxml:"Picture,omitempty"`
	Extra         []*wbxml.Node   `wbxml:",any"`
}

// FindResponse answers a Find.
type FindResponse struct {
	WBXMLName wbxml.Name        `wbxml:"Find:Find"`
	Status    int               `wbxml:"Status"`
	Response  *FindResponseBody `wbxml:"Response,omitempty"`
	Extra     []*wbxml.Node     `wbxml:",any"`
}

// FindResponseBody holds the results: the store searched ("Mailbox" or
// "GAL"), a Status, the results, their Range and the Total found.
type FindResponseBody struct {
	Store  string        `wbxml:"ItemOperations:Store,omitempty"`
	Status int           `wbxml:"Status"`
	Result []FindResult  `wbxml:"Result,omitempty"`
	Range  string        `wbxml:"Range,omitempty"`
	Total  *int          `wbxml:"Total,omitempty"`
	Extra  []*wbxml.Node `wbxml:",any"`
}

// FindResult is one result. Properties is kept raw: decode it with
// DecodeItem into a FindProperties (mailbox) or a GALProperties.
type FindResult struct {
	Class        string        `wbxml:"AirSync:Class,omitempty"`
	ServerId     string        `wbxml:"AirSync:ServerId,omitempty"`
	CollectionId string        `wbxml:"AirSync:CollectionId,omitempty"`
	Properties   *wbxml.Node   `wbxml:"Properties"`
	Extra        []*wbxml.Node `wbxml:",any"`
}

// FindProperties are the properties of a mailbox Find result: a summary of
// the message, mixing Email, Email2 and Find elements. DisplayCc and
// DisplayBcc may be sent empty.
type FindProperties struct {
	Subject        string        `wbxml:"Email:Subject,omitempty"`
	DateReceived   string        `wbxml:"Email:DateReceived,omitempty"`
	DisplayTo      string        `wbxml:"Email:DisplayTo,omitempty"`
	DisplayCc      *string       `wbxml:"Find:DisplayCc,omitempty"`
	DisplayBcc     *string       `wbxml:"Find:DisplayBcc,omitempty"`
	Importance     *int          `wbxml:"Email:Importance,omitempty"`
	Read           *bool         `wbxml:"Email:Read,omitempty"`
	IsDraft        *bool         `wbxml:"Email2:IsDraft,omitempty"`
	Preview        string        `wbxml:"Find:Preview,omitempty"`
	HasAttachments *bool         `wbxml:"Find:HasAttachments,omitempty"`
	From           string        `wbxml:"Email:From,omitempty"`
	Extra          []*wbxml.Node `wbxml:",any"`
}

var findPropertiesTag = wbxml.Lookup("Find", "Properties")

// NewFindResultProperties encodes v, a *FindProperties or a
// *GALProperties, as the Properties of a FindResult.
func NewFindResultProperties(v any) (*wbxml.Node, error) {
	return EncodeItemAs(findPropertiesTag, v)
}
