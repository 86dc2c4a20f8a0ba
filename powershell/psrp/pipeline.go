package psrp

import (
	"fmt"
	"strconv"

	"github.com/easlab/easlab/powershell/clixml"
)

// PipelineRequest is a CREATE_PIPELINE message read (MS-PSRP 2.2.2.10):
// one or more statements, each a pipeline of commands.
type PipelineRequest struct {
	Statements [][]Command
	NoInput    bool
	IsNested   bool
}

// Command is one command of a pipeline (MS-PSRP 2.2.3.12).
type Command struct {
	Name     string // a command name, or a script's text when IsScript
	IsScript bool
	Args     []Argument
	// MergeErrorToOutput is set when the client asked for the error
	// stream merged into output (2>&1).
	MergeErrorToOutput bool
}

// Argument is a command's parameter or positional argument. Name is ""
// for a positional one. A switch given without a value has Value nil.
type Argument struct {
	Name  string
	Value any
}

// ParsePipeline reads CREATE_PIPELINE's CLIXML. A document in the shape
// PowerShell and easlab's client write is read straight from its tokens
// (pipeline_fast.go); any other goes through clixml.Unmarshal, with the
// same result for what both read.
func ParsePipeline(data []byte) (*PipelineRequest, error) {
	if p, ok := parsePipelineFast(data); ok {
		return p, nil
	}
	return parsePipelineGeneric(data)
}

// parsePipelineGeneric reads CREATE_PIPELINE through clixml's decoder.
func parsePipelineGeneric(data []byte) (*PipelineRequest, error) {
	v, err := clixml.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("psrp: CREATE_PIPELINE: %w", err)
	}
	root, ok := v.(*clixml.Object)
	if !ok {
		return nil, fmt.Errorf("psrp: CREATE_PIPELINE is not an object")
	}
	p := &PipelineRequest{}
	p.NoInput, _ = getBool(root, "NoInput")
	p.IsNested, _ = getBool(root, "IsNested")
	psv, _ := root.Get("PowerShell")
	ps, ok := psv.(*clixml.Object)
	if !ok {
		return nil, fmt.Errorf("psrp: CREATE_PIPELINE has no PowerShell object")
	}
	if extra, ok := ps.Get("ExtraCmds"); ok {
		if lst, ok := extra.(*clixml.Object); ok && lst.List != nil {
			for _, st := range lst.List {
				so, ok := st.(*clixml.Object)
				if !ok {
					return nil, fmt.Errorf("psrp: CREATE_PIPELINE: a statement is not an object")
				}
				cmds, err := parseCmds(so)
				if err != nil {
					return nil, err
				}
				p.Statements = append(p.Statements, cmds)
			}
		}
	}
	if len(p.Statements) == 0 {
		cmds, err := parseCmds(ps)
		if err != nil {
			return nil, err
		}
		p.Statements = [][]Command{cmds}
	}
	return p, nil
}

func parseCmds(o *clixml.Object) ([]Command, error) {
	v, _ := o.Get("Cmds")
	lst, ok := v.(*clixml.Object)
	if !ok {
		return nil, fmt.Errorf("psrp: CREATE_PIPELINE: Cmds is not a list")
	}
	var out []Command
	for _, item := range lst.List {
		co, ok := item.(*clixml.Object)
		if !ok {
			return nil, fmt.Errorf("psrp: CREATE_PIPELINE: a command is not an object")
		}
		c := Command{Name: co.String("Cmd")}
		c.IsScript, _ = getBool(co, "IsScript")
		if m, ok := co.Get("MergeMyResult"); ok {
			if mo, ok := m.(*clixml.Object); ok {
				if n, ok := mo.Value.(int32); ok && n == 2 { // PipelineResultTypes.Error
					c.MergeErrorToOutput = true
				}
			}
		}
		if av, ok := co.Get("Args"); ok {
			if al, ok := av.(*clixml.Object); ok {
				for _, a := range al.List {
					ao, ok := a.(*clixml.Object)
					if !ok {
						return nil, fmt.Errorf("psrp: CREATE_PIPELINE: an argument is not an object")
					}
					name, _ := ao.Get("N")
					val, _ := ao.Get("V")
					ns, _ := name.(string)
					c.Args = append(c.Args, Argument{Name: ns, Value: val})
				}
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("psrp: CREATE_PIPELINE: a statement without commands")
	}
	return out, nil
}

func getBool(o *clixml.Object, name string) (bool, bool) {
	v, ok := o.Get(name)
	b, isBool := v.(bool)
	return b, ok && isBool
}

// The type names CREATE_PIPELINE's objects carry, shared: an Encoder
// only reads them.
var (
	resultTypeNames  = []string{"System.Management.Automation.Runspaces.PipelineResultTypes", "System.Enum", "System.ValueType", "System.Object"}
	psObjectListType = []string{"System.Collections.Generic.List`1[[System.Management.Automation.PSObject, System.Management.Automation, Version=1.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]", "System.Object"}
	apartmentTypes   = []string{"System.Management.Automation.Runspaces.ApartmentState", "System.Enum", "System.ValueType", "System.Object"}
	streamOptsTypes  = []string{"System.Management.Automation.Runspaces.RemoteStreamOptions", "System.Enum", "System.ValueType", "System.Object"}
)

// mergeResult is a PipelineResultTypes value as CREATE_PIPELINE carries it.
func mergeResult(v int32) *clixml.Object {
	name := "None"
	switch v {
	case 1:
		name = "Output"
	case 2:
		name = "Error"
	}
	return &clixml.Object{TypeNames: resultTypeNames, ToString: name, HasToString: true, Value: v}
}

// Object writes the request as CREATE_PIPELINE's CLIXML (what a client
// sends).
func (p *PipelineRequest) Object() *clixml.Object {
	cmds := func(list []Command) *clixml.Object {
		l := &clixml.Object{TypeNames: psObjectListType, ListKind: "LST", List: []any{}}
		for _, c := range list {
			args := &clixml.Object{TypeNames: l.TypeNames, ListKind: "LST", List: []any{}}
			for _, a := range c.Args {
				var n any
				if a.Name != "" {
					n = a.Name
				}
				args.List = append(args.List, &clixml.Object{Members: []clixml.Property{{Name: "N", Value: n}, {Name: "V", Value: a.Value}}})
			}
			merge, mergeTo := int32(0), int32(0)
			if c.MergeErrorToOutput {
				merge, mergeTo = 2, 1
			}
			l.List = append(l.List, &clixml.Object{Members: []clixml.Property{
				{Name: "Cmd", Value: c.Name}, {Name: "IsScript", Value: c.IsScript}, {Name: "UseLocalScope"},
				{Name: "MergeMyResult", Value: mergeResult(merge)}, {Name: "MergeToResult", Value: mergeResult(mergeTo)},
				{Name: "MergePreviousResults", Value: mergeResult(0)},
				{Name: "Args", Value: args},
			}})
		}
		return l
	}
	ps := &clixml.Object{Members: []clixml.Property{{Name: "IsNested", Value: p.IsNested}}}
	if len(p.Statements) == 1 {
		ps.Members = append(ps.Members, clixml.Property{Name: "Cmds", Value: cmds(p.Statements[0])})
	} else {
		extra := &clixml.Object{ListKind: "LST", List: []any{}}
		for _, st := range p.Statements {
			extra.List = append(extra.List, &clixml.Object{Members: []clixml.Property{{Name: "Cmds", Value: cmds(st)}}})
		}
		ps.Members = append(ps.Members, clixml.Property{Name: "Cmds", Value: cmds(p.Statements[0])}, clixml.Property{Name: "ExtraCmds", Value: extra})
	}
	ps.Members = append(ps.Members, clixml.Property{Name: "History"}, clixml.Property{Name: "RedirectShellErrorOutputPipe", Value: false})
	hostInfo := &clixml.Object{Members: []clixml.Property{{Name: "_isHostNull", Value: true}, {Name: "_isHostUINull", Value: true}, {Name: "_isHostRawUINull", Value: true}, {Name: "_useRunspaceHost", Value: true}}}
	return &clixml.Object{Members: []clixml.Property{
		{Name: "NoInput", Value: p.NoInput},
		{Name: "ApartmentState", Value: &clixml.Object{TypeNames: apartmentTypes, ToString: "UNKNOWN", HasToString: true, Value: int32(2)}},
		{Name: "RemoteStreamOptions", Value: &clixml.Object{TypeNames: streamOptsTypes, ToString: "0", HasToString: true, Value: int32(0)}},
		{Name: "AddToHistory", Value: false},
		{Name: "HostInfo", Value: hostInfo},
		{Name: "PowerShell", Value: ps},
		{Name: "IsNested", Value: p.IsNested},
	}}
}

// The fixed parts of CREATE_PIPELINE's CLIXML as Object and
// clixml.Marshal write them: AppendCLIXML writes these bytes around the
// commands.
const (
	pipeHead = `<Obj RefId="0"><MS>`
	// After NoInput: ApartmentState (<TN> 0), RemoteStreamOptions (<TN>
	// 1), AddToHistory, HostInfo; then the PowerShell object, RefId 4.
	pipeHost = `<Obj N="ApartmentState" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>UNKNOWN</ToString><I32>2</I32></Obj>` +
		`<Obj N="RemoteStreamOptions" RefId="2"><TN RefId="1"><T>System.Management.Automation.Runspaces.RemoteStreamOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>0</ToString><I32>0</I32></Obj>` +
		`<B N="AddToHistory">false</B>` +
		`<Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj>` +
		`<Obj N="PowerShell" RefId="4"><MS>`
	// The command list's type names: <TN> 2, first written in the first
	// Cmds.
	pipeListTN  = `<TN RefId="2"><T>System.Collections.Generic.List` + "`" + `1[[System.Management.Automation.PSObject, System.Management.Automation, Version=1.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]</T><T>System.Object</T></TN>`
	pipeListRef = `<TNRef RefId="2" />`
	// PipelineResultTypes' type names: <TN> 3, first written in the first
	// command's MergeMyResult.
	pipeResultTN  = `<TN RefId="3"><T>System.Management.Automation.Runspaces.PipelineResultTypes</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN>`
	pipeResultRef = `<TNRef RefId="3" />`
	pipeTail      = `<Nil N="History" /><B N="RedirectShellErrorOutputPipe">false</B></MS></Obj>`
)

// pipeWriter writes CREATE_PIPELINE's CLIXML, numbering objects as
// clixml's Encoder does.
type pipeWriter struct {
	b        []byte
	ref      int  // the next object's RefId
	listTN   bool // <TN> 2 is written
	resultTN bool // <TN> 3 is written
}

// obj opens an <Obj>, named unless name is "".
func (w *pipeWriter) obj(name string) {
	w.b = append(w.b, "<Obj"...)
	if name != "" {
		w.b = append(append(append(w.b, ` N="`...), name...), '"')
	}
	w.b = append(w.b, ` RefId="`...)
	w.b = strconv.AppendInt(w.b, int64(w.ref), 10)
	w.b = append(w.b, `">`...)
	w.ref++
}

// boolean writes <B N="name">.
func (w *pipeWriter) boolean(name string, v bool) {
	w.b = append(append(append(w.b, `<B N="`...), name...), `">`...)
	w.b = append(strconv.AppendBool(w.b, v), "</B>"...)
}

// result writes a PipelineResultTypes value, as mergeResult makes it.
func (w *pipeWriter) result(name string, v int32) {
	w.obj(name)
	if w.resultTN {
		w.b = append(w.b, pipeResultRef...)
	} else {
		w.b, w.resultTN = append(w.b, pipeResultTN...), true
	}
	w.b = append(w.b, "<ToString>"...)
	w.b = append(w.b, mergeResult(v).ToString...)
	w.b = append(w.b, "</ToString><I32>"...)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
	w.b = append(w.b, "</I32></Obj>"...)
}

// listStart opens a list of type psObjectListType.
func (w *pipeWriter) listStart(name string) {
	w.obj(name)
	if w.listTN {
		w.b = append(w.b, pipeListRef...)
	} else {
		w.b, w.listTN = append(w.b, pipeListTN...), true
	}
	w.b = append(w.b, "<LST>"...)
}

// cmds writes a statement's Cmds. ok is false when an argument's value is
// not one clixml.AppendElement writes (an object, a list, a map).
func (w *pipeWriter) cmds(list []Command) (ok bool, err error) {
	w.listStart("Cmds")
	for _, c := range list {
		w.obj("")
		w.b = append(w.b, "<MS>"...)
		if w.b, ok, err = clixml.AppendElement(w.b, "Cmd", true, c.Name); !ok || err != nil {
			return ok, err
		}
		w.boolean("IsScript", c.IsScript)
		w.b = append(w.b, `<Nil N="UseLocalScope" />`...)
		merge, mergeTo := int32(0), int32(0)
		if c.MergeErrorToOutput {
			merge, mergeTo = 2, 1
		}
		w.result("MergeMyResult", merge)
		w.result("MergeToResult", mergeTo)
		w.result("MergePreviousResults", 0)
		w.listStart("Args")
		for _, a := range c.Args {
			w.obj("")
			w.b = append(w.b, "<MS>"...)
			var n any
			if a.Name != "" {
				n = a.Name
			}
			if w.b, ok, err = clixml.AppendElement(w.b, "N", true, n); !ok || err != nil {
				return ok, err
			}
			if w.b, ok, err = clixml.AppendElement(w.b, "V", true, a.Value); !ok || err != nil {
				return ok, err
			}
			w.b = append(w.b, "</MS></Obj>"...)
		}
		w.b = append(w.b, "</LST></Obj></MS></Obj>"...)
	}
	w.b = append(w.b, "</LST></Obj>"...)
	return true, nil
}

// AppendCLIXML appends CREATE_PIPELINE's CLIXML to dst: the bytes
// clixml.AppendMarshal(dst, p.Object()) appends, written without building
// the object tree (a pipeline whose arguments include objects, lists or
// maps goes through the tree). MarshalFragments calls it for a
// *PipelineRequest.
func (p *PipelineRequest) AppendCLIXML(dst []byte) ([]byte, error) {
	if len(p.Statements) == 0 {
		return dst, fmt.Errorf("psrp: CREATE_PIPELINE without a statement")
	}
	w := pipeWriter{b: append(dst, pipeHead...), ref: 5}
	w.boolean("NoInput", p.NoInput)
	w.b = append(w.b, pipeHost...)
	w.boolean("IsNested", p.IsNested)
	ok, err := w.cmds(p.Statements[0])
	if ok && err == nil && len(p.Statements) > 1 {
		w.obj("ExtraCmds")
		w.b = append(w.b, "<LST>"...)
		for _, st := range p.Statements {
			w.obj("")
			w.b = append(w.b, "<MS>"...)
			if ok, err = w.cmds(st); !ok || err != nil {
				break
			}
			w.b = append(w.b, "</MS></Obj>"...)
		}
		w.b = append(w.b, "</LST></Obj>"...)
	}
	if err != nil {
		return dst, fmt.Errorf("psrp: CREATE_PIPELINE: %w", err)
	}
	if !ok {
		return clixml.AppendMarshal(dst, p.Object())
	}
	w.b = append(w.b, pipeTail...)
	w.boolean("IsNested", p.IsNested)
	return append(w.b, "</MS></Obj>"...), nil
}
