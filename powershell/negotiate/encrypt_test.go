package negotiate

import (
	"bytes"
	"net/http"
	"testing"
)

// Two parts (as multipart/x-multi-encrypted sends them) and Exchange's
// "-- Encrypted Boundary" both decrypt.
func TestDecryptVariants(t *testing.T) {
	key := bytes.Repeat([]byte{0x55}, 16)
	client := newSession(clientFlags, key)
	client.in, client.out = client.out, client.in
	s1, g1 := client.seal([]byte("first,"))
	one := buildEncrypted(defaultOrigType, 6, g1, s1)
	s2, g2 := client.seal([]byte("second"))
	two := append(bytes.TrimSuffix(bytes.Clone(one), []byte("--Encrypted Boundary--\r\n")), buildEncrypted(defaultOrigType, 6, g2, s2)...)
	plain, typ, err := decryptBody(newSession(clientFlags, key), two)
	if err != nil || string(plain) != "first,second" || typ != defaultOrigType {
		t.Fatalf("two parts: %q %q %v", plain, typ, err)
	}
	spaced := bytes.ReplaceAll(one, []byte("--Encrypted"), []byte("-- Encrypted"))
	if plain, _, err := decryptBody(newSession(clientFlags, key), spaced); err != nil || string(plain) != "first," {
		t.Fatalf("spaced boundary: %q %v", plain, err)
	}
	if enc, ok := isEncrypted(`multipart/x-multi-encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"`); !enc || !ok {
		t.Fatal("x-multi-encrypted with SPNEGO not accepted")
	}
}

// A Next error status passes through, its body sealed.
func TestErrorEncrypted(t *testing.T) {
	h := echoHandler()
	h.Next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("<s:Fault/>"))
	})
	c := newConn(t, h)
	cl := &testClient{domain: "CONTOSO", user: "alice", password: "Secret-1"}
	login(t, c, cl)
	w := c.do("", encContentType, cl.encrypt([]byte("<s:Envelope/>")))
	if w.Code != 500 {
		t.Fatalf("status %d", w.Code)
	}
	if got := cl.decryptResponse(t, w); got != "<s:Fault/>" {
		t.Fatalf("got %q", got)
	}
	if !bytes.Contains(w.Body.Bytes(), []byte("OriginalContent: type=application/soap+xml;charset=UTF-8;Length=10\r\n")) {
		t.Fatalf("header part: %q", w.Body.Bytes()[:200])
	}
}
