package negotiate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// testClient is a minimal NTLMv2 client built from this package's own
// primitives, for driving the handler through paths python3-winrm does not
// take (SPNEGO, hostile input). The MS-NLMP vectors and python3-winrm check
// the primitives independently.
type testClient struct {
	domain, user, password string
	flags                  uint32
	negotiate, challenge   []byte
	sess                   *session // out is client-to-server
	noMIC                  bool
}

const clientFlags = flagUnicode | flagRequestTarget | flagSign | flagSeal | flagNTLM | flagAlwaysSign |
	flagESS | flagTargetInfo | flagVersion | flag128 | flagKeyExch | flag56

func (c *testClient) negotiateMessage() []byte {
	m := make([]byte, 40)
	copy(m, ntlmSignature)
	binary.LittleEndian.PutUint32(m[8:], ntlmNegotiate)
	binary.LittleEndian.PutUint32(m[12:], clientFlags)
	copy(m[32:], windowsVersion)
	c.negotiate = m
	return m
}

func (c *testClient) authenticateMessage(t testing.TB, chal []byte) []byte {
	t.Helper()
	c.challenge = chal
	c.flags = binary.LittleEndian.Uint32(chal[20:])
	ti, err := secBuf(chal, 40)
	if err != nil {
		t.Fatal(err)
	}
	ti = bytes.TrimSuffix(ti, []byte{0, 0, 0, 0}) // drop MsvAvEOL
	if !c.noMIC {
		ti = append(ti, 6, 0, 4, 0, 2, 0, 0, 0) // MsvAvFlags: MIC present
	}
	ti = append(ti, 0, 0, 0, 0)
	temp := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	temp = append(temp, make([]byte, 8)...) // timestamp
	cc := make([]byte, 8)
	rand.Read(cc)
	temp = append(append(append(temp, cc...), 0, 0, 0, 0), ti...)
	temp = append(temp, 0, 0, 0, 0)
	key := NTOWFv2(c.password, c.user, c.domain)
	proof := hmacMD5(key, chal[24:32], temp)
	base := hmacMD5(key, proof)
	esk := make([]byte, 16)
	rand.Read(esk)
	enc := rc4Once(base, esk)
	nt := append(proof, temp...)

	dom, usr, ws := utf16le(c.domain), utf16le(c.user), utf16le("WS")
	m := make([]byte, 88)
	copy(m, ntlmSignature)
	binary.LittleEndian.PutUint32(m[8:], ntlmAuthenticate)
	put := func(field int, b []byte) {
		binary.LittleEndian.PutUint16(m[field:], uint16(len(b)))
		binary.LittleEndian.PutUint16(m[field+2:], uint16(len(b)))
		binary.LittleEndian.PutUint32(m[field+4:], uint32(len(m)))
		m = append(m, b...)
	}
	put(12, make([]byte, 24))
	put(20, nt)
	put(28, dom)
	put(36, usr)
	put(44, ws)
	put(52, enc)
	binary.LittleEndian.PutUint32(m[60:], c.flags)
	copy(m[64:], windowsVersion)
	if !c.noMIC {
		copy(m[72:], hmacMD5(esk, c.negotiate, chal, m))
	}
	c.sess = newSession(c.flags, esk)
	c.sess.in, c.sess.out = c.sess.out, c.sess.in
	return m
}

// encrypt builds an encrypted request body.
func (c *testClient) encrypt(msg []byte) []byte {
	sealed, sig := c.sess.seal(msg)
	return buildEncrypted(defaultOrigType, len(msg), sig, sealed)
}

// conn is one simulated connection: requests share its ConnContext.
type conn struct {
	t   testing.TB
	h   *Handler
	ctx context.Context
}

func newConn(t testing.TB, h *Handler) *conn {
	return &conn{t, h, ConnContext(context.Background(), nil)}
}

func (c *conn) do(authz, contentType string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/PowerShell/", bytes.NewReader(body)).WithContext(c.ctx)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	return w
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// token extracts the token of a "Scheme token" WWW-Authenticate header.
func token(t testing.TB, w *httptest.ResponseRecorder, scheme string) []byte {
	t.Helper()
	for _, v := range w.Header().Values("WWW-Authenticate") {
		if s, tok, ok := strings.Cut(v, " "); ok && s == scheme {
			b, err := base64.StdEncoding.DecodeString(tok)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no %s token in %q", scheme, w.Header().Values("WWW-Authenticate"))
	return nil
}

func echoHandler() *Handler {
	return &Handler{
		Lookup: func(domain, user string) (string, bool) { return "Secret-1", user == "alice" },
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, u, _ := User(r.Context())
			var b bytes.Buffer
			b.ReadFrom(r.Body)
			w.Write([]byte(u + ":" + b.String()))
		}),
	}
}

// login runs a raw NTLM handshake with a body on the last leg.
func login(t testing.TB, c *conn, cl *testClient) *httptest.ResponseRecorder {
	t.Helper()
	w := c.do("NTLM "+b64(cl.negotiateMessage()), "", nil)
	if w.Code != 401 {
		t.Fatalf("NEGOTIATE: %d", w.Code)
	}
	return c.do("NTLM "+b64(cl.authenticateMessage(t, token(t, w, "NTLM"))), "", nil)
}

// decryptResponse unseals a response with the client's session.
func (cl *testClient) decryptResponse(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	if w.Header().Get("Content-Type") != encContentType {
		t.Fatalf("response not encrypted: %d %q %q", w.Code, w.Header(), w.Body)
	}
	parts, err := parseEncrypted(w.Body.Bytes())
	if err != nil || len(parts) != 1 {
		t.Fatalf("parse response: %v", err)
	}
	m, err := cl.sess.unseal(parts[0].Sealed, parts[0].Signature)
	if err != nil {
		t.Fatal(err)
	}
	return string(m)
}

func TestRawNTLMSequence(t *testing.T) {
	c := newConn(t, echoHandler())
	cl := &testClient{domain: "CONTOSO", user: "alice", password: "Secret-1"}
	if w := login(t, c, cl); w.Code != 200 {
		t.Fatalf("AUTHENTICATE: %d", w.Code)
	}
	for i := range 3 {
		body := cl.encrypt([]byte("msg" + string(rune('0'+i))))
		w := c.do("", "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"", body)
		if got := cl.decryptResponse(t, w); got != "alice:msg"+string(rune('0'+i)) {
			t.Fatalf("response %d = %q", i, got)
		}
		if i == 2 {
			// Replaying the last message: sequence number (and RC4 state) mismatch.
			w := c.do("", encContentType, body)
			if w.Code != 400 {
				t.Fatalf("replay: %d", w.Code)
			}
			// The context is gone: the next request must authenticate again.
			if w := c.do("", encContentType, cl.encrypt([]byte("x"))); w.Code != 401 {
				t.Fatalf("after replay: %d", w.Code)
			}
		}
	}
}

func TestSPNEGO(t *testing.T) {
	for _, withMIC := range []bool{true, false} {
		c := newConn(t, echoHandler())
		cl := &testClient{domain: "", user: "alice", password: "Secret-1"}
		mechTypes := derWrap(0x30, oidNTLM)
		init := derWrap(0x60, oidSPNEGO, derWrap(0xa0, derWrap(0x30,
			derWrap(0xa0, mechTypes),
			derWrap(0xa2, derWrap(0x04, cl.negotiateMessage())))))
		w := c.do("Negotiate "+b64(init), "", nil)
		if w.Code != 401 {
			t.Fatalf("NegTokenInit: %d", w.Code)
		}
		resp, err := parseSPNEGO(token(t, w, "Negotiate"))
		if err != nil || resp.Init || resp.MechToken == nil {
			t.Fatalf("NegTokenResp: %+v %v", resp, err)
		}
		auth := cl.authenticateMessage(t, resp.MechToken)
		var fields [][]byte
		fields = append(fields, derWrap(0xa2, derWrap(0x04, auth)))
		if withMIC {
			mic := cl.sess.sign(mechTypes)
			cl.sess.out.reset()
			fields = append(fields, derWrap(0xa3, derWrap(0x04, mic)))
		}
		w = c.do("Negotiate "+b64(derWrap(0xa1, derWrap(0x30, fields...))), "", nil)
		if w.Code != 200 {
			t.Fatalf("AUTHENTICATE: %d", w.Code)
		}
		final, err := parseSPNEGO(token(t, w, "Negotiate"))
		if err != nil {
			t.Fatal(err)
		}
		if withMIC {
			if err := cl.sess.verify(mechTypes, final.MechListMIC); err != nil {
				t.Fatalf("server mechListMIC: %v", err)
			}
			cl.sess.in.reset()
		} else if final.MechListMIC != nil {
			t.Fatal("unexpected server mechListMIC")
		}
		w = c.do("", encContentType, cl.encrypt([]byte("hi")))
		if got := cl.decryptResponse(t, w); got != "alice:hi" {
			t.Fatalf("got %q", got)
		}
	}
}

func TestWrongSignature(t *testing.T) {
	c := newConn(t, echoHandler())
	cl := &testClient{domain: "CONTOSO", user: "alice", password: "Secret-1"}
	login(t, c, cl)
	body := cl.encrypt([]byte("hello"))
	i := bytes.Index(body, []byte("octet-stream\r\n")) + len("octet-stream\r\n") + 4 + 5
	body[i] ^= 1
	if w := c.do("", encContentType, body); w.Code != 400 {
		t.Fatalf("wrong signature: %d", w.Code)
	}
}

func TestWrongPasswordAndNTLMv1(t *testing.T) {
	c := newConn(t, echoHandler())
	cl := &testClient{domain: "CONTOSO", user: "alice", password: "nope"}
	w := login(t, c, cl)
	if w.Code != 401 || len(w.Header().Values("WWW-Authenticate")) != 2 {
		t.Fatalf("wrong password: %d %q", w.Code, w.Header())
	}
	// A bad MIC fails the same way.
	cl = &testClient{domain: "CONTOSO", user: "alice", password: "Secret-1"}
	w = c.do("NTLM "+b64(cl.negotiateMessage()), "", nil)
	auth := cl.authenticateMessage(t, token(t, w, "NTLM"))
	auth[72] ^= 1
	if w := c.do("NTLM "+b64(auth), "", nil); w.Code != 401 {
		t.Fatalf("bad MIC: %d", w.Code)
	}
	// An NTLMv1-sized (24-byte) NT response is refused.
	w = c.do("NTLM "+b64(cl.negotiateMessage()), "", nil)
	auth = cl.authenticateMessage(t, token(t, w, "NTLM"))
	binary.LittleEndian.PutUint16(auth[20:], 24)
	if w := c.do("NTLM "+b64(auth), "", nil); w.Code != 401 {
		t.Fatalf("NTLMv1: %d", w.Code)
	}
}

func TestHostileInput(t *testing.T) {
	h := echoHandler()
	cl := &testClient{domain: "CONTOSO", user: "alice", password: "Secret-1"}
	c := newConn(t, h)
	w := c.do("NTLM "+b64(cl.negotiateMessage()), "", nil)
	good := cl.authenticateMessage(t, token(t, w, "NTLM"))
	mutate := func(f func(m []byte) []byte) string {
		return "NTLM " + b64(f(append([]byte{}, good...)))
	}
	for name, authz := range map[string]string{
		"bad base64":          "Negotiate !!!notbase64",
		"empty":               "NTLM ",
		"huge":                "NTLM " + strings.Repeat("A", 100<<10),
		"not NTLM or SPNEGO":  "Negotiate " + b64([]byte("hello world")),
		"truncated negotiate": "NTLM " + b64(cl.negotiateMessage()[:13]),
		"truncated auth":      mutate(func(m []byte) []byte { return m[:40] }),
		"type 2":              mutate(func(m []byte) []byte { m[8] = 2; return m }),
		"huge offset":         mutate(func(m []byte) []byte { binary.LittleEndian.PutUint32(m[24:], 0xffffffff); return m }),
		"huge length":         mutate(func(m []byte) []byte { binary.LittleEndian.PutUint16(m[20:], 0xffff); return m }),
		"offset past end":     mutate(func(m []byte) []byte { binary.LittleEndian.PutUint32(m[56:], uint32(len(m))); return m }),
		"short nt response":   mutate(func(m []byte) []byte { binary.LittleEndian.PutUint16(m[20:], 30); return m }),
		"bad spnego":          "Negotiate " + b64([]byte{0x60, 0x82, 0xff, 0xff, 0x06}),
		"spnego resp first":   "Negotiate " + b64(buildNegTokenResp(1, true, good, nil)),
		"spnego no ntlm":      "Negotiate " + b64(derWrap(0x60, oidSPNEGO, derWrap(0xa0, derWrap(0x30, derWrap(0xa0, derWrap(0x30, []byte{6, 1, 1})))))),
	} {
		c := newConn(t, h)
		w := c.do("NTLM "+b64(cl.negotiateMessage()), "", nil)
		_ = w
		if w := c.do(authz, "", nil); w.Code != 400 && w.Code != 401 {
			t.Errorf("%s: %d", name, w.Code)
		}
	}

	// Garbage encrypted bodies on an authenticated connection.
	for name, body := range map[string]string{
		"empty":       "",
		"no boundary": "hello",
		"only end":    "--Encrypted Boundary--\r\n",
		"no length":   "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n",
		"long length": "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=x;Length=99999999999\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\x10\x00\x00\x00",
		"neg length":  "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=x;Length=-1\r\n",
		"sig length":  "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=x;Length=1\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\xff\xff\xff\xff",
		"truncated":   "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=x;Length=1\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\x10\x00\x00\x00abc",
	} {
		c := newConn(t, h)
		cl := &testClient{domain: "CONTOSO", user: "alice", password: "Secret-1"}
		login(t, c, cl)
		if w := c.do("", encContentType, []byte(body)); w.Code != 400 {
			t.Errorf("body %s: %d", name, w.Code)
		}
	}

	// CredSSP encryption is refused clearly; too large a body gets 413.
	c = newConn(t, h)
	login(t, c, cl)
	if w := c.do("", `multipart/encrypted;protocol="application/HTTP-CredSSP-session-encrypted";boundary="Encrypted Boundary"`, []byte("x")); w.Code != 415 {
		t.Errorf("CredSSP: %d", w.Code)
	}
	small := &Handler{Lookup: h.Lookup, Next: h.Next, MaxEncryptedBody: 100}
	c = newConn(t, small)
	login(t, c, cl)
	if w := c.do("", encContentType, cl.encrypt(bytes.Repeat([]byte("a"), 200))); w.Code != 413 {
		t.Errorf("large body: %d", w.Code)
	}
}

func TestNoAuthorization(t *testing.T) {
	c := newConn(t, echoHandler())
	w := c.do("", "", []byte("x"))
	if w.Code != 401 || strings.Join(w.Header().Values("WWW-Authenticate"), ",") != "Negotiate,NTLM" {
		t.Fatalf("%d %q", w.Code, w.Header())
	}
	h := echoHandler()
	h.Fallback = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	c = newConn(t, h)
	if w := c.do("Basic YTpi", "", nil); w.Code != 299 {
		t.Fatalf("fallback: %d", w.Code)
	}
	// Without ConnContext the handler says so rather than misbehaving.
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("Authorization", "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAA=")
	w = httptest.NewRecorder()
	echoHandler().ServeHTTP(w, r)
	if w.Code != 500 {
		t.Fatalf("no ConnContext: %d", w.Code)
	}
}
