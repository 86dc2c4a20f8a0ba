package admin

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// counter is the context the test cmdlets run with.
type counter struct{ runs int }

type setParams struct {
	Identity   String `ps:"mandatory"`
	Enabled    Bool
	EnabledIDs Multi
	ResultSize ResultSize
}

func testRegistry() *Registry[*counter] {
	set := func(c *counter, p *setParams) (Output, error) {
		c.runs++
		return OutputOf([]string{p.Identity.V}, strings.Join(p.EnabledIDs.Apply([]string{"a", "b"}), ",")), nil
	}
	return NewRegistry(Cmdlet("Set-Thing", []string{"Set-OldThing"}, set))
}

func TestRegistryRun(t *testing.T) {
	r := testRegistry()
	for _, tc := range []struct {
		name, params string
		want         string // the warning (the applied list), or the error
	}{
		{"Set-Thing", `{"Identity": "x", "EnabledIDs": ["c"]}`, "c"},
		{" set-oldthing ", `{"identity": "x", "EnabledIDs": {"Add": "c", "Remove": ["A"]}}`, "b,c"},
		{"Set-Thing", `{"Id": "x", "Confirm": false, "EnabledIDs": null}`, ""},
		{"Set-Thing", `{"Enabled": true}`, "InvalidArgument: Cannot process command because of one or more missing mandatory parameters: Identity."},
		{"Set-Thing", `{"Identity": ""}`, "InvalidArgument: Cannot bind argument to parameter 'Identity' because it is an empty string."},
		{"Set-Thing", `{"Identity": "x", "E": 1}`, "InvalidArgument: Parameter cannot be processed because the parameter name 'E' is ambiguous. Possible matches include: -Enabled -EnabledIDs -ErrorAction."},
		{"Set-Thing", `{"Identity": "x", "identity": "y"}`, "InvalidArgument: Cannot bind parameter because parameter 'Identity' is specified more than once."},
		{"Set-Thing", `{"Identity": "x", "ResultSize": "lots"}`, "InvalidArgument: Cannot bind parameter 'ResultSize'. Cannot convert value \"lots\""},
		{"Set-Thing", `["Identity"]`, "ParserError: The request couldn't be read: \"parameters\" must be a JSON object."},
		{"Get-Thing", `{}`, "ObjectNotFound: The term 'Get-Thing' is not recognized as the name of a cmdlet"},
	} {
		c := &counter{}
		out, err := r.Run(c, tc.name, json.RawMessage(tc.params))
		got := ""
		if err != nil {
			got = err.Error()
			var e *Error
			if !errors.As(err, &e) || e.Cmdlet == "" {
				t.Errorf("%s %s: %#v does not name the cmdlet", tc.name, tc.params, err)
			}
		} else {
			got = strings.Join(out.Warnings, "")
			if c.runs != 1 || !slices.Equal(out.Objects.([]string), []string{"x"}) {
				t.Errorf("%s %s: ran %d times, output %v", tc.name, tc.params, c.runs, out.Objects)
			}
		}
		if !strings.HasPrefix(got, tc.want) || (err == nil) != !strings.Contains(tc.want, ": ") {
			t.Errorf("%s %s:\n got %q\nwant %q", tc.name, tc.params, got, tc.want)
		}
	}
}

func TestRegistryLookup(t *testing.T) {
	r := testRegistry()
	d, spelt, err := r.Lookup("SET-OLDTHING")
	if err != nil || spelt != "Set-OldThing" || d.Name() != "Set-Thing" || r.Get("set-thing") != d || len(r.Defs()) != 1 {
		t.Errorf("Lookup: %v %q %v", d, spelt, err)
	}
}

func TestCmdletTableChecks(t *testing.T) {
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", what)
			}
		}()
		f()
	}
	mustPanic("a field that is not a parameter", func() {
		Cmdlet("Get-X", nil, func(*counter, *struct{ N int }) (Output, error) { return NoOutput(), nil })
	})
	mustPanic("a name defined twice", func() {
		run := func(*counter, *struct{}) (Output, error) { return NoOutput(), nil }
		NewRegistry(Cmdlet("Get-X", nil, run), Cmdlet("Get-Y", []string{"get-x"}, run))
	})
}
