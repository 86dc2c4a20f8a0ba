package eas

import "github.com/easlab/easlab/wbxml"

// Search store names (Search:Name).
const (
	SearchStoreMailbox         = "Mailbox"
	SearchStoreGAL             = "GAL"
	SearchStoreDocumentLibrary = "DocumentLibrary"
)

// SearchRequest searches the GAL, the mailbox (12.0+) or a document
// library (MS-ASCMD 2.2.1.16).
type SearchRequest struct {
	WBXMLName wbxml.Name    `wbxml:"Search:Search"`
	Store     *SearchStore  `wbxml:"Store,omitempty"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// SearchStore is the store to search and how.
type SearchStore struct {
	Name    string         `wbxml:"Name"`
	Query   *SearchQuery   `wbxml:"Query,omitempty"`
	Options *SearchOptions `wbxml:"Options,omitempty"`
	Extra   []*wbxml.Node  `wbxml:",any"`
}

// SearchQuery is a Query, And or Or element (MS-ASCMD 2.2.3.139). A GAL
// query is Text alone; a mailbox query is an And of airsync:Class,
// airsync:CollectionId, FreeText and date comparisons, or (14.0+) of Class
// and ConversationId (one; a second is kept, for the server to refuse);
// a document library query is an EqualTo on LinkId.
// The schema allows its children in any order; they are written in the
// order of the fields.
type SearchQuery struct {
	Text           string            `wbxml:",chardata"`
	Class          []string          `wbxml:"AirSync:Class,omitempty"`
	CollectionId   []string          `wbxml:"AirSync:CollectionId,omitempty"`
	ConversationId [][]byte          `wbxml:"ConversationId,omitempty,opaque"`
	FreeText       []string          `wbxml:"FreeText,omitempty"`
	And            *SearchQuery      `wbxml:"And,omitempty"`
	Or             *SearchQuery      `wbxml:"Or,omitempty"`
	EqualTo        *SearchComparison `wbxml:"EqualTo,omitempty"`
	GreaterThan    *SearchComparison `wbxml:"GreaterThan,omitempty"`
	LessThan       *SearchComparison `wbxml:"LessThan,omitempty"`
	Extra          []*wbxml.Node     `wbxml:",any"`
}

// SearchComparison compares a property, named by an empty element, with
// Value: email:DateReceived in GreaterThan and LessThan,
// documentlibrary:LinkId in EqualTo.
type SearchComparison struct {
	DateReceived bool          `wbxml:"Email:DateReceived,empty"`
	LinkId       bool          `wbxml:"DocumentLibrary:LinkId,empty"`
	Value        string        `wbxml:"Value"`
	Extra        []*wbxml.Node `wbxml:",any"`
}

// SearchOptions shape a search: the Range of results wanted ("0-9"),
// credentials for a document library, DeepTraversal of subfolders,
// RebuildResults (discard the server's cached results), body preferences
// and (14.1+) GAL photos. The schema allows any order; this is the order of
// protocol.md §3.2.
type SearchOptions struct {
	Range                   string               `wbxml:"Range,omitempty"`
	UserName                string               `wbxml:"UserName,omitempty"`
	Password                string               `wbxml:"Password,omitempty"`
	DeepTraversal           bool                 `wbxml:"DeepTraversal,empty"`
	RebuildResults          bool                 `wbxml:"RebuildResults,empty"`
	MIMESupport             *int                 `wbxml:"AirSync:MIMESupport,omitempty"`
	BodyPreference          []BodyPreference     `wbxml:"AirSyncBase:BodyPreference,omitempty"`
	BodyPartPreference      []BodyPartPreference `wbxml:"AirSyncBase:BodyPartPreference,omitempty"`
	RightsManagementSupport *bool                `wbxml:"RightsManagement:RightsManagementSupport,omitempty"`
	Picture                 *PictureOptions      `wbxml:"Picture,omitempty"`
	Extra                   []*wbxml.Node        `wbxml:",any"`
}

// SearchResponse answers a Search: a global Status (1 success, 3 server
// error) and the store's results.
type SearchResponse struct {
	WBXMLName wbxml.Name          `wbxml:"Search:Search"`
	Status    int                 `wbxml:"Status"`
	Response  *SearchResponseBody `wbxml:"Response,omitempty"`
	Extra     []*wbxml.Node       `wbxml:",any"`
}

// SearchResponseBody is the Response element of a Search response.
type SearchResponseBody struct {
	Store *SearchStoreResult `wbxml:"Store,omitempty"`
	Extra []*wbxml.Node      `wbxml:",any"`
}

// SearchStoreResult holds the results: the store's Status, the results,
// the Range they cover and the Total number found.
type SearchStoreResult struct {
	Status int            `wbxml:"Status"`
	Result []SearchResult `wbxml:"Result,omitempty"`
	Range  string         `wbxml:"Range,omitempty"`
	Total  *int           `wbxml:"Total,omitempty"`
	Extra  []*wbxml.Node  `wbxml:",any"`
}

// SearchResult is one result. Properties is kept raw: decode it with
// DecodeItem into an Email (mailbox), a GALProperties or a
// DocumentLibraryProperties. LongId fetches a mailbox result with
// ItemOperations.
type SearchResult struct {
	Class        string        `wbxml:"AirSync:Class,omitempty"`
	LongId       string        `wbxml:"LongId,omitempty"`
	CollectionId string        `wbxml:"AirSync:CollectionId,omitempty"`
	Properties   *wbxml.Node   `wbxml:"Properties"`
	Extra        []*wbxml.Node `wbxml:",any"`
}

// GALProperties are the properties of a global address list entry in a
// Search or Find result (the GAL code page, 16; Picture is 14.1+).
type GALProperties struct {
	DisplayName  string        `wbxml:"GAL:DisplayName,omitempty"`
	Phone        string        `wbxml:"GAL:Phone,omitempty"`
	Office       string        `wbxml:"GAL:Office,omitempty"`
	Title        string        `wbxml:"GAL:Title,omitempty"`
	Company      string        `wbxml:"GAL:Company,omitempty"`
	Alias        string        `wbxml:"GAL:Alias,omitempty"`
	FirstName    string        `wbxml:"GAL:FirstName,omitempty"`
	LastName     string        `wbxml:"GAL:LastName,omitempty"`
	HomePhone    string        `wbxml:"GAL:HomePhone,omitempty"`
	MobilePhone  string        `wbxml:"GAL:MobilePhone,omitempty"`
	EmailAddress string        `wbxml:"GAL:EmailAddress,omitempty"`
	Picture      *Picture      `wbxml:"GAL:Picture,omitempty"`
	Extra        []*wbxml.Node `wbxml:",any"`
}

// DocumentLibraryProperties are the properties of a document or folder
// in a document library search result (MS-ASDOC).
type DocumentLibraryProperties struct {
	LinkId           string        `wbxml:"DocumentLibrary:LinkId,omitempty"`
	DisplayName      string        `wbxml:"DocumentLibrary:DisplayName,omitempty"`
	IsFolder         *bool         `wbxml:"DocumentLibrary:IsFolder,omitempty"`
	CreationDate     string        `wbxml:"DocumentLibrary:CreationDate,omitempty"`
	LastModifiedDate string        `wbxml:"DocumentLibrary:LastModifiedDate,omitempty"`
	IsHidden         *bool         `wbxml:"DocumentLibrary:IsHidden,omitempty"`
	ContentLength    *int64        `wbxml:"DocumentLibrary:ContentLength,omitempty"`
	ContentType      string        `wbxml:"DocumentLibrary:ContentType,omitempty"`
	Extra            []*wbxml.Node `wbxml:",any"`
}

var searchPropertiesTag = wbxml.Lookup("Search", "Properties")

// NewSearchResultProperties encodes v, an item struct (*Email,
// *GALProperties, *DocumentLibraryProperties, ...), as the Properties of
// a SearchResult.
func NewSearchResultProperties(v any) (*wbxml.Node, error) {
	return EncodeItemAs(searchPropertiesTag, v)
}
