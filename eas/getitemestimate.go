package eas

import "github.com/easlab/easlab/wbxml"

// GetItemEstimateRequest asks how many items a Sync of each collection
// would return (MS-ASCMD 2.2.1.9).
type GetItemEstimateRequest struct {
	WBXMLName   wbxml.Name                  `wbxml:"GetItemEstimate:GetItemEstimate"`
	Collections *GetItemEstimateCollections `wbxml:"Collections,omitempty"`
	Extra       []*wbxml.Node               `wbxml:",any"`
}

// GetItemEstimateCollections lists the collections to estimate.
type GetItemEstimateCollections struct {
	Collection []GetItemEstimateCollection `wbxml:"Collection"`
	Extra      []*wbxml.Node               `wbxml:",any"`
}

// GetItemEstimateCollection is one collection to estimate. The element has
// two forms, which order their children differently:
//
//	14.0+: airsync:SyncKey, CollectionId, airsync:ConversationMode?, airsync:Options*
//	≤12.1: Class, CollectionId, airsync:FilterType?, airsync:SyncKey
//
// It is written in the 12.1 form when Class is set, in the 14.0 form
// otherwise; either is read.
type GetItemEstimateCollection struct {
	Class            string        `wbxml:"Class,omitempty"` // ≤12.1
	SyncKey          string        `wbxml:"AirSync:SyncKey"`
	CollectionId     string        `wbxml:"CollectionId"`
	FilterType       *int          `wbxml:"AirSync:FilterType,omitempty"` // ≤12.1
	ConversationMode *bool         `wbxml:"AirSync:ConversationMode,omitempty"`
	Options          []SyncOptions `wbxml:"AirSync:Options,omitempty"`
	Extra            []*wbxml.Node `wbxml:",any"`
}

// The two wire forms of GetItemEstimateCollection.
type (
	gieCollection14 struct {
		WBXMLName        wbxml.Name    `wbxml:"GetItemEstimate:Collection"`
		SyncKey          string        `wbxml:"AirSync:SyncKey"`
		CollectionId     string        `wbxml:"CollectionId"`
		ConversationMode *bool         `wbxml:"AirSync:ConversationMode,omitempty"`
		Options          []SyncOptions `wbxml:"AirSync:Options,omitempty"`
		FilterType       *int          `wbxml:"AirSync:FilterType,omitempty"`
		Extra            []*wbxml.Node `wbxml:",any"`
	}
	gieCollection12 struct {
		WBXMLName        wbxml.Name    `wbxml:"GetItemEstimate:Collection"`
		Class            string        `wbxml:"Class"`
		CollectionId     string        `wbxml:"CollectionId"`
		FilterType       *int          `wbxml:"AirSync:FilterType,omitempty"`
		SyncKey          string        `wbxml:"AirSync:SyncKey"`
		ConversationMode *bool         `wbxml:"AirSync:ConversationMode,omitempty"`
		Options          []SyncOptions `wbxml:"AirSync:Options,omitempty"`
		Extra            []*wbxml.Node `wbxml:",any"`
	}
)

// MarshalWBXML writes the collection in the form its fields call for.
func (c GetItemEstimateCollection) MarshalWBXML(e *wbxml.Encoder, _ *wbxml.Tag) error {
	if c.Class != "" {
		return e.Encode(&gieCollection12{
			Class: c.Class, CollectionId: c.CollectionId, FilterType: c.FilterType, SyncKey: c.SyncKey,
			ConversationMode: c.ConversationMode, Options: c.Options, Extra: c.Extra,
		})
	}
	return e.Encode(&gieCollection14{
		SyncKey: c.SyncKey, CollectionId: c.CollectionId, ConversationMode: c.ConversationMode,
		Options: c.Options, FilterType: c.FilterType, Extra: c.Extra,
	})
}

// GetItemEstimateResponse answers a GetItemEstimate: one Response per
// collection. Status is set only when the whole request failed.
type GetItemEstimateResponse struct {
	WBXMLName wbxml.Name              `wbxml:"GetItemEstimate:GetItemEstimate"`
	Status    int                     `wbxml:"Status,omitempty"`
	Response  []GetItemEstimateResult `wbxml:"Response,omitempty"`
	Extra     []*wbxml.Node           `wbxml:",any"`
}

// GetItemEstimateResult is the estimate for one collection.
type GetItemEstimateResult struct {
	Status     int                   `wbxml:"Status"`
	Collection *GetItemEstimateCount `wbxml:"Collection,omitempty"`
	Extra      []*wbxml.Node         `wbxml:",any"`
}

// GetItemEstimateCount is the Collection of a GetItemEstimate response.
// Estimate is absent when Status is not 1.
type GetItemEstimateCount struct {
	CollectionId string        `wbxml:"CollectionId"`
	Estimate     *int          `wbxml:"Estimate,omitempty"`
	Extra        []*wbxml.Node `wbxml:",any"`
}
