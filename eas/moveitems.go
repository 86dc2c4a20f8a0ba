package eas

import "github.com/easlab/easlab/wbxml"

// MoveItemsRequest moves items between folders (MS-ASCMD 2.2.1.12).
type MoveItemsRequest struct {
	WBXMLName wbxml.Name    `wbxml:"Move:MoveItems"`
	Move      []MoveItem    `wbxml:"Move"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// MoveItem moves item SrcMsgId from folder SrcFldId to folder DstFldId.
type MoveItem struct {
	SrcMsgId string        `wbxml:"SrcMsgId"`
	SrcFldId string        `wbxml:"SrcFldId"`
	DstFldId string        `wbxml:"DstFldId"`
	Extra    []*wbxml.Node `wbxml:",any"`
}

// MoveItemsResponse answers a MoveItems request, one Response per Move.
// Status is set only when the whole request failed.
type MoveItemsResponse struct {
	WBXMLName wbxml.Name        `wbxml:"Move:MoveItems"`
	Status    int               `wbxml:"Status,omitempty"`
	Response  []MoveItemsResult `wbxml:"Response,omitempty"`
	Extra     []*wbxml.Node     `wbxml:",any"`
}

// MoveItemsResult is the result of one Move. Note that success is Status
// 3; DstMsgId is the item's new ServerId.
type MoveItemsResult struct {
	SrcMsgId string        `wbxml:"SrcMsgId"`
	Status   int           `wbxml:"Status"`
	DstMsgId string        `wbxml:"DstMsgId,omitempty"`
	Extra    []*wbxml.Node `wbxml:",any"`
}
