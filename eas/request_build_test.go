package eas

import (
	"context"
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQueryErrors(t *testing.T) {
	base := Request{Command: CommandSync, User: "u", DeviceID: "d", DeviceType: "t", ProtocolVersion: Version141}
	tests := []struct {
		name   string
		change func(*Request)
		want   string
	}{
		{"no command", func(r *Request) { r.Command = 0 }, "unknown command"},
		{"unknown command", func(r *Request) { r.Command = 99 }, "unknown command"},
		{"unknown form", func(r *Request) { r.Form = 7 }, "unknown query form"},
		{"plain: unknown option bit", func(r *Request) { r.Options = 0x81 }, "plain query form"},
		{"base64: version 12.0", func(r *Request) { r.Form = Base64Query; r.ProtocolVersion = Version120 }, "12.1 and later"},
		{"base64: no version", func(r *Request) { r.Form = Base64Query; r.ProtocolVersion = 0 }, "12.1 and later"},
		{"base64: legacy command", func(r *Request) {
			r.Form, r.Command, r.ProtocolVersion = Base64Query, CommandGetHierarchy, Version121
		}, "no base64 command code"},
		{"base64: long device id", func(r *Request) { r.Form = Base64Query; r.DeviceID = strings.Repeat("a", 256) }, "DeviceId is 256 bytes"},
		{"base64: long device type", func(r *Request) { r.Form = Base64Query; r.DeviceType = strings.Repeat("a", 300) }, "DeviceType is 300 bytes"},
		{"base64: long user", func(r *Request) { r.Form = Base64Query; r.User = strings.Repeat("a", 256) }, "User is 256 bytes"},
		{"base64: long parameter", func(r *Request) { r.Form = Base64Query; r.LongID = strings.Repeat("a", 256) }, "LongId is 256 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.change(&r)
			q, err := r.Query()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Query() = %q, %v; want an error with %q", q, err, tt.want)
			}
			if _, err := NewHTTPRequest(context.Background(), "https://h"+Path, &r, nil); err == nil {
				t.Error("NewHTTPRequest succeeded")
			}
		})
	}
	// 255 bytes still fit; a malformed but encodable request is written.
	r := base
	r.Form, r.DeviceID, r.DeviceType = Base64Query, strings.Repeat("a", 255), ""
	if _, err := r.Query(); err != nil {
		t.Errorf("255-byte device id: %v", err)
	}
}

func TestURL(t *testing.T) {
	r := Request{Command: CommandSync, User: `contoso\jo smith`, DeviceID: "d1", DeviceType: "iPhone", ProtocolVersion: Version141}
	got, err := r.URL("https://mail.contoso.com/Microsoft-Server-ActiveSync?old=1")
	want := "https://mail.contoso.com/Microsoft-Server-ActiveSync?Cmd=Sync&User=contoso%5Cjo+smith&DeviceId=d1&DeviceType=iPhone"
	if err != nil || got != want {
		t.Errorf("URL() = %q, %v\nwant %q", got, err, want)
	}
	if _, err := r.URL("http://[::1"); err == nil {
		t.Error("bad base URL accepted")
	}
	r.Form = Base64Query
	got, _ = r.URL("https://mail.contoso.com" + Path)
	if !strings.HasPrefix(got, "https://mail.contoso.com"+Path+"?jQ") {
		t.Errorf("base64 URL = %q", got)
	}
}

func TestNewHTTPRequestHeaders(t *testing.T) {
	ctx := context.Background()
	r := &Request{Command: CommandItemOperations, User: "u", DeviceID: "d", DeviceType: "t", ProtocolVersion: Version141,
		PolicyKey: 0, HasPolicyKey: true, Options: OptionAcceptMultiPart, UserAgent: "Apple-iPhone13C4/2307.71",
		AcceptLanguage: "en-US"}
	hr, err := NewHTTPRequest(ctx, "https://h"+Path, r, strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"MS-ASProtocolVersion": "14.1", "X-MS-PolicyKey": "0", "MS-ASAcceptMultiPart": "T",
		"User-Agent": "Apple-iPhone13C4/2307.71", "Accept-Language": "en-US", "Content-Type": ContentTypeWBXML,
	}
	for k, v := range want {
		if got := hr.Header.Get(k); got != v {
			t.Errorf("plain: %s = %q, want %q", k, got, v)
		}
	}
	if hr.Method != http.MethodPost || hr.Context() != ctx {
		t.Errorf("method %s", hr.Method)
	}

	r.Form = Base64Query
	hr, err = NewHTTPRequest(ctx, "https://h"+Path, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"MS-ASProtocolVersion", "X-MS-PolicyKey", "MS-ASAcceptMultiPart", "Content-Type"} {
		if _, ok := hr.Header[k]; ok {
			t.Errorf("base64: header %s sent", k)
		}
	}

	r = &Request{Command: CommandSendMail, User: "u", DeviceID: "d", DeviceType: "t", ProtocolVersion: Version121}
	hr, _ = NewHTTPRequest(ctx, "https://h"+Path, r, strings.NewReader("From: a"))
	if got := hr.Header.Get("Content-Type"); got != ContentTypeMIME {
		t.Errorf("12.1 SendMail Content-Type = %q", got)
	}
	if got, ok := hr.Header["User-Agent"]; !ok || len(got) != 1 || got[0] != "" {
		t.Errorf("empty User-Agent should suppress Go's default, got %q", got)
	}
	r.ProtocolVersion = Version140
	if r.ContentType() != ContentTypeWBXML {
		t.Errorf("14.0 SendMail Content-Type = %q", r.ContentType())
	}
}

// gen makes random valid requests.
type gen struct{ r *rand.Rand }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// text returns up to max bytes drawn from alphabet, plus, when wild, any
// printable rune, reserved URL characters and the odd invalid byte.
func (g gen) text(max int, alphabet string, wild bool) string {
	n := g.r.IntN(max + 1)
	var b strings.Builder
	for b.Len() < n {
		switch k := g.r.IntN(10); {
		case wild && k == 0:
			b.WriteString([]string{"&", "=", "%", "+", "/", "?", "#", " ", "\\", "@", ";", ",", "%zz", "\xff"}[g.r.IntN(14)])
		case wild && k == 1:
			b.WriteRune(rune(0xA0 + g.r.IntN(0x2FF00)))
		default:
			b.WriteByte(alphabet[g.r.IntN(len(alphabet))])
		}
	}
	s := b.String()
	for len(s) > max { // a multi-byte rune overshot
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// headerText returns a header value that survives HTTP: printable ASCII, no
// space at either end.
func (g gen) headerText(max int) string {
	s := strings.TrimSpace(g.text(max, alnum+" -/.;()_,", false))
	return s
}

func (g gen) request(form QueryForm) Request {
	r := Request{Form: form}
	cmds := Commands()
	for {
		r.Command = cmds[g.r.IntN(len(cmds))]
		vs := r.Command.Versions()
		if form == Base64Query {
			_, hasCode := r.Command.Code()
			var ok []ProtocolVersion
			for _, v := range vs {
				if v.Base64Allowed() {
					ok = append(ok, v)
				}
			}
			if !hasCode || len(ok) == 0 {
				continue
			}
			vs = ok
		}
		r.ProtocolVersion = vs[g.r.IntN(len(vs))]
		break
	}
	letters := alnum
	if g.r.IntN(4) == 0 {
		letters += "éЖ٣ß" // non-ASCII letters and digits, as Exchange allows
	}
	for !ValidDeviceID(r.DeviceID) {
		r.DeviceID = g.text(MaxDeviceIDLength, letters, false)
	}
	for !ValidDeviceType(r.DeviceType) || len(r.DeviceType) > 255 {
		r.DeviceType = g.text(MaxDeviceTypeLength, alnum+" _.", false)
	}
	maxParam := 300
	if form == Base64Query {
		maxParam = 255
	}
	r.User = g.text(64, alnum+"@.\\", true)
	for form == PlainQuery && r.User == "" {
		r.User = g.text(64, alnum+"@.\\", true)
	}
	if g.r.IntN(2) == 0 {
		r.HasPolicyKey = true
		r.PolicyKey = g.r.Uint32()
		if g.r.IntN(5) == 0 {
			r.PolicyKey = 0
		}
	}
	if form == Base64Query {
		r.Locale = uint16(g.r.UintN(1 << 16))
		r.Options = Options(g.r.UintN(256))
	} else {
		r.Options = Options(g.r.UintN(4))
	}
	if g.r.IntN(2) == 0 {
		r.UserAgent = g.headerText(60)
	}
	if g.r.IntN(4) == 0 {
		r.AcceptLanguage = g.headerText(10)
	}
	for _, sp := range r.stringParams() {
		if g.r.IntN(3) == 0 {
			*sp.val = g.text(maxParam, alnum+":/", true)
		}
	}
	return r
}

// TestRoundTrip builds random valid requests in each form and parses them
// back: the result must be the request built.
func TestRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	for _, form := range []QueryForm{PlainQuery, Base64Query} {
		for i := range 4000 {
			want := g.request(form)
			hr, err := NewHTTPRequest(context.Background(), "https://mail.contoso.com"+Path, &want, strings.NewReader("x"))
			if err != nil {
				t.Fatalf("%v case %d: NewHTTPRequest(%+v): %v", form, i, want, err)
			}
			got, err := ParseRequest(hr)
			if err != nil {
				t.Fatalf("%v case %d: ParseRequest(%s): %v\nrequest %+v", form, i, hr.URL.RawQuery, err, want)
			}
			if *got != want {
				t.Fatalf("%v case %d: query %s\ngot  %+v\nwant %+v", form, i, hr.URL.RawQuery, *got, want)
			}
			if err := want.Validate(); err != nil {
				t.Fatalf("%v case %d: Validate(%+v): %v", form, i, want, err)
			}
		}
	}
}

// TestRoundTripOverTheWire sends requests of both forms through a real
// HTTP connection, which checks that the URL and headers survive it.
func TestRoundTripOverTheWire(t *testing.T) {
	got := make(chan *Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := ParseRequest(r)
		if err != nil {
			t.Errorf("server: %v (query %q)", err, r.URL.RawQuery)
		}
		got <- req
	}))
	defer srv.Close()
	g := gen{rand.New(rand.NewPCG(3, 4))}
	for i := range 200 {
		form := QueryForm(i % 2)
		want := g.request(form)
		hr, err := NewHTTPRequest(context.Background(), srv.URL+Path, &want, strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if r := <-got; *r != want {
			t.Fatalf("case %d:\ngot  %+v\nwant %+v", i, *r, want)
		}
	}
}

// FuzzParseRequest feeds arbitrary bytes as a base64 query and arbitrary
// strings as a plain query and a version header. ParseRequest must not
// panic, must always return a Request, must fail only with a *StatusError,
// and a request it accepts must build and parse back to itself.
func FuzzParseRequest(f *testing.F) {
	spec, _ := base64.StdEncoding.DecodeString(specVector)
	f.Add(spec, "Cmd=FolderSync&User=fakename&DeviceId=v140Device&DeviceType=SmartPhone", "14.0")
	full := fullLayout()
	f.Add(full, "cmd=sync&user=u&deviceid=d&devicetype=t&SaveInSent=T", "14.1")
	for n := range len(full) {
		f.Add(full[:n], "", "")
	}
	f.Add([]byte{0xA1, 23, 0, 0, 0, 0, 0, 9, 1, 'x'}, "Cmd=Find&User=%zz&DeviceId=%FF&DeviceType=a-b", "16.1")
	f.Add([]byte{0x79, 4, 0, 0, 1, 'd', 4, 1, 2, 3, 4, 1, 't', 0, 0, 7, 1, 2}, "jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l", "12.1")
	f.Fuzz(func(t *testing.T, data []byte, plain, version string) {
		for _, q := range []string{base64.StdEncoding.EncodeToString(data), plain} {
			req, err := ParseRequest(post(q, "MS-ASProtocolVersion", version, "MS-ASAcceptMultiPart", "T"))
			if req == nil {
				t.Fatal("nil Request")
			}
			if err != nil {
				if _, ok := AsStatusError(err); !ok {
					t.Fatalf("error %v is not a *StatusError", err)
				}
				continue
			}
			hr, err := NewHTTPRequest(context.Background(), "https://h"+Path, req, nil)
			if err != nil {
				t.Fatalf("accepted %+v but cannot build it: %v", req, err)
			}
			again, err := ParseRequest(hr)
			if err != nil {
				t.Fatalf("rebuilt %q does not parse: %v", hr.URL.RawQuery, err)
			}
			if *again != *req {
				t.Fatalf("round trip changed the request\nfirst  %+v\nsecond %+v", *req, *again)
			}
		}
	})
}
