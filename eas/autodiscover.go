package eas

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Autodiscover for mobile sync (MS-ASCMD 2.2.1.1, protocol.md §5) is plain
// XML, not WBXML, posted to /autodiscover/autodiscover.xml.

// The Autodiscover XML namespaces.
const (
	// AutodiscoverRequestSchema is the namespace of a mobilesync request.
	AutodiscoverRequestSchema = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
	// AutodiscoverResponseSchema is the namespace of a mobilesync response,
	// and the AcceptableResponseSchema a mobile client asks for.
	AutodiscoverResponseSchema = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
	// AutodiscoverGenericResponseSchema is the namespace of the root
	// Autodiscover element of every response, and of the generic error
	// response.
	AutodiscoverGenericResponseSchema = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
)

// Autodiscover server types (Action/Settings/Server/Type).
const (
	AutodiscoverServerMobileSync = "MobileSync" // Url is the EAS endpoint
	AutodiscoverServerCertEnroll = "CertEnroll" // certificate enrollment; ServerData names the template
)

// Autodiscover ErrorCode values of the generic error response.
const (
	AutodiscoverErrorInvalidRequest      = 600 // malformed request, not exactly one Request, no EMailAddress
	AutodiscoverErrorProviderUnavailable = 601 // no provider for the AcceptableResponseSchema
)

// maxAutodiscoverRequest bounds the request body ParseAutodiscoverRequest
// reads (Z-Push accepts 8 KiB).
const maxAutodiscoverRequest = 64 << 10

const xmlDeclaration = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// AutodiscoverRequest is a mobilesync Autodiscover request: the mailbox's
// address and the schema the answer must use.
type AutodiscoverRequest struct {
	EMailAddress             string
	AcceptableResponseSchema string
}

type autodiscoverRequestXML struct {
	XMLName xml.Name                     `xml:"Autodiscover"`
	Request []autodiscoverRequestBodyXML `xml:"Request"`
}

type autodiscoverRequestBodyXML struct {
	EMailAddress             string `xml:"EMailAddress"`
	AcceptableResponseSchema string `xml:"AcceptableResponseSchema"`
}

// ParseAutodiscoverRequest reads a mobilesync Autodiscover request, as
// Exchange checks it. Its errors are *AutodiscoverError, ready to be sent
// back with their Marshal: ErrorCode 600 when the body is not XML, is too
// large, has other than one Request or no EMailAddress; 601 when the
// AcceptableResponseSchema is not the mobilesync response schema. Values
// are trimmed of surrounding white space.
func ParseAutodiscoverRequest(r io.Reader) (*AutodiscoverRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxAutodiscoverRequest+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxAutodiscoverRequest {
		return nil, &AutodiscoverError{ErrorCode: AutodiscoverErrorInvalidRequest, Message: "Invalid Request", DebugData: "request too large"}
	}
	var doc autodiscoverRequestXML
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, &AutodiscoverError{ErrorCode: AutodiscoverErrorInvalidRequest, Message: "Invalid Request", DebugData: err.Error()}
	}
	if len(doc.Request) != 1 {
		return nil, &AutodiscoverError{ErrorCode: AutodiscoverErrorInvalidRequest, Message: "Invalid Request",
			DebugData: fmt.Sprintf("%d Request elements", len(doc.Request))}
	}
	req := &AutodiscoverRequest{
		EMailAddress:             strings.TrimSpace(doc.Request[0].EMailAddress),
		AcceptableResponseSchema: strings.TrimSpace(doc.Request[0].AcceptableResponseSchema),
	}
	if req.EMailAddress == "" {
		return nil, &AutodiscoverError{ErrorCode: AutodiscoverErrorInvalidRequest, Message: "Invalid Request", DebugData: "no EMailAddress"}
	}
	if req.AcceptableResponseSchema != AutodiscoverResponseSchema {
		return nil, &AutodiscoverError{ErrorCode: AutodiscoverErrorProviderUnavailable, Message: "Provider is not available",
			DebugData: "AcceptableResponseSchema " + req.AcceptableResponseSchema}
	}
	return req, nil
}

// Marshal returns the request as a client sends it. An empty
// AcceptableResponseSchema is written as the mobilesync response schema.
func (r *AutodiscoverRequest) Marshal() ([]byte, error) {
	schema := r.AcceptableResponseSchema
	if schema == "" {
		schema = AutodiscoverResponseSchema
	}
	doc := struct {
		XMLName xml.Name                   `xml:"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006 Autodiscover"`
		Request autodiscoverRequestBodyXML `xml:"Request"`
	}{Request: autodiscoverRequestBodyXML{EMailAddress: r.EMailAddress, AcceptableResponseSchema: schema}}
	return marshalXMLDocument(&doc)
}

// AutodiscoverResponse is a mobilesync Autodiscover response: the user and
// what to do, which is one of Settings (the servers), Redirect (an address
// to run Autodiscover for instead) or Error.
type AutodiscoverResponse struct {
	Culture string              `xml:"Culture,omitempty"` // e.g. "en:us"
	User    *AutodiscoverUser   `xml:"User,omitempty"`
	Action  *AutodiscoverAction `xml:"Action,omitempty"`
}

// AutodiscoverUser is the mailbox's user.
type AutodiscoverUser struct {
	DisplayName  string `xml:"DisplayName,omitempty"`
	EMailAddress string `xml:"EMailAddress"`
}

// AutodiscoverAction says what the client should do.
type AutodiscoverAction struct {
	Redirect string                   `xml:"Redirect,omitempty"`
	Settings *AutodiscoverSettings    `xml:"Settings,omitempty"`
	Error    *AutodiscoverActionError `xml:"Error,omitempty"`
}

// AutodiscoverSettings lists the servers: a MobileSync one and, optionally,
// a CertEnroll one.
type AutodiscoverSettings struct {
	Server []AutodiscoverServer `xml:"Server"`
}

// AutodiscoverServer is one server. For MobileSync, Url is the EAS
// endpoint and Name repeats it.
type AutodiscoverServer struct {
	Type       string `xml:"Type,omitempty"`
	Url        string `xml:"Url,omitempty"`
	Name       string `xml:"Name,omitempty"`
	ServerData string `xml:"ServerData,omitempty"`
}

// AutodiscoverActionError is a mobilesync error: Status 2 for a protocol
// error.
type AutodiscoverActionError struct {
	Status    int    `xml:"Status,omitempty"`
	Message   string `xml:"Message,omitempty"`
	DebugData string `xml:"DebugData,omitempty"`
	ErrorCode int    `xml:"ErrorCode,omitempty"`
}

// Marshal returns the response document: the generic Autodiscover root,
// holding a mobilesync Response.
func (r *AutodiscoverResponse) Marshal() ([]byte, error) {
	doc := struct {
		XMLName  xml.Name              `xml:"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006 Autodiscover"`
		Response *AutodiscoverResponse `xml:"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006 Response"`
	}{Response: r}
	return marshalXMLDocument(&doc)
}

type autodiscoverResponseXML struct {
	XMLName  xml.Name `xml:"Autodiscover"`
	Response []struct {
		AutodiscoverResponse
		Error *autodiscoverErrorXML `xml:"Error"` // the generic error form
	} `xml:"Response"`
}

// ParseAutodiscoverResponse reads an Autodiscover response. The generic
// error response is returned as an *AutodiscoverError.
func ParseAutodiscoverResponse(r io.Reader) (*AutodiscoverResponse, error) {
	var doc autodiscoverResponseXML
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("eas: autodiscover response: %w", err)
	}
	if len(doc.Response) != 1 {
		return nil, fmt.Errorf("eas: autodiscover response has %d Response elements", len(doc.Response))
	}
	resp := doc.Response[0]
	if resp.Error != nil {
		return nil, resp.Error.autodiscoverError()
	}
	out := resp.AutodiscoverResponse
	return &out, nil
}

// AutodiscoverError is the generic Autodiscover error response
// (responseschema/2006 Response/Error), and the error ParseAutodiscoverRequest
// and ParseAutodiscoverResponse return for it. Time and Id, which Exchange
// sets to the time of day and a request number, are written when set.
type AutodiscoverError struct {
	ErrorCode int
	Message   string
	DebugData string
	Time      string
	Id        string
}

// Error describes the error with its code, message and debug data.
func (e *AutodiscoverError) Error() string {
	s := fmt.Sprintf("eas: autodiscover error %d", e.ErrorCode)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.DebugData != "" {
		s += " (" + e.DebugData + ")"
	}
	return s
}

type autodiscoverErrorXML struct {
	Time      string `xml:"Time,attr,omitempty"`
	Id        string `xml:"Id,attr,omitempty"`
	ErrorCode int    `xml:"ErrorCode"`
	Message   string `xml:"Message"`
	DebugData string `xml:"DebugData"`
}

func (x *autodiscoverErrorXML) autodiscoverError() *AutodiscoverError {
	return &AutodiscoverError{ErrorCode: x.ErrorCode, Message: x.Message, DebugData: x.DebugData, Time: x.Time, Id: x.Id}
}

// Marshal returns the generic error response document.
func (e *AutodiscoverError) Marshal() ([]byte, error) {
	type response struct {
		Error autodiscoverErrorXML `xml:"Error"`
	}
	doc := struct {
		XMLName  xml.Name `xml:"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006 Autodiscover"`
		Response response `xml:"Response"`
	}{Response: response{Error: autodiscoverErrorXML{
		Time: e.Time, Id: e.Id, ErrorCode: e.ErrorCode, Message: e.Message, DebugData: e.DebugData,
	}}}
	return marshalXMLDocument(&doc)
}

// marshalXMLDocument writes v, indented by two spaces, after an XML
// declaration, with a final newline.
func marshalXMLDocument(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xmlDeclaration)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// AsAutodiscoverError returns err's *AutodiscoverError, if it is one.
func AsAutodiscoverError(err error) (*AutodiscoverError, bool) {
	var ae *AutodiscoverError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}
