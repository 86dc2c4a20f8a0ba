package wsman

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/easlab/easlab/internal/xmlscan"
)

// scanEnvelope reads a request envelope into raw with xmlscan, resolving
// namespace prefixes itself: the same fields xml.Unmarshal reads into a
// rawEnvelope (TestScanMatchesUnmarshal and FuzzScanMatchesUnmarshal hold
// it to that) at a fraction of the cost; encoding/xml's tokenizer and
// reflection were most of a Remote PowerShell request's time.
func scanEnvelope(data []byte, raw *rawEnvelope) error {
	d := xmlscan.Get(data)
	defer d.Release()
	type frame struct {
		space, local string
		field        *string // the field its text fills, or nil
	}
	// decl is a namespace declaration in scope: the element at depth
	// (its index in stack) bound prefix to uri.
	type decl struct {
		prefix, uri string
		depth       int
	}
	stack := make([]frame, 0, 16)
	decls := make([]decl, 0, 16)
	// The open element's text: one run (the common case) becomes its
	// string at once; more are gathered in more.
	var text string
	var more []byte
	runs := 0
	lookup := func(prefix string) string {
		// The innermost declaration, and of two on one element the
		// last, is the one in force.
		for i := len(decls) - 1; i >= 0; i-- {
			if decls[i].prefix == prefix {
				return decls[i].uri
			}
		}
		if prefix == "xml" {
			return "http://www.w3.org/XML/1998/namespace"
		}
		return ""
	}
	under := func(i int, space, local string) bool {
		return len(stack) > i && stack[i].space == space && stack[i].local == local
	}
	for {
		kind, err := d.Next()
		if err == io.EOF {
			if raw.XMLName.Local == "" {
				return fmt.Errorf("%w: no soap Envelope", ErrInvalidXML)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidXML, err)
		}
		switch kind {
		case xmlscan.StartElement:
			name, attrs := d.Name(), d.Attrs()
			f := frame{local: name.Local}
			for _, a := range attrs {
				switch {
				case a.Name.Space == "xmlns":
					decls = append(decls, decl{a.Name.Local, a.Value, len(stack)})
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					decls = append(decls, decl{"", a.Value, len(stack)})
				}
			}
			stack = append(stack, f)
			top := &stack[len(stack)-1]
			top.space = lookup(name.Space)
			attr := func(space, local string) string {
				for _, a := range attrs {
					if a.Name.Local != local || a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
						continue
					}
					as := ""
					if a.Name.Space != "" {
						as = lookup(a.Name.Space)
					}
					if as == space {
						return a.Value
					}
				}
				return ""
			}
			n, sp, lo := len(stack), top.space, top.local
			h, b := &raw.Header, &raw.Body
			switch {
			case n == 1:
				if sp != NsSOAP || lo != "Envelope" {
					return fmt.Errorf("%w: expected element type <Envelope> but have <%s>", ErrInvalidXML, lo)
				}
				raw.XMLName = xml.Name{Space: sp, Local: lo}
			case n == 3 && under(1, NsSOAP, "Header"):
				switch {
				case sp == NsAddressing && lo == "Action":
					top.field = &h.Action
				case sp == NsAddressing && lo == "MessageID":
					top.field = &h.MessageID
				case sp == NsAddressing && lo == "To":
					top.field = &h.To
				case sp == NsWSMan && lo == "ResourceURI":
					top.field = &h.ResourceURI
				case sp == NsWSMan && lo == "MaxEnvelopeSize":
					top.field = &h.MaxEnvelopeSize
				case sp == NsWSMan && lo == "OperationTimeout":
					top.field = &h.OperationTimeout
				case sp == NsWSMan && lo == "Locale":
					h.Locale.Lang = attr("http://www.w3.org/XML/1998/namespace", "lang")
				case sp == NsWSMV && lo == "DataLocale":
					h.DataLocale.Lang = attr("http://www.w3.org/XML/1998/namespace", "lang")
				case sp == NsWSMV && lo == "SessionId":
					top.field = &h.SessionID
				}
			case n == 4 && under(1, NsSOAP, "Header") && under(2, NsWSMan, "SelectorSet") && sp == NsWSMan && lo == "Selector":
				h.Selectors = append(h.Selectors, struct {
					Name  string `xml:"Name,attr"`
					Value string `xml:",chardata"`
				}{Name: attr("", "Name")})
				top.field = &h.Selectors[len(h.Selectors)-1].Value
			case n == 4 && under(1, NsSOAP, "Header") && under(2, NsWSMan, "OptionSet") && sp == NsWSMan && lo == "Option":
				h.Options = append(h.Options, struct {
					Name  string `xml:"Name,attr"`
					Value string `xml:",chardata"`
				}{Name: attr("", "Name")})
				top.field = &h.Options[len(h.Options)-1].Value
			case n == 3 && under(1, NsSOAP, "Body"):
				switch {
				case sp == NsShell && lo == "Shell":
					if b.Shell == nil {
						b.Shell = &ShellBody{}
					}
					b.Shell.ShellID, b.Shell.Name = attr("", "ShellId"), attr("", "Name")
				case sp == NsShell && lo == "CommandLine":
					if b.Command == nil {
						b.Command = &CommandBody{}
					}
					b.Command.CommandID = attr("", "CommandId")
				case sp == NsShell && lo == "Send":
					if b.Send == nil {
						b.Send = &SendBody{}
					}
				case sp == NsShell && lo == "Receive":
					if b.Receive == nil {
						b.Receive = &ReceiveBody{}
					}
				case sp == NsShell && lo == "Signal":
					if b.Signal == nil {
						b.Signal = &SignalBody{}
					}
					b.Signal.CommandID = attr("", "CommandId")
				case sp == NsIdentity && lo == "Identify":
					b.Identify = &struct{}{}
				}
			case n == 4 && under(1, NsSOAP, "Body"):
				switch {
				case under(2, NsShell, "Shell") && b.Shell != nil:
					switch {
					case lo == "InputStreams":
						top.field = &b.Shell.InputStreams
					case lo == "OutputStreams":
						top.field = &b.Shell.OutputStreams
					case sp == NsPowerShell && lo == "creationXml":
						top.field = &b.Shell.CreationXML
					}
				case under(2, NsShell, "CommandLine") && b.Command != nil:
					switch lo {
					case "Command":
						top.field = &b.Command.Command
					case "Arguments":
						b.Command.Arguments = append(b.Command.Arguments, "")
						top.field = &b.Command.Arguments[len(b.Command.Arguments)-1]
					}
				case under(2, NsShell, "Send") && b.Send != nil && lo == "Stream":
					end := strings.TrimSpace(attr("", "End"))
					b.Send.Streams = append(b.Send.Streams, Stream{Name: attr("", "Name"), CommandID: attr("", "CommandId"), End: end == "true" || end == "1"})
					top.field = &b.Send.Streams[len(b.Send.Streams)-1].Data
				case under(2, NsShell, "Receive") && b.Receive != nil && lo == "DesiredStream":
					b.Receive.DesiredStream.CommandID = attr("", "CommandId")
					top.field = &b.Receive.DesiredStream.Names
				case under(2, NsShell, "Signal") && b.Signal != nil && lo == "Code":
					top.field = &b.Signal.Code
				}
			}
			text, more, runs = "", more[:0], 0
		case xmlscan.EndElement:
			top := stack[len(stack)-1]
			if top.field != nil {
				if runs > 1 {
					text = string(more)
				}
				*top.field = text
			}
			text, more, runs = "", more[:0], 0
			stack = stack[:len(stack)-1]
			for len(decls) > 0 && decls[len(decls)-1].depth == len(stack) {
				decls = decls[:len(decls)-1]
			}
		case xmlscan.CharData:
			t := d.Text()
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return fmt.Errorf("%w: text outside the envelope", ErrInvalidXML)
				}
				continue
			}
			if stack[len(stack)-1].field != nil {
				switch runs++; runs {
				case 1:
					text = xmlscan.Intern(t)
				case 2:
					more = append(append(more, text...), t...)
				default:
					more = append(more, t...)
				}
			}
		case xmlscan.Directive:
			return fmt.Errorf("%w: a DTD or directive is not allowed", ErrInvalidXML)
		}
	}
}
