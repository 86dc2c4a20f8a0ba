package clixml

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/smnsjas/go-psrpcore/serialization"
)

// The oracle is go-psrpcore's serialization package, an independent CLIXML
// implementation. What it cannot be used to check:
//   - it neither writes nor reads PowerShell's _xHHHH_ string escaping, so
//     strings here avoid control characters, "_x" and non-BMP characters;
//   - it decodes only <Nil> <S> <I32> <I64> <B> <Db> <BA> <G> <DT> <SS>
//     <Version> <Obj> <Ref> (it reads <SB>, which is SByte, as a script
//     block, and skips <C> <TS> <By> <U16> <I16> <U32> <U64> <Sg> <D> <URI>
//     <XD> <SBK> to nil), so those types are checked by round trips and the
//     recorded vectors only;
//   - it keeps only the last of <Props> and <MS> (in one map) and drops an
//     object's own value (an enum's <I32>), so objects are compared through
//     their <MS> members, with <Props> checked only where they are alone;
//   - it writes DateTime with up to nine fractional digits (RFC 3339),
//     which .NET and this package hold to 100 ns, so times are whole ticks.

func oracleDecode(t *testing.T, b []byte) any {
	t.Helper()
	d := serialization.NewDeserializer()
	defer d.Close()
	vs, err := d.Deserialize(b)
	if err != nil {
		t.Fatalf("oracle cannot decode %s: %v", b, err)
	}
	if len(vs) != 1 {
		t.Fatalf("oracle decoded %d values from %s", len(vs), b)
	}
	return vs[0]
}

func oracleEncode(t *testing.T, v any) []byte {
	t.Helper()
	s := serialization.NewSerializer()
	defer s.Close()
	b, err := s.SerializeRaw(v)
	if err != nil {
		t.Fatalf("oracle cannot encode %#v: %v", v, err)
	}
	return append([]byte(nil), b...)
}

func TestOracleDecodesOurs(t *testing.T) {
	when := time.Date(2024, 2, 29, 13, 14, 15, 123456700, time.UTC)
	g := mustParseGUID(t, "792e5b37-4505-47ef-b7d2-8711bb7affa8")
	tests := []struct {
		ours, theirs any
	}{
		{nil, nil},
		{"plain <&> \"text\" with\nLF? no", nil}, // replaced below
		{int32(-7), int32(-7)},
		{int64(1) << 40, int64(1) << 40},
		{true, true},
		{1.25e20, 1.25e20},
		{[]byte{0, 1, 2, 250}, []byte{0, 1, 2, 250}},
		{g, uuid.UUID(g)},
		{when, when},
		{Version("2.3"), "2.3"},
		{map[string]any{"Add": "ApplX1", "n": int32(2)}, map[string]any{"Add": "ApplX1", "n": int32(2)}},
		{[]any{"a", int32(1), nil}, []any{"a", int32(1), nil}},
	}
	tests[1] = struct{ ours, theirs any }{"plain <&> \"text\" 'q' こんにちは", "plain <&> \"text\" 'q' こんにちは"}
	for _, tt := range tests {
		b, err := Marshal(tt.ours)
		if err != nil {
			t.Fatal(err)
		}
		got := oracleDecode(t, b)
		if !reflect.DeepEqual(got, tt.theirs) {
			t.Errorf("oracle decoded %s as %#v, want %#v", b, got, tt.theirs)
		}
	}

	// An object: the oracle sees type names, ToString and <MS>.
	o := &Object{
		TypeNames:   []string{"Test.Thing", "System.Object"},
		ToString:    "thing",
		HasToString: true,
		Members:     []Property{{"Name", "x"}, {"When", when}, {"Inner", &Object{Members: []Property{{"Deep", true}}}}},
	}
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := oracleDecode(t, b).(*serialization.PSObject)
	if !ok {
		t.Fatalf("oracle decoded %s as %T", b, got)
	}
	if !reflect.DeepEqual(got.TypeNames, o.TypeNames) || got.ToString != "thing" ||
		got.Properties["Name"] != "x" ||
		!reflect.DeepEqual(got.Properties["When"], when) {
		t.Errorf("oracle decoded %s as %+v", b, got)
	}
	if in, ok := got.Properties["Inner"].(*serialization.PSObject); !ok || in.Properties["Deep"] != true {
		t.Errorf("oracle decoded Inner as %#v", got.Properties["Inner"])
	}
	b, err = Marshal(&Object{Props: []Property{{"Adapted", int32(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := oracleDecode(t, b).(*serialization.PSObject); !ok || got.Properties["Adapted"] != int32(1) {
		t.Errorf("oracle decoded %s as %#v", b, got)
	}
}

func TestOursDecodesOracle(t *testing.T) {
	when := time.Date(2024, 2, 29, 13, 14, 15, 123456700, time.UTC)
	u := uuid.MustParse("792e5b37-4505-47ef-b7d2-8711bb7affa8")
	tests := []struct {
		theirs, ours any
	}{
		{"plain <&> \"text\" 'q' こんにちは\nnext", "plain <&> \"text\" 'q' こんにちは\nnext"},
		{7, int32(7)},
		{int32(-7), int32(-7)},
		{int64(1) << 40, int64(1) << 40},
		{false, false},
		{0.1, 0.1},
		{[]byte{9, 8, 7}, []byte{9, 8, 7}},
		{u, GUID(u)},
		{when, when},
	}
	for _, tt := range tests {
		b := oracleEncode(t, tt.theirs)
		got, err := Unmarshal(b)
		if err != nil {
			t.Errorf("Unmarshal(%s): %v", b, err)
			continue
		}
		if !equal(got, tt.ours) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", b, got, tt.ours)
		}
	}

	// A hashtable, a list and an object with members and properties.
	b := oracleEncode(t, &serialization.PSObject{
		TypeNames:         []string{"Test.Thing", "System.Object"},
		ToString:          "thing",
		Members:           map[string]any{"Table": map[string]any{"Add": "ApplX1"}, "List": []any{"a", int32(1)}},
		OrderedMemberKeys: []string{"Table", "List"},
		Properties:        map[string]any{"P": int64(5)},
	})
	v, err := Unmarshal(b)
	if err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	want := &Object{
		TypeNames:   []string{"Test.Thing", "System.Object"},
		ToString:    "thing",
		HasToString: true,
		Members: []Property{
			{"Table", &Object{TypeNames: []string{"System.Collections.Hashtable", "System.Object"}, Dict: []Entry{{"Add", "ApplX1"}}}},
			{"List", &Object{TypeNames: []string{"System.Object[]", "System.Array", "System.Object"}, ListKind: "LST", List: []any{"a", int32(1)}}},
		},
		Props: []Property{{"P", int64(5)}},
	}
	if !equal(v, want) {
		t.Errorf("Unmarshal(%s) = %+v", b, v)
	}
}
