package eas

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// post returns a POST to the EAS path with the raw query and headers given
// as name, value pairs.
func post(rawQuery string, headers ...string) *http.Request {
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Add(headers[i], headers[i+1])
	}
	return &http.Request{
		Method: http.MethodPost,
		URL:    &url.URL{Path: Path, RawQuery: rawQuery},
		Header: h,
	}
}

// b64 encodes bytes as a base64 query.
func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// specVector is MS-ASHTTP's worked example of the base64 query
// (protocol.md 1.3).
const specVector = "jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l"

// TestBase64SpecVector decodes the spec's example field by field.
func TestBase64SpecVector(t *testing.T) {
	raw, err := base64.StdEncoding.DecodeString(specVector)
	if err != nil {
		t.Fatal(err)
	}
	wantRaw := append(append([]byte{0x8C, 0x00, 0x09, 0x04, 0x0A}, "v140Device"...), append([]byte{0x00, 0x0A}, "SmartPhone"...)...)
	if !bytes.Equal(raw, wantRaw) {
		t.Fatalf("layout = % X\nwant     % X", raw, wantRaw)
	}

	req, err := ParseRequest(post(specVector))
	if err != nil {
		t.Fatal(err)
	}
	fields := []struct {
		name      string
		got, want any
	}{
		{"form", req.Form, Base64Query},
		{"protocol version (0x8C)", req.ProtocolVersion, Version140},
		{"command code (0x00)", req.Command, CommandSync},
		{"locale (09 04)", req.Locale, uint16(0x0409)},
		{"device ID (0x0A bytes)", req.DeviceID, "v140Device"},
		{"policy key (length 0)", req.HasPolicyKey, false},
		{"device type (0x0A bytes)", req.DeviceType, "SmartPhone"},
		{"user (no tag 8)", req.User, ""},
		{"options (no tag 7)", req.Options, Options(0)},
	}
	for _, f := range fields {
		if f.got != f.want {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	// Building it again gives the same bytes.
	if q, err := req.Query(); err != nil || q != specVector {
		t.Errorf("Query() = %q, %v; want %q", q, err, specVector)
	}
}

// TestPlainSpecExample parses and rebuilds MS-ASHTTP's example request
// (protocol.md 1.10).
func TestPlainSpecExample(t *testing.T) {
	const q = "Cmd=FolderSync&User=fakename&DeviceId=v140Device&DeviceType=SmartPhone"
	req, err := ParseRequest(post(q, "MS-ASProtocolVersion", "14.0", "User-Agent", "ASOM", "Content-Type", ContentTypeWBXML))
	if err != nil {
		t.Fatal(err)
	}
	want := Request{Form: PlainQuery, Command: CommandFolderSync, User: "fakename", DeviceID: "v140Device",
		DeviceType: "SmartPhone", ProtocolVersion: Version140, UserAgent: "ASOM"}
	if *req != want {
		t.Errorf("got  %+v\nwant %+v", *req, want)
	}
	if got, err := req.Query(); err != nil || got != q {
		t.Errorf("Query() = %q, %v", got, err)
	}
}

// fullLayout is a base64 layout using every section: version 14.1,
// SmartReply, locale, device id, policy key, device type, CollectionId and
// Options.
func fullLayout() []byte {
	b := []byte{0x8D, 0x03, 0x09, 0x04}
	b = append(b, 10)
	b = append(b, "v141Device"...)
	b = append(b, 4, 0x78, 0x56, 0x34, 0x12)
	b = append(b, 10)
	b = append(b, "SmartPhone"...)
	b = append(b, tagCollectionID, 3, 'a', 'b', 'c')
	b = append(b, tagOptions, 1, byte(OptionSaveInSent))
	return b
}

// TestBase64Truncated cuts the layout after every byte and checks that the
// error names the field being read, or that the prefix is a whole request.
func TestBase64Truncated(t *testing.T) {
	full := fullLayout()
	if req, err := ParseRequest(post(b64(full))); err != nil {
		t.Fatalf("full layout: %v", err)
	} else if req.PolicyKey != 0x12345678 || req.CollectionID != "abc" || !req.SaveInSent() || req.Command != CommandSmartReply {
		t.Fatalf("full layout parsed as %+v", req)
	}
	// The field being read when the bytes run out, by prefix length; ""
	// means the prefix is a complete request.
	field := func(n int) string {
		switch {
		case n == 1:
			return "command code"
		case n <= 3:
			return "locale"
		case n == 4:
			return "device ID length"
		case n <= 14:
			return "device ID"
		case n == 15:
			return "policy key length"
		case n <= 19:
			return "policy key"
		case n == 20:
			return "device type length"
		case n <= 30:
			return "device type"
		case n == 31:
			return ""
		case n == 32:
			return "parameter 1 value length"
		case n <= 35:
			return "parameter 1 value"
		case n == 36:
			return ""
		case n == 37:
			return "parameter 7 value length"
		case n == 38:
			return "parameter 7 value"
		}
		return ""
	}
	for n := 1; n < len(full); n++ {
		_, err := ParseRequest(post(b64(full[:n])))
		want := field(n)
		if want == "" {
			if err != nil {
				t.Errorf("prefix %d: %v, want a complete request", n, err)
			}
			continue
		}
		se, ok := AsStatusError(err)
		if !ok {
			t.Errorf("prefix %d: error %v, want a truncation of %s", n, err, want)
			continue
		}
		if se.Field != "base64 query: "+want || se.HTTPStatus != 400 || se.Status != 0 ||
			!strings.Contains(se.Message, "truncated") {
			t.Errorf("prefix %d: %+v, want truncated %q", n, se, want)
		}
	}
}

// layout builds a base64 layout from parts.
func layout(version, cmd byte, id, key, typ []byte, params ...byte) string {
	b := []byte{version, cmd, 0x09, 0x04, byte(len(id))}
	b = append(b, id...)
	b = append(b, byte(len(key)))
	b = append(b, key...)
	b = append(b, byte(len(typ)))
	b = append(b, typ...)
	return b64(append(b, params...))
}

// TestParseRequestErrors checks each malformed request: the field named, the
// HTTP status and the EAS status Exchange would give.
func TestParseRequestErrors(t *testing.T) {
	id, typ := []byte("v140Device"), []byte("SmartPhone")
	const okQuery = "Cmd=Sync&User=u&DeviceId=dev1&DeviceType=iPhone"
	v141 := []string{"MS-ASProtocolVersion", "14.1"}
	withQuery := func(q string) string { return q }
	tests := []struct {
		name    string
		query   string
		headers []string
		field   string
		http    int
		status  Status
	}{
		// Base64 form.
		{"bad base64 length", "jAAJB", nil, "query", 400, 0},
		{"base64 without padding", strings.TrimRight(layout(0x8C, 0, id, nil, []byte("SP")), "="), nil, "query", 400, 0},
		{"policy key length 3", layout(0x8C, 0, id, []byte{1, 2, 3}, typ), nil, "base64 query: policy key length", 400, 0},
		{"unknown parameter tag", layout(0x8C, 0, id, nil, typ, 9, 1, 'x'), nil, "base64 query: parameter tag", 400, 0},
		{"options of 2 bytes", layout(0x8C, 0, id, nil, typ, tagOptions, 2, 1, 2), nil, "base64 query: Options", 400, 0},
		{"unassigned command code 5", layout(0x8C, 5, id, nil, typ), nil, "base64 query: command code", 501, StatusCommandNotSupported},
		{"command code 24", layout(0x8C, 24, id, nil, typ), nil, "base64 query: command code", 501, StatusCommandNotSupported},
		{"unknown version byte", layout(99, 0, id, nil, typ), nil, "base64 query: protocol version", 400, StatusVersionNotSupported},
		{"version 12.0 in base64", layout(120, 0, id, nil, typ), nil, "base64 query: protocol version", 400, StatusVersionNotSupported},
		{"version 2.5 in base64", layout(25, 0, id, nil, typ), nil, "base64 query: protocol version", 400, StatusVersionNotSupported},
		{"Find in 14.1 base64", layout(0x8D, 23, id, nil, typ), nil, "base64 query: protocol version", 400, StatusVersionNotSupported},
		{"empty device ID", layout(0x8C, 0, nil, nil, typ), nil, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"binary device ID of 17 bytes", layout(0x8C, 0, bytes.Repeat([]byte{0xFF}, 17), nil, typ), nil, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"text device ID of 33", layout(0x8C, 0, bytes.Repeat([]byte{'a'}, 33), nil, typ), nil, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"empty device type", layout(0x8C, 0, id, nil, nil), nil, "DeviceType", 400, StatusDeviceTypeMissingOrInvalid},
		{"device type with '-'", layout(0x8C, 0, id, nil, []byte("SM-G900")), nil, "DeviceType", 400, StatusDeviceTypeMissingOrInvalid},

		// Plain form: command.
		{"no query", "", v141, "Cmd", 501, StatusCommandNotSupported},
		{"missing Cmd", "User=u&DeviceId=dev1&DeviceType=iPhone", v141, "Cmd", 501, StatusCommandNotSupported},
		{"empty Cmd", "Cmd=&User=u&DeviceId=dev1&DeviceType=iPhone", v141, "Cmd", 501, StatusCommandNotSupported},
		{"unknown Cmd", "Cmd=Frobnicate&User=u&DeviceId=dev1&DeviceType=iPhone", v141, "Cmd", 501, StatusCommandNotSupported},
		{"Autodiscover is no Cmd", "Cmd=Autodiscover&User=u&DeviceId=dev1&DeviceType=iPhone", v141, "Cmd", 501, StatusCommandNotSupported},
		{"repeated Cmd", "Cmd=Sync&cmd=Sync&User=u&DeviceId=dev1&DeviceType=iPhone", v141, "Cmd", 501, StatusCommandNotSupported},
		{"not base64 either", "jAAJBAp2MTQw!", v141, "Cmd", 501, StatusCommandNotSupported},

		// Plain form: device.
		{"missing DeviceId", "Cmd=Sync&User=u&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"empty DeviceId", "Cmd=Sync&User=u&DeviceId=&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"DeviceId of 33", "Cmd=Sync&User=u&DeviceId=" + strings.Repeat("A", 33) + "&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"DeviceId with '-'", "Cmd=Sync&User=u&DeviceId=abc-123&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"DeviceId with '_'", "Cmd=Sync&User=u&DeviceId=abc_123&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"DeviceId with a space", "Cmd=Sync&User=u&DeviceId=abc+123&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"DeviceId with a comma", "Cmd=Sync&User=u&DeviceId=abc%2C123&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"repeated DeviceId", "Cmd=Sync&User=u&DeviceId=a&DeviceId=b&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"DeviceId with an emoji", "Cmd=Sync&User=u&DeviceId=abc%F0%9F%98%80&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"DeviceId not UTF-8", "Cmd=Sync&User=u&DeviceId=abc%FF&DeviceType=iPhone", v141, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"missing DeviceType", "Cmd=Sync&User=u&DeviceId=dev1", v141, "DeviceType", 400, StatusDeviceTypeMissingOrInvalid},
		{"DeviceType with '-'", "Cmd=Sync&User=u&DeviceId=dev1&DeviceType=SAMSUNG-SM-N900V", v141, "DeviceType", 400, StatusDeviceTypeMissingOrInvalid},
		{"DeviceType of 33", "Cmd=Sync&User=u&DeviceId=dev1&DeviceType=" + strings.Repeat("T", 33), v141, "DeviceType", 400, StatusDeviceTypeMissingOrInvalid},

		// Plain form: user and version.
		{"missing User", "Cmd=Sync&DeviceId=dev1&DeviceType=iPhone", v141, "User", 400, 0},
		{"empty User", "Cmd=Sync&User=&DeviceId=dev1&DeviceType=iPhone", v141, "User", 400, 0},
		{"missing version header", withQuery(okQuery), nil, HeaderProtocolVersion, 400, StatusVersionNotSupported},
		{"empty version header", okQuery, []string{"MS-ASProtocolVersion", ""}, HeaderProtocolVersion, 400, StatusVersionNotSupported},
		{"version 14.10", okQuery, []string{"MS-ASProtocolVersion", "14.10"}, HeaderProtocolVersion, 400, StatusVersionNotSupported},
		{"version 2.0", okQuery, []string{"MS-ASProtocolVersion", "2.0"}, HeaderProtocolVersion, 400, StatusVersionNotSupported},
		{"GetAttachment in 14.0", "Cmd=GetAttachment&User=u&DeviceId=dev1&DeviceType=iPhone&AttachmentName=a", []string{"MS-ASProtocolVersion", "14.0"}, HeaderProtocolVersion, 400, StatusVersionNotSupported},
		{"Settings in 2.5", "Cmd=Settings&User=u&DeviceId=dev1&DeviceType=iPhone", []string{"MS-ASProtocolVersion", "2.5"}, HeaderProtocolVersion, 400, StatusVersionNotSupported},
		{"Find in 16.0", "Cmd=Find&User=u&DeviceId=dev1&DeviceType=iPhone", []string{"MS-ASProtocolVersion", "16.0"}, HeaderProtocolVersion, 400, StatusVersionNotSupported},
		{"GetHierarchy in 14.1", "Cmd=GetHierarchy&User=u&DeviceId=dev1&DeviceType=iPhone", v141, HeaderProtocolVersion, 400, StatusVersionNotSupported},

		// Order: the command is checked first, then the device, then the
		// user, then the version.
		{"everything wrong", "DeviceId=a-b", nil, "Cmd", 501, StatusCommandNotSupported},
		{"device before version", "Cmd=Sync&User=u&DeviceId=a-b&DeviceType=iPhone", nil, "DeviceId", 400, StatusDeviceIDMissingOrInvalid},
		{"user before version", "Cmd=Sync&DeviceId=ab&DeviceType=iPhone", nil, "User", 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseRequest(post(tt.query, tt.headers...))
			if req == nil {
				t.Fatal("ParseRequest returned a nil Request")
			}
			se, ok := AsStatusError(err)
			if !ok {
				t.Fatalf("err = %v (%T), want a *StatusError; request %+v", err, err, req)
			}
			if se.Field != tt.field || se.HTTPStatus != tt.http || se.Status != int(tt.status) {
				t.Errorf("got field %q, HTTP %d, status %d (%v)\nwant field %q, HTTP %d, status %d",
					se.Field, se.HTTPStatus, se.Status, se, tt.field, tt.http, tt.status)
			}
		})
	}
}

// TestParseRequestAccepts checks requests Exchange accepts, some of which
// MS-ASHTTP's grammar would not.
func TestParseRequestAccepts(t *testing.T) {
	guid := []byte{0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x0F, 0xED, 0xCB, 0xA9, 0x87, 0x65, 0x43, 0x21}
	tests := []struct {
		name    string
		query   string
		headers []string
		check   func(*Request) bool
	}{
		{"names in any case", "cmd=sync&user=u&deviceid=dev1&devicetype=iPhone", []string{"MS-ASProtocolVersion", "14.1"},
			func(r *Request) bool {
				return r.Command == CommandSync && r.DeviceID == "dev1" && r.DeviceType == "iPhone"
			}},
		{"unicode letters in DeviceId", "Cmd=Sync&User=u&DeviceId=Ger%C3%A4t%D9%A3&DeviceType=iPhone", []string{"MS-ASProtocolVersion", "14.1"},
			func(r *Request) bool { return r.DeviceID == "Gerät٣" }},
		{"DeviceId of 32", "Cmd=Sync&User=u&DeviceId=" + strings.Repeat("A", 32) + "&DeviceType=iPhone", []string{"MS-ASProtocolVersion", "14.1"},
			func(r *Request) bool { return len(r.DeviceID) == 32 }},
		{"IMEI device type of any length", "Cmd=Sync&User=u&DeviceId=d&DeviceType=IMEI" + strings.Repeat("1", 40), []string{"MS-ASProtocolVersion", "14.1"},
			func(r *Request) bool { return NormalizeDeviceType(r.DeviceType) == "IMEI" }},
		{"user with domain and escapes", "Cmd=Ping&User=contoso.com%5Cdengmu&DeviceId=d&DeviceType=t&Log=V141_x", []string{"MS-ASProtocolVersion", "14.1"},
			func(r *Request) bool { return r.User == `contoso.com\dengmu` }},
		{"malformed escape kept", "Cmd=Sync&User=50%+off%zz&DeviceId=d&DeviceType=t", []string{"MS-ASProtocolVersion", "14.1"},
			func(r *Request) bool { return r.User == "50% off%zz" }},
		{"legacy params", "Cmd=SmartReply&User=u&DeviceId=d&DeviceType=t&ItemId=5%3A1&CollectionId=7&LongId=L&Occurrence=O&SaveInSent=T&AttachmentName=x&CollectionName=c&ParentId=p",
			[]string{"MS-ASProtocolVersion", "12.1"},
			func(r *Request) bool {
				return r.ItemID == "5:1" && r.CollectionID == "7" && r.LongID == "L" && r.Occurrence == "O" && r.SaveInSent() &&
					r.AttachmentName == "x" && r.CollectionName == "c" && r.ParentID == "p"
			}},
		{"SaveInSent=F", "Cmd=SendMail&User=u&DeviceId=d&DeviceType=t&SaveInSent=F", []string{"MS-ASProtocolVersion", "12.1"},
			func(r *Request) bool { return !r.SaveInSent() }},
		{"AcceptMultiPart t", "Cmd=ItemOperations&User=u&DeviceId=d&DeviceType=t", []string{"MS-ASProtocolVersion", "14.1", "MS-ASAcceptMultiPart", "t"},
			func(r *Request) bool { return r.AcceptMultiPart() }},
		{"AcceptMultiPart F", "Cmd=ItemOperations&User=u&DeviceId=d&DeviceType=t", []string{"MS-ASProtocolVersion", "14.1", "MS-ASAcceptMultiPart", "F"},
			func(r *Request) bool { return !r.AcceptMultiPart() }},
		{"binary device ID becomes hex", layout(0xA1, 9, guid, nil, []byte("WP8")), nil,
			func(r *Request) bool { return r.DeviceID == hex.EncodeToString(guid) && r.Command == CommandFolderSync }},
		{"base64 ignores the version header", layout(0x8C, 0, []byte("d"), nil, []byte("t")), []string{"MS-ASProtocolVersion", "2.5"},
			func(r *Request) bool { return r.ProtocolVersion == Version140 }},
		{"base64 key beats header", layout(0x8C, 0, []byte("d"), []byte{1, 0, 0, 0}, []byte("t")), []string{"X-MS-PolicyKey", "7"},
			func(r *Request) bool { return r.HasPolicyKey && r.PolicyKey == 1 }},
		{"header key when base64 has none", layout(0x8C, 0, []byte("d"), nil, []byte("t")), []string{"X-MS-PolicyKey", "7"},
			func(r *Request) bool { return r.HasPolicyKey && r.PolicyKey == 7 }},
		{"base64 user and options", layout(0x8C, 19, []byte("d"), nil, []byte("t"), tagUser, 1, 'u', tagOptions, 1, 0x83), nil,
			func(r *Request) bool {
				return r.User == "u" && r.AcceptMultiPart() && r.SaveInSent() && r.Options == 0x83
			}},
		{"base64 repeated tag: last wins", layout(0x8C, 3, []byte("d"), nil, []byte("t"), tagItemID, 1, 'a', tagItemID, 1, 'b'), nil,
			func(r *Request) bool { return r.ItemID == "b" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseRequest(post(tt.query, tt.headers...))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(req) {
				t.Errorf("unexpected request %+v", req)
			}
		})
	}
}

// TestPolicyKeyHeader checks X-MS-PolicyKey values: Exchange parses them
// with uint.TryParse and treats anything else as no key, so a key that is
// not a number is not an error.
func TestPolicyKeyHeader(t *testing.T) {
	tests := []struct {
		header string
		key    uint32
		has    bool
	}{
		{"0", 0, true},
		{"1307535432", 1307535432, true},
		{"4294967295", 4294967295, true},
		{" 42 ", 42, true},
		{"+42", 42, true},
		{"", 0, false},
		{"abc", 0, false},
		{"12abc", 0, false},
		{"-1", 0, false},
		{"4294967296", 0, false},
		{"0x10", 0, false},
		{"1.5", 0, false},
	}
	for _, tt := range tests {
		hdr := []string{"MS-ASProtocolVersion", "14.1"}
		if tt.header != "" {
			hdr = append(hdr, "X-MS-PolicyKey", tt.header)
		}
		req, err := ParseRequest(post("Cmd=Sync&User=u&DeviceId=d&DeviceType=t", hdr...))
		if err != nil {
			t.Fatalf("%q: %v", tt.header, err)
		}
		if req.PolicyKey != tt.key || req.HasPolicyKey != tt.has {
			t.Errorf("X-MS-PolicyKey %q: key %d, %v; want %d, %v", tt.header, req.PolicyKey, req.HasPolicyKey, tt.key, tt.has)
		}
	}
}

// TestParseRequestPartial checks that a failed parse still returns what it
// read, so the error can be sent the way Exchange sends it.
func TestParseRequestPartial(t *testing.T) {
	req, err := ParseRequest(post("Cmd=Sync&User=u&DeviceId=a-b&DeviceType=t", "MS-ASProtocolVersion", "14.1"))
	se, ok := AsStatusError(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	if req.Command != CommandSync || req.ProtocolVersion != Version141 {
		t.Fatalf("partial request = %+v", req)
	}
	if h, b := se.Outcome(req.ProtocolVersion, req.Command); h != 200 || b != 108 {
		t.Errorf("Outcome = %d, %d; want 200, 108 (Status in the Sync body)", h, b)
	}
	req, err = ParseRequest(post("Cmd=Sync&User=u&DeviceId=a-b&DeviceType=t", "MS-ASProtocolVersion", "12.1"))
	se, _ = AsStatusError(err)
	if h, b := se.Outcome(req.ProtocolVersion, req.Command); h != 400 || b != 0 {
		t.Errorf("12.1 Outcome = %d, %d; want bare 400", h, b)
	}
	// A truncated base64 query keeps the fields read before the cut.
	full := fullLayout()
	req, _ = ParseRequest(post(b64(full[:17])))
	if req.ProtocolVersion != Version141 || req.Command != CommandSmartReply || req.DeviceID != "v141Device" {
		t.Errorf("truncated request = %+v", req)
	}
	if req, err := ParseRequest(nil); err == nil || req == nil {
		t.Error("ParseRequest(nil) should fail with a Request")
	}
}

// TestPercentEncodedBase64 checks a base64 query whose '+', '/' and '=' were
// %-escaped, as some clients and proxies do.
func TestPercentEncodedBase64(t *testing.T) {
	want := Request{Form: Base64Query, Command: CommandPing, DeviceID: "dev", DeviceType: "WP8",
		ProtocolVersion: Version141, PolicyKey: 0xFBFFFFFF, HasPolicyKey: true, Locale: 0xFFFF, User: "ü?"}
	q, err := want.Query()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.ContainsAny(q, "+/=") {
		t.Fatalf("query %q has nothing to escape; pick other values", q)
	}
	escaped := strings.NewReplacer("+", "%2B", "/", "%2f", "=", "%3D").Replace(q)
	for _, raw := range []string{q, escaped} {
		got, err := ParseRequest(post(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if *got != want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", raw, *got, want)
		}
	}
}

func TestValidDeviceIdentity(t *testing.T) {
	ids := map[string]bool{
		"a": true, "ApplDNPHG6NVDT9V": true, "androidc537050526": true, strings.Repeat("9", 32): true,
		"Ж٣é": true, "": false, strings.Repeat("9", 33): false, "a b": false, "a-b": false, "a.b": false,
		"😀": false, "\xff": false, "\uFFFD": false, strings.Repeat("é", 32): true, strings.Repeat("é", 33): false,
	}
	for id, want := range ids {
		if got := ValidDeviceID(id); got != want {
			t.Errorf("ValidDeviceID(%q) = %v, want %v", id, got, want)
		}
	}
	types := map[string]bool{
		"iPhone": true, "SAMSUNGSMN900V": true, "WindowsMail": true, "a b": true, "": false,
		"SM-N900V": false, strings.Repeat("T", 32): true, strings.Repeat("T", 33): false,
		"IMEI" + strings.Repeat("0", 40): true, "imei-123": true, "😀": true,
	}
	for typ, want := range types {
		if got := ValidDeviceType(typ); got != want {
			t.Errorf("ValidDeviceType(%q) = %v, want %v", typ, got, want)
		}
	}
	if NormalizeDeviceType("imei35") != "IMEI" || NormalizeDeviceType("iPhone") != "iPhone" || NormalizeDeviceType("IME") != "IME" {
		t.Error("NormalizeDeviceType is wrong")
	}
}

func TestValidate(t *testing.T) {
	ok := Request{Command: CommandSync, User: "u", DeviceID: "d", DeviceType: "t", ProtocolVersion: Version141}
	tests := []struct {
		name   string
		change func(*Request)
		field  string
		status Status
	}{
		{"valid", func(*Request) {}, "", 0},
		{"no command", func(r *Request) { r.Command = 0 }, "Cmd", StatusCommandNotSupported},
		{"base64 no command", func(r *Request) { r.Form, r.Command = Base64Query, 0 }, "base64 query: command code", StatusCommandNotSupported},
		{"bad device id", func(r *Request) { r.DeviceID = "a b" }, "DeviceId", StatusDeviceIDMissingOrInvalid},
		{"no user in base64 is fine", func(r *Request) { r.Form, r.User = Base64Query, "" }, "", 0},
		{"no version", func(r *Request) { r.ProtocolVersion = 0 }, HeaderProtocolVersion, StatusVersionNotSupported},
		{"base64 12.0", func(r *Request) { r.Form, r.ProtocolVersion = Base64Query, Version120 }, "base64 query: protocol version", StatusVersionNotSupported},
		{"Find in 14.1", func(r *Request) { r.Command = CommandFind }, HeaderProtocolVersion, StatusVersionNotSupported},
	}
	for _, tt := range tests {
		r := ok
		tt.change(&r)
		err := r.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		se, isSE := AsStatusError(err)
		if !isSE || se.Field != tt.field || se.Status != int(tt.status) {
			t.Errorf("%s: %v, want field %q status %d", tt.name, err, tt.field, tt.status)
		}
	}
}
