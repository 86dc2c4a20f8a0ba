package eas

import (
	"bytes"
	"testing"

	"github.com/easlab/easlab/wbxml"
)

// TestFastSyncCommandsEncodeAlike: the reflection-free path for the
// commands a server sends most writes the same bytes as Encode, for every
// kind, with and without ApplicationData (frozen or not), and leaves every
// other command to Encode.
func TestFastSyncCommandsEncodeAlike(t *testing.T) {
	data := func(freeze bool) *wbxml.Node {
		n := wbxml.NewElement(wbxml.LookupQualified("AirSync:ApplicationData"),
			wbxml.NewText(wbxml.LookupQualified("Email:Subject"), "Status report"),
			wbxml.NewElement(wbxml.LookupQualified("AirSyncBase:Body"),
				wbxml.NewText(wbxml.LookupQualified("AirSyncBase:Type"), "1"),
				wbxml.NewText(wbxml.LookupQualified("AirSyncBase:Data"), "Numbers are in.")),
			wbxml.NewText(wbxml.LookupQualified("Email:Read"), "0"))
		if freeze {
			n.Freeze()
		}
		return n
	}
	var cmds SyncCommands
	for _, k := range []SyncCommandKind{SyncAdd, SyncChange, SyncDelete, SyncSoftDelete, SyncFetch} {
		cmds = append(cmds,
			SyncCommand{Kind: k, ServerId: "1:1"},
			SyncCommand{Kind: k, ServerId: "1:2", ApplicationData: data(false)},
			SyncCommand{Kind: k, ServerId: "1:3", ApplicationData: data(true)},
			SyncCommand{Kind: k, ClientId: "c1", ServerId: "1:4", Status: 1},
			SyncCommand{Kind: k, ServerId: "1:5", Class: "Email", ApplicationData: data(true)},
		)
	}
	resp := &SyncResponse{Status: 1, Collections: &SyncCollections{Collection: []SyncCollection{{SyncKey: "{k}2", CollectionId: "1", Status: 1, Commands: cmds}}}}
	fast, err := wbxml.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	noFastSync = true
	defer func() { noFastSync = false }()
	slow, err := wbxml.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fast, slow) {
		t.Fatalf("the fast path writes\n% X\nEncode writes\n% X", fast, slow)
	}
}
