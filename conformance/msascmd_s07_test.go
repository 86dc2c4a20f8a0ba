package conformance

import (
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S07: GetItemEstimate. The suite skips it at 12.1, where
// GetItemEstimate has no airsync:Options.

// gie sends a GetItemEstimate of one collection (the suite's
// CreateGetItemEstimateRequest).
func (c *cmdSuite) gie(key, collectionID string, conversation *bool, opts ...eas.SyncOptions) *eas.GetItemEstimateResponse {
	c.s.t.Helper()
	var r eas.GetItemEstimateResponse
	col := eas.GetItemEstimateCollection{SyncKey: key, CollectionId: collectionID, ConversationMode: conversation, Options: opts}
	c.call(eas.CommandGetItemEstimate, &eas.GetItemEstimateRequest{Collections: &eas.GetItemEstimateCollections{Collection: []eas.GetItemEstimateCollection{col}}}, &r)
	return &r
}

// gieFilter is GetItemEstimateWithFilterType: the last Sync key and an
// Options with FilterType only.
func (c *cmdSuite) gieFilter(collectionID string, filter int) *eas.GetItemEstimateResponse {
	c.s.t.Helper()
	return c.gie(c.syncKey, collectionID, nil, eas.SyncOptions{FilterType: &filter})
}

// top110 captures id: an estimate refused with a top-level Status 110.
func (c *cmdSuite) top110(id int, what string, r *eas.GetItemEstimateResponse) {
	c.s.t.Helper()
	c.s.capture(id, r.Status == 110, "%s has top-level Status %d and Response Status %d, want top-level 110", what, r.Status, cmdGIEStatus(r))
}

// cmdClass is an Options with Class only.
func cmdClass(class string) eas.SyncOptions { return eas.SyncOptions{Class: class} }

// cmdGIEStatus is the Status of a GetItemEstimate's first Response, or
// -1 when it has none.
func cmdGIEStatus(r *eas.GetItemEstimateResponse) int {
	if len(r.Response) == 0 {
		return -1
	}
	return r.Response[0].Status
}

// cmdEstimate is the Estimate of a GetItemEstimate's first Response, or
// -1.
func cmdEstimate(r *eas.GetItemEstimateResponse) int {
	if len(r.Response) == 0 || r.Response[0].Collection == nil || r.Response[0].Collection.Estimate == nil {
		return -1
	}
	return *r.Response[0].Collection.Estimate
}

// checkEmail is TestSuiteBase's CheckEmail: sync a folder until the
// message with subject is in it.
func (c *cmdSuite) checkEmail(collectionID, subject string) *eas.SyncResponse {
	c.s.t.Helper()
	c.sync(cmdSyncRequest("0", collectionID))
	for range 3 {
		r := c.sync(cmdSyncRequest(c.syncKey, collectionID))
		if cmdServerID(r, subject) != "" {
			return r
		}
	}
	c.s.t.Fatalf("the message %q did not reach folder %s", subject, collectionID)
	return nil
}

// mailUser2 is User1 sending a message to User2, found in User2's Inbox;
// the client is User2's afterwards.
func (c *cmdSuite) mailUser2() string {
	c.s.t.Helper()
	subject := c.name("subject")
	c.switchUser(cmdUser1)
	c.sendMail(cmdUser2, subject, "Default Email "+subject)
	c.switchUser(cmdUser2)
	c.checkEmail(c.my().inbox, subject)
	return subject
}

// MSASCMD_S07_TC01: the estimate of an Inbox with one message equals the
// additions of the Sync that follows.
func TestMSASCMD_S07_TC01_GetItemEstimate_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.mailUser2()
		c.sync(cmdSyncRequest("0", c.my().inbox))
		gie := c.gie(c.syncKey, c.my().inbox, nil, cmdClass("Email"))
		if len(gie.Response) == 0 {
			t.Fatalf("the GetItemEstimate (Status %d) has no Response", gie.Status)
		}
		c.sync(cmdSyncRequest("0", c.my().inbox))
		r := c.sync(cmdSyncRequest(c.syncKey, c.my().inbox))
		adds := 0
		if col := cmdCollection(r); col != nil {
			for _, cmd := range col.Commands {
				if cmd.Kind == eas.SyncAdd {
					adds++
				}
			}
		}
		if adds == 0 {
			t.Fatalf("the Sync after the estimate adds nothing")
		}
		s.equal(4134, "the estimate's Status", 1, cmdGIEStatus(gie))
		s.equal(171, "the Estimate", adds, cmdEstimate(gie))
		s.capture(5056, true, "")
	})
}

// MSASCMD_S07_TC02: without Options the estimate is that of class Email.
func TestMSASCMD_S07_TC02_GetItemEstimate_WithoutOptions(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().inbox))
		with := c.gie(c.syncKey, c.my().inbox, nil, cmdClass("Email"))
		without := c.gie(c.syncKey, c.my().inbox, nil)
		s.equal(3543, "the Estimate without Options", cmdEstimate(with), cmdEstimate(without))
	})
}

// MSASCMD_S07_TC03: a FilterType on Contacts is no error.
func TestMSASCMD_S07_TC03_GetItemEstimate_Contacts_FilterType(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().contacts))
		r := c.gieFilter(c.my().contacts, 0)
		s.capture(2967, cmdEstimate(r) >= 0, "the estimate with a FilterType has no Estimate (Status %d)", cmdGIEStatus(r))
		s.equal(2973, "the Status of an estimate of Contacts with a FilterType", 1, cmdGIEStatus(r))
	})
}

// MSASCMD_S07_TC04: the FilterTypes of email: 0 to 5 are estimated, and
// a new message in the window counts; 6 to 8 are Status 110.
func TestMSASCMD_S07_TC04_GetItemEstimate_Email_FilterType(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.mailUser2()
		c.sync(cmdSyncRequest("0", c.my().inbox))
		r := c.gieFilter(c.my().inbox, 0)
		if len(r.Response) == 0 {
			t.Fatalf("the GetItemEstimate (Status %d) has no Response", r.Status)
		}
		original := cmdEstimate(r)
		s.equal(2999, "the Status of an email estimate with FilterType 0", 1, cmdGIEStatus(r))
		r = c.gie(c.syncKey, c.my().inbox, nil)
		s.equal(2970, "the Estimate without FilterType", original, cmdEstimate(r))
		r = c.gieFilter(c.my().inbox, 1)
		original = cmdEstimate(r)
		s.equal(3000, "the Status of an email estimate with FilterType 1", 1, cmdGIEStatus(r))

		c.mailUser2()
		c.sync(cmdSyncRequest("0", c.my().inbox))
		r = c.gieFilter(c.my().inbox, 1)
		s.equal(2969, "the one-day Estimate after one more message", original+1, cmdEstimate(r))
		for ft, id := range map[int]int{2: 3001, 3: 3002, 4: 3003, 5: 3004} {
			s.equal(id, "the Status of an email estimate with a FilterType up to 5", 1, cmdGIEStatus(c.gieFilter(c.my().inbox, ft)))
		}
		for ft, id := range map[int]int{6: 3005, 7: 3006, 8: 3007} {
			c.top110(id, "an email estimate with a FilterType from 6", c.gieFilter(c.my().inbox, ft))
		}
	})
}

// cmdAddCalendar adds a calendar item through Sync (the suite's
// CreateSyncAddRequest) with the key of the last Sync, and checks it was
// added.
func (c *cmdSuite) addCalendar(fields ...*wbxml.Node) {
	c.s.t.Helper()
	data := cmdNode("AirSync:ApplicationData", fields...)
	req := cmdSyncRequest(c.syncKey, c.my().calendar)
	col := &req.Collections.Collection[0]
	col.Options = nil
	col.Commands = eas.SyncCommands{{Kind: eas.SyncAdd, Class: "Calendar", ClientId: cmdClientID(), ApplicationData: data}}
	r := c.sync(req)
	got := cmdCollection(r)
	if got == nil || len(got.Responses) == 0 || got.Responses[0].Status != 1 {
		c.s.t.Fatalf("the Sync adding a calendar item did not answer Status 1 for it: %+v", got)
	}
}

// cmdWhen is a time as Calendar's StartTime and EndTime carry it.
func cmdWhen(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// inWindow syncs the Calendar from 0 with FilterType 4 (two weeks) and
// reports whether the item with subject comes.
func (c *cmdSuite) inWindow(subject string) bool {
	c.s.t.Helper()
	four := 4
	req := cmdSyncRequest("0", c.my().calendar)
	req.Collections.Collection[0].Options = []eas.SyncOptions{{FilterType: &four}}
	c.sync(req)
	req.Collections.Collection[0].SyncKey = c.syncKey
	return cmdServerID(c.sync(req), subject) != ""
}

// MSASCMD_S07_TC05: the FilterTypes of a calendar: 0 and 4 to 7 are
// estimated, 1 to 3 and 8 are Status 110; future and recurring items are
// synchronized whatever the FilterType.
func TestMSASCMD_S07_TC05_GetItemEstimate_Calendar_FilterType(t *testing.T) {
	// The original skips 16.0 and 16.1, where a Sync cannot add a
	// recurrence.
	atVersions(t, cmdSpec, []eas.ProtocolVersion{eas.Version140, eas.Version141}, func(t *testing.T, s *site) {
		c := cmdLab(s)
		now := simtest.Start
		subject := c.name("calendarSubject")
		c.sync(cmdSyncRequest("0", c.my().calendar))
		start := now.Add(24 * time.Hour)
		c.addCalendar(cmdText("Calendar:Subject", subject), cmdText("Calendar:StartTime", cmdWhen(start)), cmdText("Calendar:EndTime", cmdWhen(start.Add(10*time.Minute))))
		r := c.gieFilter(c.my().calendar, 0)
		if len(r.Response) == 0 {
			t.Fatalf("the GetItemEstimate (Status %d) has no Response", r.Status)
		}
		s.equal(3008, "the Status of a calendar estimate with FilterType 0", 1, cmdGIEStatus(r))
		for ft, id := range map[int]int{1: 3009, 2: 3010, 3: 3011} {
			c.top110(id, "a calendar estimate with FilterType 1 to 3", c.gieFilter(c.my().calendar, ft))
		}
		s.equal(3012, "the Status of a calendar estimate with FilterType 4", 1, cmdGIEStatus(c.gieFilter(c.my().calendar, 4)))

		c.folderSync0()
		c.sync(cmdSyncRequest("0", c.my().calendar))
		future := c.name("canlendarSubject")
		start = now.Add(15 * 24 * time.Hour)
		c.addCalendar(cmdText("Calendar:Subject", future), cmdText("Calendar:StartTime", cmdWhen(start)), cmdText("Calendar:EndTime", cmdWhen(start.Add(10*time.Minute))))
		ok := cmdServerID(c.syncChanges(c.my().calendar), future) != ""
		ok = ok && c.inWindow(future)
		s.capture(2971, ok, "the item 15 days ahead does not come in a two-week Calendar sync")

		recurring := c.name("recurrenceCanlendarSubject")
		c.addCalendar(cmdText("Calendar:Subject", recurring), cmdNode("Calendar:Recurrence", cmdText("Calendar:Type", "1"), cmdText("Calendar:DayOfWeek", "2")))
		ok = cmdServerID(c.syncChanges(c.my().calendar), recurring) != ""
		ok = ok && c.inWindow(recurring)
		s.capture(5877, ok, "the weekly item with no end does not come in a two-week Calendar sync")
		for ft, id := range map[int]int{5: 3013, 6: 3014, 7: 3015} {
			s.equal(id, "the Status of a calendar estimate with FilterType 5 to 7", 1, cmdGIEStatus(c.gieFilter(c.my().calendar, ft)))
		}
		c.top110(3016, "a calendar estimate with FilterType 8", c.gieFilter(c.my().calendar, 8))
	})
}

// MSASCMD_S07_TC06: the FilterTypes of tasks: 0 and 8 are estimated, 1
// to 7 are Status 110.
func TestMSASCMD_S07_TC06_GetItemEstimate_Tasks_FilterType(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().tasks))
		s.equal(3017, "the Status of a tasks estimate with FilterType 0", 1, cmdGIEStatus(c.gieFilter(c.my().tasks, 0)))
		for ft, id := range map[int]int{1: 3018, 2: 3019, 3: 3020, 4: 3021, 5: 3022, 6: 3023, 7: 3024} {
			c.top110(id, "a tasks estimate with FilterType 1 to 7", c.gieFilter(c.my().tasks, ft))
		}
		s.equal(3025, "the Status of a tasks estimate with FilterType 8", 1, cmdGIEStatus(c.gieFilter(c.my().tasks, 8)))
	})
}

// MSASCMD_S07_TC07: FilterType 9 is Status 103 for contacts, email,
// calendar and tasks.
func TestMSASCMD_S07_TC07_GetItemEstimate_InvalidFilterType(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		ok := true
		var evidence []any
		for i, id := range []string{c.my().contacts, c.my().inbox, c.my().calendar, c.my().tasks} {
			if i == 0 {
				c.sync(cmdSyncRequest("0", id))
			} else {
				c.folderSync0()
				c.sync(cmdSyncRequest("0", id))
			}
			st := cmdGIEStatus(c.gieFilter(id, 9))
			ok = ok && st == 103
			evidence = append(evidence, id, st)
		}
		s.capture(2984, ok, "the Statuses of estimates with FilterType 9 are (folder, Status) %v, want 103", evidence)
	})
}

// MSASCMD_S07_TC08: two MaxItems in Options are no protocol error.
func TestMSASCMD_S07_TC08_GetItemEstimate_MoreThanOneMaxItems(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().ric))
		opt := eas.SyncOptions{MaxItems: 2, Extra: []*wbxml.Node{cmdText("AirSync:MaxItems", "3")}}
		r := c.gie(c.syncKey, c.my().ric, nil, opt)
		s.equal(3272, "the Status of an estimate with two MaxItems", 1, cmdGIEStatus(r))
	})
}

// MSASCMD_S07_TC09: of two collections, the one that does not exist has
// Status 2 and the other 1.
func TestMSASCMD_S07_TC09_GetItemEstimate_Status2(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().contacts))
		var r eas.GetItemEstimateResponse
		c.call(eas.CommandGetItemEstimate, &eas.GetItemEstimateRequest{Collections: &eas.GetItemEstimateCollections{Collection: []eas.GetItemEstimateCollection{
			{SyncKey: c.syncKey, CollectionId: c.my().contacts, Options: []eas.SyncOptions{cmdClass("Contacts")}},
			{SyncKey: c.syncKey, CollectionId: c.name("InvalidCollectionId"), Options: []eas.SyncOptions{cmdClass("Email")}},
		}}}, &r)
		if len(r.Response) != 2 {
			t.Fatalf("the GetItemEstimate of two collections (Status %d) has %d Responses", r.Status, len(r.Response))
		}
		s.equal(4135, "the missing collection's Status", 2, r.Response[1].Status)
		s.equal(4136, "the missing collection's Status", 2, r.Response[1].Status)
		s.capture(4130, r.Response[0].Status == 1 && r.Response[1].Status != 1, "the two collections have Statuses %d and %d", r.Response[0].Status, r.Response[1].Status)
	})
}

// MSASCMD_S07_TC10: a key 0 (no Sync primed) is Status 3.
func TestMSASCMD_S07_TC10_GetItemEstimate_Status3(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		r := c.gie("0", c.my().inbox, nil, cmdClass("Email"))
		if len(r.Response) == 0 {
			t.Fatalf("the GetItemEstimate (Status %d) has no Response", r.Status)
		}
		s.equal(4139, "the Status of an estimate with key 0", 3, cmdGIEStatus(r))
		s.equal(4140, "the Status of an estimate with key 0", 3, cmdGIEStatus(r))
	})
}

// MSASCMD_S07_TC11: a key the server did not issue is Status 4.
func TestMSASCMD_S07_TC11_GetItemEstimate_Status4_InvalidSyncKey(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().inbox))
		r := c.gie(c.name("InvalidSyncKey"), c.my().inbox, nil, cmdClass("Email"))
		s.equal(4142, "the Status of an estimate with a wrong key", 4, cmdGIEStatus(r))
	})
}

// MSASCMD_S07_TC12: another folder's key is Status 4.
func TestMSASCMD_S07_TC12_GetItemEstimate_Status4_MismatchedSyncKey(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().contacts))
		other := c.syncKey
		c.sync(cmdSyncRequest("0", c.my().inbox))
		r := c.gie(other, c.my().inbox, nil, cmdClass("Email"))
		s.equal(4594, "the Status of an estimate with the Contacts' key", 4, cmdGIEStatus(r))
	})
}

// MSASCMD_S07_TC13: ConversationMode on Contacts is Status 103.
func TestMSASCMD_S07_TC13_GetItemEstimate_ConversationMode_Status103(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		on := true
		r := c.gie(c.syncKey, c.my().contacts, &on)
		s.equal(2100, "the Status of an estimate of Contacts in conversation mode", 103, cmdGIEStatus(r))
		s.equal(4129, "the Status of an estimate of Contacts in conversation mode", 103, cmdGIEStatus(r))
	})
}

// MSASCMD_S07_TC14: classes Email and SMS together are estimated.
func TestMSASCMD_S07_TC14_GetItemEstimate_WithCombinationClasses(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().inbox))
		r := c.gie(c.syncKey, c.my().inbox, nil, cmdClass("Email"), cmdClass("SMS"))
		if len(r.Response) == 0 {
			t.Fatalf("the GetItemEstimate (Status %d) has no Response", r.Status)
		}
		s.equal(907, "the Status of an estimate of Email and SMS", 1, cmdGIEStatus(r))
	})
}

// MSASCMD_S07_TC15: more than 1000 collections is Status 103.
func TestMSASCMD_S07_TC15_GetItemEstimate_Collection_LimitValue(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.mailUser2()
		cols := make([]eas.GetItemEstimateCollection, 1001)
		for i := range cols {
			cols[i] = eas.GetItemEstimateCollection{SyncKey: c.syncKey, CollectionId: c.my().inbox, Options: []eas.SyncOptions{cmdClass("Email")}}
		}
		var r eas.GetItemEstimateResponse
		c.call(eas.CommandGetItemEstimate, &eas.GetItemEstimateRequest{Collections: &eas.GetItemEstimateCollections{Collection: cols}}, &r)
		s.equal(5647, "the Status of an estimate of 1001 collections", 103, r.Status)
	})
}

// MSASCMD_S07_TC16: classes Tasks and Contacts together are Status 4.
func TestMSASCMD_S07_TC16_GetItemEstimate_WithStatusValue4Returned(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.sync(cmdSyncRequest("0", c.my().inbox))
		r := c.gie(c.syncKey, c.my().inbox, nil, cmdClass("Tasks"), cmdClass("Contacts"))
		s.capture(908, r.Status == 4, "an estimate of Tasks and Contacts has top-level Status %d and Response Status %d, want top-level 4", r.Status, cmdGIEStatus(r))
	})
}
