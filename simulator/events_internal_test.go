package simulator

import "testing"

// TestEventLogKeepsTheLastMaxEvents: past maxEvents, readers see exactly
// the last maxEvents events, however many the log holds between trims.
func TestEventLogKeepsTheLastMaxEvents(t *testing.T) {
	l := newEventLog()
	const n = 2*maxEvents + maxEvents/2
	for i := 0; i < n; i++ {
		l.Emit(Event{Kind: "DeviceStamped"})
	}
	got, _ := l.Since(0)
	if len(got) != maxEvents || got[0].ID != n-maxEvents+1 || got[len(got)-1].ID != n {
		t.Fatalf("after %d events: %d kept, ids %d..%d; want the last %d (%d..%d)", n, len(got), got[0].ID, got[len(got)-1].ID, maxEvents, n-maxEvents+1, n)
	}
	if len(l.events) >= 2*maxEvents {
		t.Errorf("the log holds %d events, never trimmed", len(l.events))
	}
}

// BenchmarkEventLogEmit: an event into a full log (maxEvents kept). It was
// a copy of the whole log per event.
func BenchmarkEventLogEmit(b *testing.B) {
	l := newEventLog()
	for i := 0; i < 2*maxEvents; i++ {
		l.Emit(Event{Kind: "DeviceStamped"})
	}
	for b.Loop() {
		l.Emit(Event{Kind: "DeviceStamped"})
	}
}
