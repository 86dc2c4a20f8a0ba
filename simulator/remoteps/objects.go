package remoteps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/easlab/easlab/powershell/clixml"
	"github.com/easlab/easlab/simulator/admin"
	"github.com/google/uuid"
)

// eachObject converts a cmdlet's output (a slice of structs with
// Exchange's property names) into PowerShell objects of typeNames, one at
// a time, handing each to fn: each property in the type a remote session
// shows. Times become DateTime, GUIDs Guid, lists string arrays, numbers
// Int32 or Int64; enumerations stay their names, as Exchange serializes
// them for remoting. One object at a time, so a large result is never
// held twice.
func eachObject(v any, typeNames []string, fn func(*clixml.Object) error) error {
	convert := func(item any) error {
		if o, ok := structObject(item, typeNames); ok {
			return fn(o)
		}
		raw, err := json.Marshal(item)
		if err != nil {
			return fmt.Errorf("remoteps: encoding output: %w", err)
		}
		o, err := objectFrom(raw, typeNames)
		if err != nil {
			return err
		}
		return fn(o)
	}
	if st, ok := v.(admin.Stream); ok {
		return st.Each(convert)
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Slice {
		return nil
	}
	for i := range rv.Len() {
		if err := convert(rv.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

// structObject converts a struct of plain fields (strings, booleans,
// integers, pointers to them, string slices), named by their json tags,
// as objectFrom would convert its JSON, without encoding it: the common
// case, and the one a large result repeats. ok is false for any other
// shape, which goes through JSON.
func structObject(item any, typeNames []string) (*clixml.Object, bool) {
	rv := reflect.ValueOf(item)
	if rv.Kind() != reflect.Struct {
		return nil, false
	}
	fields := structFields(rv.Type())
	o := &clixml.Object{TypeNames: typeNames, Props: make([]clixml.Property, 0, len(fields))}
	for _, f := range fields {
		v, ok := plainValue(f.name, rv.Field(f.index))
		if !ok {
			return nil, false
		}
		o.Props = append(o.Props, clixml.Property{Name: f.name, Value: v})
	}
	setToString(o)
	return o, true
}

// field is an exported struct field and the name its json tag gives it.
type field struct {
	index int
	name  string
}

// fieldsByType caches structFields: a type's fields are read once.
var fieldsByType sync.Map // reflect.Type -> []field

// structFields are the fields of rt that JSON writes, in order.
func structFields(rt reflect.Type) []field {
	if f, ok := fieldsByType.Load(rt); ok {
		return f.([]field)
	}
	var fields []field
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, field{i, name})
	}
	fieldsByType.Store(rt, fields)
	return fields
}

// plainValue is a field's value as psValue makes it from its JSON.
func plainValue(name string, v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.String:
		return psValue(name, v.String()), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		if n >= -1<<31 && n < 1<<31 {
			return int32(n), true
		}
		return n, true
	case reflect.Pointer:
		if v.IsNil() {
			return nil, true
		}
		return plainValue(name, v.Elem())
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return nil, false
		}
		if v.IsNil() {
			return nil, true // json writes a nil slice as null
		}
		items := make([]any, v.Len())
		for i := range items {
			items[i] = v.Index(i).String()
		}
		return &clixml.Object{TypeNames: []string{"System.Collections.ArrayList", "System.Object"}, ListKind: "LST", List: items}, true
	}
	return nil, false
}

// setToString gives an object the string PowerShell shows for it: its
// Identity, else its Name.
func setToString(o *clixml.Object) {
	for _, key := range []string{"Identity", "Name"} {
		if v, ok := o.Get(key); ok {
			if s, ok := v.(string); ok {
				o.ToString, o.HasToString = s, true
				return
			}
		}
	}
}

// objectFrom converts one JSON object, keeping its property order.
func objectFrom(raw json.RawMessage, typeNames []string) (*clixml.Object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("remoteps: an output object is not a JSON object")
	}
	o := &clixml.Object{TypeNames: typeNames}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := t.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o.Props = append(o.Props, clixml.Property{Name: name, Value: psValue(name, v)})
	}
	setToString(o)
	return o, nil
}

// psValue is a JSON value as the property's .NET type.
func psValue(name string, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return x
	case json.Number:
		if n, err := x.Int64(); err == nil {
			if n >= -1<<31 && n < 1<<31 {
				return int32(n)
			}
			return n
		}
		f, _ := x.Float64()
		return f
	case string:
		if strings.HasSuffix(name, "Guid") {
			if u, err := uuid.Parse(x); err == nil {
				return clixml.GUID(u)
			}
		}
		if looksLikeTime(name) {
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				if !strings.HasSuffix(x, "Z") {
					// A DateTime of kind Local (WhenCreated): its offset is
					// written even when it is +00:00.
					_, off := t.Zone()
					t = t.In(time.FixedZone("", off))
				}
				return t
			}
		}
		return x
	case []any:
		items := make([]any, 0, len(x))
		for _, it := range x {
			items = append(items, psValue("", it))
		}
		return &clixml.Object{TypeNames: []string{"System.Collections.ArrayList", "System.Object"}, ListKind: "LST", List: items}
	case map[string]any:
		raw, _ := json.Marshal(x)
		return string(raw)
	}
	return fmt.Sprint(v)
}

func looksLikeTime(name string) bool {
	return strings.HasSuffix(name, "Time") || strings.HasPrefix(name, "WhenCreated") || strings.HasPrefix(name, "WhenChanged") ||
		strings.HasSuffix(name, "Sync") || strings.HasSuffix(name, "Date")
}

// jsonValue converts a deserialized PowerShell value into the JSON the
// cmdlet binder reads: hashtables become objects (so @{Add=...} works),
// lists arrays, SecureStrings their decrypted text.
func jsonValue(v any, decrypt func(clixml.SecureString) (string, error), depth int) (any, error) {
	if depth > 16 {
		return nil, fmt.Errorf("a parameter value nested too deeply")
	}
	switch x := v.(type) {
	case nil, bool, string, int32, int64, float64, float32, uint8, int8, int16, uint16, uint32, uint64:
		return x, nil
	case clixml.Char:
		return string(rune(x)), nil
	case clixml.GUID:
		return uuid.UUID(x).String(), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case clixml.Duration:
		return time.Duration(x).String(), nil
	case clixml.Version:
		return string(x), nil
	case clixml.URI:
		return string(x), nil
	case clixml.Decimal:
		return json.Number(x), nil
	case clixml.SecureString:
		if decrypt == nil {
			return nil, fmt.Errorf("a SecureString cannot be read here")
		}
		return decrypt(x)
	case *clixml.Object:
		if isSwitchParameter(x) {
			// A proxy's -Confirm:$false: $PSBoundParameters holds a
			// SwitchParameter, serialized with its IsPresent.
			v, _ := x.Get("IsPresent")
			b, _ := v.(bool)
			return b, nil
		}
		switch {
		case x.Dict != nil:
			m := map[string]any{}
			for _, e := range x.Dict {
				k, err := jsonValue(e.Key, decrypt, depth+1)
				if err != nil {
					return nil, err
				}
				val, err := jsonValue(e.Value, decrypt, depth+1)
				if err != nil {
					return nil, err
				}
				m[fmt.Sprint(k)] = val
			}
			return m, nil
		case x.ListKind != "":
			l := make([]any, 0, len(x.List))
			for _, it := range x.List {
				val, err := jsonValue(it, decrypt, depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, val)
			}
			return l, nil
		case x.Value != nil:
			// An enumeration or a wrapped primitive: its name when it has one.
			if x.HasToString {
				return x.ToString, nil
			}
			return jsonValue(x.Value, decrypt, depth+1)
		case x.HasToString:
			// An object given as a parameter (a piped MobileDevice as
			// -Identity): PowerShell binds its string form.
			if id, ok := x.Get("Identity"); ok {
				return jsonValue(id, decrypt, depth+1)
			}
			return x.ToString, nil
		}
		if id, ok := x.Get("Identity"); ok {
			return jsonValue(id, decrypt, depth+1)
		}
		return nil, fmt.Errorf("an object without a value cannot be bound")
	}
	return fmt.Sprint(v), nil
}

func isSwitchParameter(o *clixml.Object) bool {
	return len(o.TypeNames) > 0 && strings.TrimPrefix(o.TypeNames[0], "Deserialized.") == "System.Management.Automation.SwitchParameter"
}

// appendJSON appends the JSON of a parameter value (what jsonValue
// returns) to b: what json.Marshal writes for it, less its reflection,
// which was a tenth of a cmdlet's own time over /PowerShell. Objects'
// keys are sorted, as json.Marshal sorts them; a value of another type
// is left to json.Marshal.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		for i := 0; i < len(x); i++ {
			if c := x[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshal(b, x)
			}
		}
		b = append(b, '"')
		b = append(b, x...)
		return append(b, '"'), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case json.Number:
		if x == "" || !json.Valid([]byte(x)) {
			return appendMarshal(b, x)
		}
		return append(b, x...), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, k); err != nil {
				return nil, err
			}
			b = append(b, ':')
			if b, err = appendJSON(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return appendMarshal(b, v)
}

func appendMarshal(b []byte, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}
