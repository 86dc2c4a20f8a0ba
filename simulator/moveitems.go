package simulator

import (
	"github.com/easlab/easlab/eas"
)

// MoveItems (MS-ASCMD 2.2.1.12; protocol.md 3.2): each Move gets a
// Response with the item's new ServerId. Success is status 3; 1 names a
// bad source folder or item, 2 a bad destination, 4 the same folder.

// maxMoveItems is Exchange's limit on Move elements; more is status 103.
const maxMoveItems = 1000

func handleMoveItems(c *call) error {
	var req eas.MoveItemsRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if len(req.Move) == 0 {
		return eas.NewStatusError(eas.StatusInvalidXML, "MoveItems without Move")
	}
	if c.quarantined {
		// A quarantined device moves nothing: status 5 per Move
		// (exchange-admin.md 2.1).
		resp := &eas.MoveItemsResponse{}
		for _, mv := range req.Move {
			resp.Response = append(resp.Response, eas.MoveItemsResult{SrcMsgId: mv.SrcMsgId, Status: 5})
		}
		return c.reply(resp)
	}
	if len(req.Move) > maxMoveItems {
		return eas.NewStatusError(eas.StatusInvalidXML, "more than 1000 Move elements")
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	resp := &eas.MoveItemsResponse{}
	moved := map[string]bool{} // the SrcMsgIds of the request's moves so far
	for _, mv := range req.Move {
		r := eas.MoveItemsResult{SrcMsgId: mv.SrcMsgId}
		src := m.folderLocked(mv.SrcFldId)
		dst := m.folderLocked(mv.DstFldId)
		it := m.items[mv.SrcMsgId]
		switch {
		case src != nil && src.Type == eas.FolderTypeRecipientInfoCache || dst != nil && dst.Type == eas.FolderTypeRecipientInfoCache:
			// Exchange's MoveItemsCommand answers a move from or to a
			// collection that is not a mailbox folder, such as the
			// recipient information cache, with Status 105 before it
			// looks at the item (Interop MS-ASCMD S21_TC04 R4821).
			r.Status = 105
		case src == nil:
			r.Status = int(eas.MoveItemsStatusInvalidSource)
		case dst == nil:
			r.Status = int(eas.MoveItemsStatusInvalidDestination)
		case src.ServerID == dst.ServerID:
			r.Status = int(eas.MoveItemsStatusSameFolder)
		case moved[mv.SrcMsgId]:
			// One item to two destinations: Exchange moves it to the
			// first and answers the second with Status 5 (its
			// MoveItemsCommand.ValidateItem; Interop MS-ASCMD S10_TC06
			// R4222).
			r.Status = int(eas.MoveItemsStatusMoveFailed)
		case it == nil || it.Deleted || it.FolderID != src.ServerID:
			r.Status = int(eas.MoveItemsStatusInvalidSource)
		case folderClass(dst.Type) != it.Class:
			// An e-mail cannot go into a contacts folder, and so on. Which
			// status Exchange gives is UNCONFIRMED; the destination is at
			// fault, so 2.
			r.Status = int(eas.MoveItemsStatusInvalidDestination)
		default:
			moved[mv.SrcMsgId] = true
			to, err := m.moveLocked(it, dst.ServerID)
			if err != nil {
				r.Status = int(eas.MoveItemsStatusMoveFailed)
				break
			}
			r.Status, r.DstMsgId = int(eas.MoveItemsStatusSuccess), to.ServerID
		}
		resp.Response = append(resp.Response, r)
	}
	return c.reply(resp)
}
