package wsman

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	if err := checkShape(data); err != nil {
		return nil, err
	}
	small, blobs := liftBase64(data)
	var raw rawEnvelope
	if err := scanEnvelope(small, &raw); err != nil {
		return nil, err
	}
	if len(blobs) > 0 && !raw.restore(blobs) {
		// Long base64-like text outside a stream: decode it as it is.
		raw = rawEnvelope{}
		if err := scanEnvelope(data, &raw); err != nil {
			return nil, err
		}
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
		d, err := ParseDuration(s)
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

// checkShape refuses a DTD before the envelope is decoded (encoding/xml
// expands no entities, but WinRM refuses a DTD and so does easlab).
// Nesting is bounded by encoding/xml itself (10,000 levels) and the size
// by the caller.
func checkShape(data []byte) error {
	if bytes.Contains(data, []byte("<!")) {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			tok, err := d.RawToken()
			if err != nil {
				return nil // the decoding proper reports it
			}
			if t, ok := tok.(xml.Directive); ok {
				return fmt.Errorf("%w: a DTD or directive (%.20q) is not allowed", ErrInvalidXML, t)
			}
		}
	}
	return nil
}

// liftMin is the shortest text run liftBase64 takes out of an envelope.
const liftMin = 256

// liftBase64 takes the long base64 text runs (PSRP's fragments in
// creationXml, Arguments and Stream) out of an envelope before it is
// decoded, leaving a short marker "#N#" in their place: encoding/xml reads
// character data a byte at a time, and these runs are most of an
// envelope's bytes. A run qualifies only if it is all base64 characters,
// so the envelope's structure is unchanged; restore puts the runs back.
func liftBase64(data []byte) ([]byte, [][]byte) {
	var out []byte
	var blobs [][]byte
	last := 0
	for i := 0; i < len(data); i++ {
		if data[i] != '>' {
			continue
		}
		j := i + 1
		for j < len(data) && isBase64(data[j]) {
			j++
		}
		if j-(i+1) >= liftMin && j < len(data) && data[j] == '<' {
			if out == nil {
				out = make([]byte, 0, len(data)/4)
			}
			out = append(out, data[last:i+1]...)
			out = fmt.Appendf(out, "#%d#", len(blobs))
			blobs = append(blobs, data[i+1:j])
			last = j
		}
		i = j - 1
	}
	if out == nil {
		return data, nil
	}
	return append(out, data[last:]...), blobs
}

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// restore puts the lifted runs back where their markers are, in order.
// It reports false when a run was lifted from elsewhere (a header, say) or
// a marker is not where it should be; the caller then decodes the
// envelope unchanged.
func (raw *rawEnvelope) restore(blobs [][]byte) bool {
	used := 0
	put := func(s *string) bool {
		t := strings.TrimSpace(*s)
		if len(t) < 3 || t[0] != '#' || t[len(t)-1] != '#' {
			return true
		}
		n, err := strconv.Atoi(t[1 : len(t)-1])
		if err != nil || n != used {
			return false
		}
		*s = string(blobs[n])
		used++
		return true
	}
	b := &raw.Body
	var fields []*string
	if b.Shell != nil {
		fields = append(fields, &b.Shell.CreationXML)
	}
	if b.Command != nil {
		for i := range b.Command.Arguments {
			fields = append(fields, &b.Command.Arguments[i])
		}
	}
	if b.Send != nil {
		for i := range b.Send.Streams {
			fields = append(fields, &b.Send.Streams[i].Data)
		}
	}
	for _, f := range fields {
		if !put(f) {
			return false
		}
	}
	return used == len(blobs)
}

// ShellID is the request's ShellId selector.
func (r *Request) ShellID() string { return r.Selectors["ShellId"] }

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
