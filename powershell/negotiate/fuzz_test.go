package negotiate

import (
	"bytes"
	"testing"
)

// FuzzParseAuthenticate feeds arbitrary AUTHENTICATE messages to the parser
// and, when they parse, to the verifier (MIC offsets, key exchange).
func FuzzParseAuthenticate(f *testing.F) {
	cl := &testClient{domain: "CONTOSO", user: "alice", password: "Secret-1"}
	neg := cl.negotiateMessage()
	chal, _ := buildChallenge(clientFlags, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, serverInfo{"D", "d.test", "S"}, 0)
	f.Add(cl.authenticateMessage(f, chal))
	f.Add([]byte("NTLMSSP\x00\x03\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		a, err := ParseAuthenticate(msg)
		if err != nil {
			return
		}
		verifyAuthenticate(a, msg, "Secret-1", chal[24:32], neg, chal)
	})
}

// FuzzDecryptBody feeds arbitrary bodies to the encrypted-body parser and
// the unsealer.
func FuzzDecryptBody(f *testing.F) {
	key := bytes.Repeat([]byte{0x55}, 16)
	client := newSession(clientFlags, key)
	client.in, client.out = client.out, client.in
	sealed, sig := client.seal([]byte("<s:Envelope/>"))
	f.Add(buildEncrypted(defaultOrigType, 13, sig, sealed))
	f.Add([]byte("--Encrypted Boundary--\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := newSession(clientFlags, key)
		plain, _, err := decryptBody(s, body)
		if err == nil && len(plain) > len(body) {
			t.Fatalf("plain text longer than the body: %d > %d", len(plain), len(body))
		}
	})
}
