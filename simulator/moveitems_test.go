package simulator_test

import (
	"net/http"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

func TestMoveItems(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := mailTestDevice(t, env, "alice", "MOVE141", eas.Version141)
	inbox := d.folder(eas.FolderTypeInbox)
	deleted := d.folder(eas.FolderTypeDeletedItems)
	contacts := d.folder(eas.FolderTypeContacts)
	a := mailTestSeed(t, d.mb, "Move me", "x", nil)
	b := mailTestSeed(t, d.mb, "Move me too", "x", nil)
	var resp eas.MoveItemsResponse
	rr := d.call(eas.CommandMoveItems, &eas.MoveItemsRequest{Move: []eas.MoveItem{
		{SrcMsgId: a.ServerID, SrcFldId: inbox, DstFldId: deleted},  // 3
		{SrcMsgId: a.ServerID, SrcFldId: inbox, DstFldId: deleted},  // 5: moved by this request already
		{SrcMsgId: b.ServerID, SrcFldId: "999", DstFldId: deleted},  // 1: no such source folder
		{SrcMsgId: b.ServerID, SrcFldId: deleted, DstFldId: inbox},  // 1: not in that folder
		{SrcMsgId: b.ServerID, SrcFldId: inbox, DstFldId: "999"},    // 2
		{SrcMsgId: b.ServerID, SrcFldId: inbox, DstFldId: contacts}, // 2: an e-mail in Contacts
		{SrcMsgId: b.ServerID, SrcFldId: inbox, DstFldId: inbox},    // 4
		{SrcMsgId: "1:nope", SrcFldId: inbox, DstFldId: deleted},    // 1
	}}, &resp)
	if rr.Code != http.StatusOK || resp.Status != 0 || len(resp.Response) != 8 {
		t.Fatalf("MoveItems: HTTP %d %+v", rr.Code, resp)
	}
	want := []eas.MoveItemsStatus{3, 5, 1, 1, 2, 2, 4, 1}
	for i, r := range resp.Response {
		if r.Status != int(want[i]) {
			t.Errorf("move %d: status %d, want %d", i, r.Status, want[i])
		}
		if (r.Status == 3) != (r.DstMsgId != "") {
			t.Errorf("move %d: DstMsgId %q with status %d", i, r.DstMsgId, r.Status)
		}
	}
	if resp.Response[0].SrcMsgId != a.ServerID {
		t.Errorf("SrcMsgId %q", resp.Response[0].SrcMsgId)
	}
	moved, ok := d.mb.Item(resp.Response[0].DstMsgId)
	if !ok || moved.FolderID != deleted || moved.Prop(tEmailSubject) != "Move me" {
		t.Errorf("moved item: %+v", moved)
	}
	if _, ok := d.mb.Item(a.ServerID); ok {
		t.Error("the item is still in its source folder")
	}

	// More than 1000 Move elements: 103 (a bare 400 for 12.1).
	many := make([]eas.MoveItem, 1001)
	for i := range many {
		many[i] = eas.MoveItem{SrcMsgId: b.ServerID, SrcFldId: inbox, DstFldId: deleted}
	}
	rr = d.call(eas.CommandMoveItems, &eas.MoveItemsRequest{Move: many}, nil)
	if rr.Code != http.StatusOK || mailTestStatus(t, rr.Body.Bytes()) != int(eas.StatusInvalidXML) {
		t.Errorf("1001 moves: HTTP %d % X", rr.Code, rr.Body.Bytes())
	}
	if _, ok := d.mb.Item(b.ServerID); !ok {
		t.Error("a refused request moved an item")
	}
	old := mailTestDevice(t, env, "alice", "MOVE121", eas.Version121)
	if rr := old.call(eas.CommandMoveItems, &eas.MoveItemsRequest{Move: many}, nil); rr.Code != http.StatusBadRequest {
		t.Errorf("12.1, 1001 moves: HTTP %d", rr.Code)
	}
}
