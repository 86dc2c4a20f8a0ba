package negotiate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"mime"
	"strconv"
	"strings"
)

// The encrypted message format of MS-WSMV 2.2.9.1.1 (HTTP-SPNEGO-session-encrypted).
// Each sealed part is:
//
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
//	\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\r\n
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/octet-stream\r\n
//	<4-byte little-endian signature length (16)><signature><N sealed bytes>
//
// and the body ends with "--Encrypted Boundary--\r\n". multipart/x-multi-encrypted
// (MS-WSMV 2.2.9.1.2) is the same parts repeated; the parser accepts any
// number of parts under either content type.
//
// pypsrp's encryption.py notes that Exchange endpoints write the boundary
// with a space after the dashes ("-- Encrypted Boundary"); the parser accepts
// whitespace there. The writer produces "--Encrypted Boundary" exactly, which
// python3-winrm (winrm/encryption.py splits on the literal bytes) requires.
const (
	spnegoEncrypted  = "application/HTTP-SPNEGO-session-encrypted"
	encBoundary      = "Encrypted Boundary"
	encContentType   = `multipart/encrypted;protocol="` + spnegoEncrypted + `";boundary="` + encBoundary + `"`
	defaultOrigType  = "application/soap+xml;charset=UTF-8"
	maxSignatureSize = 16
)

var errBadEncrypted = errors.New("negotiate: malformed encrypted body")

// isEncrypted reports whether a Content-Type is one of WinRM's encrypted
// multipart types with the SPNEGO protocol, and whether it is one at all
// (a CredSSP or Kerberos protocol string is encrypted but unsupported).
func isEncrypted(contentType string) (encrypted, supported bool) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Fall back to a prefix test so a mangled header is still refused
		// rather than passed on as plain text.
		l := strings.ToLower(contentType)
		return strings.HasPrefix(l, "multipart/encrypted") || strings.HasPrefix(l, "multipart/x-multi-encrypted"), false
	}
	if mt != "multipart/encrypted" && mt != "multipart/x-multi-encrypted" {
		return false, false
	}
	return true, strings.EqualFold(params["protocol"], spnegoEncrypted) &&
		(params["boundary"] == "" || params["boundary"] == encBoundary)
}

// skipBoundary consumes "--", optional spaces or tabs, "Encrypted Boundary"
// and the given suffix at the start of b.
func skipBoundary(b []byte, suffix string) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("--")) {
		return b, false
	}
	r := bytes.TrimLeft(b[2:], " \t")
	if !bytes.HasPrefix(r, []byte(encBoundary+suffix)) {
		return b, false
	}
	return r[len(encBoundary)+len(suffix):], true
}

// readHeader reads one "\tName: value\r\n" line.
func readHeader(b []byte) (name, value string, rest []byte, ok bool) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return "", "", b, false
	}
	line := strings.TrimSpace(string(b[:i]))
	name, value, ok = strings.Cut(line, ":")
	return strings.TrimSpace(name), strings.TrimSpace(value), b[i+2:], ok
}

// encryptedPart is one sealed part of an encrypted body.
type encryptedPart struct {
	OrigType  string
	Signature []byte
	Sealed    []byte
}

// parseEncrypted splits an encrypted body into its parts, checking every
// length against the body. It never panics on hostile input.
func parseEncrypted(body []byte) ([]encryptedPart, error) {
	var parts []encryptedPart
	b := body
	for {
		if r, ok := skipBoundary(b, "--"); ok {
			if len(parts) == 0 || len(bytes.TrimSpace(r)) != 0 {
				return nil, errBadEncrypted
			}
			return parts, nil
		}
		r, ok := skipBoundary(b, "\r\n")
		if !ok {
			return nil, errBadEncrypted
		}
		b = r
		// First part's headers, up to the next boundary.
		var p encryptedPart
		length := -1
		protocolOK := false
		for {
			if r, ok := skipBoundary(b, "\r\n"); ok {
				b = r
				break
			}
			name, value, r, ok := readHeader(b)
			if !ok {
				return nil, errBadEncrypted
			}
			b = r
			switch strings.ToLower(name) {
			case "content-type":
				protocolOK = strings.EqualFold(value, spnegoEncrypted)
			case "originalcontent":
				for _, f := range strings.Split(value, ";") {
					k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
					switch strings.ToLower(k) {
					case "type":
						p.OrigType = v
					case "length":
						n, err := strconv.Atoi(v)
						if err != nil || n < 0 {
							return nil, errBadEncrypted
						}
						length = n
					case "charset":
						p.OrigType += ";charset=" + v
					}
				}
			}
		}
		if !protocolOK || length < 0 {
			return nil, errBadEncrypted
		}
		// Second part: one Content-Type header, then the binary data.
		name, value, r, ok := readHeader(b)
		if !ok || !strings.EqualFold(name, "content-type") || !strings.EqualFold(value, "application/octet-stream") {
			return nil, errBadEncrypted
		}
		b = r
		if len(b) < 4 {
			return nil, errBadEncrypted
		}
		sigLen := binary.LittleEndian.Uint32(b)
		if sigLen != maxSignatureSize || uint64(len(b)) < 4+uint64(sigLen)+uint64(length) {
			return nil, errBadEncrypted
		}
		p.Signature = b[4 : 4+sigLen]
		p.Sealed = b[4+sigLen : 4+int(sigLen)+length]
		b = b[4+int(sigLen)+length:]
		if p.OrigType == "" {
			p.OrigType = defaultOrigType
		}
		parts = append(parts, p)
	}
}

// buildEncrypted builds a one-part encrypted body in the exact layout
// python3-winrm and pypsrp parse.
func buildEncrypted(origType string, plainLen int, signature, sealed []byte) []byte {
	var b bytes.Buffer
	b.WriteString("--" + encBoundary + "\r\n")
	b.WriteString("\tContent-Type: " + spnegoEncrypted + "\r\n")
	b.WriteString("\tOriginalContent: type=" + origType + ";Length=" + strconv.Itoa(plainLen) + "\r\n")
	b.WriteString("--" + encBoundary + "\r\n")
	b.WriteString("\tContent-Type: application/octet-stream\r\n")
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(signature))))
	b.Write(signature)
	b.Write(sealed)
	b.WriteString("--" + encBoundary + "--\r\n")
	return b.Bytes()
}

// decryptBody parses an encrypted request body and unseals each part in
// order with the connection's session, returning the plain message and the
// original content type.
func decryptBody(s *session, body []byte) (plain []byte, origType string, err error) {
	parts, err := parseEncrypted(body)
	if err != nil {
		return nil, "", err
	}
	for _, p := range parts {
		m, err := s.unseal(p.Sealed, p.Signature)
		if err != nil {
			return nil, "", err
		}
		plain = append(plain, m...)
		origType = p.OrigType
	}
	return plain, origType, nil
}
