package simulator

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/internal/htmltext"
	"github.com/easlab/easlab/wbxml"
)

// MeetingResponse (MS-ASCMD 2.2.1.11; protocol.md 3.2): the user accepts,
// tentatively accepts or declines a meeting request (an e-mail carrying
// Email:MeetingRequest) or a meeting in the calendar.
//
// Accepting makes sure the meeting is in the calendar, created from the
// request when needed, and returns its ServerId as CalendarId; declining
// removes it. A meeting request e-mail goes to Deleted Items once
// answered, as Exchange does. From 16.0 a SendResponse asks the server to
// send the reply itself: it goes to the organizer when they have a
// mailbox here, and to the user's Sent Items; before 16.0 the client
// sends it with SendMail.

// maxMeetingResponses is Exchange's limit on Request elements; more is
// status 103.
const maxMeetingResponses = 100

var (
	mrMeetingRequestTag  = mustTag("Email:MeetingRequest")
	mrCalUIDTag          = mustTag("Calendar:UID")
	mrCalBusyStatusTag   = mustTag("Calendar:BusyStatus")
	mrCalRecurrenceTag   = mustTag("Calendar:Recurrence")
	mrCalOrganizerEmail  = mustTag("Calendar:OrganizerEmail")
	mrCalSubjectTag      = mustTag("Calendar:Subject")
	mrRecurrencesTag     = mustTag("Email:Recurrences")
	mrGlobalObjIDTag     = mustTag("Email:GlobalObjId")
	mrOrganizerTag       = mustTag("Email:Organizer")
	mrCalResponseTypeTag = mustTag("Calendar:ResponseType")
	mrCalReplyTimeTag    = mustTag("Calendar:AppointmentReplyTime")
)

// responseType is the Calendar:ResponseType of an answered meeting
// (MS-ASCAL 2.2.2.38): 2 tentative, 3 accepted; the answer changes it from
// 5, not responded (MSASCMD_S09_TC01 R5094, TC10 R5790).
func responseType(userResponse int) string {
	if userResponse == eas.UserResponseTentative {
		return "2"
	}
	return "3"
}

// mrReply is a response mail to send once the mailbox is unlocked.
type mrReply struct {
	organizer string
	subject   string
	class     string
	body      *eas.Body
	// The meeting answered, for the iCalendar REPLY the message carries.
	uid, partstat string
	start, end    time.Time
}

func handleMeetingResponse(c *call) error {
	var req eas.MeetingResponseRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	if len(req.Request) == 0 {
		return eas.NewStatusError(eas.StatusInvalidXML, "MeetingResponse without Request")
	}
	if c.quarantined {
		// A quarantined device answers no meeting: status 4 per Request
		// (exchange-admin.md 2.1, protocol log Error InQuarantine).
		resp := &eas.MeetingResponseResponse{}
		for _, r := range req.Request {
			resp.Result = append(resp.Result, eas.MeetingResponseResult{RequestId: r.RequestId, Status: 4})
		}
		return c.reply(resp)
	}
	if len(req.Request) > maxMeetingResponses {
		// Exchange answers the limit, at every version, with one Result
		// of Status 103 and an empty RequestId: MeetingResponseCommand's
		// OnExecute catches the InvalidXML its ParseXmlRequest throws and
		// writes it as a Result (MSASCMD_S09_TC07; R5650, R5671, R5673).
		c.extra().logError = "MRTooManyOperations"
		return c.reply(&eas.MeetingResponseResponse{Result: []eas.MeetingResponseResult{{Status: int(eas.StatusInvalidXML)}}})
	}
	now := c.s.clock.Now()
	m := c.mb
	var replies []mrReply
	m.lock()
	resp := &eas.MeetingResponseResponse{}
	for _, r := range req.Request {
		res, reply := c.meetingResponseLocked(r, now)
		resp.Result = append(resp.Result, res)
		if reply != nil {
			replies = append(replies, *reply)
		}
	}
	err := c.reply(resp)
	m.unlock()
	for _, r := range replies {
		c.sendMeetingReply(r, now)
	}
	return err
}

// meetingResponseLocked answers one Request.
func (c *call) meetingResponseLocked(r eas.MeetingReply, now time.Time) (eas.MeetingResponseResult, *mrReply) {
	res := eas.MeetingResponseResult{RequestId: r.RequestId}
	fail := func() (eas.MeetingResponseResult, *mrReply) {
		res.Status = int(eas.MeetingResponseStatusInvalidRequest)
		return res, nil
	}
	if r.UserResponse < eas.UserResponseAccept || r.UserResponse > eas.UserResponseDecline {
		return fail()
	}
	m := c.mb
	var it *Item
	switch {
	case r.RequestId != "":
		it = m.items[r.RequestId]
		if it != nil && r.CollectionId != "" && it.FolderID != r.CollectionId {
			it = nil
		}
	case r.LongId != "":
		it = itemByLongIDLocked(m, r.LongId)
	}
	if it == nil || it.Deleted {
		return fail()
	}
	var mr *wbxml.Node // the meeting request, when it is an e-mail
	var cal *Item      // the meeting in the calendar, if there
	switch it.Class {
	case "Email":
		for _, p := range it.Props {
			if p.Tag == mrMeetingRequestTag {
				mr = p
			}
		}
		if mr == nil || isCancellation(it) {
			return fail()
		}
		cal = m.calendarItemByUIDLocked(meetingUID(mr))
	case "Calendar":
		cal = it
	default:
		return fail()
	}
	if r.InstanceId != "" {
		// An occurrence can only be named in a recurring meeting.
		recurring := mr != nil && mr.Find(mrRecurrencesTag) != nil || cal != nil && itemHasProp(cal, "Calendar:Recurrence")
		if mr == nil && c.req.ProtocolVersion == eas.Version141 {
			// On a calendar item, at 14.1: an InstanceId not in
			// the form yyyy-MM-ddTHH:mm:ss.fffZ is Status 104, one in a
			// meeting that does not recur 146 (MS-ASCMD 2.2.3.92.1;
			// MSASCMD_S09_TC12, R3195, R4819; TC09, R3196, R4919), as
			// Exchange's RequestNodeData and GetOccurenceId answer. A
			// meeting request e-mail names no occurrence: Status 2
			// (TC06, TC08; R4185, R4186). From 16.0 Exchange refuses
			// any InstanceId here with Status 2 ("InstanceIdNode is not
			// supported", MeetingResponseCommand.ValidateRequestNodeData);
			// 12.1 and 14.0 know no InstanceId (MS-ASCMD 2.2.3.92.1).
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", r.InstanceId); err != nil {
				res.Status = int(eas.StatusInvalidDateTime)
				return res, nil
			}
			if !recurring {
				res.Status = int(eas.StatusNoRecurrenceInCalendar)
				return res, nil
			}
		}
		_, err := eas.ParseDate(r.InstanceId)
		if err != nil || !recurring {
			return fail()
		}
	}
	if r.UserResponse == eas.UserResponseDecline {
		// Declining one occurrence keeps the series (per-occurrence
		// exceptions are not kept).
		if cal != nil && r.InstanceId == "" {
			cal.Deleted = true
			m.stampLocked(cal, true)
		}
	} else {
		// Accepted, the meeting shows the busy status the organizer
		// intends (the request's BusyStatus, MS-ASEMAIL 2.2.2.9), Busy
		// when it names none; accepted tentatively, Tentative.
		busy := "2"
		if mr != nil {
			if b := childText(mr, "Email:BusyStatus"); b >= "0" && b <= "3" && len(b) == 1 {
				busy = b
			}
		}
		if r.UserResponse == eas.UserResponseTentative {
			busy = "1"
		}
		if cal == nil {
			calFolder := m.folderOfTypeLocked(eas.FolderTypeCalendar)
			if calFolder == nil {
				res.Status = int(eas.MeetingResponseStatusMailboxError)
				return res, nil
			}
			added, err := m.addItemLocked(calFolder.ServerID, &Item{
				Class: "Calendar",
				Props: append(calendarPropsFromRequest(it, mr, busy, now),
					wbxml.NewText(mrCalResponseTypeTag, responseType(r.UserResponse)), wbxml.NewText(mrCalReplyTimeTag, eas.FormatCompactDate(now))),
				Body:     Body{Plain: it.Body.Plain, HTML: it.Body.HTML},
				Received: now,
			})
			if err != nil {
				res.Status = int(eas.MeetingResponseStatusMailboxError)
				return res, nil
			}
			cal = m.items[added.ServerID]
		} else {
			cal.setProps([]*wbxml.Node{
				wbxml.NewText(mrCalBusyStatusTag, busy),
				wbxml.NewText(mrCalResponseTypeTag, responseType(r.UserResponse)),
				// When the user answered (MS-ASCAL 2.2.2.3; MSASCAL_S02_TC01).
				wbxml.NewText(mrCalReplyTimeTag, eas.FormatCompactDate(now)),
			})
			m.stampLocked(cal, true)
		}
		res.CalendarId = cal.ServerID
	}
	// The answered request leaves the Inbox for Deleted Items.
	if mr != nil {
		if del := m.folderOfTypeLocked(eas.FolderTypeDeletedItems); del != nil && it.FolderID != del.ServerID {
			m.moveLocked(it, del.ServerID)
		}
	}
	res.Status = int(eas.MeetingResponseStatusSuccess)
	if r.SendResponse == nil || !c.req.ProtocolVersion.AtLeast(eas.Version160) {
		return res, nil
	}
	reply := &mrReply{body: r.SendResponse.Body}
	if mr != nil {
		if o := mr.Find(mrOrganizerTag); o != nil {
			reply.organizer = o.Text()
		}
		reply.subject, reply.uid = it.Prop(tEmailSubject), meetingUID(mr)
		reply.start, _ = eas.ParseDate(childText(mr, "Email:StartTime"))
		reply.end, _ = eas.ParseDate(childText(mr, "Email:EndTime"))
	} else {
		reply.organizer = it.Prop(mrCalOrganizerEmail)
		reply.subject, reply.uid = it.Prop(mrCalSubjectTag), it.Prop(mrCalUIDTag)
		reply.start, _ = eas.ParseDate(it.Prop(tCalStartTime))
		reply.end, _ = eas.ParseDate(it.Prop(tCalEndTime))
	}
	switch r.UserResponse {
	case eas.UserResponseAccept:
		reply.subject, reply.class, reply.partstat = "Accepted: "+reply.subject, "IPM.Schedule.Meeting.Resp.Pos", "ACCEPTED"
	case eas.UserResponseTentative:
		reply.subject, reply.class, reply.partstat = "Tentative: "+reply.subject, "IPM.Schedule.Meeting.Resp.Tent", "TENTATIVE"
	default:
		reply.subject, reply.class, reply.partstat = "Declined: "+reply.subject, "IPM.Schedule.Meeting.Resp.Neg", "DECLINED"
	}
	return res, reply
}

// isCancellation reports whether a meeting message cancels the meeting,
// which cannot be answered.
func isCancellation(it *Item) bool {
	return strings.HasPrefix(it.Prop(tEmailMessageClass), "IPM.Schedule.Meeting.Canceled")
}

// calendarItemByUIDLocked finds the live calendar item of a meeting.
func (m *Mailbox) calendarItemByUIDLocked(uid string) *Item {
	if uid == "" {
		return nil
	}
	for _, it := range m.items {
		if !it.Deleted && it.Class == "Calendar" && strings.EqualFold(it.Prop(mrCalUIDTag), uid) {
			return it
		}
	}
	return nil
}

// meetingUID returns the UID of the meeting a request is for: its
// Calendar:UID (16.x), or the UID inside its GlobalObjId. A GlobalObjId
// made from an iCalendar UID embeds it after "vCal-Uid"; otherwise
// Exchange's UID is the GlobalObjId in upper-case hex (MS-ASEMAIL
// 2.2.2.38, MS-OXOCAL 2.2.1.27).
func meetingUID(mr *wbxml.Node) string {
	if uid := mr.Find(mrCalUIDTag); uid != nil && uid.Text() != "" {
		return uid.Text()
	}
	g := mr.Find(mrGlobalObjIDTag)
	if g == nil {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(g.Text())
	if err != nil {
		return g.Text()
	}
	if i := bytes.Index(raw, []byte("vCal-Uid\x01\x00\x00\x00")); i >= 0 {
		uid := raw[i+12:]
		if j := bytes.IndexByte(uid, 0); j >= 0 {
			uid = uid[:j]
		}
		return string(uid)
	}
	return strings.ToUpper(hex.EncodeToString(raw))
}

// calendarPropsFromRequest makes the attendee's calendar item of a meeting
// request, with the properties protocol 12.1 and later all know.
func calendarPropsFromRequest(req *Item, mr *wbxml.Node, busy string, now time.Time) []*wbxml.Node {
	get := func(local string) string {
		if tag := wbxml.Lookup("Email", local); tag == nil {
			return ""
		} else if n := mr.Find(tag); n != nil {
			return n.Text()
		}
		return ""
	}
	compact := func(s string) string {
		if t, err := eas.ParseDate(s); err == nil {
			return eas.FormatCompactDate(t)
		}
		return s
	}
	t := func(q, v string) *wbxml.Node { return wbxml.NewText(mustTag(q), v) }
	var props []*wbxml.Node
	if tz := get("TimeZone"); tz != "" {
		props = append(props, t("Calendar:Timezone", tz))
	}
	allDay := get("AllDayEvent")
	if allDay == "" {
		allDay = "0"
	}
	props = append(props, t("Calendar:AllDayEvent", allDay), t("Calendar:BusyStatus", busy))
	if org, err := mail.ParseAddress(get("Organizer")); err == nil {
		props = append(props, t("Calendar:OrganizerName", org.Name), t("Calendar:OrganizerEmail", org.Address))
	} else if o := get("Organizer"); o != "" {
		props = append(props, t("Calendar:OrganizerEmail", o))
	}
	stamp := get("DtStamp")
	if stamp == "" {
		stamp = eas.FormatDate(now)
	}
	props = append(props, t("Calendar:DtStamp", compact(stamp)), t("Calendar:EndTime", compact(get("EndTime"))))
	if loc := get("Location"); loc != "" {
		props = append(props, t("Calendar:Location", loc))
	}
	if s := get("Reminder"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil {
			props = append(props, t("Calendar:Reminder", strconv.Itoa(secs/60)))
		}
	}
	if s := get("Sensitivity"); s != "" {
		props = append(props, t("Calendar:Sensitivity", s))
	}
	props = append(props,
		t("Calendar:Subject", req.Prop(tEmailSubject)),
		t("Calendar:StartTime", compact(get("StartTime"))),
		t("Calendar:UID", meetingUID(mr)),
		t("Calendar:MeetingStatus", "3"), // a meeting received
	)
	if recs := mr.Find(mrRecurrencesTag); recs != nil {
		if rec := recs.Find(mustTag("Email:Recurrence")); rec != nil {
			props = append(props, calendarRecurrence(rec))
		}
	}
	return props
}

// calendarRecurrence converts a meeting request's Email:Recurrence into a
// Calendar:Recurrence: the children have the same names on both pages.
func calendarRecurrence(rec *wbxml.Node) *wbxml.Node {
	out := &wbxml.Node{Tag: mrCalRecurrenceTag}
	for _, ch := range rec.Elements() {
		if t := wbxml.Lookup("Calendar", ch.Tag.Name); t != nil {
			out.Children = append(out.Children, wbxml.NewText(t, ch.Text()))
		}
	}
	out.Empty = len(out.Children) == 0
	return out
}

// sendMeetingReply sends a 16.x SendResponse reply: an iCalendar REPLY
// with the user's text, delivered as any meeting response (the organizer,
// when they have a mailbox here, receives it and their meeting records the
// answer; see deliverMail), and a copy in the user's Sent Items.
func (c *call) sendMeetingReply(r mrReply, now time.Time) {
	to, err := mail.ParseAddress(r.organizer)
	if err != nil {
		to = &mail.Address{Address: strings.Trim(r.organizer, "<> ")}
	}
	plain, html := "", ""
	if r.body != nil {
		if r.body.Type == eas.BodyTypeHTML {
			html, plain = r.body.Data, htmltext.StripTags(r.body.Data)
		} else {
			plain = r.body.Data
		}
	}
	me := &mail.Address{Name: c.user.DisplayName, Address: c.user.PrimarySmtpAddress}
	var raw []byte
	if r.uid != "" && !r.start.IsZero() {
		end := r.end
		if end.Before(r.start) {
			end = r.start
		}
		mt := &meeting{method: "REPLY", uid: r.uid, subject: r.subject, organizer: to, start: r.start, end: end, stamp: now, busy: 2, reminder: -1, zone: utcZone,
			attendees: []meetingAttendee{{email: me.Address, name: me.Name, partstat: r.partstat}}}
		raw, err = buildMeetingMail(me, []*mail.Address{to}, r.subject, mt, Body{Plain: plain, HTML: html}, now)
	} else {
		raw, err = BuildMail(me, []*mail.Address{to}, r.subject, plain, html, now)
	}
	if err != nil {
		c.s.log.Error("building a meeting response", "error", err)
		return
	}
	msg, err := ParseMail(raw)
	if err != nil {
		c.s.log.Error("building a meeting response", "error", err)
		return
	}
	if external := c.s.deliverMail(msg, []*mail.Address{to}, now); len(external) > 0 {
		c.s.log.Info("meeting response sent outside the organization", "from", c.user.PrimarySmtpAddress, "to", to.Address, "subject", r.subject)
	}
	if sent, ok := c.mb.FolderByType(eas.FolderTypeSentItems); ok {
		it := EmailItem(msg, now, true)
		if mt, part := invitationOf(msg); mt != nil {
			if err := dressInvitation(it, mt, part, to.Address, 0); err != nil {
				c.s.log.Error("saving a meeting response", "error", err)
			}
		} else {
			it.setProps([]*wbxml.Node{wbxml.NewText(tEmailMessageClass, r.class)})
		}
		c.mb.AddItem(sent.ServerID, it)
	}
}
