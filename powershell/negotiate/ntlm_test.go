package negotiate

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MS-NLMP 4.2.4 (NTLMv2 Authentication) test vectors.
const (
	v4Flags          = 0xe28a8233 // 4.2.4: 33 82 8a e2
	v4ServerChal     = "0123456789abcdef"
	v4RandomKey      = "55555555555555555555555555555555"
	v4NTOWFv2        = "0c868a403bfd7a93a3001ef22ef02e3f"
	v4NTProofStr     = "68cd0ab851e51c96aabc927bebef6a1c"
	v4SessionBaseKey = "8de40ccadbc14a82f15cb0ad0de95ca3"
	v4EncRandomKey   = "c5dad2544fc9799094ce1ce90bc9d03e"
	v4SealKey        = "59f600973cc4960a25480a7c196e4c58"
	v4SignKey        = "4788dc861b4782f35d43fd98fe1a2d39"
	v4Sealed         = "54e50165bf1936dc996020c1811b0f06fb5f"
	v4Signature      = "010000007fb38ec5c55d497600000000"
	// 4.2.4.1.3's temp: RespType, HiRespType, Z(6), Time (zero),
	// ClientChallenge (aa..), Z(4), ServerName AV pairs (MsvAvNbDomainName
	// "Domain", MsvAvNbComputerName "Server", MsvAvEOL), Z(4).
	v4Temp = "0101000000000000" + "0000000000000000" + "aaaaaaaaaaaaaaaa" + "00000000" +
		"02000c0044006f006d00610069006e00" + "01000c005300650072007600650072000000" + "0000" + "00000000"
)

func TestMSNLMP424(t *testing.T) {
	key := NTOWFv2("Password", "User", "Domain")
	if !bytes.Equal(key, unhex(t, v4NTOWFv2)) {
		t.Fatalf("NTOWFv2 = %x, want %s", key, v4NTOWFv2)
	}
	ntResp := append(make([]byte, 16), unhex(t, v4Temp)...)
	proof, base := ntlmv2Keys(key, unhex(t, v4ServerChal), ntResp)
	if !bytes.Equal(proof, unhex(t, v4NTProofStr)) {
		t.Errorf("NTProofStr = %x, want %s", proof, v4NTProofStr)
	}
	if !bytes.Equal(base, unhex(t, v4SessionBaseKey)) {
		t.Errorf("SessionBaseKey = %x, want %s", base, v4SessionBaseKey)
	}
	// KXKEY = SessionBaseKey for NTLMv2; the client RC4s its random key with it.
	if enc := rc4Once(base, unhex(t, v4RandomKey)); !bytes.Equal(enc, unhex(t, v4EncRandomKey)) {
		t.Errorf("EncryptedRandomSessionKey = %x, want %s", enc, v4EncRandomKey)
	}
	if exp := rc4Once(base, unhex(t, v4EncRandomKey)); !bytes.Equal(exp, unhex(t, v4RandomKey)) {
		t.Errorf("decrypted ExportedSessionKey = %x", exp)
	}
	esk := unhex(t, v4RandomKey)
	if k := sealKey(v4Flags, esk, true); !bytes.Equal(k, unhex(t, v4SealKey)) {
		t.Errorf("SealKey = %x, want %s", k, v4SealKey)
	}
	if k := signKey(esk, true); !bytes.Equal(k, unhex(t, v4SignKey)) {
		t.Errorf("SignKey = %x, want %s", k, v4SignKey)
	}
	// 4.2.4.4: the client seals "Plaintext" (UTF-16LE) with sequence number 0.
	client := newSession(v4Flags, esk)
	client.out = newDirection(v4Flags, esk, true)
	sealed, sig := client.seal(utf16le("Plaintext"))
	if !bytes.Equal(sealed, unhex(t, v4Sealed)) {
		t.Errorf("sealed = %x, want %s", sealed, v4Sealed)
	}
	if !bytes.Equal(sig, unhex(t, v4Signature)) {
		t.Errorf("signature = %x, want %s", sig, v4Signature)
	}
	// The server unseals it, and refuses a replay.
	server := newSession(v4Flags, esk)
	plain, err := server.unseal(sealed, sig)
	if err != nil || fromUTF16le(plain) != "Plaintext" {
		t.Fatalf("unseal = %q, %v", plain, err)
	}
	server2 := newSession(v4Flags, esk)
	server2.in.seq = 1
	if _, err := server2.unseal(sealed, sig); err == nil {
		t.Error("out-of-sequence message accepted")
	}
}
