package remoteps

import (
	"strings"

	"github.com/easlab/easlab/powershell/clixml"
)

// What implicit remoting (Import-PSSession, PowerShell's
// ImplicitRemotingCommands.cs) asks of a session and reads back:
//
//   - Against a protocol 2.1+ server it sends GET_COMMAND_METADATA with
//     Name, CommandType, Module, FullyQualifiedModule and ArgumentList
//     (the parameters of its Get-Command); the server runs
//     Get-Command ... | Measure-Object | Select-Object Count, then
//     Get-Command ... | Select-Object Name, Namespace, HelpUri,
//     CommandType, ResolvedCommandName, OutputType, Parameters
//     (ServerRunspacePoolDriver.HandleGetCommandMetadata). Against 2.0 it
//     sends that Get-Command as a pipeline piped to Select-Object
//     -Property Name, CommandType, ResolvedCommandName,
//     DefaultParameterSet, CmdletBinding, Parameters, counted first with
//     Measure-Object.
//   - Of each object it reads Name, CommandType (CommandTypes),
//     ResolvedCommandName (for an Alias) and Parameters, a dictionary
//     whose values it reads Name, IsDynamic, SwitchParameter and Aliases
//     of (RehydrateParameterMetadata). It does not read ParameterType or
//     parameter sets: every proxy parameter is [object] or [switch], in
//     __AllParameterSets, without a position. A command whose Parameters
//     hold all the common parameters is proxied as a cmdlet
//     (IsProxyForCmdlet), so -ErrorAction and -WarningAction reach the
//     server and the other common parameters stay on the client.
//
// So every object carries all of it, in the shape Windows writes
// (test_psrp_get_command_metadata.yml): ParameterMetadata with Name,
// ParameterType (the type's name), Aliases, IsDynamic and SwitchParameter.

// commonParam is one of PowerShell's common parameters.
type commonParam struct {
	name, typ, alias string
}

// commonParams are the common parameters of a PowerShell 5.1 cmdlet, in
// Windows' order (recorded), then Exchange's risk mitigation ones for
// cmdlets that change things.
var commonParams = []commonParam{
	{"Verbose", switchType, "vb"}, {"Debug", switchType, "db"},
	{"ErrorAction", "System.Management.Automation.ActionPreference", "ea"},
	{"WarningAction", "System.Management.Automation.ActionPreference", "wa"},
	{"InformationAction", "System.Management.Automation.ActionPreference", "infa"},
	{"ErrorVariable", "System.String", "ev"}, {"WarningVariable", "System.String", "wv"},
	{"InformationVariable", "System.String", "iv"}, {"OutVariable", "System.String", "ov"},
	{"OutBuffer", "System.Int32", "ob"}, {"PipelineVariable", "System.String", "pv"},
}

var shouldProcessParams = []commonParam{{"WhatIf", switchType, "wi"}, {"Confirm", switchType, "cf"}}

const switchType = "System.Management.Automation.SwitchParameter"

// changes says whether a cmdlet supports ShouldProcess: Exchange's
// cmdlets that are not Get- cmdlets.
func changes(name string) bool {
	return !strings.HasPrefix(strings.ToLower(name), "get-")
}

var commandTypesTypes = []string{"System.Management.Automation.CommandTypes", "System.Enum", "System.ValueType", "System.Object"}

// cmdletType is CommandTypes.Cmdlet: Exchange's commands are cmdlets of
// its snap-in in the remote runspace (not functions, as they become on
// the client that imports them).
func cmdletType() *clixml.Object {
	return &clixml.Object{TypeNames: commandTypesTypes, ToString: "Cmdlet", HasToString: true, Value: int32(8)}
}

// CommandTypes values (System.Management.Automation.CommandTypes).
const (
	ctAlias  = 1
	ctCmdlet = 8
)

// parameterMetadata is the Parameters dictionary of a command: its own
// parameters, then the common ones (and -DomainController, which every
// Exchange cmdlet has).
func parameterMetadata(c Cmdlet) *clixml.Object {
	params := &clixml.Object{TypeNames: []string{"System.Collections.Generic.Dictionary`2[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089],[System.Management.Automation.ParameterMetadata, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]", "System.Object"}, Dict: []clixml.Entry{}}
	add := func(name, typ string, aliases ...string) {
		al := &clixml.Object{TypeNames: []string{"System.Collections.ObjectModel.Collection`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]", "System.Object"}, ListKind: "LST", List: []any{}}
		for _, a := range aliases {
			al.List = append(al.List, a)
		}
		params.Dict = append(params.Dict, clixml.Entry{Key: name, Value: &clixml.Object{
			TypeNames: []string{"System.Management.Automation.ParameterMetadata", "System.Object"}, ToString: "System.Management.Automation.ParameterMetadata", HasToString: true,
			Props: []clixml.Property{{Name: "Name", Value: name}, {Name: "ParameterType", Value: typ}, {Name: "Aliases", Value: al},
				{Name: "IsDynamic", Value: false}, {Name: "SwitchParameter", Value: typ == switchType}},
		}})
	}
	if c.Module == "" || !strings.HasPrefix(c.Module, "Microsoft.Exchange") {
		// The restricted session's PowerShell commands: implicit remoting
		// skips them (its CommandsToSkip), so their parameters are not
		// modelled.
		return params
	}
	for _, p := range c.Params {
		typ := p.Type
		if typ == "" {
			typ = "System.String"
		}
		if p.Switch {
			typ = switchType
		}
		add(p.Name, typ)
	}
	if !hasParam(c, "DomainController") {
		add("DomainController", "Microsoft.Exchange.Data.Fqdn")
	}
	for _, p := range commonParams {
		add(p.name, p.typ, p.alias)
	}
	if changes(c.Name) {
		for _, p := range shouldProcessParams {
			add(p.name, p.typ, p.alias)
		}
	}
	return params
}

// cmdletInfo is Get-Command's object for a command: a CmdletInfo with
// the properties implicit remoting selects (both protocol versions'
// lists) and those Get-Command's default view shows.
func cmdletInfo(c Cmdlet) *clixml.Object {
	outType := &clixml.Object{TypeNames: []string{"System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Management.Automation.PSTypeName, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]", "System.Object"}, ListKind: "LST", List: []any{}}
	if len(c.OutputType) > 0 {
		outType.List = append(outType.List, c.OutputType[0])
	}
	defaultSet := "__AllParameterSets"
	if hasParam(c, "Identity") {
		defaultSet = "Identity"
	}
	return &clixml.Object{
		TypeNames: []string{"System.Management.Automation.CmdletInfo", "System.Management.Automation.CommandInfo", "System.Object"},
		ToString:  c.Name, HasToString: true,
		Props: []clixml.Property{
			{Name: "Name", Value: c.Name},
			{Name: "Namespace", Value: c.Module},
			{Name: "HelpUri", Value: ""},
			{Name: "CommandType", Value: cmdletType()},
			{Name: "ResolvedCommandName"},
			{Name: "DefaultParameterSet", Value: defaultSet},
			{Name: "CmdletBinding", Value: true},
			{Name: "OutputType", Value: outType},
			{Name: "Parameters", Value: parameterMetadata(c)},
			{Name: "ModuleName", Value: c.Module},
			{Name: "Definition", Value: c.Name},
		},
	}
}

// metadataProperties are what the server selects for GET_COMMAND_METADATA
// (ServerRunspacePoolDriver.HandleGetCommandMetadata).
var metadataProperties = []string{"Name", "Namespace", "HelpUri", "CommandType", "ResolvedCommandName", "OutputType", "Parameters"}

// commandMetadata is one command's answer to GET_COMMAND_METADATA:
// Get-Command's object through Select-Object, in the shape Windows sends
// (recorded: test_psrp_get_command_metadata.yml).
func commandMetadata(c Cmdlet) *clixml.Object {
	info := cmdletInfo(c)
	sel := &clixml.Object{TypeNames: []string{"Selected.System.Management.Automation.CmdletInfo", "System.Management.Automation.PSCustomObject", "System.Object"}}
	for _, p := range metadataProperties {
		v, _ := info.Get(p)
		sel.Members = append(sel.Members, clixml.Property{Name: p, Value: v})
	}
	return sel
}
