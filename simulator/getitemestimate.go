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
	v14 := c.req.ProtocolVersion.AtLeast(eas.Version140)
	if v14 && !gieFilterTypesValid(req.Collections.Collection) {
		return c.reply(gieValidationError)
	}
	m := c.mb
	m.lock()
	defer m.unlock()
	dev := c.deviceLocked()
	resp := &eas.GetItemEstimateResponse{}
	for _, col := range req.Collections.Collection {
		r := eas.GetItemEstimateResult{Status: int(eas.GetItemEstimateStatusSuccess)}
		f := m.folderLocked(col.CollectionId)
		cur := dev.collections.get(col.CollectionId)
		st := resolveKey(cur, col.SyncKey)
		if v14 && f != nil && col.ConversationMode != nil && *col.ConversationMode && folderClass(f.Type) != "Email" {
			// ConversationMode is for e-mail only: Exchange refuses it
			// on other collections as it refuses an invalid request
			// (Interop MS-ASCMD S07_TC13 R2100/R4129).
			return c.reply(gieValidationError)
		}
		if v14 && f != nil && cur != nil && col.SyncKey != "0" {
			if status := gieOptionsStatus(col.Options, folderClass(f.Type)); status != 0 {
				return c.reply(&eas.GetItemEstimateResponse{Status: status})
			}
		}
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

// gieValidationError is Exchange's answer, from 14.0, to a GetItemEstimate
// its schema refuses: one Response with Status 103 (its
// GetItemEstimateCommand.GetValidationErrorXml).
var gieValidationError = &eas.GetItemEstimateResponse{Response: []eas.GetItemEstimateResult{{Status: int(eas.StatusInvalidXML)}}}

// gieFilterTypesValid reports whether every FilterType of the request is
// one the schema allows, 0 to 8: Exchange answers FilterType 9 for any
// class with the validation error (Interop MS-ASCMD S07_TC07 R2984).
func gieFilterTypesValid(cols []eas.GetItemEstimateCollection) bool {
	ok := func(ft *int) bool {
		return ft == nil || *ft >= eas.FilterTypeAll && *ft <= eas.FilterTypeIncompleteTasks
	}
	for _, col := range cols {
		if !ok(col.FilterType) {
			return false
		}
		for _, o := range col.Options {
			if !ok(o.FilterType) {
				return false
			}
		}
	}
	return true
}

// gieOptionsStatus is the top-level Status with which Exchange (from 14.0)
// refuses a GetItemEstimate for the Options of a collection of class, or
// 0. Its SyncCollection.ParseSyncOptions answers a class the collection
// cannot hold (only SMS may join Email), a class twice, or several Options
// that are not Email and SMS, with 4, protocol error (Interop MS-ASCMD
// S07_TC16 R908), and a FilterType the class does not support with the
// common Status 110 (S07_TC04/05/06: Email and SMS up to 5, Calendar 0 and
// 4 to 7, Tasks 0 and 8).
func gieOptionsStatus(opts []eas.SyncOptions, class string) int {
	seen := map[string]bool{}
	for _, o := range opts {
		cl := o.Class
		if cl == "" {
			cl = class
		}
		if cl != class && !(class == "Email" && cl == "SMS") || seen[cl] || len(opts) > 1 && cl != "Email" && cl != "SMS" {
			return int(eas.GetItemEstimateStatusInvalidSyncKey) // 4, Exchange's Sync_ProtocolError
		}
		seen[cl] = true
		if o.FilterType != nil && !classSupportsFilter(cl, *o.FilterType) {
			return int(eas.StatusServerError)
		}
	}
	return 0
}

// classSupportsFilter reports whether a Sync or estimate of class may ask
// FilterType ft (0 to 8).
func classSupportsFilter(class string, ft int) bool {
	switch class {
	case "Email", "SMS":
		return ft <= eas.FilterTypeOneMonth
	case "Calendar":
		return ft == eas.FilterTypeAll || ft >= eas.FilterTypeTwoWeeks && ft <= eas.FilterTypeSixMonths
	case "Tasks":
		return ft == eas.FilterTypeAll || ft == eas.FilterTypeIncompleteTasks
	}
	return true
}
