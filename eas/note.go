package eas

import "github.com/easlab/easlab/wbxml"

// Note is a note item (MS-ASNOTE, 14.0+): the ApplicationData of a Sync
// command in a notes folder. Convert it with DecodeItem and EncodeItem.
type Note struct {
	Subject          string        `wbxml:"Notes:Subject,omitempty"`
	Body             *Body         `wbxml:"AirSyncBase:Body,omitempty"`
	MessageClass     string        `wbxml:"Notes:MessageClass,omitempty"` // IPM.StickyNote
	LastModifiedDate string        `wbxml:"Notes:LastModifiedDate,omitempty"`
	Categories       *Categories   `wbxml:"Notes:Categories,omitempty"`
	NativeBodyType   int           `wbxml:"AirSyncBase:NativeBodyType,omitempty"`
	Extra            []*wbxml.Node `wbxml:",any"`
}
