package eas

import "github.com/easlab/easlab/wbxml"

// From 14.0, SendMail, SmartReply and SmartForward carry the message as
// WBXML (MS-ASCMD 2.2.1.17, 2.2.1.19, 2.2.1.20); up to 12.1 the body is the
// raw MIME message and the parameters are in the query. Success is HTTP 200
// with no body; a response body means failure, with a common Status.

// SendMailRequest sends Mime, a whole RFC 5322 message. ClientId (up to 40
// characters) lets the server detect a resent message (Status 118).
// TemplateID (14.1+) applies an IRM template.
type SendMailRequest struct {
	WBXMLName       wbxml.Name    `wbxml:"ComposeMail:SendMail"`
	ClientId        string        `wbxml:"ClientId"`
	AccountId       string        `wbxml:"AccountId,omitempty"`
	SaveInSentItems bool          `wbxml:"SaveInSentItems,empty"`
	Mime            []byte        `wbxml:"Mime,opaque"`
	TemplateID      string        `wbxml:"RightsManagement:TemplateID,omitempty"`
	Extra           []*wbxml.Node `wbxml:",any"`
}

// SmartReplyRequest replies to the message Source names; the server
// appends the original unless ReplaceMime is set.
type SmartReplyRequest struct {
	WBXMLName       wbxml.Name    `wbxml:"ComposeMail:SmartReply"`
	ClientId        string        `wbxml:"ClientId"`
	Source          *Source       `wbxml:"Source,omitempty"`
	AccountId       string        `wbxml:"AccountId,omitempty"`
	SaveInSentItems bool          `wbxml:"SaveInSentItems,empty"`
	ReplaceMime     bool          `wbxml:"ReplaceMime,empty"`
	Mime            []byte        `wbxml:"Mime,opaque"`
	TemplateID      string        `wbxml:"RightsManagement:TemplateID,omitempty"`
	Extra           []*wbxml.Node `wbxml:",any"`
}

// SmartForwardRequest forwards the message or meeting Source names. From
// 16.0 Forwardees name the recipients of a forwarded meeting.
type SmartForwardRequest struct {
	WBXMLName       wbxml.Name    `wbxml:"ComposeMail:SmartForward"`
	ClientId        string        `wbxml:"ClientId"`
	Source          *Source       `wbxml:"Source,omitempty"`
	AccountId       string        `wbxml:"AccountId,omitempty"`
	SaveInSentItems bool          `wbxml:"SaveInSentItems,empty"`
	ReplaceMime     bool          `wbxml:"ReplaceMime,empty"`
	Forwardees      *Forwardees   `wbxml:"Forwardees,omitempty"`
	Mime            []byte        `wbxml:"Mime,opaque"`
	TemplateID      string        `wbxml:"RightsManagement:TemplateID,omitempty"`
	Extra           []*wbxml.Node `wbxml:",any"`
}

// Source names the original message of a SmartReply or SmartForward: by
// FolderId and ItemId, or by a Search LongId; InstanceId picks one
// occurrence of a recurring meeting.
type Source struct {
	FolderId   string        `wbxml:"FolderId,omitempty"`
	ItemId     string        `wbxml:"ItemId,omitempty"`
	LongId     string        `wbxml:"LongId,omitempty"`
	InstanceId string        `wbxml:"InstanceId,omitempty"`
	Extra      []*wbxml.Node `wbxml:",any"`
}

// Forwardees lists the recipients of a forwarded meeting (16.0+).
type Forwardees struct {
	Forwardee []Forwardee   `wbxml:"Forwardee"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// Forwardee is one recipient. The spec names its children Name and Email;
// libwbxml calls the same tokens ForwardeeName and ForwardeeEmail.
type Forwardee struct {
	Name  string        `wbxml:"Name,omitempty"`
	Email string        `wbxml:"Email"`
	Extra []*wbxml.Node `wbxml:",any"`
}

// SendMailResponse is the body of a failed SendMail: a common status such
// as 118 MessagePreviouslySent.
type SendMailResponse struct {
	WBXMLName wbxml.Name    `wbxml:"ComposeMail:SendMail"`
	Status    int           `wbxml:"Status"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// SmartReplyResponse is the body of a failed SmartReply.
type SmartReplyResponse struct {
	WBXMLName wbxml.Name    `wbxml:"ComposeMail:SmartReply"`
	Status    int           `wbxml:"Status"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// SmartForwardResponse is the body of a failed SmartForward.
type SmartForwardResponse struct {
	WBXMLName wbxml.Name    `wbxml:"ComposeMail:SmartForward"`
	Status    int           `wbxml:"Status"`
	Extra     []*wbxml.Node `wbxml:",any"`
}
