package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S10: MoveItems.

// moveItems sends a MoveItems of moves and checks, as the original's
// CheckMoveItemsResponse does, that it has n Responses.
func (c *cmdSuite) moveItems(n int, moves ...eas.MoveItem) *eas.MoveItemsResponse {
	c.s.t.Helper()
	var r eas.MoveItemsResponse
	c.call(eas.CommandMoveItems, &eas.MoveItemsRequest{Move: moves}, &r)
	if len(r.Response) != n {
		c.s.t.Fatalf("MoveItems (Status %d) has %d Responses, want %d", r.Status, len(r.Response), n)
	}
	return &r
}

// cmdMailInInbox is the start of every MoveItems test: User2 mails User1,
// whose Inbox sync finds it; it returns the item's ServerId and the
// Inbox's key after that sync.
func (c *cmdSuite) mailInInbox() (serverID, subject, inboxKey string) {
	c.s.t.Helper()
	subject = c.sendMailAndFolderSync()
	r := c.getMailItem(c.my().inbox, subject)
	return cmdServerID(r, subject), subject, c.syncKey
}

// MSASCMD_S10_TC01: a moved item gets a new ServerId, is deleted from
// its folder and added to the other at the next Sync.
func TestMSASCMD_S10_TC01_MoveItems_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		id, subject, inboxKey := c.mailInInbox()
		c.syncChanges(c.my().deleted)
		deletedKey := c.syncKey
		r := c.moveItems(1, eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: c.my().deleted})
		res := r.Response[0]
		s.equal(4217, "the move's Status", 3, res.Status)
		s.equal(3977, "the move's SrcMsgId", id, res.SrcMsgId)
		s.capture(285, res.DstMsgId != id, "the moved item's DstMsgId is its old ServerId %q", id)
		s.capture(290, res.DstMsgId != id, "the moved item's DstMsgId is its old ServerId %q", id)
		if !cmdHasDelete(c.syncFrom(inboxKey, c.my().inbox), id) {
			t.Fatalf("the Inbox's next Sync does not delete %s", id)
		}
		if cmdServerID(c.syncFrom(deletedKey, c.my().deleted), subject) == "" {
			t.Fatalf("the Deleted Items' next Sync does not add %q", subject)
		}
		s.capture(289, true, "")
		s.capture(5879, true, "")
	})
}

// MSASCMD_S10_TC02: a source folder that does not exist is Status 1.
func TestMSASCMD_S10_TC02_MoveItems_Status1_InvalidSrcFldId(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		id, _, _ := c.mailInInbox()
		r := c.moveItems(1, eas.MoveItem{SrcMsgId: id, SrcFldId: "Invalid SrcFldId", DstFldId: c.my().deleted})
		s.equal(4201, "the Status of a move from a missing folder", 1, r.Response[0].Status)
		s.equal(4207, "the Status of a move from a missing folder", 1, r.Response[0].Status)
	})
}

// MSASCMD_S10_TC03: an item already moved out of its folder is Status 1.
func TestMSASCMD_S10_TC03_MoveItems_Status1_InvalidSrcMsgId(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		id, _, _ := c.mailInInbox()
		move := eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: c.my().deleted}
		c.moveItems(1, move)
		r := c.moveItems(1, move)
		s.equal(4208, "the Status of a second move of the same item", 1, r.Response[0].Status)
	})
}

// MSASCMD_S10_TC04: a destination folder that does not exist is Status 2.
func TestMSASCMD_S10_TC04_MoveItems_Status2(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		id, _, _ := c.mailInInbox()
		r := c.moveItems(1, eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: "Invalid DstFldId"})
		s.equal(4212, "the Status of a move to a missing folder", 2, r.Response[0].Status)
	})
}

// MSASCMD_S10_TC05: a destination that is the source is Status 4.
func TestMSASCMD_S10_TC05_MoveItems_Status4(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		id, _, _ := c.mailInInbox()
		r := c.moveItems(1, eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: c.my().inbox})
		s.equal(4219, "the Status of a move to its own folder", 4, r.Response[0].Status)
	})
}

// MSASCMD_S10_TC06: one item moved to two folders in one request: one
// move is Status 5, and if the other succeeded the item is in exactly one
// of the two folders.
func TestMSASCMD_S10_TC06_MoveItems_Status5(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		id, subject, inboxKey := c.mailInInbox()
		c.syncChanges(c.my().deleted)
		deletedKey := c.syncKey
		c.syncChanges(c.my().sent)
		sentKey := c.syncKey
		r := c.moveItems(2,
			eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: c.my().deleted},
			eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: c.my().sent})
		has5, has3 := false, false
		for _, res := range r.Response {
			has5 = has5 || res.Status == 5
			has3 = has3 || res.Status == 3
		}
		s.capture(4222, has5, "the two moves of one item have Statuses %d and %d, none 5", r.Response[0].Status, r.Response[1].Status)
		if has3 {
			if !cmdHasDelete(c.syncFrom(inboxKey, c.my().inbox), id) {
				t.Fatalf("the Inbox's next Sync does not delete %s", id)
			}
			inDeleted := cmdServerID(c.syncFrom(deletedKey, c.my().deleted), subject) != ""
			inSent := cmdServerID(c.syncFrom(sentKey, c.my().sent), subject) != ""
			if inDeleted == inSent {
				t.Errorf("the moved item is in Deleted Items: %v, in Sent Items: %v; want exactly one", inDeleted, inSent)
			}
		}
	})
}

// MSASCMD_S10_TC07: a MoveItems of more than 1000 moves is Status 103.
func TestMSASCMD_S10_TC07_MoveItems_Status103(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		id, _, _ := c.mailInInbox()
		moves := make([]eas.MoveItem, 1001)
		for i := range moves {
			moves[i] = eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: c.my().deleted}
		}
		if s.version == eas.Version121 {
			s.gap("issue 15: at 12.1 easlab answers a MoveItems of more than 1000 moves with HTTP 400, as the common status codes start at 14.0; the original expects Status 103 at every version", 5653)
		}
		a := c.sendRaw(c.l.request(c.user, eas.CommandMoveItems), &eas.MoveItemsRequest{Move: moves})
		if a.Status != 200 {
			s.capture(5653, false, "a MoveItems of 1001 moves is answered HTTP %d", a.Status)
			return
		}
		var r eas.MoveItemsResponse
		a.decode(s, &r)
		s.equal(5653, "the Status of a MoveItems of 1001 moves", 103, r.Status)
	})
}
