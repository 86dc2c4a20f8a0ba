package wsman

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// envelopeHead opens a response as WinRM writes one: every prefix it uses
// declared on the envelope (seen in the recorded sessions).
const envelopeHead = `<s:Envelope xml:lang="en-US" xmlns:s="` + NsSOAP + `" xmlns:a="` + NsAddressing +
	`" xmlns:x="` + NsTransfer + `" xmlns:w="` + NsWSMan + `" xmlns:rsp="` + NsShell + `" xmlns:p="` + NsWSMV + `">`

// Envelope writes a response envelope: the header WinRM writes (Action,
// MessageID, ActivityId, To, RelatesTo) and body, which is XML.
func Envelope(action, relatesTo, activityID, body string) []byte {
	return AppendEnvelope(make([]byte, 0, len(envelopeHead)+600+len(body)), action, relatesTo, activityID,
		func(b []byte) []byte { return append(b, body...) })
}

// AppendEnvelope appends a response envelope to dst, its body written by
// body: a large body (a ReceiveResponse's streams) is written once, in
// place.
func AppendEnvelope(dst []byte, action, relatesTo, activityID string, body func([]byte) []byte) []byte {
	b := append(dst, envelopeHead+`<s:Header><a:Action>`...)
	b = appendEscaped(b, action)
	b = append(b, `</a:Action><a:MessageID>uuid:`...)
	b = append(b, newID()...)
	b = append(b, `</a:MessageID>`...)
	if activityID != "" {
		b = append(b, `<p:ActivityId>`...)
		b = appendEscaped(b, activityID)
		b = append(b, `</p:ActivityId>`...)
	}
	b = append(b, `<a:To>`+Anonymous+`</a:To>`...)
	if relatesTo != "" {
		b = append(b, `<a:RelatesTo>`...)
		b = appendEscaped(b, relatesTo)
		b = append(b, `</a:RelatesTo>`...)
	}
	b = append(b, `</s:Header><s:Body>`...)
	b = body(b)
	return append(b, `</s:Body></s:Envelope>`...)
}

// EnvelopeOverhead is how many bytes a ReceiveResponse's envelope adds to
// its streams, with room to spare; a server sizes its fragments to the
// client's MaxEnvelopeSize minus this.
const EnvelopeOverhead = 2048

func xmlText(b *bytes.Buffer, s string) {
	if !needsEscape(s) {
		b.WriteString(s)
		return
	}
	_ = xml.EscapeText(b, []byte(s))
}

// needsEscape reports whether s has a character xml.EscapeText changes.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' || c == '>' || c == '&' || c == '\'' || c == '"' || c == '\t' || c == '\n' || c == '\r' || c >= 0x80:
			return true
		}
	}
	return false
}

// appendEscaped appends s escaped for XML text or an attribute.
func appendEscaped(b []byte, s string) []byte {
	if !needsEscape(s) {
		return append(b, s...)
	}
	return append(b, Escape(s)...)
}

// Escape returns s escaped for XML text or an attribute.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// ShellInfo is the rsp:Shell a CreateResponse describes.
type ShellInfo struct {
	ShellID, ResourceURI, Owner, ClientIP string
	ProcessID                             int
	IdleTimeout, MaxIdleTimeout           string
	InputStreams, OutputStreams           string
	Locale, DataLocale                    string
	RunTime, Inactivity                   string
}

// CreateResponseBody is Create's answer: the created resource's address
// and the shell.
func CreateResponseBody(address string, s ShellInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`,
		Escape(address), Escape(s.ResourceURI), Escape(s.ShellID))
	b.WriteString(ShellInfoBody(s))
	return b.String()
}

// ShellInfoBody is the rsp:Shell describing a shell, in a CreateResponse and
// a GetResponse.
func ShellInfoBody(s ShellInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<rsp:Shell xmlns:rsp="%s"><rsp:ShellId>%s</rsp:ShellId><rsp:ResourceUri>%s</rsp:ResourceUri><rsp:Owner>%s</rsp:Owner><rsp:ClientIP>%s</rsp:ClientIP><rsp:ProcessId>%d</rsp:ProcessId><rsp:IdleTimeOut>%s</rsp:IdleTimeOut><rsp:InputStreams>%s</rsp:InputStreams><rsp:OutputStreams>%s</rsp:OutputStreams><rsp:MaxIdleTimeOut>%s</rsp:MaxIdleTimeOut><rsp:Locale>%s</rsp:Locale><rsp:DataLocale>%s</rsp:DataLocale><rsp:CompressionMode>NoCompression</rsp:CompressionMode><rsp:ProfileLoaded>Yes</rsp:ProfileLoaded><rsp:Encoding>UTF8</rsp:Encoding><rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State><rsp:ShellRunTime>%s</rsp:ShellRunTime><rsp:ShellInactivity>%s</rsp:ShellInactivity></rsp:Shell>`,
		NsShell, Escape(s.ShellID), Escape(s.ResourceURI), Escape(s.Owner), Escape(s.ClientIP), s.ProcessID,
		s.IdleTimeout, Escape(s.InputStreams), Escape(s.OutputStreams), s.MaxIdleTimeout,
		Escape(s.Locale), Escape(s.DataLocale), s.RunTime, s.Inactivity)
	return b.String()
}

// CommandResponseBody is Command's answer.
func CommandResponseBody(commandID string) string {
	return `<rsp:CommandResponse><rsp:CommandId>` + Escape(commandID) + `</rsp:CommandId></rsp:CommandResponse>`
}

// OutStream is one rsp:Stream of a ReceiveResponse.
type OutStream struct {
	Name      string
	CommandID string
	Data      []byte // written in base64
}

// ReceiveResponseBody is Receive's answer; done adds the command's Done
// state.
func ReceiveResponseBody(streams []OutStream, commandID string, done bool) string {
	return string(AppendReceiveResponse(nil, streams, commandID, done))
}

// AppendReceiveResponse appends Receive's answer to b.
func AppendReceiveResponse(b []byte, streams []OutStream, commandID string, done bool) []byte {
	b = append(b, `<rsp:ReceiveResponse>`...)
	for _, s := range streams {
		b = append(b, `<rsp:Stream Name="`...)
		b = appendEscaped(b, s.Name)
		b = append(b, '"')
		if s.CommandID != "" {
			b = append(b, ` CommandId="`...)
			b = appendEscaped(b, s.CommandID)
			b = append(b, '"')
		}
		b = append(b, '>')
		b = base64.StdEncoding.AppendEncode(b, s.Data)
		b = append(b, `</rsp:Stream>`...)
	}
	if done {
		b = append(b, `<rsp:CommandState CommandId="`...)
		b = appendEscaped(b, commandID)
		b = append(b, `" State="`+CommandStateDone+`"><rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState>`...)
	}
	return append(b, `</rsp:ReceiveResponse>`...)
}

// IdentifyResponseBody is Identify's answer as a Windows server writes it
// to an authenticated client (MS-WSMV 3.1.4.16).
func IdentifyResponseBody(productVersion string) string {
	return `<wsmid:IdentifyResponse xmlns:wsmid="` + NsIdentity + `"><wsmid:ProtocolVersion>` + NsWSMan +
		`</wsmid:ProtocolVersion><wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor><wsmid:ProductVersion>` +
		Escape(productVersion) + `</wsmid:ProductVersion><wsmid:SecurityProfiles><wsmid:SecurityProfileName>http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/basic</wsmid:SecurityProfileName><wsmid:SecurityProfileName>http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/spnego-kerberos</wsmid:SecurityProfileName></wsmid:SecurityProfiles></wsmid:IdentifyResponse>`
}

// Fault is a WS-Management fault as WinRM writes it: a SOAP fault with a
// subcode, and a WSManFault detail carrying the Windows error code and
// message (MS-WSMV 2.2.4.43).
type Fault struct {
	Code     string // "s:Sender" or "s:Receiver"
	Subcode  string // "w:InvalidSelectors", "a:ActionNotSupported", ...
	Reason   string
	Detail   string // a w:FaultDetail URI, or ""
	WSMan    uint32 // the error code in f:WSManFault
	Message  string // f:Message; Reason when empty
	Provider string // when set, Message is wrapped in a ProviderFault of this provider
	Status   int    // the HTTP status; 500 when 0
}

// Error is the fault's message.
func (f *Fault) Error() string {
	if f.Message != "" {
		return fmt.Sprintf("wsman fault %d (%s): %s", f.WSMan, f.Subcode, strings.TrimSpace(f.Message))
	}
	return fmt.Sprintf("wsman fault %d (%s): %s", f.WSMan, f.Subcode, strings.TrimSpace(f.Reason))
}

// HTTPStatus is the status the fault is sent with. WinRM answers SOAP
// faults with 500 (SOAP 1.2's HTTP binding for a fault).
func (f *Fault) HTTPStatus() int {
	if f.Status != 0 {
		return f.Status
	}
	return http.StatusInternalServerError
}

// Body is the fault's s:Fault.
func (f *Fault) Body(machine string) string {
	msg := f.Message
	if msg == "" {
		msg = f.Reason
	}
	inner := Escape(msg)
	if f.Provider != "" {
		inner = fmt.Sprintf(`<f:ProviderFault provider="%s" path="%%systemroot%%\system32\WsmSvc.dll"><f:WSManFault xmlns:f="%s" Code="%d" Machine="%s"><f:Message>%s</f:Message></f:WSManFault></f:ProviderFault>`,
			Escape(f.Provider), NsFault, f.WSMan, Escape(machine), inner)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<s:Fault><s:Code><s:Value>%s</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason><s:Detail>`,
		f.Code, f.Subcode, Escape(f.Reason))
	if f.Detail != "" {
		b.WriteString(`<w:FaultDetail>` + Escape(f.Detail) + `</w:FaultDetail>`)
	}
	fmt.Fprintf(&b, `<f:WSManFault xmlns:f="%s" Code="%d" Machine="%s"><f:Message>%s</f:Message></f:WSManFault></s:Detail></s:Fault>`,
		NsFault, f.WSMan, Escape(machine), inner)
	return b.String()
}

// WinRM's faults. The codes are wsmerror.h's; the texts are those of the
// recorded sessions where one shows them, else wsmerror.h's message text.
const (
	codeInvalidSelectors   = 2150858843 // ERROR_WSMAN_INVALID_SELECTORS 0x8033805B
	codeTimedOut           = 2150858793 // ERROR_WSMAN_OPERATION_TIMEDOUT 0x80338029
	codeActionNotSupported = 2150858771 // ERROR_WSMAN_ACTION_NOT_SUPPORTED 0x80338013
	codeInvalidXML         = 2150858819 // ERROR_WSMAN_INVALID_XML 0x80338043
	codeEncodingLimit      = 2150858805 // ERROR_WSMAN_ENCODING_LIMIT 0x80338035
	codeMaxShells          = 2150859173 // ERROR_WSMAN_QUOTA_MAX_SHELLS 0x803381A5
	codeMaxOperations      = 2150859174 // ERROR_WSMAN_QUOTA_MAX_OPERATIONS 0x803381A6
	codeResourceNotFound   = 2150858752 // ERROR_WSMAN_RESOURCE_NOT_FOUND 0x80338000
)

const invalidSelectorsReason = "The WS-Management service cannot process the request because the request contained invalid selectors for the resource. "

// ErrShellNotFound is the fault for an unknown, closed or timed-out shell
// (as recorded: test_psrp_is_alive_invalid_selectors.yml).
func ErrShellNotFound() *Fault {
	return &Fault{Code: "s:Sender", Subcode: "w:InvalidSelectors", Reason: invalidSelectorsReason,
		Detail: "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors",
		WSMan:  codeInvalidSelectors, Provider: "Shell provider"}
}

// ErrCommandNotFound is the fault for an unknown or finished command id
// (as recorded: test_psrp_receive_failure.yml).
func ErrCommandNotFound() *Fault {
	return &Fault{Code: "s:Sender", Subcode: "w:InvalidSelectors", Reason: invalidSelectorsReason,
		Detail:  "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors",
		WSMan:   codeInvalidSelectors,
		Message: "The Windows Remote Shell received a request to perform an operation on a command identifier that does not exist. Either the command has completed execution or the client specified an invalid command identifier. "}
}

// ErrTimedOut is Receive's answer when nothing arrived within the
// client's OperationTimeout (as recorded: test_psrp_long_running_cmdlet.yml).
func ErrTimedOut() *Fault {
	const text = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
	return &Fault{Code: "s:Receiver", Subcode: "w:TimedOut", Reason: text, WSMan: codeTimedOut}
}

// ErrActionNotSupported is the fault for an action the endpoint does not
// implement.
func ErrActionNotSupported(action string) *Fault {
	return &Fault{Code: "s:Sender", Subcode: "a:ActionNotSupported",
		Reason: "The WS-Management service does not support the specified action. ",
		Detail: action, WSMan: codeActionNotSupported,
		Message: "The WS-Management service cannot process the request. The WS-Addressing action URI is invalid or not supported. "}
}

// FaultInvalidXML is the fault for an envelope that cannot be read.
func FaultInvalidXML() *Fault {
	const text = "The WS-Management service cannot process the request because the XML is invalid. "
	return &Fault{Code: "s:Sender", Subcode: "w:SchemaValidationError", Reason: text, WSMan: codeInvalidXML, Status: http.StatusBadRequest}
}

// ErrEnvelopeTooLarge is the fault for a request over the service's
// MaxEnvelopeSizekb.
func ErrEnvelopeTooLarge() *Fault {
	const text = "The WS-Management service cannot process the request because the encoding of the request exceeds an internal encoding limit. Reconfigure the client to send messages which fit the encoding limits of the service. "
	return &Fault{Code: "s:Sender", Subcode: "w:EncodingLimit", Reason: text,
		Detail: "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MaxEnvelopeSize", WSMan: codeEncodingLimit}
}

// ErrTooManyShells is Create's fault when the user has max shells open,
// in the words PowerShell shows ("This user is allowed a maximum number
// of 18 concurrent shells, which has been exceeded.").
func ErrTooManyShells(max int) *Fault {
	text := fmt.Sprintf("The WS-Management service cannot process the request. This user is allowed a maximum number of %d concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. ", max)
	return &Fault{Code: "s:Receiver", Subcode: "w:QuotaLimit", Reason: text, WSMan: codeMaxShells}
}

// ErrTooManyOperations is the fault for a request of a user who has max
// requests in progress, in the words WinRM gives for its
// MaxConcurrentOperationsPerUser (WSManFault 2150859174; WinRb/winrm-fs
// README, pywinrm's tests, Ansible's psrp notes).
func ErrTooManyOperations(max int) *Fault {
	text := fmt.Sprintf("The WS-Management service cannot process the request. This user is allowed a maximum number of %d concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota for this user. ", max)
	return &Fault{Code: "s:Receiver", Subcode: "w:QuotaLimit", Reason: text, WSMan: codeMaxOperations}
}

// ErrResourceNotFound is the fault for a ResourceURI the endpoint does
// not serve (another session configuration).
func ErrResourceNotFound(uri string) *Fault {
	const text = "The WS-Management service cannot process the request. The service cannot find the resource identified by the resource URI and selectors. "
	return &Fault{Code: "s:Sender", Subcode: "w:DestinationUnreachable", Reason: text,
		Detail: "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI", WSMan: codeResourceNotFound}
}

// ErrPlugin wraps a plugin's refusal (the runspace could not be opened)
// as a provider fault, which PowerShell shows as the message.
func ErrPlugin(message string) *Fault {
	return &Fault{Code: "s:Sender", Subcode: "w:InternalError", Reason: message, WSMan: codeInvalidXML,
		Message: message, Provider: "microsoft.powershell"}
}
