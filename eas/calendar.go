package eas

import "github.com/easlab/easlab/wbxml"

// Calendar is a calendar item (MS-ASCAL): the ApplicationData of a Sync
// command in a calendar folder. Dates are in the compact form
// (20261123T093000Z, see FormatCompactDate). Convert it with DecodeItem and
// EncodeItem.
//
// Location is the 14.1-and-earlier string; 16.x sends the structured
// Location16 (AirSyncBase:Location). InstanceId, ClientUid and Attachments
// are 16.x too.
type Calendar struct {
	Timezone                  string              `wbxml:"Calendar:Timezone,omitempty"` // base64 TIME_ZONE_INFORMATION
	AllDayEvent               *bool               `wbxml:"Calendar:AllDayEvent,omitempty"`
	Body                      *Body               `wbxml:"AirSyncBase:Body,omitempty"`
	BusyStatus                *int                `wbxml:"Calendar:BusyStatus,omitempty"` // 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere
	OrganizerName             string              `wbxml:"Calendar:OrganizerName,omitempty"`
	OrganizerEmail            string              `wbxml:"Calendar:OrganizerEmail,omitempty"`
	DtStamp                   string              `wbxml:"Calendar:DtStamp,omitempty"`
	EndTime                   string              `wbxml:"Calendar:EndTime,omitempty"`
	Location                  string              `wbxml:"Calendar:Location,omitempty"`
	Location16                *Location           `wbxml:"AirSyncBase:Location,omitempty"`
	Reminder                  *int                `wbxml:"Calendar:Reminder,omitempty"` // minutes before start
	Sensitivity               *int                `wbxml:"Calendar:Sensitivity,omitempty"`
	Subject                   string              `wbxml:"Calendar:Subject,omitempty"`
	StartTime                 string              `wbxml:"Calendar:StartTime,omitempty"`
	UID                       string              `wbxml:"Calendar:UID,omitempty"`
	MeetingStatus             *int                `wbxml:"Calendar:MeetingStatus,omitempty"`
	InstanceId                string              `wbxml:"AirSyncBase:InstanceId,omitempty"`
	Attendees                 *Attendees          `wbxml:"Calendar:Attendees,omitempty"`
	Categories                *Categories         `wbxml:"Calendar:Categories,omitempty"`
	Recurrence                *CalendarRecurrence `wbxml:"Calendar:Recurrence,omitempty"`
	Exceptions                *Exceptions         `wbxml:"Calendar:Exceptions,omitempty"`
	ResponseRequested         *bool               `wbxml:"Calendar:ResponseRequested,omitempty"`
	AppointmentReplyTime      string              `wbxml:"Calendar:AppointmentReplyTime,omitempty"`
	ResponseType              *int                `wbxml:"Calendar:ResponseType,omitempty"`
	DisallowNewTimeProposal   *bool               `wbxml:"Calendar:DisallowNewTimeProposal,omitempty"`
	OnlineMeetingConfLink     string              `wbxml:"Calendar:OnlineMeetingConfLink,omitempty"`
	OnlineMeetingExternalLink string              `wbxml:"Calendar:OnlineMeetingExternalLink,omitempty"`
	ClientUid                 string              `wbxml:"Calendar:ClientUid,omitempty"`
	NativeBodyType            int                 `wbxml:"AirSyncBase:NativeBodyType,omitempty"`
	Attachments               *Attachments        `wbxml:"AirSyncBase:Attachments,omitempty"`
	Extra                     []*wbxml.Node       `wbxml:",any"`
}

// Attendees lists a meeting's attendees.
type Attendees struct {
	Attendee []Attendee    `wbxml:"Attendee"`
	Extra    []*wbxml.Node `wbxml:",any"`
}

// Attendee is one attendee of a meeting (MS-ASCAL 2.2.2.3).
type Attendee struct {
	Email          string        `wbxml:"Email"`
	Name           string        `wbxml:"Name"`
	AttendeeStatus *int          `wbxml:"AttendeeStatus,omitempty"` // 0 unknown, 2 tentative, 3 accept, 4 decline, 5 not responded
	AttendeeType   int           `wbxml:"AttendeeType,omitempty"`   // 1 required, 2 optional, 3 resource
	Extra          []*wbxml.Node `wbxml:",any"`
}

// CalendarRecurrence is a calendar item's recurrence (MS-ASCAL 2.2.2.37),
// in the order the schema lists its (unordered) children. Type: 0 daily,
// 1 weekly, 2 monthly, 3 monthly on the nth day, 5 yearly, 6 yearly on the
// nth day.
type CalendarRecurrence struct {
	Type           int           `wbxml:"Type"`
	Occurrences    int           `wbxml:"Occurrences,omitempty"`
	Interval       int           `wbxml:"Interval,omitempty"`
	WeekOfMonth    int           `wbxml:"WeekOfMonth,omitempty"`
	DayOfWeek      int           `wbxml:"DayOfWeek,omitempty"` // bit mask: 1 Sunday .. 64 Saturday
	MonthOfYear    int           `wbxml:"MonthOfYear,omitempty"`
	Until          string        `wbxml:"Until,omitempty"`
	DayOfMonth     int           `wbxml:"DayOfMonth,omitempty"`
	CalendarType   *int          `wbxml:"CalendarType,omitempty"`
	IsLeapMonth    *bool         `wbxml:"IsLeapMonth,omitempty"`
	FirstDayOfWeek *int          `wbxml:"FirstDayOfWeek,omitempty"` // 0 Sunday .. 6 Saturday
	Extra          []*wbxml.Node `wbxml:",any"`
}

// Exceptions lists the modified and deleted occurrences of a recurring
// calendar item.
type Exceptions struct {
	Exception []Exception   `wbxml:"Exception"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// Exception is one modified or deleted occurrence (MS-ASCAL 2.2.2.20). Up
// to 14.1 ExceptionStartTime identifies it; 16.x uses InstanceId.
type Exception struct {
	InstanceId                string        `wbxml:"AirSyncBase:InstanceId,omitempty"`
	Deleted                   *bool         `wbxml:"Deleted,omitempty"`
	ExceptionStartTime        string        `wbxml:"ExceptionStartTime,omitempty"`
	Subject                   string        `wbxml:"Subject,omitempty"`
	StartTime                 string        `wbxml:"StartTime,omitempty"`
	EndTime                   string        `wbxml:"EndTime,omitempty"`
	Body                      *Body         `wbxml:"AirSyncBase:Body,omitempty"`
	Location                  string        `wbxml:"Location,omitempty"`
	Location16                *Location     `wbxml:"AirSyncBase:Location,omitempty"`
	Categories                *Categories   `wbxml:"Categories,omitempty"`
	Sensitivity               *int          `wbxml:"Sensitivity,omitempty"`
	BusyStatus                *int          `wbxml:"BusyStatus,omitempty"`
	AllDayEvent               *bool         `wbxml:"AllDayEvent,omitempty"`
	Reminder                  *int          `wbxml:"Reminder,omitempty"`
	DtStamp                   string        `wbxml:"DtStamp,omitempty"`
	MeetingStatus             *int          `wbxml:"MeetingStatus,omitempty"`
	Attendees                 *Attendees    `wbxml:"Attendees,omitempty"`
	AppointmentReplyTime      string        `wbxml:"AppointmentReplyTime,omitempty"`
	ResponseType              *int          `wbxml:"ResponseType,omitempty"`
	OnlineMeetingConfLink     string        `wbxml:"OnlineMeetingConfLink,omitempty"`
	OnlineMeetingExternalLink string        `wbxml:"OnlineMeetingExternalLink,omitempty"`
	Extra                     []*wbxml.Node `wbxml:",any"`
}
