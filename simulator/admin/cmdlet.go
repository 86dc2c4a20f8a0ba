package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Output is what a cmdlet that succeeded writes: its objects and its
// warnings (PowerShell's WARNING lines). The JSON transport writes it as
// {"output": [...], "warnings": [...]}.
type Output struct {
	Objects  any      `json:"output"`
	Warnings []string `json:"warnings,omitempty"`
}

// OutputOf is the output of items, never null.
func OutputOf[T any](items []T, warnings ...string) Output {
	if items == nil {
		items = []T{}
	}
	return Output{Objects: items, Warnings: warnings}
}

// Stream is output that a cmdlet makes as it is read, so that a large
// result (Get-MobileDevice -ResultSize Unlimited over a big organization)
// is never held whole: Each calls fn with each object in order and stops
// at fn's first error. A transport that streams (Remote PowerShell) reads
// it with Each; the JSON transport writes it as an array.
type Stream struct {
	Each func(fn func(any) error) error
}

// MarshalJSON writes the stream as a JSON array.
func (s Stream) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	n := 0
	err := s.Each(func(v any) error {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		raw, err := json.Marshal(v)
		b.Write(raw)
		return err
	})
	b.WriteByte(']')
	return b.Bytes(), err
}

// NoOutput is the output of a cmdlet that writes no objects.
func NoOutput(warnings ...string) Output { return OutputOf[struct{}](nil, warnings...) }

// Error is a failed cmdlet, worded and categorised as PowerShell and
// Exchange do. A transport renders it: the JSON API as its error envelope
// with Status as the HTTP status.
type Error struct {
	Status   int    // HTTP status
	Category string // PowerShell's error category, or Exchange's exception name for directory errors
	Message  string
	Cmdlet   string
	Position int // the 1-based position of an invalid -Filter
}

// Error is the category and the message.
func (e *Error) Error() string { return e.Category + ": " + e.Message }

// InvalidArgument is a parameter binding error (400 InvalidArgument).
func InvalidArgument(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Category: "InvalidArgument", Message: fmt.Sprintf(format, args...)}
}

// Ambiguous is Exchange's ManagementObjectAmbiguousException: an identity
// that matches several objects.
func Ambiguous(identity string) *Error {
	return &Error{Status: http.StatusBadRequest, Category: "ManagementObjectAmbiguous",
		Message: fmt.Sprintf("The operation couldn't be performed because '%s' matches multiple entries.", identity)}
}

// parserError is a parameters object that is not JSON's.
func parserError(detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Category: "ParserError", Message: "The request couldn't be read: " + detail}
}

// Def is one cmdlet of a Registry: its name, its aliases, its parameter
// struct and its run function, which takes a context of type S (the
// simulator's server). Make one with Cmdlet.
type Def[S any] struct {
	name    string
	aliases []string
	names   map[string]string // lower-case name or alias → as spelt
	params  reflect.Type      // the parameter struct
	fields  []paramField
	run     func(ctx S, params any) (Output, error)
}

// paramField is one parameter: a field of the parameter struct, named as
// the parameter, whose pointer is a Param. A field tagged
// `ps:"mandatory"` must be given; a Bool tagged `ps:"switch"` is a SwitchParameter
// (the tags combine: `ps:"mandatory,switch"`).
type paramField struct {
	name      string
	index     []int // for reflect.Value.FieldByIndex: fields of embedded structs count
	mandatory bool
	switch_   bool // a Bool tagged `ps:"switch"`: a SwitchParameter, not a Boolean
}

// Param is the type of a parameter: it binds the JSON value given for the
// parameter name (as the cmdlet spells it). String, Bool, ResultSize,
// Multi, AccessLevel and Characteristic are Params; a cmdlet may declare
// its own.
type Param interface {
	Bind(name string, raw json.RawMessage) error
}

// Cmdlet defines a cmdlet whose parameters are the exported fields of P,
// each of a Param type and named as the parameter; the fields of an
// embedded struct count, so that cmdlets sharing parameters declare them
// once. run gets the context a transport passes to Run and the bound
// parameters. The parameter struct is checked here, when the table is
// built: a field that is not a Param panics.
func Cmdlet[S, P any](name string, aliases []string, run func(S, *P) (Output, error)) *Def[S] {
	t := reflect.TypeFor[P]()
	d := &Def[S]{name: name, aliases: aliases, params: t, names: map[string]string{}}
	for _, n := range append([]string{name}, aliases...) {
		d.names[strings.ToLower(n)] = n
	}
	pv := reflect.TypeFor[Param]()
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			continue
		}
		if !f.IsExported() || !reflect.PointerTo(f.Type).Implements(pv) {
			panic(fmt.Sprintf("admin: parameter %s of %s is not a parameter type", f.Name, name))
		}
		tags := strings.Split(f.Tag.Get("ps"), ",")
		sw := slices.Contains(tags, "switch")
		if sw && f.Type != reflect.TypeFor[Bool]() {
			panic(fmt.Sprintf("admin: parameter %s of %s is tagged switch but is not a Bool", f.Name, name))
		}
		d.fields = append(d.fields, paramField{name: f.Name, index: f.Index, mandatory: slices.Contains(tags, "mandatory"), switch_: sw})
	}
	d.run = func(ctx S, p any) (Output, error) { return run(ctx, p.(*P)) }
	return d
}

// Name is the cmdlet's name (its 2013+ name, not an alias).
func (d *Def[S]) Name() string { return d.name }

// Aliases are the cmdlet's other names (Exchange 2010's).
func (d *Def[S]) Aliases() []string { return append([]string(nil), d.aliases...) }

// Run binds params, a JSON object of parameter names and values (or
// null), and runs the cmdlet with ctx.
func (d *Def[S]) Run(ctx S, params json.RawMessage) (Output, error) {
	p, err := d.bind(params)
	if err != nil {
		return Output{}, err
	}
	return d.run(ctx, p)
}

// commonParameters are PowerShell's common parameters and Exchange's
// -DomainController: accepted by every cmdlet, and ignored.
var commonParameters = []string{"Confirm", "Debug", "DomainController", "ErrorAction", "Verbose", "WarningAction"}

// bind decodes the parameters object into a new parameter struct, as
// PowerShell's binder does: names ignore case and may be unambiguous
// prefixes; unknown, ambiguous, repeated and missing mandatory parameters
// are errors.
func (d *Def[S]) bind(raw json.RawMessage) (any, error) {
	pv := reflect.New(d.params)
	given := map[string]bool{}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if t, err := dec.Token(); err != nil || t != json.Delim('{') {
			return nil, parserError("\"parameters\" must be a JSON object.")
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, parserError(err.Error())
			}
			key := t.(string)
			var value json.RawMessage
			if err := dec.Decode(&value); err != nil {
				return nil, parserError(err.Error())
			}
			name, field, err := d.match(key)
			if err != nil {
				return nil, err
			}
			if given[name] {
				return nil, InvalidArgument("Cannot bind parameter because parameter '%s' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, \"-parameter value1,value2,value3\".", name)
			}
			given[name] = true
			if field == nil {
				continue // a common parameter
			}
			ptr := pv.Elem().FieldByIndex(field.index).Addr().Interface()
			if err := ptr.(Param).Bind(name, value); err != nil {
				return nil, err
			}
			if ps, ok := ptr.(*String); ok && field.mandatory {
				switch {
				case ps.Null:
					return nil, InvalidArgument("Cannot bind argument to parameter '%s' because it is null.", name)
				case strings.TrimSpace(ps.V) == "":
					return nil, InvalidArgument("Cannot bind argument to parameter '%s' because it is an empty string.", name)
				}
			}
		}
	}
	var missing []string
	for _, f := range d.fields {
		if f.mandatory && !given[f.name] {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, InvalidArgument("Cannot process command because of one or more missing mandatory parameters: %s.", strings.Join(missing, " "))
	}
	return pv.Interface(), nil
}

// match finds the parameter key names: exactly, ignoring case, or as the
// prefix of one parameter. field is nil for a common parameter.
func (d *Def[S]) match(key string) (string, *paramField, error) {
	for i := range d.fields {
		if strings.EqualFold(d.fields[i].name, key) {
			return d.fields[i].name, &d.fields[i], nil
		}
	}
	for _, c := range commonParameters {
		if strings.EqualFold(c, key) {
			return c, nil, nil
		}
	}
	var names []string
	var field *paramField
	lower := strings.ToLower(key)
	if key != "" {
		for i := range d.fields {
			if strings.HasPrefix(strings.ToLower(d.fields[i].name), lower) {
				names, field = append(names, d.fields[i].name), &d.fields[i]
			}
		}
		for _, c := range commonParameters {
			if strings.HasPrefix(strings.ToLower(c), lower) {
				names, field = append(names, c), nil
			}
		}
	}
	switch len(names) {
	case 0:
		return "", nil, InvalidArgument("A parameter cannot be found that matches parameter name '%s'.", key)
	case 1:
		return names[0], field, nil
	}
	sort.Strings(names)
	return "", nil, InvalidArgument("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: -%s.", key, strings.Join(names, " -"))
}

// Registry is a table of cmdlets, found by name or alias ignoring case.
// Any transport runs its cmdlets through it.
type Registry[S any] struct {
	defs  []*Def[S]
	index map[string]*Def[S] // by lower-case name or alias
}

// NewRegistry returns the registry of defs. A name or alias defined
// twice panics: the table is a programmer's.
func NewRegistry[S any](defs ...*Def[S]) *Registry[S] {
	r := &Registry[S]{defs: defs, index: map[string]*Def[S]{}}
	for _, d := range defs {
		for n := range d.names {
			if r.index[n] != nil {
				panic("admin: cmdlet " + n + " defined twice")
			}
			r.index[n] = d
		}
	}
	return r
}

// Defs lists the registry's cmdlets in the order they were given.
func (r *Registry[S]) Defs() []*Def[S] { return append([]*Def[S](nil), r.defs...) }

// Get returns the cmdlet named name or one of its aliases, ignoring case,
// or nil.
func (r *Registry[S]) Get(name string) *Def[S] { return r.index[strings.ToLower(name)] }

// Lookup finds a cmdlet as Get does, ignoring surrounding space. It returns the name as the registry
// spells it (the alias, when an alias was given), or PowerShell's error
// for an unknown command (404 ObjectNotFound).
func (r *Registry[S]) Lookup(name string) (*Def[S], string, error) {
	name = strings.TrimSpace(name)
	d := r.Get(name)
	if d == nil {
		return nil, name, &Error{Status: http.StatusNotFound, Category: "ObjectNotFound",
			Message: fmt.Sprintf("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", name)}
	}
	return d, d.names[strings.ToLower(name)], nil
}

// Run finds the cmdlet called name, binds params (a JSON object, or null)
// and runs it with ctx. An *Error it returns names the cmdlet.
func (r *Registry[S]) Run(ctx S, name string, params json.RawMessage) (Output, error) {
	d, spelt, err := r.Lookup(name)
	if err == nil {
		var out Output
		if out, err = d.Run(ctx, params); err == nil {
			return out, nil
		}
	}
	if e, ok := err.(*Error); ok && e.Cmdlet == "" {
		e.Cmdlet = spelt
	}
	return Output{}, err
}

// ParamInfo describes one parameter of a cmdlet, for a transport that
// binds positional arguments and switches itself (Remote PowerShell) and
// for Get-Command.
type ParamInfo struct {
	Name      string
	Mandatory bool
	// Switch is a SwitchParameter (a Bool tagged `ps:"switch"`): given
	// without a value, it is $true. An untagged Bool is a System.Boolean,
	// which needs a value.
	Switch bool
	// Type is the .NET type Exchange declares the parameter with, as
	// Get-Command's ParameterMetadata.ParameterType shows it
	// ("System.String", "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]").
	Type string
}

// PSTyped is a Param that names the .NET type of the parameter it stands
// for. A Param that does not is shown as System.Object.
type PSTyped interface {
	PSType() string
}

// Params lists the cmdlet's own parameters (not the common ones), in the
// order of its parameter struct.
func (d *Def[S]) Params() []ParamInfo {
	out := make([]ParamInfo, 0, len(d.fields))
	for _, f := range d.fields {
		typ := "System.Object"
		if t, ok := reflect.New(d.params.FieldByIndex(f.index).Type).Interface().(PSTyped); ok {
			typ = t.PSType()
		}
		if f.switch_ {
			typ = "System.Management.Automation.SwitchParameter"
		}
		out = append(out, ParamInfo{Name: f.name, Mandatory: f.mandatory, Switch: f.switch_, Type: typ})
	}
	return out
}

// CommonParameters are the parameters every cmdlet accepts (PowerShell's
// common parameters and Exchange's -DomainController).
func CommonParameters() []string { return append([]string(nil), commonParameters...) }
