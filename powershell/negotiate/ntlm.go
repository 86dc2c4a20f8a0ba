package negotiate

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// NTLM message types and negotiate flags (MS-NLMP 2.2.1, 2.2.2.5).
const (
	ntlmNegotiate    = 1
	ntlmChallenge    = 2
	ntlmAuthenticate = 3

	flagUnicode        = 0x00000001
	flagOEM            = 0x00000002
	flagRequestTarget  = 0x00000004
	flagSign           = 0x00000010
	flagSeal           = 0x00000020
	flagNTLM           = 0x00000200
	flagAlwaysSign     = 0x00008000
	flagTargetTypeDom  = 0x00010000
	flagESS            = 0x00080000 // NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
	flagTargetInfo     = 0x00800000
	flagVersion        = 0x02000000
	flag128            = 0x20000000
	flagKeyExch        = 0x40000000
	flag56             = 0x80000000
	avFlagMICPresent   = 0x00000002 // MsvAvFlags bit: the AUTHENTICATE carries a MIC
	avEOL              = 0
	avNbComputerName   = 1
	avNbDomainName     = 2
	avDNSComputerName  = 3
	avDNSDomainName    = 4
	avFlags            = 6
	avTimestamp        = 7
	maxTokenSize       = 64 << 10
	authenticateMinLen = 64 // through NegotiateFlags
	authenticateMICOff = 72 // after the 8-byte Version (MS-NLMP 2.2.1.3)
)

// ntlmSignature is the 8-byte "NTLMSSP\0" every NTLM message starts with.
var ntlmSignature = []byte("NTLMSSP\x00")

// errBadMessage is returned for any NTLM message that does not parse.
var errBadMessage = errors.New("negotiate: malformed NTLM message")

// errBadResponse is returned for a response that does not verify: wrong
// password, unknown user, NTLMv1 or anonymous. Callers must not tell the
// client which.
var errBadResponse = errors.New("negotiate: NTLM response does not verify")

// utf16le encodes s as UTF-16LE, NTLM's Unicode encoding.
func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// fromUTF16le decodes UTF-16LE; an odd trailing byte is dropped.
func fromUTF16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// NTOWFv2 is MS-NLMP 3.3.2's NTOWFv2(Passwd, User, UserDom):
// HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(ConcatenationOf(Uppercase(User), UserDom))).
func NTOWFv2(password, user, domain string) []byte {
	h := md4.New()
	h.Write(utf16le(password))
	return hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

// ntlmv2Keys is MS-NLMP 3.3.2's NTLMv2 computation on the server side:
// given ResponseKeyNT, the server challenge and the client's
// NtChallengeResponse (NTProofStr followed by the client blob "temp"), it
// returns the expected NTProofStr and SessionBaseKey.
func ntlmv2Keys(responseKeyNT, serverChallenge, ntResponse []byte) (ntProofStr, sessionBaseKey []byte) {
	temp := ntResponse[16:]
	ntProofStr = hmacMD5(responseKeyNT, serverChallenge, temp)
	sessionBaseKey = hmacMD5(responseKeyNT, ntProofStr)
	return ntProofStr, sessionBaseKey
}

// rc4Once is RC4K(key, data) with a fresh cipher, used for the key
// exchange (MS-NLMP 3.1.5.1.2, 3.2.5.1.2).
func rc4Once(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		panic(err) // key is 16 bytes here, always valid
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// signKey is MS-NLMP 3.4.5.2 SIGNKEY for a direction.
func signKey(exportedSessionKey []byte, clientToServer bool) []byte {
	magic := "session key to server-to-client signing key magic constant\x00"
	if clientToServer {
		magic = "session key to client-to-server signing key magic constant\x00"
	}
	h := md5.Sum(append(append([]byte{}, exportedSessionKey...), magic...))
	return h[:]
}

// sealKey is MS-NLMP 3.4.5.3 SEALKEY for a direction, with extended
// session security (the only kind this package supports).
func sealKey(flags uint32, exportedSessionKey []byte, clientToServer bool) []byte {
	key := exportedSessionKey
	switch {
	case flags&flag128 != 0:
	case flags&flag56 != 0:
		key = key[:7]
	default:
		key = key[:5]
	}
	magic := "session key to server-to-client sealing key magic constant\x00"
	if clientToServer {
		magic = "session key to client-to-server sealing key magic constant\x00"
	}
	h := md5.Sum(append(append([]byte{}, key...), magic...))
	return h[:]
}

// direction is one direction's session security state (MS-NLMP 3.4):
// the signing key, the RC4 handle keyed with the sealing key and the
// sequence number of the next message.
type direction struct {
	signKey []byte
	sealKey []byte
	handle  *rc4.Cipher
	seq     uint32
}

func newDirection(flags uint32, exportedSessionKey []byte, clientToServer bool) *direction {
	d := &direction{
		signKey: signKey(exportedSessionKey, clientToServer),
		sealKey: sealKey(flags, exportedSessionKey, clientToServer),
	}
	d.reset()
	return d
}

// reset re-keys the RC4 handle (MS-SPNG 3.3.5.1: after the mechListMIC the
// handle returns to its state before it) without touching the sequence number.
func (d *direction) reset() {
	c, err := rc4.NewCipher(d.sealKey)
	if err != nil {
		panic(err)
	}
	d.handle = c
}

// session is an established NTLM security context with extended session
// security (MS-NLMP 3.4.4.2, 3.4.6.2 and 3.4.3).
type session struct {
	flags uint32
	in    *direction // client to server
	out   *direction // server to client
}

func newSession(flags uint32, exportedSessionKey []byte) *session {
	return &session{
		flags: flags,
		in:    newDirection(flags, exportedSessionKey, true),
		out:   newDirection(flags, exportedSessionKey, false),
	}
}

// mac is MS-NLMP 3.4.4.2 MAC() with extended session security: version 1,
// the first 8 bytes of HMAC_MD5(SigningKey, SeqNum || Message), RC4'd with the
// direction's handle when key exchange was negotiated, and SeqNum.
func (s *session) mac(d *direction, seq uint32, msg []byte) []byte {
	var seqb [4]byte
	binary.LittleEndian.PutUint32(seqb[:], seq)
	checksum := hmacMD5(d.signKey, seqb[:], msg)[:8]
	if s.flags&flagKeyExch != 0 {
		d.handle.XORKeyStream(checksum, checksum)
	}
	sig := make([]byte, 16)
	binary.LittleEndian.PutUint32(sig, 1)
	copy(sig[4:12], checksum)
	copy(sig[12:], seqb[:])
	return sig
}

// Seal encrypts msg for the client (MS-NLMP 3.4.3 SEAL: encrypt, then MAC
// over the plain message) and advances the outgoing sequence number.
func (s *session) seal(msg []byte) (sealed, signature []byte) {
	sealed = make([]byte, len(msg))
	s.out.handle.XORKeyStream(sealed, msg)
	signature = s.mac(s.out, s.out.seq, msg)
	s.out.seq++
	return sealed, signature
}

// sign is GSS_GetMIC (MS-NLMP 3.4.4) in the outgoing direction.
func (s *session) sign(msg []byte) []byte {
	sig := s.mac(s.out, s.out.seq, msg)
	s.out.seq++
	return sig
}

// errBadSignature is returned when a sealed or signed message from the
// client does not verify or is out of sequence.
var errBadSignature = errors.New("negotiate: message signature or sequence number does not verify")

// unseal decrypts a message from the client and verifies its signature and
// sequence number (a replayed or reordered message fails). After a failure
// the RC4 state is unusable; the caller must discard the session.
func (s *session) unseal(sealed, signature []byte) ([]byte, error) {
	if len(signature) != 16 {
		return nil, errBadSignature
	}
	msg := make([]byte, len(sealed))
	s.in.handle.XORKeyStream(msg, sealed)
	if err := s.verifyIn(msg, signature); err != nil {
		return nil, err
	}
	return msg, nil
}

// verify is GSS_VerifyMIC in the incoming direction.
func (s *session) verify(msg, signature []byte) error {
	if len(signature) != 16 {
		return errBadSignature
	}
	return s.verifyIn(msg, signature)
}

func (s *session) verifyIn(msg, signature []byte) error {
	want := s.mac(s.in, s.in.seq, msg)
	if subtle.ConstantTimeCompare(want, signature) != 1 {
		return errBadSignature
	}
	s.in.seq++
	return nil
}

// secBuf reads the security buffer (Len, MaxLen, Offset) at off in msg and
// returns the bytes it points to, checking the bounds.
func secBuf(msg []byte, off int) ([]byte, error) {
	if off+8 > len(msg) {
		return nil, errBadMessage
	}
	n := uint64(binary.LittleEndian.Uint16(msg[off:]))
	o := uint64(binary.LittleEndian.Uint32(msg[off+4:]))
	if n == 0 {
		return nil, nil
	}
	if o+n > uint64(len(msg)) {
		return nil, errBadMessage
	}
	return msg[o : o+n], nil
}

// secBufOffset returns a security buffer's offset, or -1 for an empty one.
func secBufOffset(msg []byte, off int) int64 {
	if binary.LittleEndian.Uint16(msg[off:]) == 0 {
		return -1
	}
	return int64(binary.LittleEndian.Uint32(msg[off+4:]))
}

// messageType checks the NTLMSSP signature and returns the message type.
func messageType(msg []byte) (uint32, error) {
	if len(msg) < 12 || !bytes.Equal(msg[:8], ntlmSignature) {
		return 0, errBadMessage
	}
	return binary.LittleEndian.Uint32(msg[8:]), nil
}

// negotiateMessage is the part of MS-NLMP 2.2.1.1 NEGOTIATE_MESSAGE the
// server uses.
type negotiateMessage struct {
	Flags uint32
}

func parseNegotiate(msg []byte) (*negotiateMessage, error) {
	t, err := messageType(msg)
	if err != nil || t != ntlmNegotiate || len(msg) < 16 {
		return nil, errBadMessage
	}
	return &negotiateMessage{Flags: binary.LittleEndian.Uint32(msg[12:])}, nil
}

// AuthenticateMessage is MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE as parsed by
// ParseAuthenticate. Strings are decoded per the Unicode flag; byte slices
// alias the message.
type AuthenticateMessage struct {
	LmChallengeResponse       []byte
	NtChallengeResponse       []byte
	Domain, User, Workstation string
	EncryptedRandomSessionKey []byte
	Flags                     uint32
	// MICOffset is 72 when the message has room for a MIC between the
	// fixed fields and the payload, else 0. Whether a MIC is actually
	// present is said by MsvAvFlags in the NTLMv2 response's AV pairs.
	MICOffset int
	// AVPairs is the NTLMv2 client blob's AV pair list (MS-NLMP 2.2.2.7,
	// 2.2.2.1), nil for a response that is not NTLMv2.
	AVPairs map[uint16][]byte
}

// ParseAuthenticate parses an AUTHENTICATE_MESSAGE, checking every security
// buffer against the message's bounds. It never panics on hostile input.
func ParseAuthenticate(msg []byte) (*AuthenticateMessage, error) {
	t, err := messageType(msg)
	if err != nil || t != ntlmAuthenticate || len(msg) < authenticateMinLen || len(msg) > maxTokenSize {
		return nil, errBadMessage
	}
	a := &AuthenticateMessage{Flags: binary.LittleEndian.Uint32(msg[60:])}
	var dom, usr, ws []byte
	for _, f := range []struct {
		off int
		dst *[]byte
	}{{12, &a.LmChallengeResponse}, {20, &a.NtChallengeResponse}, {28, &dom}, {36, &usr}, {44, &ws}, {52, &a.EncryptedRandomSessionKey}} {
		if *f.dst, err = secBuf(msg, f.off); err != nil {
			return nil, err
		}
	}
	str := func(b []byte) string {
		if a.Flags&flagUnicode != 0 {
			return fromUTF16le(b)
		}
		return string(b)
	}
	a.Domain, a.User, a.Workstation = str(dom), str(usr), str(ws)
	// The payload starts at the lowest non-empty buffer offset; a MIC fits
	// only when that is at least 88.
	lowest := int64(len(msg))
	for _, off := range []int{12, 20, 28, 36, 44, 52} {
		if o := secBufOffset(msg, off); o >= 0 && o < lowest {
			lowest = o
		}
	}
	if lowest >= authenticateMICOff+16 && len(msg) >= authenticateMICOff+16 {
		a.MICOffset = authenticateMICOff
	}
	if len(a.NtChallengeResponse) > 24 {
		// NTLMv2_CLIENT_CHALLENGE (2.2.2.7): NTProofStr(16) RespType(1)
		// HiRespType(1) Reserved(6) TimeStamp(8) ChallengeFromClient(8)
		// Reserved(4) AvPairs.
		if len(a.NtChallengeResponse) < 16+28 {
			return nil, errBadMessage
		}
		a.AVPairs, err = parseAVPairs(a.NtChallengeResponse[16+28:])
		if err != nil {
			return nil, err
		}
	}
	return a, nil
}

// parseAVPairs parses an AV_PAIR list (MS-NLMP 2.2.2.1) up to MsvAvEOL.
func parseAVPairs(b []byte) (map[uint16][]byte, error) {
	m := map[uint16][]byte{}
	for {
		if len(b) < 4 {
			// Some clients omit MsvAvEOL; accept the list as it is.
			return m, nil
		}
		id, n := binary.LittleEndian.Uint16(b), int(binary.LittleEndian.Uint16(b[2:]))
		b = b[4:]
		if id == avEOL {
			return m, nil
		}
		if n > len(b) {
			return nil, errBadMessage
		}
		m[id] = b[:n]
		b = b[n:]
	}
}

// serverInfo is what the CHALLENGE says about the server.
type serverInfo struct {
	NetBIOSDomain, DNSDomain, ComputerName string
}

// windowsVersion is the VERSION structure (MS-NLMP 2.2.2.10) the server
// sends: Windows Server 2019 (10.0.17763), NTLMSSP_REVISION_W2K3.
var windowsVersion = []byte{10, 0, 0x63, 0x45, 0, 0, 0, 0x0f}

// buildChallenge builds a CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) answering a
// NEGOTIATE with the given flags. timestamp is a FILETIME.
func buildChallenge(clientFlags uint32, challenge [8]byte, info serverInfo, timestamp uint64) (msg []byte, flags uint32) {
	flags = flagRequestTarget | flagNTLM | flagTargetTypeDom | flagTargetInfo | flagVersion
	if clientFlags&flagUnicode != 0 {
		flags |= flagUnicode
	} else {
		flags |= flagOEM
	}
	// Echo the session security options the client asked for. Extended
	// session security is always chosen: it is the only NTLMv2 session
	// security this server implements, and Windows chooses it too.
	flags |= clientFlags & (flagSign | flagSeal | flagAlwaysSign | flag128 | flag56 | flagKeyExch)
	flags |= flagESS

	enc := func(s string) []byte {
		if flags&flagUnicode != 0 {
			return utf16le(s)
		}
		return []byte(s)
	}
	var ti []byte
	av := func(id uint16, v []byte) {
		ti = binary.LittleEndian.AppendUint16(ti, id)
		ti = binary.LittleEndian.AppendUint16(ti, uint16(len(v)))
		ti = append(ti, v...)
	}
	dnsComputer := strings.ToLower(info.ComputerName) + "." + info.DNSDomain
	av(avNbDomainName, utf16le(info.NetBIOSDomain))
	av(avNbComputerName, utf16le(info.ComputerName))
	av(avDNSDomainName, utf16le(info.DNSDomain))
	av(avDNSComputerName, utf16le(dnsComputer))
	av(avTimestamp, binary.LittleEndian.AppendUint64(nil, timestamp))
	av(avEOL, nil)

	target := enc(info.NetBIOSDomain)
	const head = 56
	msg = make([]byte, head, head+len(target)+len(ti))
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], ntlmChallenge)
	binary.LittleEndian.PutUint16(msg[12:], uint16(len(target)))
	binary.LittleEndian.PutUint16(msg[14:], uint16(len(target)))
	binary.LittleEndian.PutUint32(msg[16:], head)
	binary.LittleEndian.PutUint32(msg[20:], flags)
	copy(msg[24:], challenge[:])
	binary.LittleEndian.PutUint16(msg[40:], uint16(len(ti)))
	binary.LittleEndian.PutUint16(msg[42:], uint16(len(ti)))
	binary.LittleEndian.PutUint32(msg[44:], uint32(head+len(target)))
	copy(msg[48:], windowsVersion)
	msg = append(msg, target...)
	msg = append(msg, ti...)
	return msg, flags
}

// verifyAuthenticate checks an AUTHENTICATE against the password and the
// server challenge (MS-NLMP 3.2.5.1.2) and returns the established session.
// negotiate and challenge are the raw earlier messages, for the MIC.
// Only NTLMv2 is accepted: an NTLMv1 or LM-only response (24 bytes), or an
// anonymous one, fails with errBadResponse.
func verifyAuthenticate(a *AuthenticateMessage, raw []byte, password string, serverChallenge, negotiate, challenge []byte) (*session, error) {
	if len(a.NtChallengeResponse) <= 24 || a.AVPairs == nil {
		return nil, errBadResponse
	}
	key := NTOWFv2(password, a.User, a.Domain)
	proof, baseKey := ntlmv2Keys(key, serverChallenge, a.NtChallengeResponse)
	if subtle.ConstantTimeCompare(proof, a.NtChallengeResponse[:16]) != 1 {
		return nil, errBadResponse
	}
	// KXKEY for NTLMv2 is the SessionBaseKey (MS-NLMP 3.4.5.1).
	exported := baseKey
	if a.Flags&flagKeyExch != 0 && (a.Flags&(flagSign|flagSeal) != 0) {
		if len(a.EncryptedRandomSessionKey) != 16 {
			return nil, errBadResponse
		}
		exported = rc4Once(baseKey, a.EncryptedRandomSessionKey)
	}
	if f, ok := a.AVPairs[avFlags]; ok && len(f) == 4 && binary.LittleEndian.Uint32(f)&avFlagMICPresent != 0 {
		if a.MICOffset == 0 {
			return nil, errBadResponse
		}
		zeroed := append([]byte{}, raw...)
		clear(zeroed[a.MICOffset : a.MICOffset+16])
		mic := hmacMD5(exported, negotiate, challenge, zeroed)
		if subtle.ConstantTimeCompare(mic, raw[a.MICOffset:a.MICOffset+16]) != 1 {
			return nil, errBadResponse
		}
	}
	return newSession(a.Flags, exported), nil
}
