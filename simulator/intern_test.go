package simulator

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestInternerShares: equal strings from different requests come back as
// one copy, owned by none of them; past maxInterned they are copied, not
// kept.
func TestInternerShares(t *testing.T) {
	in := &interner{}
	line1 := "POST /x?DeviceType=iPhone HTTP/1.1"
	line2 := strings.Clone(line1)
	a := in.intern(line1[len(line1)-15 : len(line1)-9])
	b := in.intern(line2[len(line2)-15 : len(line2)-9])
	if a != "iPhone" || b != "iPhone" {
		t.Fatalf("intern = %q, %q", a, b)
	}
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("two equal strings were not shared")
	}
	if unsafe.StringData(a) == unsafe.StringData(line1[len(line1)-15:]) {
		t.Error("the interned string is a slice of the request's line")
	}
	for i := range maxInterned + 10 {
		in.intern("ua" + strconv.Itoa(i))
	}
	if len(in.m) != maxInterned {
		t.Errorf("the interner holds %d strings, want at most %d", len(in.m), maxInterned)
	}
	var none *interner
	if s := none.intern(line1[5:7]); s != "/x" || unsafe.StringData(s) == unsafe.StringData(line1[5:]) {
		t.Errorf("a nil interner returned %q, not a copy", s)
	}
}

// TestPartnershipKeepsNoRequestLine: a new partnership's DeviceId,
// DeviceType and User-Agent are not slices of the strings they came in.
func TestPartnershipKeepsNoRequestLine(t *testing.T) {
	m := NewMailbox()
	m.names = &interner{}
	line := "DeviceId=ABC123&DeviceType=iPhone&UA=Apple-iPhone/1"
	id, typ, ua := line[9:15], line[27:33], line[37:]
	m.lock()
	d := m.deviceLocked(id, typ, ua, time.Now())
	m.unlock()
	if d.DeviceID != "ABC123" || d.DeviceType != "iPhone" || d.DeviceUserAgent != "Apple-iPhone/1" {
		t.Fatalf("partnership %q %q %q", d.DeviceID, d.DeviceType, d.DeviceUserAgent)
	}
	for _, s := range []string{d.DeviceID, d.DeviceType, d.DeviceUserAgent} {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(unsafe.StringData(line)))
		if p >= start && p < start+uintptr(len(line)) {
			t.Errorf("%q is a slice of the request's line", s)
		}
	}
}
