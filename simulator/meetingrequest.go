package simulator

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// Meeting requests (MS-ASCMD 4.8 "Receiving and Accepting Meeting
// Requests", MS-ASEMAIL 3.1.5.2 and 2.2.2.48, MS-ASCAL 3.1.5.1).
//
// An invitation is a message with a text/calendar part (RFC 5545 iCalendar,
// METHOD:REQUEST or CANCEL). Exchange delivers it to each attendee as a
// meeting message (Email:MessageClass IPM.Schedule.Meeting.Request or
// .Canceled, with Email:MeetingRequest) and its calendar assistant puts the
// meeting in the attendee's Calendar, not yet answered (ResponseType 5,
// busy status Tentative), or marks it canceled (MeetingStatus 7). From 16.0
// the organizer's client adds the meeting with Sync and the server sends
// the invitation itself (MS-ASCMD R7478); before, the client mails it.
//
// The parser reads what RFC 5545 clients and Interop's test suites write:
// folded lines, VTIMEZONE with one STANDARD and one DAYLIGHT rule, UTC,
// floating, zoned and date values, RRULE of the EAS recurrence kinds,
// VALARM, X-MICROSOFT-CDO-BUSYSTATUS, X-MICROSOFT-DISALLOW-COUNTER.

// Limits on what an invitation may hold; beyond them it is delivered as a
// plain message.
const (
	maxICalLines = 10000
	maxICalDepth = 8
)

// icalProp is one content line: NAME;PARAM=V:VALUE.
type icalProp struct {
	name   string
	params map[string]string
	value  string
}

// icalComp is a BEGIN/END component.
type icalComp struct {
	name  string
	props []icalProp
	subs  []*icalComp
}

func (c *icalComp) prop(name string) *icalProp {
	for i := range c.props {
		if c.props[i].name == name {
			return &c.props[i]
		}
	}
	return nil
}

func (c *icalComp) value(name string) string {
	if p := c.prop(name); p != nil {
		return p.value
	}
	return ""
}

func (c *icalComp) sub(name string) *icalComp {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

var errICal = errors.New("not an iCalendar object")

// parseICal reads an iCalendar stream into its VCALENDAR component.
func parseICal(data []byte) (*icalComp, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	// Unfold: a line starting with a space or a tab continues the last.
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\n ", ""), "\n\t", "")
	lines := strings.Split(text, "\n")
	if len(lines) > maxICalLines {
		return nil, fmt.Errorf("%w: %d lines", errICal, len(lines))
	}
	root := &icalComp{}
	stack := []*icalComp{root}
	for _, line := range lines {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		p, ok := parseICalLine(line)
		if !ok {
			continue
		}
		top := stack[len(stack)-1]
		switch p.name {
		case "BEGIN":
			if len(stack) > maxICalDepth {
				return nil, fmt.Errorf("%w: components nested too deep", errICal)
			}
			c := &icalComp{name: strings.ToUpper(strings.TrimSpace(p.value))}
			top.subs = append(top.subs, c)
			stack = append(stack, c)
		case "END":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		default:
			top.props = append(top.props, p)
		}
	}
	cal := root.sub("VCALENDAR")
	if cal == nil {
		return nil, fmt.Errorf("%w: no VCALENDAR", errICal)
	}
	return cal, nil
}

// parseICalLine splits a content line; parameter values may be quoted.
func parseICalLine(line string) (icalProp, bool) {
	p := icalProp{params: map[string]string{}}
	i := strings.IndexAny(line, ";:")
	if i <= 0 {
		return p, false
	}
	p.name = strings.ToUpper(strings.TrimSpace(line[:i]))
	rest := line[i:]
	for strings.HasPrefix(rest, ";") {
		rest = rest[1:]
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return p, false
		}
		key := strings.ToUpper(strings.TrimSpace(rest[:eq]))
		rest = rest[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return p, false
			}
			val, rest = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexAny(rest, ";:")
			if end < 0 {
				return p, false
			}
			val, rest = rest[:end], rest[end:]
		}
		p.params[key] = val
	}
	if !strings.HasPrefix(rest, ":") {
		return p, false
	}
	p.value = strings.TrimSpace(rest[1:])
	return p, true
}

// icalText unescapes a TEXT value (RFC 5545 3.3.11).
func icalText(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`)
	return r.Replace(s)
}

// tzRule is one STANDARD or DAYLIGHT observance: the offset it sets and
// the yearly rule that starts it (month, nth weekday, local time).
type tzRule struct {
	offset  int // minutes east of UTC
	month   int
	week    int // 1..4, 5 for the last
	weekday time.Weekday
	hour    int
	minute  int
}

// icalZone is a VTIMEZONE as EAS knows time zones: one standard and at
// most one daylight observance.
type icalZone struct {
	id       string
	std, dst tzRule
	hasDST   bool
}

func parseOffset(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 5 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[3:5])
	if err1 != nil || err2 != nil {
		return 0, false
	}
	off := h*60 + m
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

var icalWeekdays = map[string]time.Weekday{"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday, "TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday}

func parseTZRule(c *icalComp) tzRule {
	var r tzRule
	r.offset, _ = parseOffset(c.value("TZOFFSETTO"))
	if t, err := time.Parse("20060102T150405", c.value("DTSTART")); err == nil {
		r.month, r.hour, r.minute = int(t.Month()), t.Hour(), t.Minute()
		r.week, r.weekday = (t.Day()-1)/7+1, t.Weekday()
	}
	rule := parseRRule(c.value("RRULE"))
	if rule["FREQ"] == "YEARLY" {
		if m, err := strconv.Atoi(rule["BYMONTH"]); err == nil && m >= 1 && m <= 12 {
			r.month = m
		}
		if n, wd, ok := nthWeekday(rule["BYDAY"]); ok {
			r.week, r.weekday = n, wd
			if n <= 0 || n > 5 {
				r.week = 5
			}
		}
	}
	return r
}

// nthWeekday reads an RRULE BYDAY item such as 2SU or -1SU (last).
func nthWeekday(s string) (int, time.Weekday, bool) {
	s = strings.TrimSpace(strings.SplitN(s, ",", 2)[0])
	if len(s) < 2 {
		return 0, 0, false
	}
	wd, ok := icalWeekdays[strings.ToUpper(s[len(s)-2:])]
	if !ok {
		return 0, 0, false
	}
	n := 0
	if num := s[:len(s)-2]; num != "" {
		v, err := strconv.Atoi(num)
		if err != nil {
			return 0, 0, false
		}
		n = v
	}
	return n, wd, true
}

func parseRRule(s string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(part, "="); ok {
			out[strings.ToUpper(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return out
}

// transition returns the local time at which r starts in year.
func (r tzRule) transition(year int) time.Time {
	if r.month == 0 {
		return time.Time{}
	}
	first := time.Date(year, time.Month(r.month), 1, r.hour, r.minute, 0, 0, time.UTC)
	d := first.AddDate(0, 0, (int(r.weekday)-int(first.Weekday())+7)%7)
	for i := 1; i < r.week; i++ {
		if next := d.AddDate(0, 0, 7); next.Month() == d.Month() {
			d = next
		}
	}
	return d
}

// offsetAt returns the zone's offset in minutes at a local wall time.
func (z *icalZone) offsetAt(local time.Time) int {
	if !z.hasDST || z.std.offset == z.dst.offset {
		return z.std.offset
	}
	ds, ss := z.dst.transition(local.Year()), z.std.transition(local.Year())
	inDST := false
	if ds.Before(ss) {
		inDST = !local.Before(ds) && local.Before(ss)
	} else {
		inDST = !local.Before(ds) || local.Before(ss)
	}
	if inDST {
		return z.dst.offset
	}
	return z.std.offset
}

// easBlob writes the zone as EAS's base64 TIME_ZONE_INFORMATION (MS-ASCAL
// 2.2.2.42; MS-ASEMAIL 2.2.2.79): Bias, StandardName, StandardDate,
// StandardBias, DaylightName, DaylightDate, DaylightBias.
func (z *icalZone) easBlob() string {
	b := make([]byte, 172)
	binary.LittleEndian.PutUint32(b[0:], uint32(int32(-z.std.offset)))
	name := utf16.Encode([]rune(z.id))
	if len(name) > 31 {
		name = name[:31]
	}
	for i, r := range name {
		binary.LittleEndian.PutUint16(b[4+2*i:], r)
		binary.LittleEndian.PutUint16(b[88+2*i:], r)
	}
	if z.hasDST && z.std.offset != z.dst.offset && z.std.month != 0 && z.dst.month != 0 {
		put := func(at int, r tzRule) {
			binary.LittleEndian.PutUint16(b[at+2:], uint16(r.month))
			binary.LittleEndian.PutUint16(b[at+4:], uint16(r.weekday))
			binary.LittleEndian.PutUint16(b[at+6:], uint16(r.week))
			binary.LittleEndian.PutUint16(b[at+8:], uint16(r.hour))
			binary.LittleEndian.PutUint16(b[at+10:], uint16(r.minute))
		}
		put(68, z.std)
		put(152, z.dst)
		binary.LittleEndian.PutUint32(b[168:], uint32(int32(-(z.dst.offset - z.std.offset))))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// utcZone is the zone of a meeting whose invitation names none.
var utcZone = &icalZone{id: "(UTC) Coordinated Universal Time"}

// meetingAttendee is one ATTENDEE.
type meetingAttendee struct {
	email, name string
	rsvp        bool
	optional    bool
	partstat    string // a REPLY's answer: ACCEPTED, TENTATIVE, DECLINED
}

// meeting is what an invitation says of a meeting.
type meeting struct {
	method       string // REQUEST, CANCEL, ...
	uid          string
	subject      string
	description  string
	location     string
	organizer    *mail.Address
	attendees    []meetingAttendee
	start, end   time.Time
	stamp        time.Time
	allDay       bool
	busy         int // the organizer's intended busy status, 0 free .. 3 OOF
	reminder     int // minutes, -1 for none
	sensitivity  int
	disallowNew  bool
	recurrence   *eas.EmailRecurrence
	recurrenceID time.Time
	zone         *icalZone
}

// parseMeeting reads the first VEVENT of an iCalendar object.
func parseMeeting(data []byte) (*meeting, error) {
	cal, err := parseICal(data)
	if err != nil {
		return nil, err
	}
	ev := cal.sub("VEVENT")
	if ev == nil {
		return nil, fmt.Errorf("%w: no VEVENT", errICal)
	}
	mt := &meeting{method: strings.ToUpper(cal.value("METHOD")), busy: 2, reminder: -1, zone: utcZone}
	zones := map[string]*icalZone{}
	for _, c := range cal.subs {
		if c.name != "VTIMEZONE" {
			continue
		}
		z := &icalZone{id: c.value("TZID")}
		if s := c.sub("STANDARD"); s != nil {
			z.std = parseTZRule(s)
		}
		if d := c.sub("DAYLIGHT"); d != nil {
			z.dst, z.hasDST = parseTZRule(d), true
		}
		if c.sub("STANDARD") == nil && z.hasDST {
			z.std, z.hasDST = z.dst, false
		}
		zones[z.id] = z
	}
	timeOf := func(name string) (time.Time, bool, bool) {
		p := ev.prop(name)
		if p == nil {
			return time.Time{}, false, false
		}
		v := p.value
		if strings.EqualFold(p.params["VALUE"], "DATE") || len(v) == 8 {
			d, err := time.Parse("20060102", v)
			if err != nil {
				return time.Time{}, false, false
			}
			return mt.zone.toUTC(d), true, true
		}
		if t, err := time.Parse("20060102T150405Z", v); err == nil {
			return t, false, true
		}
		local, err := time.Parse("20060102T150405", v)
		if err != nil {
			return time.Time{}, false, false
		}
		z := zones[p.params["TZID"]]
		if z == nil {
			z = mt.zone
		} else {
			mt.zone = z
		}
		return z.toUTC(local), false, true
	}
	// The zone of DTSTART is the meeting's: read it first.
	start, startDate, ok := timeOf("DTSTART")
	if !ok {
		return nil, fmt.Errorf("%w: VEVENT without a valid DTSTART", errICal)
	}
	if len(zones) == 1 && ev.prop("DTSTART").params["TZID"] == "" {
		for _, z := range zones {
			mt.zone = z
		}
	}
	mt.start = start
	mt.end = start
	if end, _, ok := timeOf("DTEND"); ok && !end.Before(start) {
		mt.end = end
	} else if startDate {
		mt.end = start.AddDate(0, 0, 1)
	}
	mt.allDay = startDate || strings.EqualFold(ev.value("X-MICROSOFT-CDO-ALLDAYEVENT"), "TRUE")
	if stamp, _, ok := timeOf("DTSTAMP"); ok {
		mt.stamp = stamp
	}
	if rid, _, ok := timeOf("RECURRENCE-ID"); ok {
		mt.recurrenceID = rid
	}
	mt.uid = ev.value("UID")
	mt.subject = icalText(ev.value("SUMMARY"))
	mt.description = icalText(ev.value("DESCRIPTION"))
	mt.location = icalText(ev.value("LOCATION"))
	if p := ev.prop("ORGANIZER"); p != nil {
		mt.organizer = &mail.Address{Name: p.params["CN"], Address: mailtoAddress(p.value)}
	}
	for _, p := range ev.props {
		if p.name != "ATTENDEE" {
			continue
		}
		mt.attendees = append(mt.attendees, meetingAttendee{
			email: mailtoAddress(p.value), name: p.params["CN"],
			rsvp:     strings.EqualFold(p.params["RSVP"], "TRUE"),
			optional: strings.EqualFold(p.params["ROLE"], "OPT-PARTICIPANT"),
			partstat: strings.ToUpper(p.params["PARTSTAT"]),
		})
	}
	switch strings.ToUpper(ev.value("X-MICROSOFT-CDO-BUSYSTATUS")) {
	case "FREE":
		mt.busy = 0
	case "TENTATIVE":
		mt.busy = 1
	case "OOF":
		mt.busy = 3
	case "":
		if strings.EqualFold(ev.value("TRANSP"), "TRANSPARENT") {
			mt.busy = 0
		}
	}
	switch strings.ToUpper(ev.value("CLASS")) {
	case "PRIVATE":
		mt.sensitivity = 2
	case "CONFIDENTIAL":
		mt.sensitivity = 3
	}
	mt.disallowNew = strings.EqualFold(ev.value("X-MICROSOFT-DISALLOW-COUNTER"), "TRUE")
	if alarm := ev.sub("VALARM"); alarm != nil {
		if d, ok := parseICalDuration(alarm.value("TRIGGER")); ok && d <= 0 {
			mt.reminder = int(-d / time.Minute)
		}
	}
	if r := ev.value("RRULE"); r != "" && mt.recurrenceID.IsZero() {
		mt.recurrence = recurrenceFromRRule(parseRRule(r), mt.start.Add(time.Duration(mt.zone.offsetAtUTC(mt.start))*time.Minute))
	}
	return mt, nil
}

// toUTC converts a local wall time of the zone.
func (z *icalZone) toUTC(local time.Time) time.Time {
	return local.Add(-time.Duration(z.offsetAt(local)) * time.Minute)
}

// offsetAtUTC returns the zone's offset at an instant.
func (z *icalZone) offsetAtUTC(t time.Time) int {
	return z.offsetAt(t.Add(time.Duration(z.std.offset) * time.Minute))
}

func mailtoAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return v
}

// parseICalDuration reads a DURATION such as -PT15M or -P1D.
func parseICalDuration(s string) (time.Duration, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	sign := time.Duration(1)
	switch {
	case strings.HasPrefix(s, "-"):
		sign, s = -1, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if !strings.HasPrefix(s, "P") {
		return 0, false
	}
	s = s[1:]
	var d time.Duration
	inTime, parts := false, 0
	num := ""
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
		case r == 'T':
			inTime = true
		default:
			n, err := strconv.Atoi(num)
			if err != nil || n > 1<<20 {
				return 0, false
			}
			num = ""
			parts++
			switch {
			case r == 'W':
				d += time.Duration(n) * 7 * 24 * time.Hour
			case r == 'D':
				d += time.Duration(n) * 24 * time.Hour
			case r == 'H' && inTime:
				d += time.Duration(n) * time.Hour
			case r == 'M' && inTime:
				d += time.Duration(n) * time.Minute
			case r == 'S' && inTime:
				d += time.Duration(n) * time.Second
			default:
				return 0, false
			}
		}
	}
	return sign * d, num == "" && parts > 0
}

// recurrenceFromRRule maps an RRULE to the EAS recurrence of the same
// pattern (MS-ASEMAIL 2.2.2.60; Type 0 daily, 1 weekly, 2 monthly, 3
// monthly on the nth day, 5 yearly, 6 yearly on the nth day); localStart
// is the first occurrence's wall time, which fills what the rule leaves
// out.
func recurrenceFromRRule(rule map[string]string, localStart time.Time) *eas.EmailRecurrence {
	r := &eas.EmailRecurrence{Interval: 1}
	if n, err := strconv.Atoi(rule["INTERVAL"]); err == nil && n > 0 && n < 1000 {
		r.Interval = n
	}
	if n, err := strconv.Atoi(rule["COUNT"]); err == nil && n > 0 && n < 1000 {
		r.Occurrences = n
	}
	if u := rule["UNTIL"]; u != "" {
		for _, layout := range []string{"20060102T150405Z", "20060102T150405", "20060102"} {
			if t, err := time.Parse(layout, u); err == nil {
				r.Until = eas.FormatCompactDate(t)
				break
			}
		}
	}
	mask := func(byday string) int {
		m := 0
		for _, d := range strings.Split(byday, ",") {
			if _, wd, ok := nthWeekday(d); ok {
				m |= 1 << uint(wd)
			}
		}
		return m
	}
	day := func() int {
		if n, err := strconv.Atoi(rule["BYMONTHDAY"]); err == nil && n >= 1 && n <= 31 {
			return n
		}
		return localStart.Day()
	}
	month := func() int {
		if n, err := strconv.Atoi(rule["BYMONTH"]); err == nil && n >= 1 && n <= 12 {
			return n
		}
		return int(localStart.Month())
	}
	nth := func() (int, int, bool) {
		n, wd, ok := nthWeekday(rule["BYDAY"])
		if !ok || n == 0 {
			return 0, 0, false
		}
		if n < 0 || n > 4 {
			n = 5
		}
		return n, 1 << uint(wd), true
	}
	switch rule["FREQ"] {
	case "DAILY":
		r.Type = 0
		if m := mask(rule["BYDAY"]); m != 0 {
			// Every weekday is the weekly pattern with those days.
			r.Type, r.DayOfWeek = 1, m
		}
	case "WEEKLY":
		r.Type = 1
		r.DayOfWeek = mask(rule["BYDAY"])
		if r.DayOfWeek == 0 {
			r.DayOfWeek = 1 << uint(localStart.Weekday())
		}
		first := 1 // RFC 5545's WKST defaults to Monday
		if wd, ok := icalWeekdays[strings.ToUpper(rule["WKST"])]; ok {
			first = int(wd)
		}
		r.FirstDayOfWeek = &first
	case "MONTHLY":
		if w, d, ok := nth(); ok {
			r.Type, r.WeekOfMonth, r.DayOfWeek = 3, w, d
		} else {
			r.Type, r.DayOfMonth = 2, day()
		}
	case "YEARLY":
		if w, d, ok := nth(); ok {
			r.Type, r.WeekOfMonth, r.DayOfWeek, r.MonthOfYear = 6, w, d, month()
		} else {
			r.Type, r.DayOfMonth, r.MonthOfYear = 5, day(), month()
		}
	default:
		return nil
	}
	// Exchange writes the Gregorian calendar type, and whether a yearly
	// pattern falls in a leap month (never, in the Gregorian calendar).
	calType := 0
	r.CalendarType = &calType
	if r.Type == 5 || r.Type == 6 {
		leap := false
		r.IsLeapMonth = &leap
	}
	return r
}

// goidClass is the class id every PidLidGlobalObjectId starts with
// (MS-OXOCAL 2.2.1.27).
var goidClass = []byte{0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08}

// globalObjID builds the meeting's Email:GlobalObjId (MS-ASEMAIL
// 2.2.2.38, MS-OXOCAL 2.2.1.27): a UID that is the hex of a global object
// id is that id; any other UID is wrapped as "vCal-Uid", with created as
// its creation time. instance, when set, names one occurrence (YH, YL, M,
// D).
func globalObjID(uid string, instance, created time.Time) []byte {
	var b []byte
	if raw, err := hex.DecodeString(uid); err == nil && len(raw) >= 40 && bytes.HasPrefix(raw, goidClass) {
		b = append(b, raw...)
	} else {
		data := append([]byte("vCal-Uid\x01\x00\x00\x00"), uid...)
		data = append(data, 0)
		b = make([]byte, 40, 40+len(data))
		copy(b, goidClass)
		if !created.IsZero() && created.Year() > 1601 {
			binary.LittleEndian.PutUint64(b[20:], uint64(created.UTC().UnixNano()/100+116444736000000000))
		}
		binary.LittleEndian.PutUint32(b[36:], uint32(len(data)))
		b = append(b, data...)
	}
	if !instance.IsZero() {
		y := instance.UTC().Year()
		b[16], b[17], b[18], b[19] = byte(y>>8), byte(y), byte(instance.UTC().Month()), byte(instance.UTC().Day())
	} else {
		b[16], b[17], b[18], b[19] = 0, 0, 0, 0
	}
	return b
}

// newMeetingUID makes the UID of a meeting the server creates: the hex of
// a new global object id, as Exchange's are.
func newMeetingUID(now time.Time, seed string) string {
	b := make([]byte, 56)
	copy(b, goidClass)
	ft := uint64(now.UTC().UnixNano()/100) + 116444736000000000
	binary.LittleEndian.PutUint64(b[20:], ft)
	binary.LittleEndian.PutUint32(b[36:], 16)
	sum := fnv128(seed + now.String())
	copy(b[40:], sum)
	return strings.ToUpper(hex.EncodeToString(b))
}

// fnv128 is a 16-byte FNV-1a digest, enough to tell meetings apart.
func fnv128(s string) []byte {
	out := make([]byte, 16)
	h1, h2 := uint64(14695981039346656037), uint64(1099511628211)
	for i := 0; i < len(s); i++ {
		h1 ^= uint64(s[i])
		h1 *= 1099511628211
		h2 ^= uint64(s[i]) + h1
		h2 *= 14695981039346656037 | 1
	}
	binary.LittleEndian.PutUint64(out, h1)
	binary.LittleEndian.PutUint64(out[8:], h2)
	return out
}

// requestedOf reports whether the invitation asks addr to answer.
func (mt *meeting) requestedOf(addr string) bool {
	for _, a := range mt.attendees {
		if strings.EqualFold(a.email, addr) {
			return a.rsvp
		}
	}
	for _, a := range mt.attendees {
		if a.rsvp {
			return true
		}
	}
	return false
}

func (mt *meeting) organizerText() string {
	if mt.organizer == nil {
		return ""
	}
	return formatAddresses([]*mail.Address{mt.organizer})
}

// requestNode is the Email:MeetingRequest Exchange sends with a meeting
// message (MS-ASEMAIL 2.2.2.48), every version's elements: the renderer
// keeps a version's own (see propAtVersion).
func (mt *meeting) requestNode(messageType int, responseRequested bool) (*wbxml.Node, error) {
	b := func(v bool) *bool { return &v }
	n := func(v int) *int { return &v }
	instanceType := 0
	switch {
	case !mt.recurrenceID.IsZero():
		instanceType = 3 // an exception to a recurring meeting
	case mt.recurrence != nil:
		instanceType = 1 // the recurring master
	}
	stamp := mt.stamp
	if stamp.IsZero() {
		stamp = mt.start
	}
	mr := &eas.MeetingRequest{
		AllDayEvent:             b(mt.allDay),
		StartTime:               eas.FormatDate(mt.start),
		DtStamp:                 eas.FormatDate(stamp),
		EndTime:                 eas.FormatDate(mt.end),
		InstanceType:            n(instanceType),
		Location:                mt.location,
		Organizer:               mt.organizerText(),
		ResponseRequested:       b(responseRequested),
		Sensitivity:             n(mt.sensitivity),
		BusyStatus:              n(mt.busy),
		TimeZone:                mt.zone.easBlob(),
		GlobalObjId:             base64.StdEncoding.EncodeToString(globalObjID(mt.uid, mt.recurrenceID, stamp)),
		DisallowNewTimeProposal: b(mt.disallowNew),
		MeetingMessageType:      n(messageType),
		UID:                     mt.uid,
	}
	if mt.location != "" {
		mr.Location16 = &eas.Location{DisplayName: mt.location}
	}
	if !mt.recurrenceID.IsZero() {
		mr.RecurrenceId = eas.FormatDate(mt.recurrenceID)
	}
	if mt.reminder >= 0 {
		mr.Reminder = n(mt.reminder * 60) // seconds (MS-ASEMAIL 2.2.2.61)
	}
	if mt.recurrence != nil {
		mr.Recurrences = &eas.Recurrences{Recurrence: []eas.EmailRecurrence{*mt.recurrence}}
	}
	node, err := eas.EncodeItemAs(mrMeetingRequestTag, mr)
	if err != nil {
		return nil, fmt.Errorf("encoding the MeetingRequest of %q: %w", mt.uid, err)
	}
	return node, nil
}

// calendarProps are the properties of the meeting in an attendee's
// Calendar before they answer (MS-ASCAL 2.2.2): MeetingStatus 3 (a meeting
// received), ResponseType 5 (not responded), busy status Tentative.
func (mt *meeting) calendarProps(responseRequested bool) []*wbxml.Node {
	t := func(q, v string) *wbxml.Node { return wbxml.NewText(mustTag(q), v) }
	bit := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	stamp := mt.stamp
	if stamp.IsZero() {
		stamp = mt.start
	}
	props := []*wbxml.Node{
		t("Calendar:Timezone", mt.zone.easBlob()),
		t("Calendar:AllDayEvent", bit(mt.allDay)),
		t("Calendar:BusyStatus", "1"),
	}
	if mt.organizer != nil {
		if mt.organizer.Name != "" {
			props = append(props, t("Calendar:OrganizerName", mt.organizer.Name))
		} else {
			props = append(props, t("Calendar:OrganizerName", mt.organizer.Address))
		}
		props = append(props, t("Calendar:OrganizerEmail", mt.organizer.Address))
	}
	props = append(props, t("Calendar:DtStamp", eas.FormatCompactDate(stamp)), t("Calendar:EndTime", eas.FormatCompactDate(mt.end)))
	if mt.location != "" {
		props = append(props, t("Calendar:Location", mt.location),
			wbxml.NewElement(mustTag("AirSyncBase:Location"), t("AirSyncBase:DisplayName", mt.location)))
	}
	if mt.reminder >= 0 {
		props = append(props, t("Calendar:Reminder", strconv.Itoa(mt.reminder)))
	}
	props = append(props,
		t("Calendar:Sensitivity", strconv.Itoa(mt.sensitivity)),
		t("Calendar:Subject", mt.subject),
		t("Calendar:StartTime", eas.FormatCompactDate(mt.start)),
		t("Calendar:UID", mt.uid),
		t("Calendar:MeetingStatus", "3"),
	)
	if len(mt.attendees) > 0 {
		atts := &wbxml.Node{Tag: mustTag("Calendar:Attendees")}
		for _, a := range mt.attendees {
			name := a.name
			if name == "" {
				name = a.email
			}
			typ := "1"
			if a.optional {
				typ = "2"
			}
			atts.Children = append(atts.Children, wbxml.NewElement(mustTag("Calendar:Attendee"),
				t("Calendar:Email", a.email), t("Calendar:Name", name), t("Calendar:AttendeeType", typ)))
		}
		props = append(props, atts)
	}
	if mt.recurrence != nil {
		if rec, err := eas.EncodeItemAs(mustTag("Email:Recurrence"), mt.recurrence); err == nil {
			props = append(props, calendarRecurrence(rec))
		}
	}
	props = append(props,
		t("Calendar:ResponseRequested", bit(responseRequested)),
		t("Calendar:ResponseType", "5"),
		t("Calendar:DisallowNewTimeProposal", bit(mt.disallowNew)),
	)
	return props
}

// invitationOf returns the meeting a delivered message invites to,
// cancels or answers, or nil: its first inline text/calendar part (a
// body alternative, as meeting messages carry it; an .ics file attached
// to a message is an attachment) with METHOD REQUEST, CANCEL or REPLY,
// and that part's index.
func invitationOf(msg *Mail) (*meeting, int) {
	for i, a := range msg.Attachments {
		if !a.Inline || !strings.EqualFold(a.ContentType, "text/calendar") {
			continue
		}
		mt, err := parseMeeting(a.Data)
		if err != nil || mt.uid == "" {
			continue
		}
		if mt.method == "REQUEST" || mt.method == "CANCEL" || mt.method == "REPLY" {
			// The meeting takes the message's subject, as a forward's
			// ("FW: ...") does in the new attendee's Calendar.
			if msg.Subject != "" {
				mt.subject = msg.Subject
			}
			return mt, i
		}
	}
	return nil, -1
}

// dressInvitation makes a delivered e-mail the meeting message of mt: its
// message and content classes, its Email:MeetingRequest, and without the
// text/calendar part, which Exchange keeps as the message's properties,
// not as an attachment.
//
// An attendee's answer (REPLY) is a meeting response, its class the
// answer's (IPM.Schedule.Meeting.Resp.Pos, .Tent, .Neg; MS-OXOCAL
// 2.2.6.1), without Email:MeetingRequest.
func dressInvitation(it *Item, mt *meeting, part int, recipient string, messageType int) error {
	class := "IPM.Schedule.Meeting.Request"
	var node *wbxml.Node
	switch mt.method {
	case "CANCEL":
		class = "IPM.Schedule.Meeting.Canceled"
	case "REPLY":
		class = "IPM.Schedule.Meeting.Resp." + map[string]string{"ACCEPTED": "Pos", "TENTATIVE": "Tent", "DECLINED": "Neg"}[mt.replyStatus()]
		if mt.replyStatus() == "" {
			class = "IPM.Schedule.Meeting.Resp.Pos"
		}
	}
	if mt.method != "REPLY" {
		var err error
		if node, err = mt.requestNode(messageType, mt.requestedOf(recipient)); err != nil {
			return err
		}
	}
	if part >= 0 && part < len(it.Attachments) {
		it.Attachments = append(it.Attachments[:part:part], it.Attachments[part+1:]...)
	}
	var props []*wbxml.Node
	for _, p := range it.Props {
		switch p.Tag {
		case tEmailMessageClass:
			props = append(props, wbxml.NewText(tEmailMessageClass, class))
			if node != nil {
				props = append(props, node)
			}
			continue
		case mrContentClassTag:
			p = wbxml.NewText(mrContentClassTag, "urn:content-classes:calendarmessage")
		}
		props = append(props, p)
	}
	if mt.method == "REQUEST" {
		// A forwarded request's forwarder (MSASEMAIL_S04_TC09, R722).
		if n := senderProp(it.Body.MIME); n != nil {
			props = append(props, n)
		}
	}
	it.Props = props
	return nil
}

var mrContentClassTag = mustTag("Email:ContentClass")

// replyStatus is the answer a REPLY carries: its first attendee's
// PARTSTAT.
func (mt *meeting) replyStatus() string {
	for _, a := range mt.attendees {
		switch a.partstat {
		case "ACCEPTED", "TENTATIVE", "DECLINED":
			return a.partstat
		}
	}
	return ""
}

// recordReplyLocked is the calendar assistant's work at the organizer's
// mailbox when an attendee answers: the meeting's Calendar:AttendeeStatus
// of that attendee becomes the answer (MS-ASCAL 2.2.2.4: 2 tentative, 3
// accepted, 4 declined).
func (m *Mailbox) recordReplyLocked(mt *meeting) {
	status := map[string]string{"ACCEPTED": "3", "TENTATIVE": "2", "DECLINED": "4"}[mt.replyStatus()]
	cal := m.calendarItemByUIDLocked(mt.uid)
	if status == "" || cal == nil {
		return
	}
	tAttendees, tStatus, tEmail := mustTag("Calendar:Attendees"), mustTag("Calendar:AttendeeStatus"), mustTag("Calendar:Email")
	changed := false
	var props []*wbxml.Node
	for _, p := range cal.Props {
		if p.Tag != tAttendees {
			props = append(props, p)
			continue
		}
		// A new node: the stored one may be shared with a frozen copy.
		atts := &wbxml.Node{Tag: tAttendees}
		for _, a := range p.Elements() {
			who := a.Find(tEmail)
			answered := false
			for _, r := range mt.attendees {
				answered = answered || r.partstat != "" && who != nil && strings.EqualFold(who.Text(), r.email)
			}
			if !answered {
				atts.Children = append(atts.Children, a)
				continue
			}
			na := &wbxml.Node{Tag: a.Tag}
			placed := false
			for _, ch := range a.Elements() {
				if ch.Tag == tStatus {
					ch, placed = wbxml.NewText(tStatus, status), true
				}
				na.Children = append(na.Children, ch)
			}
			if !placed {
				na.Children = append(na.Children, wbxml.NewText(tStatus, status))
			}
			atts.Children = append(atts.Children, na)
			changed = true
		}
		atts.Empty = len(atts.Children) == 0
		props = append(props, atts)
	}
	if changed {
		cal.Props = props
		m.stampLocked(cal, true)
	}
}

// placeInvitationLocked is the calendar assistant's work at an attendee's
// mailbox: it adds the meeting to the Calendar, updates it when the
// mailbox has it already, or marks it canceled. It returns the
// MeetingMessageType of the message (MS-ASEMAIL 2.2.2.49): 1 a new
// request, 2 a full update, 4 outdated, when the Calendar has the meeting
// from a newer message (its DtStamp is later: MSASEMAIL_S04_TC12, R1070),
// which the outdated one leaves as it is.
func (m *Mailbox) placeInvitationLocked(mt *meeting, recipient string, body Body, now time.Time) int {
	cal := m.calendarItemByUIDLocked(mt.uid)
	if cal != nil && !mt.stamp.IsZero() {
		if have, err := eas.ParseDate(cal.Prop(mustTag("Calendar:DtStamp"))); err == nil && have.After(mt.stamp) {
			return 4
		}
	}
	if !mt.recurrenceID.IsZero() && cal != nil {
		// An occurrence's change leaves the series as it is (exceptions
		// are not kept).
		return 2
	}
	if mt.method == "CANCEL" {
		// The meeting stays, canceled (MeetingStatus 7, MS-ASCAL
		// 2.2.2.29), under the cancellation's subject
		// (MSASCAL_S02_TC05, R314, reads it as "CANCELLED:" + subject).
		if cal != nil {
			cal.setProps([]*wbxml.Node{wbxml.NewText(mustTag("Calendar:MeetingStatus"), "7"), wbxml.NewText(mrCalSubjectTag, mt.subject)})
			m.stampLocked(cal, true)
		}
		return 1
	}
	if cal != nil {
		cal.setProps(mt.calendarProps(mt.requestedOf(recipient)))
		cal.Body = body
		m.stampLocked(cal, true)
		return 2
	}
	f := m.folderOfTypeLocked(eas.FolderTypeCalendar)
	if f == nil {
		return 1
	}
	m.addItemLocked(f.ServerID, &Item{Class: "Calendar", Props: mt.calendarProps(mt.requestedOf(recipient)), Body: body, Received: now})
	return 1
}

// wbxmlVersions maps a protocol version to its bit in the code page
// table.
var wbxmlVersions = map[string]wbxml.Version{
	"2.5": wbxml.V25, "12.0": wbxml.V120, "12.1": wbxml.V121, "14.0": wbxml.V140,
	"14.1": wbxml.V141, "16.0": wbxml.V160, "16.1": wbxml.V161,
}

// propsAtVersion returns an item's properties as a client of the protocol
// version sees them (see propAtVersion). A location kept in the other
// versions' form is shown in this version's: Calendar:Location (up to
// 14.1) as AirSyncBase:Location's DisplayName (16.0 and 16.1) and back,
// as Exchange shows one location to every client (MS-ASCAL 2.2.2.27,
// MS-ASAIRS 2.2.2.27).
func propsAtVersion(props []*wbxml.Node, version string) []*wbxml.Node {
	v, ok := wbxmlVersions[version]
	if !ok {
		return props
	}
	var out []*wbxml.Node
	var oldLoc, newLoc *wbxml.Node
	for _, p := range props {
		switch p.Tag {
		case tCalLocation:
			oldLoc = p
		case tBaseLocation:
			newLoc = p
		}
		if q := propAtVersion(p, version); q != nil {
			out = append(out, q)
		}
	}
	switch {
	case v&(wbxml.V160|wbxml.V161) != 0 && oldLoc != nil && newLoc == nil && oldLoc.Text() != "":
		out = append(out, wbxml.NewElement(tBaseLocation, wbxml.NewText(tBaseDisplayName, oldLoc.Text())))
	case v&(wbxml.V160|wbxml.V161) == 0 && newLoc != nil && oldLoc == nil:
		if name := newLoc.Find(tBaseDisplayName); name != nil && name.Text() != "" {
			out = append(out, wbxml.NewText(tCalLocation, name.Text()))
		}
	}
	return out
}

var (
	tCalLocation     = mustTag("Calendar:Location")
	tBaseLocation    = mustTag("AirSyncBase:Location")
	tBaseDisplayName = mustTag("AirSyncBase:DisplayName")
)

// propAtVersion returns a property as a client of the protocol version
// sees it: nil when the element is not defined at that version
// (MS-ASWBXML 2.1.2.1), otherwise the property without its children that
// are not. A meeting message's Calendar:UID replaces GlobalObjId from
// 16.0 (MS-ASEMAIL 2.2.2.38, 2.2.2.81). An unknown version changes
// nothing.
func propAtVersion(p *wbxml.Node, version string) *wbxml.Node {
	v, ok := wbxmlVersions[version]
	if !ok || p == nil {
		return p
	}
	if !keepAtVersion(p, nil, v) {
		return nil
	}
	if !needsTrim(p, v) {
		return p
	}
	return trimAtVersion(p, v)
}

func keepAtVersion(n, parent *wbxml.Node, v wbxml.Version) bool {
	if n.Tag == nil {
		return true
	}
	if n.Tag.Versions&v == 0 {
		return false
	}
	if parent != nil && parent.Tag == mrMeetingRequestTag && n.Tag == mrCalUIDTag {
		return v&(wbxml.V160|wbxml.V161) != 0
	}
	return true
}

func needsTrim(n *wbxml.Node, v wbxml.Version) bool {
	for _, ch := range n.Children {
		if !keepAtVersion(ch, n, v) || needsTrim(ch, v) {
			return true
		}
	}
	return false
}

func trimAtVersion(n *wbxml.Node, v wbxml.Version) *wbxml.Node {
	// A new node: a frozen one would write its old subtree.
	out := &wbxml.Node{Tag: n.Tag, IsOpaque: n.IsOpaque, Data: n.Data}
	for _, ch := range n.Children {
		if keepAtVersion(ch, n, v) {
			out.Children = append(out.Children, trimAtVersion(ch, v))
		}
	}
	out.Empty = n.Tag != nil && len(out.Children) == 0
	return out
}

// zoneFromBlob reads an EAS TIME_ZONE_INFORMATION blob back into a zone;
// a blob that is not one is UTC.
func zoneFromBlob(s string) *icalZone {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 172 {
		return utcZone
	}
	name := func(at int) string {
		u := make([]uint16, 0, 32)
		for i := 0; i < 32; i++ {
			c := binary.LittleEndian.Uint16(b[at+2*i:])
			if c == 0 {
				break
			}
			u = append(u, c)
		}
		return string(utf16.Decode(u))
	}
	rule := func(at int, offset int) tzRule {
		return tzRule{
			offset: offset, month: int(binary.LittleEndian.Uint16(b[at+2:])),
			weekday: time.Weekday(binary.LittleEndian.Uint16(b[at+4:]) % 7), week: int(binary.LittleEndian.Uint16(b[at+6:])),
			hour: int(binary.LittleEndian.Uint16(b[at+8:]) % 24), minute: int(binary.LittleEndian.Uint16(b[at+10:]) % 60),
		}
	}
	bias := int(int32(binary.LittleEndian.Uint32(b[0:])))
	dstBias := int(int32(binary.LittleEndian.Uint32(b[168:])))
	z := &icalZone{id: name(4)}
	if z.id == "" {
		z.id = "Custom time zone"
	}
	z.std = rule(68, -bias)
	if z.std.month != 0 && binary.LittleEndian.Uint16(b[154:]) != 0 {
		z.dst, z.hasDST = rule(152, -bias-dstBias), true
	}
	return z
}

// vtimezone writes the zone as a VTIMEZONE.
func (z *icalZone) vtimezone() []string {
	off := func(m int) string {
		sign := "+"
		if m < 0 {
			sign, m = "-", -m
		}
		return fmt.Sprintf("%s%02d%02d", sign, m/60, m%60)
	}
	days := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	obs := func(kind string, r tzRule, from int) []string {
		out := []string{"BEGIN:" + kind}
		if z.hasDST && r.month != 0 {
			week := strconv.Itoa(r.week)
			if r.week >= 5 {
				week = "-1"
			}
			out = append(out, fmt.Sprintf("DTSTART:1601%02d01T%02d%02d00", r.month, r.hour, r.minute),
				fmt.Sprintf("RRULE:FREQ=YEARLY;BYDAY=%s%s;BYMONTH=%d", week, days[r.weekday], r.month))
		} else {
			out = append(out, "DTSTART:16010101T000000")
		}
		return append(out, "TZOFFSETFROM:"+off(from), "TZOFFSETTO:"+off(r.offset), "END:"+kind)
	}
	lines := []string{"BEGIN:VTIMEZONE", "TZID:" + icalEscape(z.id)}
	if z.hasDST {
		lines = append(lines, obs("STANDARD", z.std, z.dst.offset)...)
		lines = append(lines, obs("DAYLIGHT", z.dst, z.std.offset)...)
	} else {
		lines = append(lines, obs("STANDARD", z.std, z.std.offset)...)
	}
	return append(lines, "END:VTIMEZONE")
}

func icalEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// iCalendar writes the meeting as an iCalendar object of its method, its
// times in its zone.
func (mt *meeting) iCalendar() string {
	local := func(t time.Time) string {
		return t.Add(time.Duration(mt.zone.offsetAtUTC(t)) * time.Minute).Format("20060102T150405")
	}
	tzid := `"` + strings.ReplaceAll(mt.zone.id, `"`, "'") + `"`
	lines := []string{"BEGIN:VCALENDAR", "PRODID:-//easlab//easlab//EN", "VERSION:2.0", "METHOD:" + mt.method}
	lines = append(lines, mt.zone.vtimezone()...)
	lines = append(lines, "BEGIN:VEVENT", "UID:"+mt.uid, "DTSTAMP:"+mt.stamp.UTC().Format("20060102T150405Z"),
		"SUMMARY:"+icalEscape(mt.subject))
	if mt.description != "" {
		lines = append(lines, "DESCRIPTION:"+icalEscape(mt.description))
	}
	if mt.organizer != nil {
		lines = append(lines, fmt.Sprintf("ORGANIZER;CN=%q:mailto:%s", strings.ReplaceAll(mt.organizer.Name, `"`, "'"), mt.organizer.Address))
	}
	for _, a := range mt.attendees {
		role := "REQ-PARTICIPANT"
		if a.optional {
			role = "OPT-PARTICIPANT"
		}
		lines = append(lines, fmt.Sprintf("ATTENDEE;ROLE=%s;PARTSTAT=NEEDS-ACTION;RSVP=%s;CN=%q:mailto:%s", role, strings.ToUpper(strconv.FormatBool(a.rsvp)), strings.ReplaceAll(a.name, `"`, "'"), a.email))
	}
	if mt.location != "" {
		lines = append(lines, "LOCATION:"+icalEscape(mt.location))
	}
	if mt.allDay {
		lines = append(lines, "DTSTART;VALUE=DATE:"+local(mt.start)[:8], "DTEND;VALUE=DATE:"+local(mt.end)[:8], "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE")
	} else {
		lines = append(lines, "DTSTART;TZID="+tzid+":"+local(mt.start), "DTEND;TZID="+tzid+":"+local(mt.end))
	}
	if r := mt.recurrence; r != nil {
		lines = append(lines, "RRULE:"+rruleOf(r))
	}
	lines = append(lines, "X-MICROSOFT-CDO-BUSYSTATUS:"+[...]string{"FREE", "TENTATIVE", "BUSY", "OOF"}[mt.busy&3])
	switch mt.sensitivity {
	case 2:
		lines = append(lines, "CLASS:PRIVATE")
	case 3:
		lines = append(lines, "CLASS:CONFIDENTIAL")
	default:
		lines = append(lines, "CLASS:PUBLIC")
	}
	if mt.disallowNew {
		lines = append(lines, "X-MICROSOFT-DISALLOW-COUNTER:TRUE")
	}
	if mt.reminder >= 0 {
		lines = append(lines, "BEGIN:VALARM", fmt.Sprintf("TRIGGER:-PT%dM", mt.reminder), "ACTION:DISPLAY", "END:VALARM")
	}
	lines = append(lines, "END:VEVENT", "END:VCALENDAR")
	return strings.Join(lines, "\r\n") + "\r\n"
}

// rruleOf writes an EAS recurrence as an RRULE.
func rruleOf(r *eas.EmailRecurrence) string {
	days := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	byday := func(week int) string {
		var out []string
		prefix := ""
		if week >= 5 {
			prefix = "-1"
		} else if week > 0 {
			prefix = strconv.Itoa(week)
		}
		for i, d := range days {
			if r.DayOfWeek&(1<<uint(i)) != 0 {
				out = append(out, prefix+d)
			}
		}
		return strings.Join(out, ",")
	}
	var parts []string
	switch r.Type {
	case 0:
		parts = []string{"FREQ=DAILY"}
	case 1:
		parts = []string{"FREQ=WEEKLY", "BYDAY=" + byday(0)}
	case 2:
		parts = []string{"FREQ=MONTHLY", "BYMONTHDAY=" + strconv.Itoa(r.DayOfMonth)}
	case 3:
		parts = []string{"FREQ=MONTHLY", "BYDAY=" + byday(r.WeekOfMonth)}
	case 5:
		parts = []string{"FREQ=YEARLY", "BYMONTHDAY=" + strconv.Itoa(r.DayOfMonth), "BYMONTH=" + strconv.Itoa(r.MonthOfYear)}
	default:
		parts = []string{"FREQ=YEARLY", "BYDAY=" + byday(r.WeekOfMonth), "BYMONTH=" + strconv.Itoa(r.MonthOfYear)}
	}
	if r.Interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(r.Interval))
	}
	if r.Occurrences > 0 {
		parts = append(parts, "COUNT="+strconv.Itoa(r.Occurrences))
	} else if t, err := eas.ParseDate(r.Until); err == nil {
		parts = append(parts, "UNTIL="+t.UTC().Format("20060102T150405Z"))
	}
	if r.FirstDayOfWeek != nil && *r.FirstDayOfWeek >= 0 && *r.FirstDayOfWeek < 7 {
		parts = append(parts, "WKST="+days[*r.FirstDayOfWeek])
	}
	return strings.Join(parts, ";")
}

// pendingInvite is an invitation a Sync Add makes, sent once the
// organizer's mailbox is unlocked.
type pendingInvite struct {
	mt   *meeting
	body Body
}

// queueInvitationLocked notes the invitation of a meeting a client adds
// to its Calendar from 16.0, where the server sends it (MS-ASCMD R7478,
// MS-ASCAL 3.1.5.1): a calendar item with attendees whose MeetingStatus
// says the user organizes it. The item gets its UID, which from 16.0 the
// server makes (MS-ASCAL 2.2.2.46).
func (c *call) queueInvitationLocked(serverID string) {
	if !c.req.ProtocolVersion.AtLeast(eas.Version160) {
		return
	}
	it := c.mb.items[serverID]
	if it == nil || it.Class != "Calendar" {
		return
	}
	if st := it.Prop(mustTag("Calendar:MeetingStatus")); st != "1" && st != "" {
		return
	}
	mt := meetingOfItem(it, &mail.Address{Name: c.user.DisplayName, Address: c.user.PrimarySmtpAddress}, c.s.clock.Now())
	if mt == nil {
		return
	}
	if it.Prop(mrCalUIDTag) == "" {
		it.setProps([]*wbxml.Node{wbxml.NewText(mrCalUIDTag, mt.uid)})
	}
	x := c.extra()
	x.invites = append(x.invites, pendingInvite{mt: mt, body: it.Body})
}

// meetingOfItem reads a calendar item's meeting, or nil when it invites
// nobody.
func meetingOfItem(it *Item, organizer *mail.Address, now time.Time) *meeting {
	find := func(q string) *wbxml.Node {
		t := mustTag(q)
		for _, p := range it.Props {
			if p.Tag == t {
				return p
			}
		}
		return nil
	}
	mt := &meeting{method: "REQUEST", organizer: organizer, busy: 2, reminder: -1, stamp: now}
	if atts := find("Calendar:Attendees"); atts != nil {
		for _, a := range atts.Elements() {
			email := childText(a, "Calendar:Email")
			if email == "" {
				continue
			}
			mt.attendees = append(mt.attendees, meetingAttendee{email: email, name: childText(a, "Calendar:Name"), optional: childText(a, "Calendar:AttendeeType") == "2"})
		}
	}
	if len(mt.attendees) == 0 {
		return nil
	}
	var err error
	if mt.start, err = eas.ParseDate(it.Prop(tCalStartTime)); err != nil {
		mt.start = now
	}
	if mt.end, err = eas.ParseDate(it.Prop(tCalEndTime)); err != nil || mt.end.Before(mt.start) {
		mt.end = mt.start.Add(30 * time.Minute)
	}
	mt.uid = it.Prop(mrCalUIDTag)
	if mt.uid == "" {
		mt.uid = newMeetingUID(now, it.ServerID+organizer.Address)
	}
	mt.subject = it.Prop(mrCalSubjectTag)
	mt.description = it.Body.Plain
	if loc := find("AirSyncBase:Location"); loc != nil {
		mt.location = childText(loc, "AirSyncBase:DisplayName")
	} else {
		mt.location = it.Prop(mustTag("Calendar:Location"))
	}
	mt.allDay = it.Prop(mustTag("Calendar:AllDayEvent")) == "1"
	if v, err := strconv.Atoi(it.Prop(mrCalBusyStatusTag)); err == nil && v >= 0 && v <= 3 {
		mt.busy = v
	}
	if v, err := strconv.Atoi(it.Prop(mustTag("Calendar:Reminder"))); err == nil && v >= 0 {
		mt.reminder = v
	}
	if v, err := strconv.Atoi(it.Prop(mustTag("Calendar:Sensitivity"))); err == nil && v >= 0 && v <= 3 {
		mt.sensitivity = v
	}
	mt.disallowNew = it.Prop(mustTag("Calendar:DisallowNewTimeProposal")) == "1"
	rsvp := it.Prop(mustTag("Calendar:ResponseRequested")) != "0"
	for i := range mt.attendees {
		mt.attendees[i].rsvp = rsvp
	}
	if tz := it.Prop(mustTag("Calendar:Timezone")); tz != "" {
		mt.zone = zoneFromBlob(tz)
	} else {
		mt.zone = utcZone
	}
	if rec := find("Calendar:Recurrence"); rec != nil {
		atoi := func(q string) int { v, _ := strconv.Atoi(childText(rec, q)); return v }
		r := &eas.EmailRecurrence{
			Type: atoi("Calendar:Type"), Interval: atoi("Calendar:Interval"), Until: childText(rec, "Calendar:Until"),
			Occurrences: atoi("Calendar:Occurrences"), WeekOfMonth: atoi("Calendar:WeekOfMonth"), DayOfMonth: atoi("Calendar:DayOfMonth"),
			DayOfWeek: atoi("Calendar:DayOfWeek"), MonthOfYear: atoi("Calendar:MonthOfYear"),
		}
		if r.Interval < 1 {
			r.Interval = 1
		}
		if childText(rec, "Calendar:FirstDayOfWeek") != "" {
			f := atoi("Calendar:FirstDayOfWeek")
			r.FirstDayOfWeek = &f
		}
		if r.Type >= 0 && r.Type <= 6 && r.Type != 4 {
			mt.recurrence = r
		}
	}
	return mt
}

func childText(n *wbxml.Node, q string) string {
	if c := n.Find(mustTag(q)); c != nil {
		return c.Text()
	}
	return ""
}

// sendInvitations mails the invitations queued by the request, as the
// organizer: to every attendee with a mailbox here (the others are
// logged, as any mail leaving the organization).
func (c *call) sendInvitations() {
	invites := c.rareOf().invites
	if c.rare != nil {
		c.rare.invites = nil
	}
	now := c.s.clock.Now()
	for _, inv := range invites {
		raw, err := buildInvitation(inv.mt, inv.body, now)
		if err != nil {
			c.s.log.Error("building a meeting request", "error", err)
			continue
		}
		msg, err := ParseMail(raw)
		if err != nil {
			c.s.log.Error("building a meeting request", "error", err)
			continue
		}
		if external := c.s.deliverMail(msg, msg.Recipients(), now); len(external) > 0 {
			c.s.log.Info("meeting request sent outside the organization", "from", c.user.PrimarySmtpAddress, "subject", msg.Subject, "to", strings.Join(external, ", "))
		}
	}
}

// buildInvitation writes the message of an invitation: the body as text
// and the iCalendar object as its text/calendar alternative.
func buildInvitation(mt *meeting, body Body, now time.Time) ([]byte, error) {
	var to []*mail.Address
	for _, a := range mt.attendees {
		to = append(to, &mail.Address{Name: a.name, Address: a.email})
	}
	return buildMeetingMail(mt.organizer, to, mt.subject, mt, body, now)
}

// buildMeetingMail writes a meeting message from one address to others:
// the body as text and mt's iCalendar object as its text/calendar
// alternative.
func buildMeetingMail(from *mail.Address, to []*mail.Address, subject string, mt *meeting, body Body, now time.Time) ([]byte, error) {
	var h mail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*mail.Address{from})
	h.SetAddressList("To", to)
	h.SetSubject(subject)
	if err := h.GenerateMessageIDWithHostname("easlab.local"); err != nil {
		return nil, fmt.Errorf("a meeting request's Message-ID: %w", err)
	}
	var buf bytes.Buffer
	w, err := mail.CreateInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("writing a meeting request: %w", err)
	}
	for _, part := range []struct{ ct, body string }{{"text/plain", body.Plain}, {"text/calendar", mt.iCalendar()}} {
		var ph mail.InlineHeader
		params := map[string]string{"charset": "utf-8"}
		if part.ct == "text/calendar" {
			params["method"] = mt.method
		}
		ph.SetContentType(part.ct, params)
		pw, err := w.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("writing a meeting request: %w", err)
		}
		io.WriteString(pw, part.body)
		pw.Close()
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("writing a meeting request: %w", err)
	}
	return buf.Bytes(), nil
}

// forwardedMeeting is the meeting a SmartForward of a calendar item
// sends to the new attendees: the whole meeting, or with an InstanceId
// the one occurrence (its RECURRENCE-ID), under the forward's subject.
func forwardedMeeting(src *Item, msg *Mail, instance string) *meeting {
	org := &mail.Address{Name: src.Prop(mustTag("Calendar:OrganizerName")), Address: src.Prop(mustTag("Calendar:OrganizerEmail"))}
	mt := meetingOfItem(src, org, src.Received)
	if mt == nil {
		// A meeting without attendees left is still one to forward.
		mt = meetingOfItem(&Item{Props: append(append([]*wbxml.Node(nil), src.Props...),
			wbxml.NewElement(mustTag("Calendar:Attendees"), wbxml.NewElement(mustTag("Calendar:Attendee"), wbxml.NewText(mustTag("Calendar:Email"), org.Address)))), Body: src.Body, ServerID: src.ServerID}, org, src.Received)
		if mt == nil {
			return nil
		}
		mt.attendees = nil
	}
	for _, a := range msg.Recipients() {
		mt.attendees = append(mt.attendees, meetingAttendee{email: a.Address, name: a.Name, rsvp: true})
	}
	if msg.Subject != "" {
		mt.subject = msg.Subject
	}
	if stamp, err := eas.ParseDate(src.Prop(mustTag("Calendar:DtStamp"))); err == nil {
		mt.stamp = stamp
	}
	if t, err := eas.ParseDate(instance); err == nil && instance != "" {
		d := mt.end.Sub(mt.start)
		mt.recurrenceID, mt.start, mt.end, mt.recurrence = t, t, t.Add(d), nil
	}
	return mt
}

// meetingOfRequest reads the meeting a meeting message carries back from
// its Email:MeetingRequest, or nil when the item is no meeting request.
func meetingOfRequest(it *Item) *meeting {
	var mr *wbxml.Node
	for _, p := range it.Props {
		if p.Tag == mrMeetingRequestTag {
			mr = p
		}
	}
	if mr == nil || isCancellation(it) {
		return nil
	}
	get := func(q string) string {
		if n := mr.Find(mustTag(q)); n != nil {
			return n.Text()
		}
		return ""
	}
	mt := &meeting{method: "REQUEST", uid: meetingUID(mr), subject: it.Prop(tEmailSubject), description: it.Body.Plain, busy: 2, reminder: -1}
	var err error
	if mt.start, err = eas.ParseDate(get("Email:StartTime")); err != nil {
		return nil
	}
	if mt.end, err = eas.ParseDate(get("Email:EndTime")); err != nil || mt.end.Before(mt.start) {
		mt.end = mt.start
	}
	mt.stamp, _ = eas.ParseDate(get("Email:DtStamp"))
	mt.recurrenceID, _ = eas.ParseDate(get("Email:RecurrenceId"))
	mt.allDay = get("Email:AllDayEvent") == "1"
	mt.location = get("Email:Location")
	if org, err := mail.ParseAddress(get("Email:Organizer")); err == nil {
		mt.organizer = org
	} else if o := get("Email:Organizer"); o != "" {
		mt.organizer = &mail.Address{Address: o}
	}
	if v, err := strconv.Atoi(get("Email:Reminder")); err == nil && v >= 0 {
		mt.reminder = v / 60
	}
	if v, err := strconv.Atoi(get("Email:Sensitivity")); err == nil && v >= 0 && v <= 3 {
		mt.sensitivity = v
	}
	if v, err := strconv.Atoi(get("Email:BusyStatus")); err == nil && v >= 0 && v <= 3 {
		mt.busy = v
	}
	mt.disallowNew = get("Email:DisallowNewTimeProposal") == "1"
	mt.zone = zoneFromBlob(get("Email:TimeZone"))
	if recs := mr.Find(mrRecurrencesTag); recs != nil {
		if rec := recs.Find(mustTag("Email:Recurrence")); rec != nil {
			var r eas.EmailRecurrence
			if err := eas.DecodeItem(rec, &r); err == nil && r.Type >= 0 && r.Type <= 6 && r.Type != 4 {
				if r.Interval < 1 {
					r.Interval = 1
				}
				mt.recurrence = &r
			}
		}
	}
	return mt
}

// notifyMeetingForward tells the organizer of a meeting an attendee
// forwards who it went to: a Meeting Forward Notification
// (IPM.Schedule.Meeting.Notification.Forward, MS-OXOCAL 3.1.4.10), which
// Exchange's calendar assistant records and leaves in the organizer's
// Deleted Items (MSASHTTP_S01_TC09, R119; MSASCMD_S09_TC14).
func (c *call) notifyMeetingForward(msg *Mail, now time.Time) {
	mt, _ := invitationOf(msg)
	if mt == nil || mt.organizer == nil || mt.method != "REQUEST" {
		return
	}
	_, mb, ok := c.s.dir.Resolve(mt.organizer.Address)
	if !ok || mb == c.mb {
		return
	}
	var to []string
	for _, a := range msg.Recipients() {
		to = append(to, a.Address)
	}
	plain := "Your meeting was forwarded\r\n\r\n" + c.user.DisplayName + " has forwarded your meeting request to additional recipients.\r\n\r\n" +
		"Meeting\r\n" + mt.subject + "\r\n\r\nRecipients\r\n" + strings.Join(to, "\r\n") + "\r\n"
	raw, err := BuildMail(&mail.Address{Name: c.user.DisplayName, Address: c.user.PrimarySmtpAddress}, []*mail.Address{mt.organizer},
		"Meeting Forward Notification: "+msg.Subject, plain, "", now)
	if err != nil {
		c.s.log.Error("building a meeting forward notification", "error", err)
		return
	}
	note, err := ParseMail(raw)
	if err != nil {
		c.s.log.Error("building a meeting forward notification", "error", err)
		return
	}
	it := EmailItem(note, now, false)
	it.setProps([]*wbxml.Node{wbxml.NewText(tEmailMessageClass, "IPM.Schedule.Meeting.Notification.Forward")})
	if deleted, ok := mb.FolderByType(eas.FolderTypeDeletedItems); ok {
		if _, err := mb.AddItem(deleted.ServerID, it); err != nil {
			c.s.log.Error("delivering a meeting forward notification", "error", err)
		}
	}
}

// sentFromOrganizer makes a forwarded meeting request its organizer's:
// Exchange sends a meeting request from the organizer
// (MeetingRequest.ShouldBeSentFromOrganizer, Exchange 2013
// Data.Storage), the user who forwards it being its Sender
// (MSASEMAIL_S04_TC09: R722, R724, R1073).
// The organizer keeps the name the forwarded message's From gives it (the
// store's resolved sender), when the iCalendar gives none.
func sentFromOrganizer(h *mail.Header, mt *meeting, src *Item) {
	if mt == nil || mt.method != "REQUEST" || mt.organizer == nil || mt.organizer.Address == "" {
		return
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || strings.EqualFold(from[0].Address, mt.organizer.Address) {
		return
	}
	org := *mt.organizer
	if org.Name == "" && src != nil {
		if a, err := mail.ParseAddress(src.Prop(mustTag("Email:From"))); err == nil && strings.EqualFold(a.Address, org.Address) {
			org.Name = a.Name
		}
	}
	h.SetAddressList("Sender", from)
	h.SetAddressList("From", []*mail.Address{&org})
}

// senderProp is the Email2:Sender of a delivered message whose Sender
// header names another user than its From (MS-ASEMAIL 2.2.2.70: the
// user who actually sent it), or nil.
func senderProp(raw []byte) *wbxml.Node {
	h, _, err := splitMessage(raw)
	if err != nil {
		return nil
	}
	mh := mail.Header{Header: message.Header{Header: h}}
	sender, err := mh.AddressList("Sender")
	if err != nil || len(sender) != 1 {
		return nil
	}
	if from, err := mh.AddressList("From"); err == nil && len(from) == 1 && strings.EqualFold(from[0].Address, sender[0].Address) {
		return nil
	}
	return wbxml.NewText(tEmailSender, formatAddresses(sender))
}
