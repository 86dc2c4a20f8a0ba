package eas

import "github.com/easlab/easlab/wbxml"

// Task is a task item (MS-ASTASK): the ApplicationData of a Sync command
// in a tasks folder, properties in token order. Convert it with DecodeItem
// and EncodeItem.
type Task struct {
	Body           *Body           `wbxml:"AirSyncBase:Body,omitempty"`
	Categories     *Categories     `wbxml:"Tasks:Categories,omitempty"`
	Complete       *bool           `wbxml:"Tasks:Complete,omitempty"`
	DateCompleted  string          `wbxml:"Tasks:DateCompleted,omitempty"`
	DueDate        string          `wbxml:"Tasks:DueDate,omitempty"`
	UtcDueDate     string          `wbxml:"Tasks:UtcDueDate,omitempty"`
	Importance     *int            `wbxml:"Tasks:Importance,omitempty"`
	Recurrence     *TaskRecurrence `wbxml:"Tasks:Recurrence,omitempty"`
	ReminderSet    *bool           `wbxml:"Tasks:ReminderSet,omitempty"`
	ReminderTime   string          `wbxml:"Tasks:ReminderTime,omitempty"`
	Sensitivity    *int            `wbxml:"Tasks:Sensitivity,omitempty"`
	StartDate      string          `wbxml:"Tasks:StartDate,omitempty"`
	UtcStartDate   string          `wbxml:"Tasks:UtcStartDate,omitempty"`
	Subject        string          `wbxml:"Tasks:Subject,omitempty"`
	OrdinalDate    string          `wbxml:"Tasks:OrdinalDate,omitempty"`
	SubOrdinalDate string          `wbxml:"Tasks:SubOrdinalDate,omitempty"`
	NativeBodyType int             `wbxml:"AirSyncBase:NativeBodyType,omitempty"`
	Extra          []*wbxml.Node   `wbxml:",any"`
}

// TaskRecurrence is a task's recurrence (MS-ASTASK 2.2.2.19). Note that
// the Tasks page numbers DayOfMonth before DayOfWeek. Regenerate makes the
// next occurrence start from completion; DeadOccur is set on the last one.
type TaskRecurrence struct {
	Type           int           `wbxml:"Type"`
	Start          string        `wbxml:"Start,omitempty"`
	Until          string        `wbxml:"Until,omitempty"`
	Occurrences    int           `wbxml:"Occurrences,omitempty"`
	Interval       int           `wbxml:"Interval,omitempty"`
	DayOfMonth     int           `wbxml:"DayOfMonth,omitempty"`
	DayOfWeek      int           `wbxml:"DayOfWeek,omitempty"`
	WeekOfMonth    int           `wbxml:"WeekOfMonth,omitempty"`
	MonthOfYear    int           `wbxml:"MonthOfYear,omitempty"`
	Regenerate     *bool         `wbxml:"Regenerate,omitempty"`
	DeadOccur      *bool         `wbxml:"DeadOccur,omitempty"`
	CalendarType   *int          `wbxml:"CalendarType,omitempty"`
	IsLeapMonth    *bool         `wbxml:"IsLeapMonth,omitempty"`
	FirstDayOfWeek *int          `wbxml:"FirstDayOfWeek,omitempty"`
	Extra          []*wbxml.Node `wbxml:",any"`
}
