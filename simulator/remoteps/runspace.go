package remoteps

import (
	"context"
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
		// The last command's objects go to the client as they are made.
		var emit func(any) error
		if i == len(cmds)-1 {
			emit = w.Output
		}
		out, err := r.command(ctx, c, objs, i > 0 || input != nil, w, emit)
		if err != nil {
			return err
		}
		if emit != nil {
			for _, o := range out {
				if err := emit(o); err != nil {
					return err
				}
			}
		}
		objs = out
	}
	return nil
}

// command runs one command over its input objects.
// A cmdlet's objects go to emit when it is set (then none are returned).
func (r *runspace) command(ctx context.Context, c psrp.Command, input []any, piped bool, w *psrp.Writer, emit func(any) error) ([]any, error) {
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
		return r.run(ctx, def, params, p, w, emit)
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
		res, err := r.run(ctx, def, ps, p, w, emit)
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
		name := paramName(a.Name)
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
	_, ok := paramInfo(def, name)
	return ok
}

func paramInfo(def Cmdlet, name string) (admin.ParamInfo, bool) {
	for _, p := range def.Params {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return admin.ParamInfo{}, false
}

// paramName is a parameter's name as PowerShell's binder reads it: a
// command built from a script block's splatting (implicit remoting's
// proxies, Invoke-Command) names its parameters as their tokens were
// written, "-Confirm:" (CommandParameter.ToCommandParameterInternal
// strips the dash and the colon).
func paramName(n string) string {
	n = strings.TrimSpace(n)
	n = strings.TrimSuffix(n, ":")
	return strings.TrimPrefix(n, "-")
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
func (r *runspace) run(ctx context.Context, def Cmdlet, params map[string]any, p prefs, w *psrp.Writer, emit func(any) error) ([]any, error) {
	raw, err := appendJSON(make([]byte, 0, 128), params)
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
	var res []any
	err = eachObject(out.Objects, def.OutputType, func(o *clixml.Object) error {
		if emit != nil {
			return emit(o)
		}
		res = append(res, o)
		return nil
	})
	return res, err
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
	// them). The exception and the category are the ones the JSON API
	// reports too (admin.Error.Exception, ErrorCategory).
	exc := ae.Exception()
	cat, ok := psrp.ParseErrorCategory(ae.ErrorCategory())
	if !ok {
		cat = psrp.NotSpecified
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

// CommandMetadata answers GET_COMMAND_METADATA for the session's commands,
// all cmdlets: a CommandType mask without Cmdlet matches none.
func (r *runspace) CommandMetadata(ctx context.Context, q psrp.MetadataQuery) ([]*clixml.Object, error) {
	if q.CommandType != 0 && q.CommandType&ctCmdlet == 0 {
		return nil, nil
	}
	var out []*clixml.Object
	for _, c := range r.visible() {
		if !matchesAny(c.Name, q.Names) || !matchesAny(c.Module, q.Modules) {
			continue
		}
		out = append(out, commandMetadata(c))
	}
	return out, nil
}

// visible are the session's commands: the cmdlets (an old name such as
// Get-ActiveSyncDevice is a cmdlet of its own in Exchange, not an alias)
// and the PowerShell ones.
func (r *runspace) visible() []Cmdlet {
	var list []Cmdlet
	for _, c := range r.backend.Cmdlets() {
		list = append(list, c)
		for _, a := range c.Aliases {
			old := c
			old.Name, old.Aliases = a, nil
			list = append(list, old)
		}
	}
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
