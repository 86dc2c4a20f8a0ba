package eas

import "github.com/easlab/easlab/wbxml"

// User responses to a meeting request (MeetingResponse:UserResponse).
const (
	UserResponseAccept    = 1
	UserResponseTentative = 2
	UserResponseDecline   = 3
)

// MeetingResponseRequest accepts, tentatively accepts or declines meeting
// requests (MS-ASCMD 2.2.1.11).
type MeetingResponseRequest struct {
	WBXMLName wbxml.Name     `wbxml:"MeetingResponse:MeetingResponse"`
	Request   []MeetingReply `wbxml:"Request"`
	Extra     []*wbxml.Node  `wbxml:",any"`
}

// MeetingReply is one Request element: the UserResponse to the meeting
// request RequestId in folder CollectionId, or to the Search result LongId.
// InstanceId (14.1+) picks one occurrence; SendResponse (16.0+) has the
// server send the reply, with a body and (16.1) a proposed new time.
type MeetingReply struct {
	UserResponse int                  `wbxml:"UserResponse"`
	CollectionId string               `wbxml:"CollectionId,omitempty"`
	LongId       string               `wbxml:"Search:LongId,omitempty"`
	RequestId    string               `wbxml:"RequestId,omitempty"`
	InstanceId   string               `wbxml:"InstanceId,omitempty"`
	SendResponse *MeetingSendResponse `wbxml:"SendResponse,omitempty"`
	Extra        []*wbxml.Node        `wbxml:",any"`
}

// MeetingSendResponse asks the server to send the reply to the organizer.
type MeetingSendResponse struct {
	Body              *Body         `wbxml:"AirSyncBase:Body,omitempty"`
	ProposedStartTime string        `wbxml:"ProposedStartTime,omitempty"`
	ProposedEndTime   string        `wbxml:"ProposedEndTime,omitempty"`
	Extra             []*wbxml.Node `wbxml:",any"`
}

// MeetingResponseResponse answers a MeetingResponse: one Result per
// Request, in order.
type MeetingResponseResponse struct {
	WBXMLName wbxml.Name              `wbxml:"MeetingResponse:MeetingResponse"`
	Result    []MeetingResponseResult `wbxml:"Result"`
	Extra     []*wbxml.Node           `wbxml:",any"`
}

// MeetingResponseResult is the result of one reply. CalendarId is the
// ServerId of the calendar item when the meeting was accepted or
// tentatively accepted.
type MeetingResponseResult struct {
	RequestId  string        `wbxml:"RequestId,omitempty"`
	Status     int           `wbxml:"Status"`
	CalendarId string        `wbxml:"CalendarId,omitempty"`
	Extra      []*wbxml.Node `wbxml:",any"`
}
