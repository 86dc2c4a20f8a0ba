// Package client is a Remote PowerShell client on the same packages as
// the server (wsman, psrp, clixml): it opens a runspace pool at a
// WS-Management endpoint, runs commands with typed parameters and returns
// their output, errors and warnings. easlab's reference agent uses it to
// reach /PowerShell as an agent reaches Exchange; tests use it too.
//
// It speaks Basic authentication (over HTTPS, or HTTP as a client with
// AllowUnencrypted does).
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/internal/xmlscan"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/powershell/wsman"
	"github.com/google/uuid"
)

// ExchangeURI is the shell resource URI of Exchange's endpoint.
const ExchangeURI = "http://schemas.microsoft.com/powershell/Microsoft.Exchange"

// Config says where and as whom to connect.
type Config struct {
	URL      string // e.g. http://localhost:8080/PowerShell/
	User     string
	Password string
	// ResourceURI is the session configuration; ExchangeURI when "".
	ResourceURI string
	// MaxEnvelopeSize is what the client accepts; 153600 (pypsrp's and
	// PowerShell's default) when 0.
	MaxEnvelopeSize int
	// OperationTimeout bounds each Receive's wait; 20 s when 0.
	OperationTimeout time.Duration
	HTTP             *http.Client
}

// Session is an open runspace pool.
type Session struct {
	cfg     Config
	shellID string
	// resourceURI and to are the configuration's, escaped for the envelope.
	resourceURI, to string
	// timeout is the OperationTimeout's text; url and host the parsed URL
	// and the Host it names, as http.NewRequest makes them: formatted and
	// parsed once, not on every request.
	timeout string
	url     *url.URL
	host    string
	auth    []string // the Authorization header, shared by every request
	pool    uuid.UUID
	nextObj uint64
	asm     psrp.Assembler
	mu      sync.Mutex
	key     []byte
	priv    *rsa.PrivateKey
	// ServerVersion is the protocol version the server announced.
	ServerVersion string
}

// Result is what a pipeline wrote.
type Result struct {
	Output   []any
	Errors   []*psrp.ErrorRecord
	Warnings []string
	// Failed is the terminating error of a pipeline that failed.
	Failed *psrp.ErrorRecord
}

// Open creates a shell and waits for its runspace pool to open.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.ResourceURI == "" {
		cfg.ResourceURI = ExchangeURI
	}
	if cfg.MaxEnvelopeSize == 0 {
		cfg.MaxEnvelopeSize = 153600
	}
	if cfg.OperationTimeout == 0 {
		cfg.OperationTimeout = 20 * time.Second
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	s := &Session{cfg: cfg, pool: uuid.New(), nextObj: 1}
	s.shellID = string(wsman.AppendUpperUUID(nil, s.pool))
	s.resourceURI, s.to = wsman.Escape(cfg.ResourceURI), wsman.Escape(cfg.URL)
	s.timeout = wsman.FormatDuration(cfg.OperationTimeout)
	probe, err := http.NewRequest(http.MethodPost, cfg.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	s.url, s.host = probe.URL, probe.Host
	s.auth = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.User+":"+cfg.Password))}
	capObj := &clixml.Object{Members: []clixml.Property{
		{Name: "protocolversion", Value: clixml.Version("2.3")},
		{Name: "PSVersion", Value: clixml.Version("2.0")},
		{Name: "SerializationVersion", Value: clixml.Version("1.1.0.1")}}}
	initObj := &clixml.Object{Members: []clixml.Property{
		{Name: "MinRunspaces", Value: int32(1)}, {Name: "MaxRunspaces", Value: int32(1)},
		{Name: "PSThreadOptions", Value: &clixml.Object{TypeNames: []string{"System.Management.Automation.Runspaces.PSThreadOptions", "System.Enum", "System.ValueType", "System.Object"}, ToString: "Default", HasToString: true, Value: int32(0)}},
		{Name: "ApartmentState", Value: &clixml.Object{TypeNames: []string{"System.Management.Automation.Runspaces.ApartmentState", "System.Enum", "System.ValueType", "System.Object"}, ToString: "UNKNOWN", HasToString: true, Value: int32(2)}},
		{Name: "HostInfo", Value: &clixml.Object{Members: []clixml.Property{{Name: "_isHostNull", Value: true}, {Name: "_isHostUINull", Value: true}, {Name: "_isHostRawUINull", Value: true}, {Name: "_useRunspaceHost", Value: true}}}},
		{Name: "ApplicationArguments"}}}
	var creation []byte
	for _, m := range []struct {
		t psrp.MessageType
		o *clixml.Object
	}{{psrp.SessionCapability, capObj}, {psrp.InitRunspacePool, initObj}} {
		b, err := s.fragments(m.t, uuid.Nil, m.o)
		if err != nil {
			return nil, err
		}
		creation = append(creation, b...)
	}
	body := fmt.Sprintf(`<rsp:Shell ShellId="%s"><rsp:InputStreams>stdin pr</rsp:InputStreams><rsp:OutputStreams>stdout</rsp:OutputStreams><creationXml xmlns="%s">%s</creationXml></rsp:Shell>`,
		s.shellID, wsman.NsPowerShell, base64.StdEncoding.EncodeToString(creation))
	if _, err := s.call(ctx, wsman.ActionCreate, false, `<wsman:OptionSet s:mustUnderstand="true"><wsman:Option MustComply="true" Name="protocolversion">2.3</wsman:Option></wsman:OptionSet>`, body); err != nil {
		return nil, err
	}
	for {
		msgs, _, err := s.receive(ctx, "")
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			switch m.Type {
			case psrp.SessionCapability:
				o, _ := unmarshalObj(m.Data)
				if o != nil {
					if v, ok := o.Get("protocolversion"); ok {
						s.ServerVersion = fmt.Sprint(v)
					}
				}
			case psrp.RunspacePoolState:
				o, err := unmarshalObj(m.Data)
				if err != nil {
					return nil, err
				}
				st, _ := o.Get("RunspaceState")
				if st == int32(2) {
					return s, nil
				}
				return nil, fmt.Errorf("client: the runspace pool did not open (state %v)", st)
			}
		}
	}
}

func unmarshalObj(b []byte) (*clixml.Object, error) {
	v, err := clixml.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*clixml.Object)
	if !ok {
		return nil, errors.New("client: a message is not an object")
	}
	return o, nil
}

// fragments encodes one message to the server as fragments.
func (s *Session) fragments(t psrp.MessageType, pipeline uuid.UUID, v any) ([]byte, error) {
	s.mu.Lock()
	id := s.nextObj
	s.nextObj++
	s.mu.Unlock()
	max := (s.cfg.MaxEnvelopeSize-wsman.EnvelopeOverhead)*3/4 - psrp.FragmentHeaderLen
	frags, err := psrp.MarshalFragments(id, &psrp.Message{Destination: psrp.ToServer, Type: t, RunspacePool: s.pool, Pipeline: pipeline}, v, max)
	if err != nil {
		return nil, err
	}
	if len(frags) == 1 {
		return frags[0], nil
	}
	var out []byte
	for _, f := range frags {
		out = append(out, f...)
	}
	return out, nil
}

// Fault is a WS-Management fault the server answered.
type Fault struct {
	Status  int
	Code    string // the WSManFault code
	Subcode string
	Message string
}

func (f *Fault) Error() string {
	return fmt.Sprintf("wsman fault %s (%s, HTTP %d): %s", f.Code, f.Subcode, f.Status, f.Message)
}

// call sends one envelope and returns the response body.
func (s *Session) call(ctx context.Context, action string, selector bool, extraHeader, body string) ([]byte, error) {
	return s.callBody(ctx, action, selector, extraHeader, len(body), func(b []byte) []byte { return append(b, body...) })
}

// callBody is call with a body of about size bytes appended by body: a
// large one (base64 of a message) is written once, into the envelope.
func (s *Session) callBody(ctx context.Context, action string, selector bool, extraHeader string, size int, body func([]byte) []byte) ([]byte, error) {
	b := make([]byte, 0, len(extraHeader)+size+1536)
	b = append(b, `<s:Envelope xmlns:s="`+wsman.NsSOAP+`" xmlns:wsa="`+wsman.NsAddressing+`" xmlns:wsman="`+wsman.NsWSMan+`" xmlns:wsmv="`+wsman.NsWSMV+`" xmlns:rsp="`+wsman.NsShell+`"><s:Header>`...)
	b = append(b, `<wsa:Action s:mustUnderstand="true">`...)
	b = append(b, action...)
	b = append(b, `</wsa:Action><wsman:MaxEnvelopeSize s:mustUnderstand="true">`...)
	b = strconv.AppendInt(b, int64(s.cfg.MaxEnvelopeSize), 10)
	b = append(b, `</wsman:MaxEnvelopeSize><wsa:MessageID>uuid:`...)
	b = wsman.AppendID(b)
	b = append(b, `</wsa:MessageID><wsman:OperationTimeout>`...)
	b = append(b, s.timeout...)
	b = append(b, `</wsman:OperationTimeout><wsa:ReplyTo><wsa:Address s:mustUnderstand="true">`+wsman.Anonymous+`</wsa:Address></wsa:ReplyTo><wsman:ResourceURI s:mustUnderstand="true">`...)
	b = append(b, s.resourceURI...)
	b = append(b, `</wsman:ResourceURI><wsa:To>`...)
	b = append(b, s.to...)
	b = append(b, `</wsa:To>`...)
	if selector {
		b = append(b, `<wsman:SelectorSet><wsman:Selector Name="ShellId">`...)
		b = append(b, s.shellID...)
		b = append(b, `</wsman:Selector></wsman:SelectorSet>`...)
	}
	b = append(b, extraHeader...)
	b = append(b, `</s:Header><s:Body>`...)
	b = body(b)
	b = append(b, `</s:Body></s:Envelope>`...)
	// The envelope is not recycled: the transport may still be writing
	// it when the answer is read, and only a *bytes.Reader lets it write
	// the headers and body in one system call.
	// The URL parsed once (no request changes it): net/http fills in the
	// rest (the length, GetBody, the context) from an empty one.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.URL, req.Host = s.url, s.host
	req.Header["Content-Type"] = soapType
	req.Header["Authorization"] = s.auth
	resp, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", action, err)
	}
	defer resp.Body.Close()
	data, err := readBody(resp.Body, resp.ContentLength, s.cfg.MaxEnvelopeSize*2)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		if f := parseFault(data); f != nil {
			f.Status = resp.StatusCode
			return nil, f
		}
		return nil, fmt.Errorf("client: %s: HTTP %d", action[strings.LastIndex(action, "/")+1:], resp.StatusCode)
	}
	return data, nil
}

func parseFault(data []byte) *Fault {
	var env struct {
		Body struct {
			Fault *struct {
				Subcode string `xml:"Code>Subcode>Value"`
				Reason  string `xml:"Reason>Text"`
				Detail  struct {
					WSMan struct {
						Code    string `xml:"Code,attr"`
						Message string `xml:",innerxml"`
					} `xml:"WSManFault"`
				} `xml:"Detail"`
			} `xml:"Fault"`
		} `xml:"Body"`
	}
	if xml.Unmarshal(data, &env) != nil || env.Body.Fault == nil {
		return nil
	}
	f := env.Body.Fault
	return &Fault{Code: f.Detail.WSMan.Code, Subcode: f.Subcode, Message: strings.TrimSpace(f.Reason)}
}

// receive long-polls once for the shell's or a command's output.
func (s *Session) receive(ctx context.Context, commandID string) ([]*psrp.Message, bool, error) {
	attr := ""
	if commandID != "" {
		attr = ` CommandId="` + commandID + `"`
	}
	for {
		data, err := s.call(ctx, wsman.ActionReceive, true,
			`<wsman:OptionSet s:mustUnderstand="true"><wsman:Option Name="WSMAN_CMDSHELL_OPTION_KEEPALIVE">True</wsman:Option></wsman:OptionSet>`,
			`<rsp:Receive><rsp:DesiredStream`+attr+`>stdout</rsp:DesiredStream></rsp:Receive>`)
		var f *Fault
		if errors.As(err, &f) && f.Subcode == "w:TimedOut" {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		streams, state, err := parseReceiveResponse(data)
		putBody(data) // the streams are decoded copies
		if err != nil {
			return nil, false, fmt.Errorf("client: ReceiveResponse: %w", err)
		}
		var msgs []*psrp.Message
		for _, raw := range streams {
			s.mu.Lock()
			m, err := s.asm.Feed(raw)
			s.mu.Unlock()
			if err != nil {
				return nil, false, err
			}
			msgs = append(msgs, m...)
		}
		return msgs, state == wsman.CommandStateDone, nil
	}
}

// Invoke runs one pipeline of commands and waits for its end.
func (s *Session) Invoke(ctx context.Context, cmds ...psrp.Command) (*Result, error) {
	return s.InvokeWithInput(ctx, nil, cmds...)
}

// InvokeWithInput runs a pipeline with input objects, as a piped proxy
// command of Import-PSSession does.
func (s *Session) InvokeWithInput(ctx context.Context, input []any, cmds ...psrp.Command) (*Result, error) {
	return s.invoke(ctx, input, nil, cmds)
}

// InvokeStream runs a pipeline and hands each output object to each as it
// arrives, keeping none: Result.Output stays empty.
func (s *Session) InvokeStream(ctx context.Context, each func(any), cmds ...psrp.Command) (*Result, error) {
	return s.invoke(ctx, nil, each, cmds)
}

// CommandMetadata asks GET_COMMAND_METADATA, as Import-PSSession does
// against a 2.2 or later server; Output holds the count object, then one
// object per command.
func (s *Session) CommandMetadata(ctx context.Context, q psrp.MetadataQuery) (*Result, error) {
	list := func(v []string) any {
		if v == nil {
			return nil
		}
		items := make([]any, len(v))
		for i, x := range v {
			items[i] = x
		}
		return &clixml.Object{TypeNames: []string{"System.String[]", "System.Array", "System.Object"}, ListKind: "LST", List: items}
	}
	obj := &clixml.Object{Members: []clixml.Property{
		{Name: "Name", Value: list(q.Names)},
		{Name: "CommandType", Value: &clixml.Object{TypeNames: []string{"System.Management.Automation.CommandTypes", "System.Enum", "System.ValueType", "System.Object"}, ToString: fmt.Sprint(q.CommandType), HasToString: true, Value: q.CommandType}},
		{Name: "Namespace", Value: list(q.Modules)},
		{Name: "ArgumentList"},
	}}
	return s.run(ctx, psrp.GetCommandMetadata, obj, nil, nil)
}

func (s *Session) invoke(ctx context.Context, input []any, each func(any), cmds []psrp.Command) (*Result, error) {
	req := &psrp.PipelineRequest{Statements: [][]psrp.Command{cmds}, NoInput: input == nil}
	return s.run(ctx, psrp.CreatePipeline, req, input, each)
}

// run sends a command's first message (CREATE_PIPELINE or
// GET_COMMAND_METADATA) and its input, and reads its output to the end.
// msg is a *clixml.Object or a *psrp.PipelineRequest, which writes its
// own CLIXML.
func (s *Session) run(ctx context.Context, t psrp.MessageType, msg any, input []any, each func(any)) (*Result, error) {
	pid := wsman.NewID() // unique, not secret: no system call
	cmdID := string(wsman.AppendUpperUUID(nil, pid))
	frag, err := s.fragments(t, pid, msg)
	if err != nil {
		return nil, err
	}
	if data, err := s.callBody(ctx, wsman.ActionCommand, true, "", base64.StdEncoding.EncodedLen(len(frag))+128, func(b []byte) []byte {
		b = append(b, `<rsp:CommandLine CommandId="`...)
		b = append(b, cmdID...)
		b = append(b, `"><rsp:Command/><rsp:Arguments>`...)
		b = base64.StdEncoding.AppendEncode(b, frag)
		return append(b, `</rsp:Arguments></rsp:CommandLine>`...)
	}); err != nil {
		return nil, err
	} else {
		putBody(data)
	}
	if input != nil {
		var data []byte
		for _, in := range input {
			b, err := s.fragments(psrp.PipelineInput, pid, in)
			if err != nil {
				return nil, err
			}
			data = append(data, b...)
		}
		end, err := s.fragments(psrp.EndOfPipelineInput, pid, nil)
		if err != nil {
			return nil, err
		}
		data = append(data, end...)
		if _, err := s.call(ctx, wsman.ActionSend, true, "",
			fmt.Sprintf(`<rsp:Send><rsp:Stream Name="stdin" CommandId="%s">%s</rsp:Stream></rsp:Send>`, cmdID, base64.StdEncoding.EncodeToString(data))); err != nil {
			return nil, err
		}
	}
	res := &Result{}
	for done := false; !done; {
		msgs, d, err := s.receive(ctx, cmdID)
		if err != nil {
			return nil, err
		}
		done = d
		for _, m := range msgs {
			switch m.Type {
			case psrp.PipelineOutput:
				v, err := clixml.Unmarshal(m.Data)
				if err != nil {
					return nil, err
				}
				if each != nil {
					each(v)
				} else {
					res.Output = append(res.Output, v)
				}
			case psrp.ErrorRecordMsg:
				o, err := unmarshalObj(m.Data)
				if err != nil {
					return nil, err
				}
				res.Errors = append(res.Errors, psrp.ErrorRecordFrom(o))
			case psrp.WarningRecord:
				o, err := unmarshalObj(m.Data)
				if err != nil {
					return nil, err
				}
				res.Warnings = append(res.Warnings, o.String("InformationalRecord_Message"))
			case psrp.PipelineState:
				o, err := unmarshalObj(m.Data)
				if err != nil {
					return nil, err
				}
				if st, _ := o.Get("PipelineState"); st == int32(5) || st == int32(3) {
					if rec, ok := o.Get("ExceptionAsErrorRecord"); ok {
						if ro, ok := rec.(*clixml.Object); ok {
							res.Failed = psrp.ErrorRecordFrom(ro)
						}
					}
				}
			}
		}
	}
	data, err := s.call(ctx, wsman.ActionSignal, true, "",
		`<rsp:Signal CommandId="`+cmdID+`"><rsp:Code>`+wsman.SignalTerminate+`</rsp:Code></rsp:Signal>`)
	putBody(data)
	return res, err
}

// ExchangeKey runs the session key exchange, after which SecureString
// parameters can be sent.
func (s *Session) ExchangeKey(ctx context.Context) error {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	frag, err := s.fragments(psrp.PublicKey, uuid.Nil, &clixml.Object{Members: []clixml.Property{
		{Name: "PublicKey", Value: base64.StdEncoding.EncodeToString(psrp.PublicKeyBlob(&priv.PublicKey))}}})
	if err != nil {
		return err
	}
	if _, err := s.call(ctx, wsman.ActionSend, true, "",
		`<rsp:Send><rsp:Stream Name="stdin">`+base64.StdEncoding.EncodeToString(frag)+`</rsp:Stream></rsp:Send>`); err != nil {
		return err
	}
	for {
		msgs, _, err := s.receive(ctx, "")
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Type != psrp.EncryptedSessionKey {
				continue
			}
			o, err := unmarshalObj(m.Data)
			if err != nil {
				return err
			}
			blob, err := base64.StdEncoding.DecodeString(o.String("EncryptedSessionKey"))
			if err != nil {
				return err
			}
			key, err := psrp.OpenSessionKey(priv, blob)
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.key = key
			s.mu.Unlock()
			return nil
		}
	}
}

// SecureString encrypts a value for a SecureString parameter; the key
// must have been exchanged.
func (s *Session) SecureString(v string) (clixml.SecureString, error) {
	s.mu.Lock()
	key := s.key
	s.mu.Unlock()
	if key == nil {
		return nil, errors.New("client: no session key; call ExchangeKey first")
	}
	b, err := psrp.EncryptSecureString(key, v)
	return clixml.SecureString(b), err
}

// ShellID is the shell's id, as the Create chose it.
func (s *Session) ShellID() string { return s.shellID }

// Close deletes the shell.
func (s *Session) Close(ctx context.Context) error {
	_, err := s.call(ctx, wsman.ActionDelete, true, "", "")
	return err
}

// parseReceiveResponse reads a ReceiveResponse's streams (base64) and its
// CommandState, by local names within the shell namespace's elements.
func parseReceiveResponse(data []byte) (streams [][]byte, state string, err error) {
	d := xmlscan.Get(data)
	defer d.Release()
	var inStream bool
	var text []byte // a stream's base64, reused
	for {
		kind, err := d.Next()
		if err == io.EOF {
			return streams, state, nil
		}
		if err != nil {
			return nil, "", err
		}
		switch kind {
		case xmlscan.StartElement:
			switch d.Name().Local {
			case "Stream":
				inStream, text = true, text[:0]
			case "CommandState":
				if v, ok := d.Attr("State"); ok {
					state = v
				}
			}
		case xmlscan.CharData:
			if inStream {
				text = append(text, d.Text()...)
			}
		case xmlscan.EndElement:
			if d.Name().Local == "Stream" && inStream {
				raw, err := base64.StdEncoding.AppendDecode(nil, bytes.TrimSpace(text))
				if err != nil {
					return nil, "", fmt.Errorf("stream: %w", err)
				}
				streams = append(streams, raw)
				inStream = false
			}
		case xmlscan.Directive:
			return nil, "", errors.New("a DTD in the answer")
		}
	}
}

// soapType is every request's Content-Type, shared: the transport never
// changes a header's values.
var soapType = []string{"application/soap+xml;charset=UTF-8"}

// getBody returns an empty recycled buffer, or nil.
func getBody() []byte {
	if bp, ok := bodies.Get().(*[]byte); ok {
		return (*bp)[:0]
	}
	return nil
}

// bodies recycles the buffers answers are read into, once what they said
// is decoded (putBody).
// A buffer is put in with a new holder and taken out without putting the
// holder back: an empty holder in the pool would be taken for a buffer.
var bodies sync.Pool

// readBody reads an answer of declared length n (-1 when unknown), at
// most limit bytes, into a recycled buffer when its length is known.
func readBody(r io.Reader, n int64, limit int) ([]byte, error) {
	if n < 0 || n > int64(limit) {
		return wsman.ReadBody(r, n, limit)
	}
	buf := slices.Grow(getBody(), int(n))[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// putBody gives a buffer readBody returned back for reuse; nothing may
// use it after.
func putBody(b []byte) {
	if b == nil || cap(b) > 256<<10 {
		return
	}
	b = b[:0]
	bodies.Put(&b)
}
