package admin

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/easlab/easlab/simulator/access"
)

// Parameter types. Each records whether it was given (Set); the binder
// fills it from the JSON value with its Bind method.

// String is a string parameter (also an identity or a filter). Null: it
// was given as null ($null).
type String struct {
	Set, Null bool
	V         string
}

// Bind reads a string, a number or a Boolean; null sets Null.
func (p *String) Bind(name string, raw json.RawMessage) error {
	p.Set = true
	switch v := DecodeValue(raw).(type) {
	case nil:
		p.Null = true
	case string:
		p.V = v
	case json.Number:
		p.V = v.String()
	case bool:
		p.V = map[bool]string{true: "True", false: "False"}[v]
	default:
		return InvalidArgument("Cannot bind parameter '%s'. Cannot convert the \"%s\" value of type \"%s\" to type \"System.String\".", name, PSTypeOf(v), PSTypeOf(v))
	}
	return nil
}

// Bool is a Boolean parameter or a switch.
type Bool struct {
	Set bool
	V   bool
}

// Bind reads a Boolean, a number (non-zero is true), "$true" or "$false".
func (p *Bool) Bind(name string, raw json.RawMessage) error {
	p.Set = true
	switch v := DecodeValue(raw).(type) {
	case bool:
		p.V = v
		return nil
	case json.Number:
		f, err := v.Float64()
		if err == nil {
			p.V = f != 0
			return nil
		}
	case string:
		if b, ok := map[string]bool{"$true": true, "$false": false}[strings.ToLower(strings.TrimSpace(v))]; ok {
			p.V = b
			return nil
		}
	case nil:
		return InvalidArgument("Cannot process argument transformation on parameter '%s'. Cannot convert null to type \"System.Boolean\".", name)
	}
	return InvalidArgument("Cannot process argument transformation on parameter '%s'. Cannot convert value \"%s\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.", name, PSTypeOf(DecodeValue(raw)))
}

// ResultSize is -ResultSize: a number or Unlimited. Without it a Get-
// cmdlet returns at most DefaultResultSize objects.
type ResultSize struct {
	Set       bool
	Unlimited bool
	N         int
}

// DefaultResultSize is how many objects a Get- cmdlet returns without
// -ResultSize.
const DefaultResultSize = 1000

// resultSizeWarning is the warning of a default ResultSize that cut the
// output.
const resultSizeWarning = `By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify "-ResultSize Unlimited". Be aware that, depending upon the actual number of items, returning all items can take a long time and consume a large amount of memory. Also, we don't recommend storing the results in a variable. Instead, pipe the results to another task or script to perform batch changes.`

// Bind reads "Unlimited" or a number from 0 to 4294967295.
func (p *ResultSize) Bind(name string, raw json.RawMessage) error {
	p.Set = true
	v := DecodeValue(raw)
	text := scalarText(v)
	if strings.EqualFold(text, "Unlimited") {
		p.Unlimited = true
		return nil
	}
	if n, err := strconv.ParseUint(text, 10, 32); err == nil {
		p.N = int(n)
		return nil
	}
	return InvalidArgument("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"Microsoft.Exchange.Data.Unlimited`1[System.UInt32]\". Error: \"The value must be \"Unlimited\" or a number from 0 to 4294967295.\"", name, ValueText(v))
}

// Limit is the most objects to return; -1 means all.
func (p *ResultSize) Limit() int {
	switch {
	case p.Unlimited:
		return -1
	case p.Set:
		return p.N
	}
	return DefaultResultSize
}

// moreResultsWarning is the warning of an explicit -ResultSize that cut
// the output (Exchange's WarningMoreResultsAvailable).
const moreResultsWarning = "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."

// Cut truncates items to the result size rs. It returns Exchange's
// warning when the size cut them: Exchange's Get- tasks warn when they
// find one object more than the result size, with one wording for the
// default size and another for a size given with -ResultSize (Exchange
// 2013 CU23 GetTaskBase.WriteResult: WarningDefaultResultSizeReached,
// WarningMoreResultsAvailable).
func Cut[T any](items []T, rs *ResultSize) ([]T, []string) {
	n := rs.Limit()
	if n < 0 || len(items) <= n {
		return items, nil
	}
	if !rs.Set {
		return items[:n], []string{resultSizeWarning}
	}
	return items[:n], []string{moreResultsWarning}
}

// Multi is a multi-valued string parameter: a replacement list (also
// null, which clears it) or changes (@{Add=...; Remove=...}).
type Multi struct {
	Set     bool
	Delta   bool
	Replace []string // the new value, unless Delta
	Add     []string // Delta: values to add
	Remove  []string // Delta: values to remove
}

// Bind reads a list, a single value, null (an empty list) or the changes
// {"Add": ..., "Remove": ...} (also "+" and "-").
func (p *Multi) Bind(name string, raw json.RawMessage) error {
	p.Set = true
	v := DecodeValue(raw)
	if v == nil {
		p.Replace = []string{}
		return nil
	}
	if _, ok := v.(map[string]any); ok {
		return p.bindChanges(name, raw)
	}
	list, err := multiValues(name, v)
	if err != nil {
		return err
	}
	for i, a := range list {
		for _, b := range list[:i] {
			if strings.EqualFold(a, b) {
				return InvalidArgument("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"The value \"%s\" is already present in the collection.\"", name, name, a)
			}
		}
	}
	p.Replace = list
	return nil
}

// bindChanges reads @{Add=...; Remove=...} in order, as Exchange's
// changes-only copy does: a value added then removed (or removed then
// added) cancels out.
func (p *Multi) bindChanges(name string, raw json.RawMessage) error {
	p.Delta = true
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.Token() // {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return InvalidArgument("Cannot bind parameter '%s': %v", name, err)
		}
		key := strings.TrimSpace(t.(string))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return InvalidArgument("Cannot bind parameter '%s': %v", name, err)
		}
		var add bool
		switch strings.ToLower(key) {
		case "add", "+":
			add = true
		case "remove", "-":
		default:
			return InvalidArgument("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"The operation \"%s\" isn't supported. Use one of 'Add', '+' to add values or 'Remove', '-' to remove values.\"", name, name, key)
		}
		list, err := multiValues(name, DecodeValue(value))
		if err != nil {
			return err
		}
		for _, x := range list {
			if add {
				if i := indexExact(p.Remove, x); i >= 0 {
					p.Remove = append(p.Remove[:i], p.Remove[i+1:]...)
				} else {
					p.Add = append(p.Add, x)
				}
			} else {
				if i := indexExact(p.Add, x); i >= 0 {
					p.Add = append(p.Add[:i], p.Add[i+1:]...)
				} else {
					p.Remove = append(p.Remove, x)
				}
			}
		}
	}
	return nil
}

// Apply returns the parameter's new value of a property whose value is
// cur. cur is not modified.
func (p *Multi) Apply(cur []string) []string {
	if !p.Delta {
		return append([]string{}, p.Replace...)
	}
	out := append([]string{}, cur...)
	for _, r := range p.Remove {
		if i := IndexFold(out, r); i >= 0 {
			out = append(out[:i], out[i+1:]...)
		}
	}
	for _, a := range p.Add {
		if IndexFold(out, a) < 0 {
			out = append(out, a)
		}
	}
	return out
}

// Values lists every value the parameter names, for validation.
func (p *Multi) Values() []string {
	if !p.Delta {
		return p.Replace
	}
	return append(append([]string{}, p.Add...), p.Remove...)
}

func indexExact(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// IndexFold finds s in list ignoring case, as Exchange's
// MultiValuedProperty does, or returns -1.
func IndexFold(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

// multiValues reads a list or a single value of a multi-valued parameter.
func multiValues(name string, v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var s string
		switch it := it.(type) {
		case string:
			s = strings.TrimSpace(it)
		case json.Number:
			s = it.String()
		default:
			return nil, InvalidArgument("Cannot bind parameter '%s'. Cannot convert the \"%s\" value of type \"%s\" to type \"System.String\".", name, ValueText(it), PSTypeOf(it))
		}
		if s == "" {
			return nil, InvalidArgument("Cannot bind parameter '%s' to the target. Exception setting \"%s\": \"The value can't be empty.\"", name, name)
		}
		out = append(out, s)
	}
	return out, nil
}

// AccessLevel is an access.Level parameter (Exchange's DeviceAccessLevel).
type AccessLevel struct {
	Set bool
	V   access.Level
}

// Bind reads Allow, Block or Quarantine, or its number.
func (p *AccessLevel) Bind(name string, raw json.RawMessage) error {
	p.Set = true
	n, err := BindEnum(name, raw, "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessLevel",
		EnumNames(access.LevelAllow, access.LevelBlock, access.LevelQuarantine), nil)
	p.V = access.Level(n)
	return err
}

// Characteristic is an access.Characteristic parameter (Exchange's
// DeviceAccessCharacteristic).
type Characteristic struct {
	Set bool
	V   access.Characteristic
}

// Bind reads DeviceType, DeviceModel, DeviceOS, UserAgent or XMSWLHeader,
// or its number.
func (p *Characteristic) Bind(name string, raw json.RawMessage) error {
	p.Set = true
	n, err := BindEnum(name, raw, "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessCharacteristic",
		EnumNames(access.CharacteristicDeviceType, access.CharacteristicDeviceModel, access.CharacteristicDeviceOS, access.CharacteristicUserAgent, access.CharacteristicXMSWLHeader), nil)
	p.V = access.Characteristic(n)
	return err
}

// EnumNames returns the names of an enumeration's values, which must be
// 0, 1, 2, ... in order, as BindEnum takes them.
func EnumNames[T interface {
	~int
	String() string
}](values ...T) []string {
	names := make([]string, len(values))
	for i, v := range values {
		if int(v) != i {
			panic("simulator: EnumNames: values out of order")
		}
		names[i] = v.String()
	}
	return names
}

// BindEnum reads an enumeration value by name (ignoring case) or number,
// with PowerShell's error for anything else. values are the values of
// names, in order; nil means 0, 1, 2, ...
func BindEnum(name string, raw json.RawMessage, typeName string, names []string, values []int) (int, error) {
	valueOf := func(i int) int {
		if values == nil {
			return i
		}
		return values[i]
	}
	v := DecodeValue(raw)
	switch v := v.(type) {
	case string:
		for i, n := range names {
			if strings.EqualFold(strings.TrimSpace(v), n) {
				return valueOf(i), nil
			}
		}
	case json.Number:
		if n, err := v.Int64(); err == nil {
			for i := range names {
				if int64(valueOf(i)) == n {
					return valueOf(i), nil
				}
			}
		}
	}
	return 0, InvalidArgument("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Error: \"Unable to match the identifier name %s to a valid enumerator name. Specify one of the following enumerator names and try again:\n%s\"", name, ValueText(v), typeName, ValueText(v), strings.Join(names, ", "))
}

// scalarText is the text of a string, without surrounding space, or of
// a number; "" for any other value.
func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	}
	return ""
}

// DecodeValue decodes a JSON value with numbers kept as json.Number.
func DecodeValue(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// PSTypeOf names a JSON value's type as PowerShell would see it.
func PSTypeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "System.String"
	case bool:
		return "System.Boolean"
	case json.Number:
		return "System.Int32"
	case []any:
		return "System.Object[]"
	}
	return "System.Collections.Hashtable"
}

// ValueText renders a value in an error message.
func ValueText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	case bool:
		return map[bool]string{true: "True", false: "False"}[v]
	}
	return PSTypeOf(v)
}

// The .NET types of Exchange's parameters these Params stand for, as
// Get-Command shows them (PSTyped). A Bool tagged `ps:"switch"` is a
// SwitchParameter instead.

func (*String) PSType() string     { return "System.String" }
func (*Bool) PSType() string       { return "System.Boolean" }
func (*ResultSize) PSType() string { return "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]" }
func (*Multi) PSType() string      { return "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]" }
func (*AccessLevel) PSType() string {
	return "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessLevel"
}
func (*Characteristic) PSType() string {
	return "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessCharacteristic"
}
