package psrp

import (
	"errors"
	"testing"
)

// fuzzLimits are small so that the fuzzer reaches them.
var fuzzLimits = Limits{MaxMessageBytes: 4096, MaxPending: 4}

// FuzzAssembler feeds a fragment stream, cut in two at a point the
// fuzzer chooses, to an Assembler. It checks that nothing panics, that
// every error wraps ErrFragment and that what the Assembler keeps stays
// within its Limits. The corpus in testdata/fuzz/FuzzAssembler holds the
// decoded fragment streams of the recorded pypsrp sessions.
func FuzzAssembler(f *testing.F) {
	one := AppendFragment(nil, Fragment{ObjectID: 1, Start: true, End: true, Blob: make([]byte, HeaderLen)})
	f.Add(one, uint16(0))
	f.Add(AppendFragment(one, Fragment{ObjectID: 2, FragmentID: 1, End: true, Blob: []byte("x")}), uint16(5))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}, uint16(0))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16) {
		a := Assembler{Limits: fuzzLimits}
		c := int(cut) % (len(stream) + 1)
		for _, part := range [][]byte{stream[:c], stream[c:]} {
			msgs, err := a.Feed(part)
			if err != nil && !errors.Is(err, ErrFragment) {
				t.Fatalf("error does not wrap ErrFragment: %v", err)
			}
			for _, m := range msgs {
				if m == nil {
					t.Fatal("nil message")
				}
				if len(m.Data)+HeaderLen > fuzzLimits.MaxMessageBytes {
					t.Fatalf("a %d-byte message passed the limit of %d", len(m.Data)+HeaderLen, fuzzLimits.MaxMessageBytes)
				}
			}
			if a.Pending() > fuzzLimits.MaxPending {
				t.Fatalf("%d messages pending, over the limit of %d", a.Pending(), fuzzLimits.MaxPending)
			}
			for id, p := range a.pending {
				if len(p.data) > fuzzLimits.MaxMessageBytes {
					t.Fatalf("object %d keeps %d bytes, over the limit", id, len(p.data))
				}
			}
		}
	})
}
