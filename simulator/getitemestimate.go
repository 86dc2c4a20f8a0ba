package simulator

import (
	"math"

	"github.com/easlab/easlab/eas"
)

// GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes a Sync would bring.

// maxEstimateCollections is Exchange's limit; more gets common status 103.
const maxEstimateCollections = 1000

func handleGetItemEstimate(c *call) error {
	var req eas.GetItemEstimateRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if req.Collections == nil || len(req.Collections.Collection) == 0 {
		return eas.NewStatusError(eas.StatusInvalidXML, "GetItemEstimate without collections")
	}
	if len(req.Collections.Collection) > maxEstimateCollections {
		return eas.NewStatusError(eas.StatusInvalidXML, "too many collections")
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	dev := c.deviceLocked()
	resp := &eas.GetItemEstimateResponse{}
	for _, col := range req.Collections.Collection {
		r := eas.GetItemEstimateResult{Status: int(eas.GetItemEstimateStatusSuccess)}
		f := m.folderLocked(col.CollectionId)
		cur := dev.collections[col.CollectionId]
		st := resolveKey(cur, col.SyncKey)
		switch {
		case f == nil:
			r.Status = int(eas.GetItemEstimateStatusInvalidCollection)
		case cur == nil || col.SyncKey == "0":
			r.Status = int(eas.GetItemEstimateStatusNotPrimed)
		case st == nil:
			r.Status = int(eas.GetItemEstimateStatusInvalidSyncKey)
		case c.quarantined:
			n := 0
			if m.quarantineNoticeLocked(dev, f, st) != nil {
				n = 1
			}
			r.Collection = &eas.GetItemEstimateCount{CollectionId: col.CollectionId, Estimate: &n}
		default:
			sc := eas.SyncCollection{CollectionId: col.CollectionId, Options: col.Options}
			class := folderClass(f.Type)
			if col.FilterType != nil {
				sc.Options = append(sc.Options, eas.SyncOptions{FilterType: col.FilterType})
			}
			keep, ok := c.filterFor(sc, class)
			if !ok {
				r.Status = int(eas.GetItemEstimateStatusInvalidCollection)
				break
			}
			changes, _, _ := planChanges(st, m.changesSinceLocked(f.ServerID, st.seen), math.MaxInt, keep)
			n := len(changes)
			r.Collection = &eas.GetItemEstimateCount{CollectionId: col.CollectionId, Estimate: &n}
		}
		if r.Collection == nil {
			r.Collection = &eas.GetItemEstimateCount{CollectionId: col.CollectionId}
		}
		resp.Response = append(resp.Response, r)
	}
	return c.reply(resp)
}
