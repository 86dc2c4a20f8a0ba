package simulator

import (
	"net/http"
	"reflect"
	"testing"
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
