package psrp

import (
	"errors"
	"testing"
)

// msgBytes is a whole message of n bytes (a 40-byte header and padding).
func msgBytes(n int) []byte {
	m := &Message{Destination: ToServer, Type: PipelineInput, Data: make([]byte, n-HeaderLen)}
	return m.Bytes()
}

func frag(obj, id uint64, start, end bool, blob []byte) []byte {
	return AppendFragment(nil, Fragment{ObjectID: obj, FragmentID: id, Start: start, End: end, Blob: blob})
}

// TestAssemblerHostile feeds fragments a hostile or broken peer could send;
// each must be refused with ErrFragment, without a panic.
func TestAssemblerHostile(t *testing.T) {
	lim := Limits{MaxMessageBytes: 1000, MaxPending: 2}
	msg := msgBytes(100)
	cases := []struct {
		name  string
		feeds [][]byte
	}{
		{"out of order", [][]byte{frag(1, 0, true, false, msg[:50]), frag(1, 2, false, true, msg[50:])}},
		{"fragment repeated", [][]byte{frag(1, 0, true, false, msg[:50]), frag(1, 0, false, false, msg[:50])}},
		{"missing start", [][]byte{frag(1, 1, false, true, msg)}},
		{"start not fragment 0", [][]byte{frag(1, 3, true, true, msg)}},
		{"duplicate start", [][]byte{frag(1, 0, true, false, msg[:50]), frag(1, 0, true, false, msg[:50])}},
		{"whole message over MaxMessageBytes", [][]byte{frag(1, 0, true, true, msgBytes(1001))}},
		{"growing over MaxMessageBytes", [][]byte{frag(1, 0, true, false, make([]byte, 600)), frag(1, 1, false, false, make([]byte, 600))}},
		{"too many pending", [][]byte{frag(1, 0, true, false, msg[:10]), frag(2, 0, true, false, msg[:10]), frag(3, 0, true, false, msg[:10])}},
		{"truncated header", [][]byte{frag(1, 0, true, true, msg)[:20]}},
		{"length past the stream", [][]byte{frag(1, 0, true, true, msg)[:60]}},
		{"length 2^32-1", [][]byte{{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff}}},
		{"message shorter than its header", [][]byte{frag(1, 0, true, true, msg[:39])}},
		{"bad destination", [][]byte{frag(1, 0, true, true, append([]byte{9, 0, 0, 0}, msg[4:]...))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Assembler{Limits: lim}
			var err error
			for _, f := range c.feeds {
				if _, err = a.Feed(f); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrFragment) {
				t.Fatalf("err = %v, want ErrFragment", err)
			}
			if a.Pending() > lim.MaxPending {
				t.Errorf("%d pending, over %d", a.Pending(), lim.MaxPending)
			}
		})
	}

	// The same message in order, cut at fragment boundaries across two
	// Feeds, is accepted.
	a := Assembler{Limits: lim}
	var stream []byte
	for _, f := range Split(7, msg, 13) {
		stream = AppendFragment(stream, f)
	}
	for cut := 0; cut <= len(stream); cut += 17 {
		a = Assembler{Limits: lim}
		m1, err1 := a.Feed(stream[:cut-cut%(FragmentHeaderLen+13)])
		m2, err2 := a.Feed(stream[cut-cut%(FragmentHeaderLen+13):])
		if err1 != nil || err2 != nil || len(m1)+len(m2) != 1 {
			t.Fatalf("cut %d: %v %v, %d messages", cut, err1, err2, len(m1)+len(m2))
		}
	}
}
