package remoteps

import (
	"context"
	"fmt"
	"strings"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
)

// psCommand runs one of the PowerShell commands of a restricted session.
func (r *runspace) psCommand(ctx context.Context, name string, c psrp.Command, input []any, w *psrp.Writer) ([]any, error) {
	args := map[string]any{}
	var positional []any
	for _, a := range c.Args {
		if a.Name == "" {
			positional = append(positional, a.Value)
			continue
		}
		args[strings.ToLower(a.Name)] = a.Value
	}
	switch name {
	case "Select-Object":
		return selectObject(name, args, positional, input)
	case "Measure-Object":
		return []any{&clixml.Object{
			TypeNames: []string{"Microsoft.PowerShell.Commands.GenericMeasureInfo", "Microsoft.PowerShell.Commands.MeasureInfo", "System.Object"},
			ToString:  "Microsoft.PowerShell.Commands.GenericMeasureInfo", HasToString: true,
			Props: []clixml.Property{{Name: "Count", Value: int32(len(input))}, {Name: "Average"}, {Name: "Sum"}, {Name: "Maximum"}, {Name: "Minimum"}, {Name: "Property"}},
		}}, nil
	case "Out-Default", "Exit-PSSession":
		// Out-Default formats for a host the session does not have.
		return nil, nil
	case "Get-FormatData":
		// Implicit remoting sends Get-FormatData -TypeName * (its
		// -FormatTypeName) with -PowerShellVersion (the client's) to a 5.1
		// server, after counting it with Measure-Object, and imports the
		// ExtendedTypeDefinitions. A real Exchange session answers with
		// the views of the format files its runspace loads
		// (Exchange.format.ps1xml and PowerShell's own); their contents are
		// not recorded here, so none is invented: the answer is empty,
		// which implicit remoting accepts unless -FormatTypeName was given
		// explicitly (then it reports "no results from the remote end").
		// The client then shows Exchange's objects with its default
		// formatting.
		return nil, nil
	case "Get-Command":
		// Implicit remoting sends -CommandType, -Name, -Module (null
		// unless Import-PSSession -Module) and -ArgumentList (null), and
		// the server adds -ListImported; every command here is a cmdlet.
		var names []string
		for _, v := range append(positional, args["name"]) {
			names = append(names, stringsOf(v)...)
		}
		modules := stringsOf(args["module"])
		if t, ok := args["commandtype"]; ok && t != nil && !commandTypesInclude(t, ctCmdlet) {
			return nil, nil
		}
		var out []any
		for _, cm := range r.visible() {
			if matchesAny(cm.Name, names) && matchesAny(cm.Module, modules) {
				out = append(out, cmdletInfo(cm))
			}
		}
		if len(out) == 0 && len(names) > 0 && !strings.ContainsAny(strings.Join(names, ""), "*?") {
			return nil, errCommandNotFound(names[0])
		}
		return out, nil
	case "Get-Help":
		var target string
		if len(positional) > 0 {
			target = fmt.Sprint(enumText(positional[0]))
		} else if v, ok := args["name"]; ok {
			target = fmt.Sprint(enumText(v))
		}
		return []any{&clixml.Object{TypeNames: []string{"MamlCommandHelpInfo", "HelpInfo", "System.Management.Automation.PSCustomObject", "System.Object"},
			Members: []clixml.Property{{Name: "Name", Value: target}, {Name: "Synopsis", Value: target + " (easlab: help text is not modelled)"}}}}, nil
	}
	return nil, errCommandNotFound(name)
}

// commandTypesInclude says whether a CommandTypes argument (the enum, its
// number or its names: "Alias, Function, Cmdlet") includes the type bit.
func commandTypesInclude(v any, bit int32) bool {
	if o, ok := v.(*clixml.Object); ok && o.Value != nil {
		v = o.Value
	}
	switch x := v.(type) {
	case int32:
		return x&bit != 0
	case int64:
		return int32(x)&bit != 0
	}
	names := map[int32]string{ctAlias: "alias", ctCmdlet: "cmdlet"}
	for _, s := range stringsOf(v) {
		for _, part := range strings.Split(strings.ToLower(s), ",") {
			part = strings.TrimSpace(part)
			if part == "all" || part == names[bit] {
				return true
			}
		}
	}
	return false
}

func stringsOf(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case *clixml.Object:
		var out []string
		for _, it := range x.List {
			out = append(out, stringsOf(it)...)
		}
		if x.ListKind == "" && x.HasToString {
			out = append(out, x.ToString)
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// selectObject is Select-Object's -Property, -ExpandProperty, -First,
// -Last and -Skip over the input.
func selectObject(name string, args map[string]any, positional []any, input []any) ([]any, error) {
	intArg := func(key string) (int, bool, error) {
		v, ok := args[key]
		if !ok {
			return 0, false, nil
		}
		n, isInt := v.(int32)
		if !isInt || n < 0 {
			return 0, false, &psrp.ErrorRecord{Message: fmt.Sprintf("Cannot validate argument on parameter '%s'.", key), FullyQualifiedErrorID: "ParameterArgumentValidationError,Microsoft.PowerShell.Commands.SelectObjectCommand", Category: psrp.InvalidData, Activity: name}
		}
		return int(n), true, nil
	}
	items := input
	if n, ok, err := intArg("skip"); err != nil {
		return nil, err
	} else if ok {
		items = items[min(n, len(items)):]
	}
	if n, ok, err := intArg("first"); err != nil {
		return nil, err
	} else if ok {
		items = items[:min(n, len(items))]
	}
	if n, ok, err := intArg("last"); err != nil {
		return nil, err
	} else if ok {
		items = items[len(items)-min(n, len(items)):]
	}
	if v, ok := args["expandproperty"]; ok {
		prop := fmt.Sprint(enumText(v))
		var out []any
		for _, it := range items {
			o, ok := it.(*clixml.Object)
			if !ok {
				continue
			}
			pv, found := o.Get(prop)
			if !found {
				return nil, &psrp.ErrorRecord{Message: fmt.Sprintf("Property \"%s\" cannot be found.", prop), FullyQualifiedErrorID: "ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand", Category: psrp.InvalidArgument, Activity: name}
			}
			if l, ok := pv.(*clixml.Object); ok && l.ListKind != "" {
				out = append(out, l.List...)
				continue
			}
			out = append(out, pv)
		}
		return out, nil
	}
	props := stringsOf(args["property"])
	if len(positional) > 0 {
		props = append(props, stringsOf(positional[0])...)
	}
	if len(props) == 0 {
		return items, nil
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		o, ok := it.(*clixml.Object)
		if !ok {
			continue
		}
		sel := &clixml.Object{}
		if len(o.TypeNames) > 0 {
			sel.TypeNames = append([]string{"Selected." + o.TypeNames[0]}, "System.Management.Automation.PSCustomObject", "System.Object")
		}
		for _, p := range props {
			if strings.ContainsAny(p, "*?") {
				for _, prop := range append(append([]clixml.Property(nil), o.Props...), o.Members...) {
					if wildcard(strings.ToLower(p), strings.ToLower(prop.Name)) {
						sel.Members = append(sel.Members, prop)
					}
				}
				continue
			}
			v, _ := o.Get(p)
			sel.Members = append(sel.Members, clixml.Property{Name: p, Value: v})
		}
		out = append(out, sel)
	}
	return out, nil
}
