package clixml

import (
	"errors"
	"testing"
)

var fuzzSeeds = []string{
	`<S>a_x000D__x000A_b_x005F_x</S>`,
	`<Obj RefId="0"><TN RefId="0"><T>A</T></TN><ToString>t</ToString><I32>1</I32><MS><Ref N="self" RefId="0"/><Obj N="b" RefId="1"><TNRef RefId="0"/><DCT><En><S N="Key">k</S><TS N="Value">PT1.5S</TS></En></DCT></Obj></MS></Obj>`,
	`<Obj RefId="0"><LST><DT>2018-06-13T23:46:28.00516+00:00</DT><G>792e5b37-4505-47ef-b7d2-8711bb7affa8</G><BA>AQID</BA><D>1.5</D><Sg>1E+20</Sg></LST></Obj>`,
	`<!DOCTYPE x [<!ENTITY a "b">]><S>&a;</S>`,
	`<Obj><MS><Obj N="a"><MS><Obj N="a">`,
	`<Obj RefId="0"><LST><Ref RefId="0"/><Ref RefId="9"/></LST></Obj>`,
}

// FuzzUnmarshal checks that no input makes Unmarshal panic and that every
// error wraps ErrInvalid or ErrLimit. The corpus in testdata/fuzz holds
// real CLIXML from the recorded sessions.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := UnmarshalLimits(data, Limits{MaxBytes: 1 << 16})
		if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrLimit) {
			t.Fatalf("error wraps neither ErrInvalid nor ErrLimit: %v", err)
		}
	})
}

// FuzzRoundTrip checks that whatever Unmarshal accepts, Marshal writes
// and Unmarshal reads back as an equal tree, and that Marshal is then
// stable.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := UnmarshalLimits(data, Limits{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of a decoded tree: %v", err)
		}
		v2, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(x)): %v\n%s", err, out)
		}
		if !equal(v, v2) {
			t.Fatalf("round trip differs:\n%s\n%s", data, out)
		}
		out2, err := Marshal(v2)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("Marshal not stable: %v\n%s\n%s", err, out, out2)
		}
	})
}
