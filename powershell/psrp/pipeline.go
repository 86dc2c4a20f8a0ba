package psrp

import (
	"fmt"

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
