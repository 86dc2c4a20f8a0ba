package remoteps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"time"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/simulator/admin"
	"github.com/google/uuid"
)

// runspace is one session's Exchange runspace.
type runspace struct {
	backend Backend
	account Account
	server  string // the server name in FullyQualifiedErrorIds
	now     func() time.Time
	cmdlets map[string]Cmdlet // lower-case name or alias
	budget  *Budget           // nil: no throttling
	user    string            // the budget's owner
}

func newRunspace(b Backend, acct Account, server string, now func() time.Time, budget *Budget, user string) *runspace {
	r := &runspace{backend: b, account: acct, server: server, now: now, cmdlets: map[string]Cmdlet{}, budget: budget, user: user}
	for _, c := range b.Cmdlets() {
		r.cmdlets[strings.ToLower(c.Name)] = c
		for _, a := range c.Aliases {
			r.cmdlets[strings.ToLower(a)] = c
		}
	}
	return r
}

// psCommands are the PowerShell commands a restricted remote session
// exposes for implicit remoting (InitialSessionState.CreateRestricted
// with SessionCapabilities.RemoteServer), which Exchange's runspace keeps.
var psCommands = []string{"Exit-PSSession", "Get-Command", "Get-FormatData", "Get-Help", "Measure-Object", "Out-Default", "Select-Object"}

func isPSCommand(name string) (string, bool) {
	for _, c := range psCommands {
		if strings.EqualFold(c, name) {
			return c, true
		}
	}
	return "", false
}

// Invoke runs each statement of the pipeline.
func (r *runspace) Invoke(ctx context.Context, req *psrp.PipelineRequest, w *psrp.Writer) error {
	var input []any
	if !req.NoInput {
		in, err := w.Input(ctx)
		if err != nil {
			return err
		}
		input = in
	}
	for _, st := range req.Statements {
		var cmds []psrp.Command
		for _, c := range st {
			if c.IsScript {
				simple, ok := parseSimpleScript(c.Name)
				if !ok {
					return errNoLanguage(c.Name)
				}
				cmds = append(cmds, simple...)
				continue
			}
			cmds = append(cmds, c)
		}
		if err := r.statement(ctx, cmds, input, w); err != nil {
			return err
		}
		input = nil
	}
	return nil
}

// prefs are the common parameters that change how a command reports.
type prefs struct {
	errorAction, warningAction string
}

// statement runs one pipeline of commands, feeding each one's output to
// the next.
func (r *runspace) statement(ctx context.Context, cmds []psrp.Command, input []any, w *psrp.Writer) error {
	objs := input
	for i, c := range cmds {
		last := i == len(cmds)-1
		out, err := r.command(ctx, c, objs, i > 0 || input != nil, w)
		if err != nil {
			return err
		}
		if last {
			for _, o := range out {
				if err := w.Output(o); err != nil {
					return err
				}
			}
		}
		objs = out
	}
	return nil
}

// command runs one command over its input objects.
func (r *runspace) command(ctx context.Context, c psrp.Command, input []any, piped bool, w *psrp.Writer) ([]any, error) {
	if name, ok := isPSCommand(c.Name); ok {
		return r.psCommand(ctx, name, c, input, w)
	}
	def, ok := r.cmdlets[strings.ToLower(c.Name)]
	if !ok {
		return nil, errCommandNotFound(c.Name)
	}
	params, p, err := r.bind(def, c, w)
	if err != nil {
		return nil, err
	}
	if err := r.charge(ctx, def.Name); err != nil {
		return nil, err
	}
	if !piped {
		return r.run(ctx, def, params, p, w)
	}
	// Pipeline input binds by property name to -Identity, as Exchange's
	// cmdlets take it (ValueFromPipelineByPropertyName).
	var out []any
	for _, in := range input {
		id, err := jsonValue(in, nil, 0)
		if err != nil {
			return nil, err
		}
		ps := map[string]any{}
		for k, v := range params {
			ps[k] = v
		}
		ps["Identity"] = id
		res, err := r.run(ctx, def, ps, p, w)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// charge counts one execution of an Exchange cmdlet against the user's
// budgets: over one that stops execution, the error stops the pipeline
// (Set-ThrottlingPolicy: "the cmdlet pipeline execution is stopped with a
// throttling error message"); over ExchangeMaxCmdlets, the cmdlet waits.
func (r *runspace) charge(ctx context.Context, cmdlet string) error {
	delay, err := r.budget.chargeCmdlet(r.user, cmdlet, r.now())
	if err != nil || r.budget.Sleep == nil {
		return err
	}
	// A slowed cmdlet waits for the window's end and counts in the next.
	for delay > 0 {
		if err := r.budget.Sleep(ctx, delay); err != nil {
			return err
		}
		delay = r.budget.slowDown(r.user, r.now())
	}
	return nil
}

// bind turns a command's arguments into the JSON parameters the binder
// reads: the first positional argument is -Identity (Exchange's cmdlets
// take it at position 0), a switch without a value is $true, and the
// common parameters that change reporting are kept aside.
func (r *runspace) bind(def Cmdlet, c psrp.Command, w *psrp.Writer) (map[string]any, prefs, error) {
	params := map[string]any{}
	var p prefs
	positional := 0
	for _, a := range c.Args {
		name := a.Name
		if name == "" {
			if positional > 0 || !hasParam(def, "Identity") {
				return nil, p, errPositional(def.Name, a.Value)
			}
			positional++
			name = "Identity"
		}
		switch strings.ToLower(name) {
		case "erroraction", "ea":
			p.errorAction = strings.ToLower(fmt.Sprint(enumText(a.Value)))
			continue
		case "warningaction", "wa":
			p.warningAction = strings.ToLower(fmt.Sprint(enumText(a.Value)))
			continue
		case "whatif", "errorvariable", "ev", "warningvariable", "wv", "outvariable", "ov", "outbuffer", "ob", "informationaction", "infa", "informationvariable", "iv", "pipelinevariable", "pv":
			continue
		}
		if a.Value == nil && isSwitch(def, name) {
			params[name] = true
			continue
		}
		v, err := jsonValue(a.Value, w.DecryptSecureString, 0)
		if err != nil {
			return nil, p, &psrp.ErrorRecord{Message: fmt.Sprintf("Cannot bind parameter '%s'. %v", name, err),
				ExceptionTypes:        []string{"System.Management.Automation.ParameterBindingException", "System.Management.Automation.RuntimeException", "System.SystemException"},
				FullyQualifiedErrorID: "CannotConvertArgument," + def.Name, Category: psrp.InvalidArgument, Activity: def.Name}
		}
		params[name] = v
	}
	return params, p, nil
}

func enumText(v any) any {
	if o, ok := v.(*clixml.Object); ok && o.HasToString {
		return o.ToString
	}
	return v
}

func hasParam(def Cmdlet, name string) bool {
	for _, p := range def.Params {
		if strings.EqualFold(p.Name, name) {
			return true
		}
	}
	return false
}

func isSwitch(def Cmdlet, name string) bool {
	for _, p := range def.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Switch
		}
	}
	return strings.EqualFold(name, "Confirm") || strings.EqualFold(name, "Verbose") || strings.EqualFold(name, "Debug")
}

// run runs one cmdlet and reports its warnings and errors as the
// preferences say.
func (r *runspace) run(ctx context.Context, def Cmdlet, params map[string]any, p prefs, w *psrp.Writer) ([]any, error) {
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	out, err := r.backend.Run(ctx, def.Name, raw)
	if err != nil {
		rec, terminating := r.errorRecord(def, err)
		switch {
		case terminating || p.errorAction == "stop":
			return nil, rec
		case p.errorAction == "silentlycontinue" || p.errorAction == "ignore":
			return nil, nil
		}
		return nil, w.Error(rec)
	}
	if p.warningAction != "silentlycontinue" && p.warningAction != "ignore" {
		for _, msg := range out.Warnings {
			if err := w.Warning(msg); err != nil {
				return nil, err
			}
		}
	}
	if p.warningAction == "stop" && len(out.Warnings) > 0 {
		return nil, &psrp.ErrorRecord{Message: "The running command stopped because the preference variable \"WarningPreference\" or common parameter is set to Stop: " + out.Warnings[0],
			ExceptionTypes:        []string{"System.Management.Automation.ActionPreferenceStopException", "System.Management.Automation.RuntimeException", "System.SystemException"},
			FullyQualifiedErrorID: "ActionPreferenceStop", Category: psrp.OperationStopped}
	}
	objs, err := toObjects(out.Objects, def.OutputType)
	if err != nil {
		return nil, err
	}
	res := make([]any, len(objs))
	for i, o := range objs {
		res[i] = o
	}
	return res, nil
}

// bindingPrefixes begin the messages of PowerShell's parameter binder,
// whose errors are ParameterBindingExceptions that stop the pipeline.
var bindingPrefixes = []struct{ prefix, id string }{
	{"A parameter cannot be found", "NamedParameterNotFound"},
	{"Parameter cannot be processed because the parameter name", "AmbiguousParameter"},
	{"Cannot bind parameter because parameter", "ParameterAlreadyBound"},
	{"Cannot process command because of one or more missing mandatory parameters", "MissingMandatoryParameter"},
	{"Cannot bind argument to parameter", "ParameterArgumentValidationErrorNullNotAllowed"},
	{"Cannot process argument transformation", "ParameterArgumentTransformationError"},
	{"Cannot bind parameter", "CannotConvertArgumentNoMessage"},
	{"Parameter set cannot be resolved", "AmbiguousParameterSet"},
}

// errorRecord converts a cmdlet's error into Exchange's ErrorRecord and
// says whether it stops the pipeline.
func (r *runspace) errorRecord(def Cmdlet, err error) (*psrp.ErrorRecord, bool) {
	var ae *admin.Error
	if !errors.As(err, &ae) {
		return &psrp.ErrorRecord{Message: err.Error(), FullyQualifiedErrorID: "System.Exception", Category: psrp.NotSpecified, Activity: def.Name}, true
	}
	for _, b := range bindingPrefixes {
		if strings.HasPrefix(ae.Message, b.prefix) {
			return &psrp.ErrorRecord{Message: ae.Message,
				ExceptionTypes:        []string{"System.Management.Automation.ParameterBindingException", "System.Management.Automation.RuntimeException", "System.SystemException"},
				FullyQualifiedErrorID: b.id + "," + def.Name, Category: psrp.InvalidArgument, Activity: def.Name}, true
		}
	}
	// Exchange's task errors: a LocalizedException whose id names the
	// server, the request and the task (as Exchange 2013 and later write
	// them). Their category shows as NotSpecified.
	exc, cat := "Microsoft.Exchange.Configuration.Tasks.TaskException", psrp.NotSpecified
	switch ae.Category {
	case "ManagementObjectNotFound":
		exc = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
	case "ManagementObjectAmbiguous":
		exc = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException"
	case "ADObjectAlreadyExists":
		exc = "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException"
	case "InvalidData":
		exc, cat = "Microsoft.Exchange.Data.DataValidationException", psrp.InvalidData
	case "InvalidArgument":
		exc, cat = "System.ArgumentException", psrp.InvalidArgument
	case "InvalidOperation":
		exc, cat = "System.InvalidOperationException", psrp.InvalidOperation
	case "ResourceUnavailable":
		exc, cat = "Microsoft.Exchange.Data.Directory.ADTransientException", psrp.ResourceUnavailable
	case "WriteError":
		exc, cat = "Microsoft.Exchange.Data.Directory.ADOperationException", psrp.WriteError
	}
	short := exc[strings.LastIndex(exc, ".")+1:]
	h := fnv.New32a()
	h.Write([]byte(ae.Message))
	fqid := fmt.Sprintf("[Server=%s,RequestId=%s,TimeStamp=%s] [FailureCategory=Cmdlet-%s] %08X,%s",
		r.server, uuid.NewString(), r.now().UTC().Format("1/2/2006 3:04:05 PM"), short, h.Sum32(), taskName(def.Name))
	terminating := ae.Status == http.StatusServiceUnavailable
	return &psrp.ErrorRecord{Message: ae.Message, ExceptionTypes: []string{exc, "Microsoft.Exchange.Data.Common.LocalizedException"},
		FullyQualifiedErrorID: fqid, Category: cat, Activity: def.Name}, terminating
}

// taskName is the .NET class of an Exchange cmdlet, as the last part of
// its FullyQualifiedErrorId shows it.
func taskName(cmdlet string) string {
	ns := "Microsoft.Exchange.Management.Tasks."
	if strings.Contains(cmdlet, "Mailbox") && !strings.Contains(cmdlet, "Policy") || strings.HasSuffix(cmdlet, "CASMailbox") {
		ns = "Microsoft.Exchange.Management.RecipientTasks."
	}
	return ns + strings.ReplaceAll(cmdlet, "-", "")
}

func errCommandNotFound(name string) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               fmt.Sprintf("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", name),
		ExceptionTypes:        []string{"System.Management.Automation.CommandNotFoundException", "System.Management.Automation.RuntimeException", "System.SystemException"},
		FullyQualifiedErrorID: "CommandNotFoundException", Category: psrp.ObjectNotFound,
		TargetName: name, TargetType: "String", TargetObject: name,
	}
}

func errPositional(cmdlet string, v any) *psrp.ErrorRecord {
	return &psrp.ErrorRecord{
		Message:               fmt.Sprintf("A positional parameter cannot be found that accepts argument '%v'.", enumText(v)),
		ExceptionTypes:        []string{"System.Management.Automation.ParameterBindingException", "System.Management.Automation.RuntimeException", "System.SystemException"},
		FullyQualifiedErrorID: "PositionalParameterNotFound," + cmdlet, Category: psrp.InvalidArgument, Activity: cmdlet,
	}
}

// CommandMetadata answers GET_COMMAND_METADATA for the session's commands.
func (r *runspace) CommandMetadata(ctx context.Context, names []string) ([]*clixml.Object, error) {
	var out []*clixml.Object
	for _, c := range r.visible() {
		if !matchesAny(c.Name, names) {
			continue
		}
		out = append(out, commandMetadata(c))
	}
	return out, nil
}

// visible are the session's commands: the cmdlets and the PowerShell ones.
func (r *runspace) visible() []Cmdlet {
	list := r.backend.Cmdlets()
	for _, n := range psCommands {
		list = append(list, Cmdlet{Name: n, Module: "Microsoft.PowerShell.Core"})
	}
	return list
}

func matchesAny(name string, patterns []string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if wildcard(strings.ToLower(p), strings.ToLower(name)) {
			return true
		}
	}
	return false
}

// wildcard matches PowerShell's * and ? patterns.
func wildcard(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := 0; i <= len(s); i++ {
				if wildcard(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}

// commandMetadata is one command's answer to GET_COMMAND_METADATA, in the
// shape Windows sends (recorded: test_psrp_get_command_metadata.yml).
func commandMetadata(c Cmdlet) *clixml.Object {
	params := &clixml.Object{TypeNames: []string{"System.Collections.Generic.Dictionary`2[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089],[System.Management.Automation.ParameterMetadata, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]", "System.Object"}, Dict: []clixml.Entry{}}
	for _, p := range c.Params {
		typ := "System.String"
		if p.Switch {
			typ = "System.Management.Automation.SwitchParameter"
		}
		params.Dict = append(params.Dict, clixml.Entry{Key: p.Name, Value: &clixml.Object{
			TypeNames: []string{"System.Management.Automation.ParameterMetadata", "System.Object"}, ToString: "System.Management.Automation.ParameterMetadata", HasToString: true,
			Props: []clixml.Property{{Name: "Name", Value: p.Name}, {Name: "ParameterType", Value: typ}, {Name: "SwitchParameter", Value: p.Switch}, {Name: "IsDynamic", Value: false}},
		}})
	}
	outType := &clixml.Object{TypeNames: []string{"System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Management.Automation.PSTypeName, System.Management.Automation, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]", "System.Object"}, ListKind: "LST", List: []any{}}
	if len(c.OutputType) > 0 {
		outType.List = append(outType.List, c.OutputType[0])
	}
	return &clixml.Object{
		TypeNames: []string{"Selected.System.Management.Automation.CmdletInfo", "System.Management.Automation.PSCustomObject", "System.Object"},
		Members: []clixml.Property{
			{Name: "Name", Value: c.Name},
			{Name: "Namespace", Value: c.Module},
			{Name: "HelpUri", Value: ""},
			{Name: "CommandType", Value: &clixml.Object{TypeNames: []string{"System.Management.Automation.CommandTypes", "System.Enum", "System.ValueType", "System.Object"}, ToString: "Cmdlet", HasToString: true, Value: int32(8)}},
			{Name: "ResolvedCommandName"},
			{Name: "OutputType", Value: outType},
			{Name: "Parameters", Value: params},
		},
	}
}
