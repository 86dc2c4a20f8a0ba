package wsman

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Namespaces of WS-Management as WinRM writes them.
const (
	NsSOAP       = "http://www.w3.org/2003/05/soap-envelope"
	NsAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	NsTransfer   = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
	NsWSMan      = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	NsWSMV       = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
	NsShell      = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	NsFault      = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
	NsIdentity   = "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"
	NsPowerShell = "http://schemas.microsoft.com/powershell"
	Anonymous    = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// Actions (MS-WSMV 3.1.4).
const (
	ActionCreate    = NsTransfer + "/Create"
	ActionDelete    = NsTransfer + "/Delete"
	ActionGet       = NsTransfer + "/Get"
	ActionCommand   = NsShell + "/Command"
	ActionSend      = NsShell + "/Send"
	ActionReceive   = NsShell + "/Receive"
	ActionSignal    = NsShell + "/Signal"
	ActionFault     = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
	SignalTerminate = NsShell + "/signal/Terminate"
	SignalCtrlC     = NsShell + "/signal/ctrl_c"
	// PSRP's own signal, which ends a pipeline (MS-PSRP 3.1.5.3.7).
	SignalPSCrtlC       = "powershell/signal/crtl_c"
	CommandStateDone    = NsShell + "/CommandState/Done"
	CommandStateRunning = NsShell + "/CommandState/Running"
)

// Request is a WS-Management request envelope: its headers and its body.
type Request struct {
	Action           string
	MessageID        string
	To               string
	ResourceURI      string
	MaxEnvelopeSize  int           // 0 when absent
	OperationTimeout time.Duration // 0 when absent
	Locale           string
	DataLocale       string
	SessionID        string
	Selectors        map[string]string
	Options          map[string]string
	// Identify is set for a WS-Management Identify request (an envelope
	// with no Action whose body is wsmid:Identify).
	Identify bool

	Shell   *ShellBody
	Command *CommandBody
	Send    *SendBody
	Receive *ReceiveBody
	Signal  *SignalBody
}

// ShellBody is Create's rsp:Shell.
type ShellBody struct {
	ShellID       string `xml:"ShellId,attr"`
	Name          string `xml:"Name,attr"`
	InputStreams  string `xml:"InputStreams"`
	OutputStreams string `xml:"OutputStreams"`
	// CreationXML is the base64 creationXml element (PSRP's first
	// fragments), as sent.
	CreationXML string `xml:"http://schemas.microsoft.com/powershell creationXml"`
}

// CommandBody is Command's rsp:CommandLine.
type CommandBody struct {
	CommandID string   `xml:"CommandId,attr"`
	Command   string   `xml:"Command"`
	Arguments []string `xml:"Arguments"`
}

// Stream is one rsp:Stream of Send.
type Stream struct {
	Name      string `xml:"Name,attr"`
	CommandID string `xml:"CommandId,attr"`
	End       bool   `xml:"End,attr"`
	Data      string `xml:",chardata"` // base64
}

// SendBody is Send's rsp:Send.
type SendBody struct {
	Streams []Stream `xml:"Stream"`
}

// ReceiveBody is Receive's rsp:Receive.
type ReceiveBody struct {
	DesiredStream struct {
		CommandID string `xml:"CommandId,attr"`
		Names     string `xml:",chardata"`
	} `xml:"DesiredStream"`
}

// SignalBody is Signal's rsp:Signal.
type SignalBody struct {
	CommandID string `xml:"CommandId,attr"`
	Code      string `xml:"Code"`
}

type rawEnvelope struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  struct {
		Action           string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
		MessageID        string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
		To               string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing To"`
		ResourceURI      string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd ResourceURI"`
		MaxEnvelopeSize  string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd MaxEnvelopeSize"`
		OperationTimeout string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OperationTimeout"`
		Locale           struct {
			Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd Locale"`
		DataLocale struct {
			Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd DataLocale"`
		SessionID string `xml:"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd SessionId"`
		Selectors []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd SelectorSet>Selector"`
		Options []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OptionSet>Option"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body struct {
		Shell    *ShellBody   `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Shell"`
		Command  *CommandBody `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell CommandLine"`
		Send     *SendBody    `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Send"`
		Receive  *ReceiveBody `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Receive"`
		Signal   *SignalBody  `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Signal"`
		Identify *struct{}    `xml:"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd Identify"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

// ErrInvalidXML wraps every reason an envelope cannot be read.
var ErrInvalidXML = errors.New("wsman: invalid envelope")

// ParseRequest reads a request envelope. The caller bounds its size.
func ParseRequest(data []byte) (*Request, error) {
	var raw rawEnvelope
	if err := scanEnvelope(data, &raw); err != nil {
		return nil, err
	}
	h := &raw.Header
	r := &Request{
		Action:      strings.TrimSpace(h.Action),
		MessageID:   strings.TrimSpace(h.MessageID),
		To:          strings.TrimSpace(h.To),
		ResourceURI: strings.TrimSpace(h.ResourceURI),
		Locale:      h.Locale.Lang,
		DataLocale:  h.DataLocale.Lang,
		SessionID:   strings.TrimSpace(h.SessionID),
		Shell:       raw.Body.Shell,
		Command:     raw.Body.Command,
		Send:        raw.Body.Send,
		Receive:     raw.Body.Receive,
		Signal:      raw.Body.Signal,
		Identify:    raw.Body.Identify != nil && strings.TrimSpace(h.Action) == "",
	}
	if s := strings.TrimSpace(h.MaxEnvelopeSize); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%w: MaxEnvelopeSize %q", ErrInvalidXML, s)
		}
		r.MaxEnvelopeSize = n
	}
	if s := strings.TrimSpace(h.OperationTimeout); s != "" {
		d, err := operationTimeout(s)
		if err != nil {
			return nil, fmt.Errorf("%w: OperationTimeout: %w", ErrInvalidXML, err)
		}
		r.OperationTimeout = d
	}
	for _, s := range h.Selectors {
		if r.Selectors == nil {
			r.Selectors = map[string]string{}
		}
		r.Selectors[s.Name] = strings.TrimSpace(s.Value)
	}
	for _, o := range h.Options {
		if r.Options == nil {
			r.Options = map[string]string{}
		}
		r.Options[o.Name] = strings.TrimSpace(o.Value)
	}
	return r, nil
}

// ShellID is the request's ShellId selector.
func (r *Request) ShellID() string { return r.Selectors["ShellId"] }

// lastTimeout holds the OperationTimeout read last: a client sends the
// same one in every request, and reading it was 1% of a cmdlet's time.
var lastTimeout atomic.Pointer[parsedTimeout]

type parsedTimeout struct {
	text string
	d    time.Duration
}

// operationTimeout is ParseDuration, remembering the last value read.
func operationTimeout(s string) (time.Duration, error) {
	if p := lastTimeout.Load(); p != nil && p.text == s {
		return p.d, nil
	}
	d, err := ParseDuration(s)
	if err == nil {
		lastTimeout.Store(&parsedTimeout{text: strings.Clone(s), d: d})
	}
	return d, err
}

// ParseDuration reads an xs:duration as WS-Management uses it
// ("PT20S", "PT60.000S", "P0DT0H0M0S"). Years and months are refused.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	if !strings.HasPrefix(s, "P") {
		return 0, fmt.Errorf("duration %q does not start with P", orig)
	}
	s = s[1:]
	var total float64
	inTime := false
	for s != "" {
		if s[0] == 'T' {
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, fmt.Errorf("duration %q is malformed", orig)
		}
		v, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", orig, err)
		}
		unit := s[i]
		s = s[i+1:]
		switch {
		case unit == 'D' && !inTime:
			total += v * 86400
		case unit == 'H' && inTime:
			total += v * 3600
		case unit == 'M' && inTime:
			total += v * 60
		case unit == 'S' && inTime:
			total += v
		default:
			return 0, fmt.Errorf("duration %q has an unsupported unit %q", orig, unit)
		}
		if total > 1e9 {
			return 0, fmt.Errorf("duration %q is too long", orig)
		}
	}
	return time.Duration(total * float64(time.Second)), nil
}

// FormatDuration writes d as WinRM writes a shell's timeouts ("PT7200.000S").
func FormatDuration(d time.Duration) string {
	return fmt.Sprintf("PT%d.%03dS", d/time.Second, (d%time.Second)/time.Millisecond)
}
