package eas

import "github.com/easlab/easlab/wbxml"

// Email is an e-mail item (MS-ASEMAIL): the ApplicationData of a Sync
// command in a mail folder, or the Properties of an ItemOperations or
// Search result. Convert it with DecodeItem and EncodeItem.
//
// The Email page's properties come first, then AirSyncBase and Email2, in
// the order Exchange writes them. The 2.5-only elements (Email:Body,
// BodySize, MIMEData, Email:Attachments, ...) have no field and are kept in
// Extra.
type Email struct {
	To                      string                   `wbxml:"Email:To,omitempty"`
	Cc                      string                   `wbxml:"Email:Cc,omitempty"`
	From                    string                   `wbxml:"Email:From,omitempty"`
	Subject                 string                   `wbxml:"Email:Subject,omitempty"`
	ReplyTo                 string                   `wbxml:"Email:ReplyTo,omitempty"`
	DateReceived            string                   `wbxml:"Email:DateReceived,omitempty"`
	DisplayTo               string                   `wbxml:"Email:DisplayTo,omitempty"`
	ThreadTopic             string                   `wbxml:"Email:ThreadTopic,omitempty"`
	Importance              *int                     `wbxml:"Email:Importance,omitempty"` // 0 low, 1 normal, 2 high
	Read                    *bool                    `wbxml:"Email:Read,omitempty"`
	Attachments             *Attachments             `wbxml:"AirSyncBase:Attachments,omitempty"`
	Body                    *Body                    `wbxml:"AirSyncBase:Body,omitempty"`
	MessageClass            string                   `wbxml:"Email:MessageClass,omitempty"`
	MeetingRequest          *MeetingRequest          `wbxml:"Email:MeetingRequest,omitempty"`
	InternetCPID            string                   `wbxml:"Email:InternetCPID,omitempty"`
	Flag                    *Flag                    `wbxml:"Email:Flag,omitempty"`
	ContentClass            string                   `wbxml:"Email:ContentClass,omitempty"`
	NativeBodyType          int                      `wbxml:"AirSyncBase:NativeBodyType,omitempty"`
	UmCallerID              string                   `wbxml:"Email2:UmCallerID,omitempty"`
	UmUserNotes             string                   `wbxml:"Email2:UmUserNotes,omitempty"`
	UmAttDuration           int                      `wbxml:"Email2:UmAttDuration,omitempty"`
	UmAttOrder              string                   `wbxml:"Email2:UmAttOrder,omitempty"`
	ConversationId          []byte                   `wbxml:"Email2:ConversationId,omitempty,opaque"`
	ConversationIndex       []byte                   `wbxml:"Email2:ConversationIndex,omitempty,opaque"`
	LastVerbExecuted        int                      `wbxml:"Email2:LastVerbExecuted,omitempty"` // 1 reply to sender, 2 reply all, 3 forward
	LastVerbExecutionTime   string                   `wbxml:"Email2:LastVerbExecutionTime,omitempty"`
	ReceivedAsBcc           *bool                    `wbxml:"Email2:ReceivedAsBcc,omitempty"`
	Sender                  string                   `wbxml:"Email2:Sender,omitempty"`
	Categories              *Categories              `wbxml:"Email:Categories,omitempty"`
	BodyPart                *BodyPart                `wbxml:"AirSyncBase:BodyPart,omitempty"`
	AccountId               string                   `wbxml:"Email2:AccountId,omitempty"`
	Bcc                     string                   `wbxml:"Email2:Bcc,omitempty"`     // 16.0+, drafts
	IsDraft                 *bool                    `wbxml:"Email2:IsDraft,omitempty"` // 16.0+
	Send                    bool                     `wbxml:"Email2:Send,empty"`        // 16.0+: send this draft
	RightsManagementLicense *RightsManagementLicense `wbxml:"RightsManagement:RightsManagementLicense,omitempty"`
	Extra                   []*wbxml.Node            `wbxml:",any"`
}

// Flag is an e-mail's follow-up flag (MS-ASEMAIL 2.2.2.27). An empty Flag,
// <Flag/>, clears it. Most of its children are on the Tasks page.
type Flag struct {
	Status         *int          `wbxml:"Status,omitempty"` // 0 cleared, 1 complete, 2 active
	FlagType       string        `wbxml:"FlagType,omitempty"`
	CompleteTime   string        `wbxml:"CompleteTime,omitempty"`
	DateCompleted  string        `wbxml:"Tasks:DateCompleted,omitempty"`
	StartDate      string        `wbxml:"Tasks:StartDate,omitempty"`
	UtcStartDate   string        `wbxml:"Tasks:UtcStartDate,omitempty"`
	DueDate        string        `wbxml:"Tasks:DueDate,omitempty"`
	UtcDueDate     string        `wbxml:"Tasks:UtcDueDate,omitempty"`
	ReminderSet    *bool         `wbxml:"Tasks:ReminderSet,omitempty"`
	ReminderTime   string        `wbxml:"Tasks:ReminderTime,omitempty"`
	Subject        string        `wbxml:"Tasks:Subject,omitempty"`
	OrdinalDate    string        `wbxml:"Tasks:OrdinalDate,omitempty"`
	SubOrdinalDate string        `wbxml:"Tasks:SubOrdinalDate,omitempty"`
	Extra          []*wbxml.Node `wbxml:",any"`
}

// MeetingRequest is the meeting an invitation, update or cancellation
// carries (MS-ASEMAIL 2.2.2.48), in the schema's sequence. Location is the
// 14.1-and-earlier string; 16.x sends Location16 instead.
type MeetingRequest struct {
	AllDayEvent             *bool         `wbxml:"AllDayEvent,omitempty"`
	StartTime               string        `wbxml:"StartTime,omitempty"`
	DtStamp                 string        `wbxml:"DtStamp,omitempty"`
	EndTime                 string        `wbxml:"EndTime,omitempty"`
	InstanceType            *int          `wbxml:"InstanceType,omitempty"` // 0 single, 1 recurring master, 2 single instance, 3 exception
	Location                string        `wbxml:"Location,omitempty"`
	Location16              *Location     `wbxml:"AirSyncBase:Location,omitempty"`
	Organizer               string        `wbxml:"Organizer,omitempty"`
	RecurrenceId            string        `wbxml:"RecurrenceId,omitempty"`
	Reminder                *int          `wbxml:"Reminder,omitempty"` // seconds before start
	ResponseRequested       *bool         `wbxml:"ResponseRequested,omitempty"`
	Recurrences             *Recurrences  `wbxml:"Recurrences,omitempty"`
	Sensitivity             *int          `wbxml:"Sensitivity,omitempty"`
	BusyStatus              *int          `wbxml:"BusyStatus,omitempty"`
	TimeZone                string        `wbxml:"TimeZone,omitempty"`
	GlobalObjId             string        `wbxml:"GlobalObjId,omitempty"`
	DisallowNewTimeProposal *bool         `wbxml:"DisallowNewTimeProposal,omitempty"`
	MeetingMessageType      *int          `wbxml:"Email2:MeetingMessageType,omitempty"`
	UID                     string        `wbxml:"Calendar:UID,omitempty"` // 16.x, instead of GlobalObjId
	ProposedStartTime       string        `wbxml:"MeetingResponse:ProposedStartTime,omitempty"`
	ProposedEndTime         string        `wbxml:"MeetingResponse:ProposedEndTime,omitempty"`
	Forwardees              *Forwardees   `wbxml:"ComposeMail:Forwardees,omitempty"`
	Extra                   []*wbxml.Node `wbxml:",any"`
}

// Recurrences holds a meeting request's recurrence.
type Recurrences struct {
	Recurrence []EmailRecurrence `wbxml:"Recurrence"`
	Extra      []*wbxml.Node     `wbxml:",any"`
}

// EmailRecurrence is the recurrence of a meeting request (MS-ASEMAIL
// 2.2.2.60), in the schema's sequence. Type: 0 daily, 1 weekly, 2 monthly,
// 3 monthly on the nth day, 5 yearly, 6 yearly on the nth day.
type EmailRecurrence struct {
	Type           int           `wbxml:"Type"`
	Interval       int           `wbxml:"Interval,omitempty"`
	Until          string        `wbxml:"Until,omitempty"`
	Occurrences    int           `wbxml:"Occurrences,omitempty"`
	WeekOfMonth    int           `wbxml:"WeekOfMonth,omitempty"`
	DayOfMonth     int           `wbxml:"DayOfMonth,omitempty"`
	DayOfWeek      int           `wbxml:"DayOfWeek,omitempty"` // bit mask: 1 Sunday .. 64 Saturday
	MonthOfYear    int           `wbxml:"MonthOfYear,omitempty"`
	CalendarType   *int          `wbxml:"Email2:CalendarType,omitempty"`
	IsLeapMonth    *bool         `wbxml:"Email2:IsLeapMonth,omitempty"`
	FirstDayOfWeek *int          `wbxml:"Email2:FirstDayOfWeek,omitempty"`
	Extra          []*wbxml.Node `wbxml:",any"`
}

// RightsManagementLicense is the IRM license of a protected message
// (MS-ASRM 2.2.2.14, 14.1+).
type RightsManagementLicense struct {
	ContentExpiryDate         string        `wbxml:"ContentExpiryDate"`
	ContentOwner              string        `wbxml:"ContentOwner"`
	EditAllowed               bool          `wbxml:"EditAllowed"`
	ExportAllowed             bool          `wbxml:"ExportAllowed"`
	ExtractAllowed            bool          `wbxml:"ExtractAllowed"`
	ForwardAllowed            bool          `wbxml:"ForwardAllowed"`
	ModifyRecipientsAllowed   bool          `wbxml:"ModifyRecipientsAllowed"`
	Owner                     bool          `wbxml:"Owner"`
	PrintAllowed              bool          `wbxml:"PrintAllowed"`
	ProgrammaticAccessAllowed bool          `wbxml:"ProgrammaticAccessAllowed"`
	ReplyAllAllowed           bool          `wbxml:"ReplyAllAllowed"`
	ReplyAllowed              bool          `wbxml:"ReplyAllowed"`
	TemplateDescription       string        `wbxml:"TemplateDescription"`
	TemplateID                string        `wbxml:"TemplateID"`
	TemplateName              string        `wbxml:"TemplateName"`
	Extra                     []*wbxml.Node `wbxml:",any"`
}

// RightsManagementTemplates lists the IRM templates a user may apply
// (MS-ASRM 2.2.2.16), in a Settings RightsManagementInformation response.
type RightsManagementTemplates struct {
	RightsManagementTemplate []RightsManagementTemplate `wbxml:"RightsManagementTemplate"`
	Extra                    []*wbxml.Node              `wbxml:",any"`
}

// RightsManagementTemplate is one IRM template.
type RightsManagementTemplate struct {
	TemplateDescription string        `wbxml:"TemplateDescription"`
	TemplateID          string        `wbxml:"TemplateID"`
	TemplateName        string        `wbxml:"TemplateName"`
	Extra               []*wbxml.Node `wbxml:",any"`
}
