package psrp

import (
	"bytes"
	"io"

	"github.com/easlab/easlab/internal/xmlscan"
	"github.com/easlab/easlab/powershell/clixml"
)

// The fast path of ParsePipeline: CREATE_PIPELINE read straight from the
// tokens in the shape PowerShell, pypsrp and easlab's client write it
// (MS-PSRP 2.2.2.10, 2.2.3.11, 2.2.3.12), with no clixml.Object tree.
//
// It accepts only that shape, and only documents the generic decoder
// accepts too: any departure (an element, member or value type it does
// not expect, a repeated member, a <Ref>, a <Props>, an argument whose
// value is an object, RefIds not numbered 0, 1, 2... in document order,
// text split by a comment, a limit reached) makes it give up, and
// ParsePipeline decodes the document generically, which then gives its
// result or its error. So the two paths agree on every input:
// TestPipelineFastMatchesGeneric and FuzzParsePipeline hold them to it.
//
// What it checks as the generic decoder does: well-formedness (the
// tokenizer, read to the end of input), whitespace, comments and
// processing instructions between elements, the count of values
// (clixml.Limits.MaxObjects), object depth (MaxDepth), text length
// (MaxStringBytes), input size (MaxBytes), <TN>/<TNRef> resolution, and
// an <Obj>'s parts each at most once.

// objKind is which object of CREATE_PIPELINE the fast path is reading.
type objKind uint8

const (
	kRoot       objKind = iota
	kHostInfo           // HostInfo without a host (MS-PSRP 2.2.3.14)
	kPowerShell         // PowerShell
	kStatements         // ExtraCmds: a list of statements
	kStatement          // one of ExtraCmds' items
	kCommands           // Cmds: a list of commands
	kCommand            // one command (2.2.3.12)
	kArgs               // Args: a list of arguments
	kArg                // one argument: N and V
	kEnum               // an enum: type names, ToString, <I32>
)

// fastPipeline is the fast path's state.
type fastPipeline struct {
	x     *xmlscan.Decoder
	l     clixml.Limits
	count int // values read, counted as the generic decoder counts them
	objs  int // the next <Obj> RefId
	tns   int // the next <TN> RefId

	req    PipelineRequest
	psCmds []Command   // PowerShell's Cmds
	extra  [][]Command // ExtraCmds' statements
	cmds   []Command   // the Cmds list last read
	cmd    Command     // the command being read
	arg    Argument    // the argument being read
	enum   int32       // the last enum's value
}

// parsePipelineFast is ParsePipeline's fast path: ok is false when the
// document is not in the shape it reads, and the generic path must decide.
func parsePipelineFast(data []byte) (*PipelineRequest, bool) {
	l := clixml.DefaultLimits
	if len(data) > l.MaxBytes || l.MaxObjects <= 0 || l.MaxDepth <= 0 || l.MaxStringBytes <= 0 {
		return nil, false // the generic decoder reports the size; odd limits are its to apply
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := fastPipeline{x: xmlscan.Get(data), l: l}
	defer p.x.Release()
	if k, ok := p.next(); !ok || k != xmlscan.StartElement || p.x.Name().Local != "Obj" {
		return nil, false
	}
	if !p.obj(1, kRoot) {
		return nil, false
	}
	for { // after the element: only what the generic decoder skips
		k, err := p.x.Next()
		if err == io.EOF {
			break
		}
		if err != nil || !p.skippable(k) {
			return nil, false
		}
	}
	switch {
	case len(p.extra) > 0:
		p.req.Statements = p.extra
	case p.psCmds != nil:
		p.req.Statements = [][]Command{p.psCmds}
	default:
		return nil, false
	}
	req := p.req
	return &req, true
}

// skippable reports whether the generic decoder passes over a token of
// kind k between elements: a comment, a processing instruction or
// whitespace.
func (p *fastPipeline) skippable(k xmlscan.Kind) bool {
	switch k {
	case xmlscan.Comment, xmlscan.ProcInst:
		return true
	case xmlscan.CharData:
		return len(bytes.TrimLeft(p.x.Text(), " \t\r\n")) == 0
	}
	return false
}

// next returns the next start or end tag, past what skippable allows;
// false for anything else. A prefixed element name is not CREATE_PIPELINE's.
func (p *fastPipeline) next() (xmlscan.Kind, bool) {
	for {
		k, err := p.x.Next()
		if err != nil {
			return 0, false
		}
		switch {
		case k == xmlscan.StartElement || k == xmlscan.EndElement:
			return k, p.x.Name().Space == ""
		case !p.skippable(k):
			return 0, false
		}
	}
}

// child returns the name of the next child element of the open element,
// or "" at its end tag.
func (p *fastPipeline) child() (string, bool) {
	k, ok := p.next()
	if !ok {
		return "", false
	}
	if k == xmlscan.EndElement {
		return "", true
	}
	return p.x.Name().Local, true
}

// counted counts a value as the generic decoder does, false past
// MaxObjects.
func (p *fastPipeline) counted() bool {
	p.count++
	return p.count <= p.l.MaxObjects
}

// textRun reads the start of an element's text: its one run of
// character data (more, or a comment between, is left to the generic
// decoder), valid until textEnd reads the end tag; or end is true, and
// t nil, for an element without text.
func (p *fastPipeline) textRun() (t []byte, end, ok bool) {
	k, err := p.x.Next()
	if err != nil {
		return nil, false, false
	}
	if k == xmlscan.EndElement {
		return nil, true, true
	}
	if k != xmlscan.CharData || len(p.x.Text()) > p.l.MaxStringBytes {
		return nil, false, false
	}
	return p.x.Text(), false, true
}

// textEnd reads the end tag after textRun's run.
func (p *fastPipeline) textEnd(end bool) bool {
	if end {
		return true
	}
	k, err := p.x.Next()
	return err == nil && k == xmlscan.EndElement
}

// skipText reads an element's text, which the fast path does not keep
// (a type name, a ToString).
func (p *fastPipeline) skipText() bool {
	_, end, ok := p.textRun()
	return ok && p.textEnd(end)
}

// empty reads an empty element's end tag.
func (p *fastPipeline) empty() bool {
	k, ok := p.next()
	return ok && k == xmlscan.EndElement
}

// primitive reads the value element tag, just started: <Nil> or a
// primitive. ok is false for anything else (an object above all).
func (p *fastPipeline) primitive(tag string) (any, bool) {
	switch tag {
	case "Nil":
		return nil, p.counted() && p.empty()
	case "S":
		return p.str(tag)
	case "B":
		return p.boolean(tag)
	}
	if !p.counted() {
		return nil, false
	}
	t, end, ok := p.textRun()
	if !ok {
		return nil, false
	}
	v, ok, err := clixml.DecodePrimitive(tag, xmlscan.Intern(t))
	return v, ok && err == nil && p.textEnd(end)
}

// str reads the value element tag, just started, which must be <S>.
func (p *fastPipeline) str(tag string) (string, bool) {
	if tag != "S" || !p.counted() {
		return "", false
	}
	t, end, ok := p.textRun()
	if !ok {
		return "", false
	}
	s := clixml.DecodeString(xmlscan.Intern(t))
	return s, p.textEnd(end)
}

// boolean reads the value element tag, just started, which must be <B>:
// its text as the generic decoder reads it.
func (p *fastPipeline) boolean(tag string) (bool, bool) {
	if tag != "B" || !p.counted() {
		return false, false
	}
	t, end, ok := p.textRun()
	if !ok {
		return false, false
	}
	var b bool
	switch string(bytes.Trim(t, " \t\r\n")) {
	case "true", "1":
		b = true
	case "false", "0":
	default:
		return false, false
	}
	return b, p.textEnd(end)
}

// refID checks the RefId of the element just started against the next
// one of its table (*next), which it then advances: numbered in document
// order, no RefId can repeat.
func (p *fastPipeline) refID(next *int) bool {
	id, ok := p.x.Attr("RefId")
	if !ok {
		return true
	}
	if clixml.RefNumber(id) != *next {
		return false
	}
	*next++
	return true
}

// obj reads the <Obj>, just started, of kind k at depth (1 for the
// top-level object).
func (p *fastPipeline) obj(depth int, k objKind) bool {
	if !p.counted() || depth > p.l.MaxDepth || !p.refID(&p.objs) {
		return false
	}
	var seen struct{ tn, toString, value, ms bool }
	once := func(b *bool) bool {
		if *b {
			return false
		}
		*b = true
		return true
	}
	if k == kEnum {
		p.enum = 0
	}
	for {
		tag, ok := p.child()
		if !ok {
			return false
		}
		switch tag {
		case "":
			return p.objEnd(k, seen.value)
		case "TN":
			if !once(&seen.tn) || !p.typeNames() {
				return false
			}
		case "TNRef":
			if !once(&seen.tn) {
				return false
			}
			id, ok := p.x.Attr("RefId")
			if n := clixml.RefNumber(id); !ok || n < 0 || n >= p.tns || !p.empty() {
				return false
			}
		case "ToString":
			if !once(&seen.toString) {
				return false
			}
			if !p.skipText() {
				return false
			}
		case "MS":
			if !once(&seen.ms) || !p.members(depth, k) {
				return false
			}
		case "LST":
			if !once(&seen.value) || !p.items(depth, k) {
				return false
			}
		case "I32":
			if k != kEnum || !once(&seen.value) {
				return false
			}
			v, ok := p.primitive(tag)
			n, isInt := v.(int32)
			if !ok || !isInt {
				return false
			}
			p.enum = n
		default:
			return false
		}
	}
}

// typeNames reads a <TN>, just started.
func (p *fastPipeline) typeNames() bool {
	if !p.refID(&p.tns) {
		return false
	}
	for {
		tag, ok := p.child()
		switch {
		case !ok:
			return false
		case tag == "":
			return true
		case tag != "T" || !p.counted():
			return false
		}
		if !p.skipText() {
			return false
		}
	}
}

// objEnd finishes an object of kind k at its end tag; list says it had
// its <LST>.
func (p *fastPipeline) objEnd(k objKind, list bool) bool {
	switch k {
	case kStatement:
		// A statement without Cmds is the generic path's error.
		if p.cmds == nil {
			return false
		}
		p.extra = append(p.extra, p.cmds)
		p.cmds = nil
	case kCommands:
		return list && len(p.cmds) > 0
	case kCommand:
		p.cmds = append(p.cmds, p.cmd)
	case kArg:
		p.cmd.Args = append(p.cmd.Args, p.arg)
	}
	return true
}

// items reads the <LST> of an object of kind k, at depth.
func (p *fastPipeline) items(depth int, k objKind) bool {
	var item objKind
	switch k {
	case kStatements:
		item = kStatement
	case kCommands:
		item = kCommand
		p.cmds = nil
	case kArgs:
		item = kArg
	default:
		return false
	}
	for {
		tag, ok := p.child()
		switch {
		case !ok:
			return false
		case tag == "":
			return true
		case tag != "Obj":
			return false
		}
		switch item {
		case kStatement:
			p.cmds = nil
		case kCommand:
			p.cmd = Command{}
		case kArg:
			p.arg = Argument{}
		}
		if !p.obj(depth+1, item) {
			return false
		}
	}
}

// memberBit is the bit of the member name of an object of kind k in
// members' record of those seen, 0 for a member the fast path does not
// read.
func memberBit(k objKind, name string) uint16 {
	var names []string
	switch k {
	case kRoot:
		names = rootMembers
	case kHostInfo:
		names = hostInfoMembers
	case kPowerShell:
		names = powerShellMembers
	case kStatement:
		names = statementMembers
	case kCommand:
		names = commandMembers
	case kArg:
		names = argMembers
	}
	for i, n := range names {
		if n == name {
			return 1 << i
		}
	}
	return 0
}

// The members of each object the fast path reads, at most 16 each.
var (
	rootMembers       = []string{"NoInput", "IsNested", "AddToHistory", "ApartmentState", "RemoteStreamOptions", "HostInfo", "PowerShell"}
	hostInfoMembers   = []string{"_isHostNull", "_isHostUINull", "_isHostRawUINull", "_useRunspaceHost"}
	powerShellMembers = []string{"IsNested", "ExtraCmds", "Cmds", "History", "RedirectShellErrorOutputPipe"}
	statementMembers  = []string{"Cmds"}
	commandMembers    = []string{"Cmd", "IsScript", "UseLocalScope", "MergeMyResult", "MergeToResult", "MergePreviousResults",
		"MergeError", "MergeWarning", "MergeVerbose", "MergeDebug", "MergeInformation", "Args"}
	argMembers = []string{"N", "V"}
)

// members reads the <MS> of an object of kind k, at depth. The generic
// path finds a member by name without regard to case and takes the first
// of a name: the fast path knows each member by its one spelling, once.
func (p *fastPipeline) members(depth int, k objKind) bool {
	var seen uint16
	for {
		tag, ok := p.child()
		switch {
		case !ok:
			return false
		case tag == "":
			return true
		}
		name, _ := p.x.Attr("N")
		bit := memberBit(k, name)
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		if !p.member(depth, k, name, tag) {
			return false
		}
	}
}

// member reads the member name, whose element tag has just started, of
// an object of kind k at depth.
func (p *fastPipeline) member(depth int, k objKind, name, tag string) bool {
	var ok bool
	switch k {
	case kRoot:
		switch name {
		case "NoInput":
			p.req.NoInput, ok = p.boolean(tag)
		case "IsNested":
			p.req.IsNested, ok = p.boolean(tag)
		case "AddToHistory":
			_, ok = p.boolean(tag)
		case "ApartmentState", "RemoteStreamOptions":
			ok = tag == "Obj" && p.obj(depth+1, kEnum)
		case "HostInfo":
			ok = tag == "Obj" && p.obj(depth+1, kHostInfo)
		case "PowerShell":
			ok = tag == "Obj" && p.obj(depth+1, kPowerShell)
		}
	case kHostInfo:
		_, ok = p.boolean(tag)
	case kPowerShell:
		switch name {
		case "IsNested", "RedirectShellErrorOutputPipe":
			_, ok = p.boolean(tag)
		case "History":
			_, ok = p.primitive(tag)
		case "ExtraCmds":
			if tag == "Obj" {
				ok = p.obj(depth+1, kStatements)
			} else {
				ok = tag == "Nil" && p.counted() && p.empty()
			}
		case "Cmds":
			ok = tag == "Obj" && p.obj(depth+1, kCommands)
			p.psCmds, p.cmds = p.cmds, nil
		}
	case kStatement:
		ok = tag == "Obj" && p.obj(depth+1, kCommands)
	case kCommand:
		switch name {
		case "Cmd":
			p.cmd.Name, ok = p.str(tag)
		case "IsScript":
			p.cmd.IsScript, ok = p.boolean(tag)
		case "UseLocalScope":
			_, ok = p.primitive(tag)
		case "Args":
			if tag == "Obj" {
				ok = p.obj(depth+1, kArgs)
			} else {
				ok = tag == "Nil" && p.counted() && p.empty()
			}
		default: // MergeMyResult and the other streams' merges
			if tag == "Nil" {
				ok = p.counted() && p.empty()
				break
			}
			ok = tag == "Obj" && p.obj(depth+1, kEnum)
			if name == "MergeMyResult" {
				p.cmd.MergeErrorToOutput = p.enum == 2 // PipelineResultTypes.Error
			}
		}
	case kArg:
		if name == "N" {
			if tag == "Nil" {
				ok = p.counted() && p.empty()
			} else {
				p.arg.Name, ok = p.str(tag)
			}
		} else {
			p.arg.Value, ok = p.primitive(tag)
		}
	}
	return ok
}
