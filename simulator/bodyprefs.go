package simulator

import (
	"strconv"

	"github.com/easlab/easlab/wbxml"
)

// The schema of the body preferences a request carries (MS-ASAIRS
// 2.2.2.8 BodyPreference and 2.2.2.11 BodyPartPreference): Type, then
// optionally TruncationSize, AllOrNone and Preview, each once, in that
// order. The codec reads them in any order and keeps the last of a
// repeated element, so the request's tree is checked as sent: Exchange
// validates it against the schema and refuses a request that breaks it
// (MSASAIRS_S04: a Sync with Status 4, R348, R350, R351 and R10016; an
// ItemOperations with Status 2, R346, R10030, R10031 and R10032).

var (
	tBodyPreference     = mustTag("AirSyncBase:BodyPreference")
	tBodyPartPreference = mustTag("AirSyncBase:BodyPartPreference")
	tTruncationSize     = mustTag("AirSyncBase:TruncationSize")
	tAllOrNone          = mustTag("AirSyncBase:AllOrNone")
	tSyncOptions        = mustTag("AirSync:Options")
	tSyncCollections    = mustTag("AirSync:Collections")
	tSyncCollection     = mustTag("AirSync:Collection")
	tIOOptions          = mustTag("ItemOperations:Options")
)

// bodyPreferenceOrder is the schema's order of a preference's children.
var bodyPreferenceOrder = []*wbxml.Tag{tBodyType, tTruncationSize, tAllOrNone, tPreview}

// bodyPreferenceError says how the body preferences among an Options
// element's children break the schema, or "" when they keep to it: a
// child out of order, repeated or unknown, a missing Type, a value that
// is not of its type, or two preferences of one kind naming the same Type
// (MS-ASAIRS 2.2.2.8: the Type of each BodyPreference is distinct).
func bodyPreferenceError(options *wbxml.Node) string {
	types := map[*wbxml.Tag]map[string]bool{}
	for _, p := range options.Elements() {
		if p.Tag != tBodyPreference && p.Tag != tBodyPartPreference {
			continue
		}
		next := 0
		typ := ""
		for _, e := range p.Elements() {
			i := next
			for i < len(bodyPreferenceOrder) && bodyPreferenceOrder[i] != e.Tag {
				i++
			}
			if i == len(bodyPreferenceOrder) {
				return p.Tag.Name + " has " + e.Tag.Name + " out of order, twice or not at all in its schema"
			}
			next = i + 1
			v := e.Text()
			switch e.Tag {
			case tAllOrNone:
				if v != "0" && v != "1" {
					return "AllOrNone " + strconv.Quote(v) + " is not a boolean"
				}
			default:
				if n, err := strconv.Atoi(v); err != nil || n < 0 {
					return e.Tag.Name + " " + strconv.Quote(v) + " is not a number"
				}
			}
			if e.Tag == tBodyType {
				typ = v
			}
		}
		if typ == "" {
			return p.Tag.Name + " has no Type"
		}
		if types[p.Tag] == nil {
			types[p.Tag] = map[string]bool{}
		}
		if types[p.Tag][typ] {
			return "two " + p.Tag.Name + " of Type " + typ
		}
		types[p.Tag][typ] = true
	}
	return ""
}

// syncBodyPreferenceError checks the body preferences of every
// collection's Options in the Sync request as sent.
func (c *call) syncBodyPreferenceError() string {
	root := c.requestTree()
	if root == nil {
		return ""
	}
	for _, cols := range root.Elements() {
		if cols.Tag != tSyncCollections {
			continue
		}
		for _, col := range cols.Elements() {
			if col.Tag != tSyncCollection {
				continue
			}
			for _, o := range col.Elements() {
				if o.Tag == tSyncOptions {
					if reason := bodyPreferenceError(o); reason != "" {
						return reason
					}
				}
			}
		}
	}
	return ""
}

// fetchBodyPreferenceError checks the body preferences of every Fetch's
// Options in the ItemOperations request as sent.
func (c *call) fetchBodyPreferenceError() string {
	root := c.requestTree()
	if root == nil {
		return ""
	}
	for _, op := range root.Elements() {
		if op.Tag != ioFetchTag {
			continue
		}
		for _, o := range op.Elements() {
			if o.Tag == tIOOptions {
				if reason := bodyPreferenceError(o); reason != "" {
					return reason
				}
			}
		}
	}
	return ""
}
