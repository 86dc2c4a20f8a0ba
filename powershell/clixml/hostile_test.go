package clixml

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

func TestHostileDeepNesting(t *testing.T) {
	const n = 100000
	in := strings.Repeat(`<Obj><MS><Obj N="a">`, n) + strings.Repeat(`</Obj></MS></Obj>`, n)
	_, err := Unmarshal([]byte(in))
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "at depth 51") {
		t.Fatalf("deep nesting: %v", err)
	}
	// Nesting right at the limit is fine.
	ok := strings.Repeat(`<Obj><LST>`, 50) + strings.Repeat(`</LST></Obj>`, 50)
	if _, err := Unmarshal([]byte(ok)); err != nil {
		t.Fatalf("50 levels: %v", err)
	}
	if _, err := UnmarshalLimits([]byte(ok), Limits{MaxDepth: 10}); !errors.Is(err, ErrLimit) {
		t.Fatalf("MaxDepth 10: %v", err)
	}
}

func TestHostileSizes(t *testing.T) {
	l := Limits{MaxBytes: 1 << 20, MaxStringBytes: 1 << 10}
	big := []byte("<S>" + strings.Repeat("a", 2<<20) + "</S>")
	if _, err := UnmarshalLimits(big, l); !errors.Is(err, ErrLimit) {
		t.Fatalf("input over MaxBytes: %v", err)
	}
	// Refused before any work proportional to the input.
	if n := testing.AllocsPerRun(10, func() { UnmarshalLimits(big, l) }); n > 10 {
		t.Errorf("refusing an oversized input made %v allocations", n)
	}
	// 64 KiB, a 32nd of the input: the runtime's own goroutines allocate a
	// few KiB now and then (4 KiB failed once under load), work
	// proportional to the input would be megabytes.
	if a := allocated(func() { UnmarshalLimits(big, l) }); a > 64<<10 {
		t.Errorf("refusing an oversized input allocated %d bytes", a)
	}
	str := []byte("<S>" + strings.Repeat("a", 2<<10) + "</S>")
	if _, err := UnmarshalLimits(str, l); !errors.Is(err, ErrLimit) {
		t.Fatalf("string over MaxStringBytes: %v", err)
	}
	name := []byte(`<Obj><MS><S N="` + strings.Repeat("n", 2<<10) + `">x</S></MS></Obj>`)
	if _, err := UnmarshalLimits(name, l); !errors.Is(err, ErrLimit) {
		t.Fatalf("name over MaxStringBytes: %v", err)
	}
	many := []byte("<Obj><LST>" + strings.Repeat("<Nil/>", 1000) + "</LST></Obj>")
	if _, err := UnmarshalLimits(many, Limits{MaxObjects: 500}); !errors.Is(err, ErrLimit) {
		t.Fatalf("values over MaxObjects: %v", err)
	}
	if _, err := UnmarshalLimits(many, Limits{MaxObjects: 1001}); err != nil {
		t.Fatalf("1001 values under MaxObjects 1001: %v", err)
	}
}

// TestHostileRefs builds "billion laughs" out of <Ref>: each level is a
// list holding ten references to the level below, so a naive walk would
// visit 10^40 objects. Decoding, re-encoding and comparing must stay
// linear in the input.
func TestHostileRefs(t *testing.T) {
	const levels = 40
	var in string
	{
		var inner strings.Builder
		inner.WriteString(`<Obj RefId="0"><TN RefId="0"><T>Laugh</T></TN><S>lol</S></Obj>`)
		for i := 1; i <= levels; i++ {
			var lvl strings.Builder
			fmt.Fprintf(&lvl, `<Obj RefId="%d"><LST>`, i)
			if i == 1 {
				lvl.WriteString(inner.String())
				for j := 1; j < 10; j++ {
					lvl.WriteString(`<Ref RefId="0"/>`)
				}
			} else {
				lvl.WriteString(inner.String())
				for j := 1; j < 10; j++ {
					fmt.Fprintf(&lvl, `<Ref RefId="%d"/>`, i-1)
				}
			}
			lvl.WriteString(`</LST></Obj>`)
			inner.Reset()
			inner.WriteString(lvl.String())
		}
		in = inner.String()
	}
	var v any
	var err error
	a := allocated(func() { v, err = Unmarshal([]byte(in)) })
	if err != nil {
		t.Fatal(err)
	}
	if a > 200*uint64(len(in))+1<<20 {
		t.Errorf("decoding %d bytes allocated %d", len(in), a)
	}
	out, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > 2*len(in) {
		t.Errorf("re-encoding grew %d bytes to %d", len(in), len(out))
	}
	v2, err := Unmarshal(out)
	if err != nil || !equal(v, v2) {
		t.Fatalf("round trip: %v", err)
	}
	leaf := v.(*Object)
	for leaf.ListKind != "" {
		leaf = leaf.List[0].(*Object)
	}
	if tn := leaf.DeserializedTypeNames(); len(tn) != 1 || tn[0] != "Deserialized.Laugh" {
		t.Errorf("DeserializedTypeNames = %v", tn)
	}

	// Many references to one big object cost a pointer each.
	var big strings.Builder
	big.WriteString(`<Obj RefId="0"><LST><Obj RefId="1"><MS>`)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&big, `<S N="p%d">%s</S>`, i, strings.Repeat("x", 100))
	}
	big.WriteString(`</MS></Obj>`)
	big.WriteString(strings.Repeat(`<Ref RefId="1"/>`, 100000))
	big.WriteString(`</LST></Obj>`)
	a = allocated(func() { v, err = Unmarshal([]byte(big.String())) })
	if err != nil {
		t.Fatal(err)
	}
	if a > 100*uint64(big.Len()) {
		t.Errorf("decoding %d bytes of refs allocated %d", big.Len(), a)
	}
}

func TestHostileRefLoop(t *testing.T) {
	in := `<Obj RefId="0"><TN RefId="0"><T>Loop</T></TN><MS><Ref N="self" RefId="0"/><Obj N="b" RefId="1"><MS><Ref N="a" RefId="0"/></MS></Obj></MS></Obj>`
	v, err := Unmarshal([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if s, _ := o.Get("self"); s != o {
		t.Fatal("self reference")
	}
	out, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `<Obj RefId="0"><TN RefId="0"><T>Loop</T></TN><MS><Ref N="self" RefId="0" /><Obj N="b" RefId="1"><MS><Ref N="a" RefId="0" /></MS></Obj></MS></Obj>` {
		t.Errorf("re-encoded loop: %s", out)
	}
}

func TestHostileMarkup(t *testing.T) {
	for _, in := range []string{
		`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><S>&lol2;</S>`,
		`<!DOCTYPE S SYSTEM "file:///etc/passwd"><S>x</S>`,
		`<S>&xxe;</S>`,
		`<?xml version="1.0" encoding="UTF-16"?><S>x</S>`,
		`<Obj><MS><Script N="x"/></MS></Obj>`,
		`<Obj RefId="0"><LST><Ref RefId="99"/></LST></Obj>`,
		`<Obj><TNRef RefId="7"/></Obj>`,
	} {
		if _, err := Unmarshal([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Unmarshal(%q): %v", in, err)
		}
	}
}

// TestHostileTruncated decodes every prefix of real messages.
func TestHostileTruncated(t *testing.T) {
	msgs := vectorMessages(t)
	done := 0
	for _, m := range msgs {
		if len(m.clixml) < 200 || len(m.clixml) > 4000 {
			continue
		}
		for i := 0; i < len(m.clixml)-1; i++ {
			if _, err := Unmarshal(m.clixml[:i]); err == nil && len(strings.TrimSpace(string(m.clixml[:i]))) > 0 {
				// A prefix may be a complete element only if the rest is
				// whitespace.
				if strings.TrimSpace(string(m.clixml[i:])) != "" {
					t.Errorf("%s: prefix of %d bytes decoded", m.file, i)
				}
			}
		}
		done++
		if done == 5 {
			break
		}
	}
	if done == 0 {
		t.Fatal("no messages to truncate")
	}
}
