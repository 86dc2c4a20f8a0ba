package clixml

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func mustParseGUID(t *testing.T, s string) GUID {
	t.Helper()
	g, err := ParseGUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPrimitives(t *testing.T) {
	est := time.FixedZone("", -5*3600)
	tests := []struct {
		v    any
		want string
	}{
		{nil, `<Nil />`},
		{"a<b>&\"'", `<S>a&lt;b&gt;&amp;&quot;&apos;</S>`},
		{"line1\r\nline2\ttab", `<S>line1_x000D__x000A_line2_x0009_tab</S>`},
		{"actual_x000A_string", `<S>actual_x005F_x000A_string</S>`},
		{"_X and _y", `<S>_x005F_X and _y</S>`},
		{"\U00010437 \u0085", `<S>_xD801__xDC37_ _x0085_</S>`},
		{"こんにちは", `<S>こんにちは</S>`},
		{Char('a'), `<C>97</C>`},
		{true, `<B>true</B>`},
		{false, `<B>false</B>`},
		{time.Date(2018, 6, 13, 23, 46, 27, 927028800, time.UTC), `<DT>2018-06-13T23:46:27.9270288Z</DT>`},
		{time.Date(2018, 6, 13, 23, 46, 28, 5160000, time.FixedZone("", 0)), `<DT>2018-06-13T23:46:28.00516+00:00</DT>`},
		{time.Date(2008, 4, 11, 10, 42, 32, 0, est), `<DT>2008-04-11T10:42:32-05:00</DT>`},
		{Duration(9*time.Second + 26902600*time.Nanosecond), `<TS>PT9.0269026S</TS>`},
		{Duration(26 * time.Hour), `<TS>P1DT2H</TS>`},
		{Duration(0), `<TS>PT0S</TS>`},
		{Duration(-90 * time.Second), `<TS>-PT1M30S</TS>`},
		{uint8(200), `<By>200</By>`},
		{int8(-100), `<SB>-100</SB>`},
		{uint16(65535), `<U16>65535</U16>`},
		{int16(-32768), `<I16>-32768</I16>`},
		{uint32(4294967295), `<U32>4294967295</U32>`},
		{int32(-2147483648), `<I32>-2147483648</I32>`},
		{uint64(18446744073709551615), `<U64>18446744073709551615</U64>`},
		{int64(-9223372036854775808), `<I64>-9223372036854775808</I64>`},
		{float32(12.34), `<Sg>12.34</Sg>`},
		{float64(-0.5), `<Db>-0.5</Db>`},
		{math.Inf(1), `<Db>INF</Db>`},
		{math.Inf(-1), `<Db>-INF</Db>`},
		{Decimal("-12.50"), `<D>-12.50</D>`},
		{[]byte{1, 2, 3, 255}, `<BA>AQID/w==</BA>`},
		{[]byte{}, `<BA></BA>`},
		{mustParseGUID(t, "792E5B37-4505-47EF-B7D2-8711BB7AFFA8"), `<G>792e5b37-4505-47ef-b7d2-8711bb7affa8</G>`},
		{URI("http://www.microsoft.com/"), `<URI>http://www.microsoft.com/</URI>`},
		{Version("6.2.1.3"), `<Version>6.2.1.3</Version>`},
		{XMLDocument(`<item><name>laptop</name></item>`), `<XD>&lt;item&gt;&lt;name&gt;laptop&lt;/name&gt;&lt;/item&gt;</XD>`},
		{ScriptBlock("get-command -type cmdlet"), `<SBK>get-command -type cmdlet</SBK>`},
		{SecureString{0xde, 0xad}, `<SS>3q0=</SS>`},
	}
	for _, tt := range tests {
		got, err := Marshal(tt.v)
		if err != nil {
			t.Errorf("Marshal(%#v): %v", tt.v, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%#v) = %s, want %s", tt.v, got, tt.want)
		}
		back, err := Unmarshal(got)
		if err != nil {
			t.Errorf("Unmarshal(%s): %v", got, err)
			continue
		}
		if !equal(back, tt.v) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", got, back, tt.v)
		}
	}
	// NaN, and int's two encodings.
	if b, _ := Marshal(math.NaN()); string(b) != `<Db>NaN</Db>` {
		t.Errorf("NaN: %s", b)
	}
	if v, err := Unmarshal([]byte(`<Db>NaN</Db>`)); err != nil || !math.IsNaN(v.(float64)) {
		t.Errorf("NaN back: %v %v", v, err)
	}
	if b, _ := Marshal(5); string(b) != `<I32>5</I32>` {
		t.Errorf("int 5: %s", b)
	}
	if b, _ := Marshal(1 << 40); string(b) != `<I64>1099511627776</I64>` {
		t.Errorf("int 1<<40: %s", b)
	}
}

func TestDecodeForms(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`<S>_x0041__x0062_</S>`, "Ab"},
		{`<S>_X0041_</S>`, "A"},
		{`<S>_x0001F600_</S>`, "\U0001F600"},
		{`<S>_xD801_</S>`, "\uFFFD"},
		{`<S>_x12_ _x_ _xZZZZ_</S>`, "_x12_ _x_ _xZZZZ_"},
		{`<S></S>`, ""},
		{`<S/>`, ""},
		{`<S><![CDATA[a<b]]></S>`, "a<b"},
		{`<B> 1 </B>`, true},
		{`<B>0</B>`, false},
		{`<I32> 42 </I32>`, int32(42)},
		{`<DT>2018-06-13T23:46:28</DT>`, time.Date(2018, 6, 13, 23, 46, 28, 0, time.UTC)},
		{`<DT>2018-06-13T23:46:28.123456789Z</DT>`, time.Date(2018, 6, 13, 23, 46, 28, 123456700, time.UTC)},
		{`<TS>P1Y2M3DT4H5M6.5S</TS>`, Duration((365+60+3)*24*time.Hour + 4*time.Hour + 5*time.Minute + 6500*time.Millisecond)},
		{`<TS>PT1.123456789S</TS>`, Duration(1123456700 * time.Nanosecond)},
		{`<G>{792E5B37-4505-47EF-B7D2-8711BB7AFFA8}</G>`, mustParseGUID(t, "792e5b37-4505-47ef-b7d2-8711bb7affa8")},
		{"<BA>AQ\nID</BA>", []byte{1, 2, 3}},
		{"\xef\xbb\xbf<?xml version=\"1.0\"?><!-- c --><S>x</S>\n", "x"},
	}
	for _, tt := range tests {
		got, err := Unmarshal([]byte(tt.in))
		if err != nil {
			t.Errorf("Unmarshal(%q): %v", tt.in, err)
			continue
		}
		if !equal(got, tt.want) {
			t.Errorf("Unmarshal(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{
		``, `   `, `<S>a</S><S>b</S>`, `text`, `<I32>x</I32>`, `<I32>2147483648</I32>`, `<By>-1</By>`,
		`<B>yes</B>`, `<DT>yesterday</DT>`, `<DT>0000-01-01T00:00:00Z</DT>`, `<TS>P</TS>`, `<TS>PT</TS>`,
		`<TS>P1H</TS>`, `<TS>P99999999999999999999D</TS>`, `<TS>PT1.S</TS>`, `<D>1e5</D>`, `<G>nope</G>`,
		`<BA>!!</BA>`, `<S><S/></S>`, `<Foo/>`, `<Obj><Foo/></Obj>`, `<Obj><Obj/><S/></Obj>`,
		`<Obj><I32>1</I32><S>x</S></Obj>`, `<Obj><LST/><DCT/></Obj>`, `<Obj><TN/><TN/></Obj>`,
		`<Obj><TNRef RefId="0"/></Obj>`, `<Ref RefId="0"/>`, `<Ref/>`, `<Obj RefId="0"><MS><Obj N="a" RefId="0"/></MS></Obj>`,
		`<Obj><DCT><En><S N="Key">a</S></En></DCT></Obj>`, `<Obj><DCT><S/></DCT></Obj>`,
		`<Obj><DCT><En><S N="Key">a</S><S N="Key">b</S></En></DCT></Obj>`, `<Obj><TN><S/></TN></Obj>`,
		`<Nil>x</Nil>`, `<S>unterminated`, `<Obj><MS>`, `<S>&bogus;</S>`,
		`<!DOCTYPE x [<!ENTITY a "b">]><S>&a;</S>`, "<S>\xff</S>",
	} {
		v, err := Unmarshal([]byte(in))
		if err == nil {
			t.Errorf("Unmarshal(%q) = %#v, want error", in, v)
			continue
		}
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrLimit) {
			t.Errorf("Unmarshal(%q): %v wraps neither ErrInvalid nor ErrLimit", in, err)
		}
		if !strings.HasPrefix(err.Error(), "clixml: ") {
			t.Errorf("Unmarshal(%q): error %q lacks the package prefix", in, err)
		}
	}
}

func TestErrorContext(t *testing.T) {
	_, err := Unmarshal([]byte(`<Obj RefId="0"><MS><Obj N="a" RefId="1"><MS><Obj N="b" RefId="2"><Props><I32 N="x">y</I32></Props></Obj></MS></Obj></MS></Obj>`))
	if err == nil || !strings.Contains(err.Error(), "clixml: <I32> at depth 3: ") {
		t.Errorf("error %v lacks context", err)
	}
}

func TestObjects(t *testing.T) {
	shared := &Object{TypeNames: []string{"Shared"}, ToString: "s", HasToString: true}
	enum := &Object{
		TypeNames:   []string{"System.Management.Automation.Runspaces.PSThreadOptions", "System.Enum", "System.ValueType", "System.Object"},
		ToString:    "Default",
		HasToString: true,
		Value:       int32(0),
	}
	root := &Object{
		TypeNames: []string{"Test.Root", "System.Object"},
		Members: []Property{
			{"MinRunspaces", int32(1)},
			{"PSThreadOptions", enum},
			{"ApartmentState", &Object{TypeNames: enum.TypeNames, ToString: "STA", HasToString: true, Value: int32(0)}},
			{"HostInfo", &Object{Members: []Property{{"_isHostNull", true}}}},
			{"List", &Object{ListKind: "LST", List: []any{"a", int32(1), nil, shared}}},
			{"Stack", &Object{ListKind: "STK", List: []any{}}},
			{"Queue", &Object{ListKind: "QUE", List: []any{Char('q')}}},
			{"Enumerable", &Object{ListKind: "IE", List: []any{true}}},
			{"Table", &Object{TypeNames: []string{"System.Collections.Hashtable", "System.Object"}, Dict: []Entry{{"Add", "ApplX1"}, {int32(2), shared}, {shared, nil}}}},
			{"EmptyTable", &Object{Dict: []Entry{}}},
			{"Shared again", shared},
			{"Name with _x and \n and \"", "v"},
			{"", "empty name"},
		},
		Props: []Property{{"Adapted", "yes"}, {"NilProp", nil}},
	}
	b, err := Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`<Obj RefId="0"><TN RefId="0"><T>Test.Root</T><T>System.Object</T></TN><Props><S N="Adapted">yes</S><Nil N="NilProp" /></Props><MS><I32 N="MinRunspaces">1</I32>`,
		`<Obj N="ApartmentState" RefId="2"><TNRef RefId="1" /><ToString>STA</ToString><I32>0</I32></Obj>`,
		`<Ref N="Shared again" RefId="`,
		`<S N="Name with _x005F_x and _x000A_ and &quot;">v</S>`,
		`<DCT><En><S N="Key">Add</S><S N="Value">ApplX1</S></En>`,
		`<STK></STK>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Marshal output lacks %s\n%s", want, s)
		}
	}
	v, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*Object)
	if !equal(got, root) {
		t.Fatalf("round trip differs:\n%s", s)
	}
	l, _ := got.Get("list")
	sh, _ := got.Get("SHARED AGAIN")
	if l.(*Object).List[3] != sh {
		t.Error("a repeated object did not decode to one pointer")
	}
	if got.String("adapted") != "yes" || got.String("MinRunspaces") != "" {
		t.Error("String")
	}
	if _, ok := got.Get("missing"); ok {
		t.Error("Get(missing)")
	}
	tn := got.Members[1].Value.(*Object).DeserializedTypeNames()
	if tn[0] != "Deserialized.System.Management.Automation.Runspaces.PSThreadOptions" {
		t.Errorf("DeserializedTypeNames = %v", tn)
	}
	if (&Object{TypeNames: []string{"Deserialized.X"}}).DeserializedTypeNames()[0] != "Deserialized.X" {
		t.Error("DeserializedTypeNames added a second prefix")
	}
	if (&Object{}).DeserializedTypeNames() != nil {
		t.Error("DeserializedTypeNames of none")
	}
}

func TestCycle(t *testing.T) {
	a := &Object{TypeNames: []string{"A"}}
	bObj := &Object{ListKind: "LST", List: []any{a}}
	a.Members = []Property{{"Self", a}, {"B", bObj}}
	out, err := Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `<Obj RefId="0"><TN RefId="0"><T>A</T></TN><MS><Ref N="Self" RefId="0" /><Obj N="B" RefId="1"><LST><Ref RefId="0" /></LST></Obj></MS></Obj>`
	if string(out) != want {
		t.Errorf("Marshal = %s\nwant %s", out, want)
	}
	v, err := Unmarshal(out)
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*Object)
	if self, _ := got.Get("Self"); self != got {
		t.Error("cycle did not decode to a pointer cycle")
	}
	if b, _ := got.Get("B"); b.(*Object).List[0] != got {
		t.Error("cycle through a list")
	}
	if !equal(got, a) {
		t.Error("cycle round trip differs")
	}
}

func TestConvenienceTypes(t *testing.T) {
	b, err := Marshal(map[string]any{"b": 2, "a": []any{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<Obj RefId="0"><TN RefId="0"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><S N="Key">a</S><Obj N="Value" RefId="1"><TN RefId="1"><T>System.Object[]</T><T>System.Array</T><T>System.Object</T></TN><LST><S>x</S></LST></Obj></En><En><S N="Key">b</S><I32 N="Value">2</I32></En></DCT></Obj>`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestMarshalErrors(t *testing.T) {
	deep := &Object{}
	for i := 0; i < DefaultLimits.MaxDepth; i++ {
		deep = &Object{Members: []Property{{"x", deep}}}
	}
	for _, v := range []any{
		struct{}{}, Decimal("1,5"), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		&Object{Value: []any{}}, &Object{Value: int32(1), ListKind: "LST"}, &Object{ListKind: "XYZ"},
		&Object{Members: []Property{{"bad", make(chan int)}}}, deep,
	} {
		if b, err := Marshal(v); err == nil {
			t.Errorf("Marshal(%T) = %s, want error", v, b)
		}
	}
	if _, err := Marshal(deep); !errors.Is(err, ErrLimit) {
		t.Errorf("deep: %v", err)
	}
}

func TestEncoderDecoderStream(t *testing.T) {
	var sb strings.Builder
	e := NewEncoder(&sb)
	o := &Object{TypeNames: []string{"T"}}
	if err := e.Encode(o); err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(struct{}{}); err == nil {
		t.Fatal("unsupported type accepted")
	}
	if err := e.Encode(&Object{TypeNames: []string{"T"}, Members: []Property{{"prev", o}}}); err != nil {
		t.Fatal(err)
	}
	want := `<Obj RefId="0"><TN RefId="0"><T>T</T></TN></Obj><Obj RefId="1"><TNRef RefId="0" /><MS><Ref N="prev" RefId="0" /></MS></Obj>`
	if sb.String() != want {
		t.Errorf("stream = %s\nwant %s", sb.String(), want)
	}
	d := NewDecoder(strings.NewReader(`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`+sb.String()+`</Objs>`), DefaultLimits)
	v1, err := d.Decode()
	if err != nil {
		t.Fatal(err)
	}
	v2, err := d.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := v2.(*Object).Get("prev"); p != v1 {
		t.Error("Ref across the stream")
	}
	if _, err := d.Decode(); err == nil || err.Error() != "EOF" {
		t.Errorf("end: %v", err)
	}
}
