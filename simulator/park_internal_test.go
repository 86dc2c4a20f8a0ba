package simulator

import (
	"net/http"
	"reflect"
	"testing"
	"unsafe"

	"github.com/easlab/easlab/eas"
)

// TestPackHeaderRoundTrip: a parked call's headers come back as they
// were, names spelled as set (request-id, MS-ASProtocolVersions) and every
// value in order; with only, the other names are left out.
func TestPackHeaderRoundTrip(t *testing.T) {
	h := http.Header{
		"request-id":            {"0f8fad5b-d9cb-469f-a165-70867728950e"},
		"MS-ASProtocolVersions": {"2.5,12.0,12.1,14.0,14.1,16.0,16.1"},
		"Cache-Control":         {"private"},
		"Set-Cookie":            {"a=1", "b=2"},
		"Empty":                 {},
	}
	got := http.Header{}
	unpackHeader(got, packHeader(h, nil))
	want := h.Clone()
	delete(want, "Empty")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %v\nwant %v", got, want)
	}
	only := http.Header{}
	unpackHeader(only, packHeader(h, []string{"Set-Cookie", "User-Agent"}))
	if want := (http.Header{"Set-Cookie": {"a=1", "b=2"}}); !reflect.DeepEqual(only, want) {
		t.Errorf("only Set-Cookie and User-Agent: got %v, want %v", only, want)
	}
	if p := packHeader(http.Header{"X": {"1"}}, []string{"User-Agent"}); p != nil {
		t.Errorf("nothing kept: got %q, want nil", p)
	}
}

// TestPackDressedRoundTrip: a parked answer's headers come back as they
// were set, the dressing included, though the call keeps only what is not
// the dressing as dress set it: a dressing header changed or deleted by
// the handler comes back changed or deleted.
func TestPackDressedRoundTrip(t *testing.T) {
	s := &Server{profile: eas.DefaultProfile(), dir: NewDirectory(Organization{Domain: "contoso.com"})}
	s.dressPairs = s.dressPairsOf()
	h := http.Header{}
	s.dress(h)
	if len(h) < 4 {
		t.Fatalf("the dressing is %v", h)
	}
	h.Set(headerRetryAfter, "30")
	h[headerServer] = []string{"changed"}
	delete(h, headerPoweredBy)
	pairs, mask := s.packDressed(h)
	got := http.Header{}
	s.unpackDressed(got, pairs, mask)
	if !reflect.DeepEqual(got, h) {
		t.Errorf("round trip:\n got %v\nwant %v", got, h)
	}
	// request-id, Retry-After and the changed Server are kept.
	if len(pairs) != 6 {
		t.Errorf("kept %q, want request-id, Retry-After and Server", pairs)
	}
}

// TestCallAndPartnershipSizes holds the two structs every held Ping keeps
// (its call; its partnership) to the size classes they were cut to: a
// field that pushes one over costs each of 19,000 held devices the next
// class's 64 or 128 bytes. Move rare fields to callRare, or group the
// small ones, rather than raise the bound.
func TestCallAndPartnershipSizes(t *testing.T) {
	if n := unsafe.Sizeof(call{}); n > 512 {
		t.Errorf("call is %d bytes, over 512", n)
	}
	if n := unsafe.Sizeof(Device{}); n > 640 {
		t.Errorf("Device is %d bytes, over 640", n)
	}
}
