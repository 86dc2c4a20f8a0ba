package simulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

// Implicit remoting (Import-PSSession, PowerShell's
// ImplicitRemotingCommands.cs) against /PowerShell: the pipelines it
// sends, and what it reads of their answers.

// importPSGetCommand is BuildPowerShellForGetCommand's pipeline with the
// Select-Object GetRemoteCommandMetadata adds (the protocol 2.0 form; a
// 2.1+ server gets the same as GET_COMMAND_METADATA and selects
// Namespace, HelpUri and OutputType too).
func importPSGetCommand(name string) []psrp.Command {
	commandTypes := &clixml.Object{TypeNames: []string{"System.Management.Automation.CommandTypes", "System.Enum", "System.ValueType", "System.Object"},
		ToString: "Alias, Function, Filter, Cmdlet, Workflow, Configuration", HasToString: true, Value: int32(0x1FF &^ (0x10 | 0x20 | 0x40))}
	names := &clixml.Object{TypeNames: []string{"System.String[]", "System.Array", "System.Object"}, ListKind: "LST", List: []any{name}}
	props := &clixml.Object{TypeNames: []string{"System.String[]", "System.Array", "System.Object"}, ListKind: "LST",
		List: []any{"Name", "CommandType", "ResolvedCommandName", "DefaultParameterSet", "CmdletBinding", "Parameters"}}
	return []psrp.Command{
		cmd("Get-Command", arg("CommandType", commandTypes), arg("Name", names), arg("Module", nil), arg("ArgumentList", nil)),
		cmd("Select-Object", arg("Property", props)),
	}
}

func objProp(t *testing.T, o any, name string) any {
	t.Helper()
	obj, ok := o.(*clixml.Object)
	if !ok {
		t.Fatalf("%T is not an object", o)
	}
	v, ok := obj.Get(name)
	if !ok {
		t.Fatalf("object %q has no property %s", obj.TypeNames, name)
	}
	return v
}

// checkImportable asserts what RehydrateCommandMetadata and
// RehydrateParameterMetadata read, and the types Get-Command shows.
func checkImportable(t *testing.T, o any, name string, params map[string]string) {
	t.Helper()
	if n := objProp(t, o, "Name"); n != name {
		t.Fatalf("Name %v, want %s", n, name)
	}
	ct, ok := objProp(t, o, "CommandType").(*clixml.Object)
	if !ok || ct.Value != int32(8) || ct.ToString != "Cmdlet" {
		t.Errorf("%s: CommandType %+v, want the enum Cmdlet (8)", name, ct)
	}
	if v := objProp(t, o, "ResolvedCommandName"); v != nil {
		t.Errorf("%s: ResolvedCommandName %v, want null (not an alias)", name, v)
	}
	dict, ok := objProp(t, o, "Parameters").(*clixml.Object)
	if !ok || dict.Dict == nil {
		t.Fatalf("%s: Parameters is not a dictionary", name)
	}
	got := map[string]*clixml.Object{}
	for _, e := range dict.Dict {
		pm, ok := e.Value.(*clixml.Object)
		if !ok || len(pm.TypeNames) == 0 || pm.TypeNames[0] != "System.Management.Automation.ParameterMetadata" {
			t.Fatalf("%s: parameter %v is %+v", name, e.Key, e.Value)
		}
		got[e.Key.(string)] = pm
	}
	for p, typ := range params {
		pm := got[p]
		if pm == nil {
			t.Errorf("%s: no parameter %s", name, p)
			continue
		}
		if n, _ := pm.Get("Name"); n != p {
			t.Errorf("%s -%s: Name %v", name, p, n)
		}
		if pt, _ := pm.Get("ParameterType"); pt != typ {
			t.Errorf("%s -%s: ParameterType %v, want %s", name, p, pt, typ)
		}
		if sw, _ := pm.Get("SwitchParameter"); sw != (typ == "System.Management.Automation.SwitchParameter") {
			t.Errorf("%s -%s: SwitchParameter %v", name, p, sw)
		}
		if d, _ := pm.Get("IsDynamic"); d != false {
			t.Errorf("%s -%s: IsDynamic %v", name, p, d)
		}
		if al, _ := pm.Get("Aliases"); al == nil || al.(*clixml.Object).ListKind == "" {
			t.Errorf("%s -%s: Aliases %+v, want a list", name, p, al)
		}
	}
	// IsProxyForCmdlet: all of PowerShell 5.1's common parameters.
	for _, p := range []string{"Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable"} {
		if got[p] == nil {
			t.Errorf("%s: no common parameter %s", name, p)
		}
	}
	if ea := got["ErrorAction"]; ea != nil {
		al, _ := ea.Get("Aliases")
		if l := al.(*clixml.Object).List; len(l) != 1 || l[0] != "ea" {
			t.Errorf("%s -ErrorAction: aliases %v", name, l)
		}
	}
}

func TestRemotePowerShellImportPSSessionGetCommand(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	ps := openPS(t, env, "admin")

	// Counted first: Get-Command ... | Measure-Object.
	count := invoke(t, ps, importPSGetCommand("*")[0], cmd("Measure-Object"))
	if len(count.Output) != 1 {
		t.Fatalf("Measure-Object: %d objects, failed %+v", len(count.Output), count.Failed)
	}
	all := invoke(t, ps, importPSGetCommand("*")...)
	if all.Failed != nil || len(all.Errors) > 0 {
		t.Fatalf("Get-Command | Select-Object: %+v %+v", all.Failed, all.Errors)
	}
	if n := objProp(t, count.Output[0], "Count"); n != int32(len(all.Output)) {
		t.Errorf("counted %v commands, got %d", n, len(all.Output))
	}
	byName := map[string]any{}
	for _, o := range all.Output {
		byName[objProp(t, o, "Name").(string)] = o
		for _, p := range []string{"DefaultParameterSet", "CmdletBinding"} {
			objProp(t, o, p)
		}
	}
	for _, n := range []string{"Get-MobileDevice", "Get-ActiveSyncDevice", "Set-CASMailbox", "Remove-MobileDevice", "Get-Command"} {
		if byName[n] == nil {
			t.Errorf("Get-Command * lists no %s", n)
		}
	}
	checkImportable(t, byName["Get-MobileDevice"], "Get-MobileDevice", map[string]string{
		"Identity": "System.String", "Mailbox": "System.String", "Filter": "System.String",
		"ResultSize":       "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]",
		"ActiveSync":       "System.Management.Automation.SwitchParameter",
		"DomainController": "Microsoft.Exchange.Data.Fqdn",
	})
	checkImportable(t, byName["Set-CASMailbox"], "Set-CASMailbox", map[string]string{
		"Identity": "System.String", "ActiveSyncEnabled": "System.Boolean",
		"ActiveSyncAllowedDeviceIDs": "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]",
		"Confirm":                    "System.Management.Automation.SwitchParameter",
		"WhatIf":                     "System.Management.Automation.SwitchParameter",
	})
	if dps := objProp(t, byName["Set-CASMailbox"], "DefaultParameterSet"); dps != "Identity" {
		t.Errorf("Set-CASMailbox: DefaultParameterSet %v", dps)
	}

	// One command by name, and a -CommandType without Cmdlet.
	one := invoke(t, ps, importPSGetCommand("Set-CASMailbox")...)
	if len(one.Output) != 1 {
		t.Fatalf("Get-Command -Name Set-CASMailbox: %d objects", len(one.Output))
	}
	checkImportable(t, one.Output[0], "Set-CASMailbox", map[string]string{"Identity": "System.String"})
	aliases := invoke(t, ps, cmd("Get-Command", arg("CommandType", &clixml.Object{TypeNames: []string{"System.Management.Automation.CommandTypes", "System.Enum", "System.ValueType", "System.Object"}, ToString: "Alias", HasToString: true, Value: int32(1)})))
	if len(aliases.Output) != 0 {
		t.Errorf("Get-Command -CommandType Alias: %d objects, want none", len(aliases.Output))
	}

	// Get-FormatData -TypeName * -PowerShellVersion 5.1 (the client's),
	// counted first: nothing, and no error.
	typeNames := &clixml.Object{TypeNames: []string{"System.String[]", "System.Array", "System.Object"}, ListKind: "LST", List: []any{"*"}}
	fd := invoke(t, ps, cmd("Get-FormatData", arg("TypeName", typeNames), arg("PowerShellVersion", clixml.Version("5.1.19041.1"))), cmd("Measure-Object"))
	if fd.Failed != nil || len(fd.Output) != 1 || objProp(t, fd.Output[0], "Count") != int32(0) {
		t.Errorf("Get-FormatData | Measure-Object: %+v, failed %+v", fd.Output, fd.Failed)
	}
	fd = invoke(t, ps, cmd("Get-FormatData", arg("TypeName", typeNames), arg("PowerShellVersion", clixml.Version("5.1.19041.1"))))
	if fd.Failed != nil || len(fd.Errors) > 0 || len(fd.Output) != 0 {
		t.Errorf("Get-FormatData: %+v, %+v", fd.Output, fd.Failed)
	}
}

// TestRemotePowerShellImportPSSessionProxy is what an imported proxy
// sends: Invoke-Command turns the proxy's script block
// (& $name @boundParams @unboundParams) into one command, its splatted
// parameters named "-Name:" with their values ($PSBoundParameters'
// SwitchParameter for a switch), its positional arguments unnamed, and
// the proxy's pipeline input (the deserialized objects of the previous
// proxy) as PIPELINE_INPUT.
func TestRemotePowerShellImportPSSessionProxy(t *testing.T) {
	env := simtest.New(t, simulator.Options{ErrorResponseDelay: -1})
	env.Device("alice", "PROXY1", eas.Version141).Provision()
	env.Device("bob", "PROXY2", eas.Version141).Provision()
	ps := openPS(t, env, "admin")

	// Get-MobileDevice -Mailbox alice: the proxy sends "-Mailbox:".
	res := invoke(t, ps, cmd("Get-MobileDevice", arg("-Mailbox:", "alice")))
	if res.Failed != nil || len(res.Output) != 1 {
		t.Fatalf("Get-MobileDevice -Mailbox: alice: %d objects, failed %+v", len(res.Output), res.Failed)
	}
	// Get-MobileDevice <identity>: positional, bound to -Identity.
	id := objProp(t, res.Output[0], "Identity")
	if res := invoke(t, ps, cmd("Get-MobileDevice", psrp.Argument{Value: id})); len(res.Output) != 1 {
		t.Fatalf("Get-MobileDevice <identity>: %d objects, failed %+v", len(res.Output), res.Failed)
	}

	// Get-MobileDevice | Remove-MobileDevice -Confirm:$false
	devices := invoke(t, ps, cmd("Get-MobileDevice"))
	if len(devices.Output) != 2 {
		t.Fatalf("Get-MobileDevice: %d objects", len(devices.Output))
	}
	notConfirm := &clixml.Object{TypeNames: []string{"System.Management.Automation.SwitchParameter", "System.ValueType", "System.Object"},
		ToString: "False", HasToString: true, Props: []clixml.Property{{Name: "IsPresent", Value: false}}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rm, err := ps.InvokeWithInput(ctx, devices.Output, cmd("Remove-MobileDevice", arg("-Confirm:", notConfirm), arg("-ErrorAction:", &clixml.Object{
		TypeNames: []string{"System.Management.Automation.ActionPreference", "System.Enum", "System.ValueType", "System.Object"}, ToString: "Stop", HasToString: true, Value: int32(1)})))
	if err != nil || rm.Failed != nil || len(rm.Errors) > 0 {
		t.Fatalf("Remove-MobileDevice with piped input: %v %+v %+v", err, rm.Failed, rm.Errors)
	}
	if left := invoke(t, ps, cmd("Get-MobileDevice")); len(left.Output) != 0 {
		t.Errorf("after Remove-MobileDevice: %d devices left", len(left.Output))
	}
}
