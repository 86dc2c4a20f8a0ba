package psrp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"unicode/utf16"
)

// The session key exchange (MS-PSRP 3.1.5.4.3 and 3.1.5.4.4): the client
// sends its RSA public key as a CryptoAPI PUBLICKEYBLOB; the server answers
// with a 256-bit AES key encrypted to it as a SIMPLEBLOB; SecureStrings
// then travel as UTF-16LE encrypted with that key in CBC mode with a zero
// IV and PKCS#7 padding (what Windows PowerShell and pypsrp do).

const (
	blobPublicKey = 0x06   // PUBLICKEYBLOB
	blobSimple    = 0x01   // SIMPLEBLOB
	calgRSAKeyX   = 0xA400 // CALG_RSA_KEYX
	calgAES256    = 0x6610 // CALG_AES_256
	rsaMagic      = "RSA1" // RSAPUBKEY.magic of a public key
	maxRSABits    = 16384  // the largest key CNG accepts; a bound on the work a client can ask for
	sessionKeyLen = 256 / 8
)

// ErrKeyBlob wraps errors about a malformed or unacceptable key blob.
var ErrKeyBlob = errors.New("psrp: bad key blob")

// ParsePublicKeyBlob reads the client's PUBLIC_KEY: a CryptoAPI
// PUBLICKEYBLOB holding an RSA key exchange key.
func ParsePublicKeyBlob(b []byte) (*rsa.PublicKey, error) {
	if len(b) < 20 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a PUBLICKEYBLOB header", ErrKeyBlob, len(b))
	}
	if b[0] != blobPublicKey || b[1] != 2 {
		return nil, fmt.Errorf("%w: type %d version %d, want a version 2 PUBLICKEYBLOB (6)", ErrKeyBlob, b[0], b[1])
	}
	if alg := binary.LittleEndian.Uint32(b[4:8]); alg != calgRSAKeyX {
		return nil, fmt.Errorf("%w: algorithm 0x%04X, want CALG_RSA_KEYX", ErrKeyBlob, alg)
	}
	if string(b[8:12]) != rsaMagic {
		return nil, fmt.Errorf("%w: magic %q, want RSA1", ErrKeyBlob, b[8:12])
	}
	bits := binary.LittleEndian.Uint32(b[12:16])
	if bits < 512 || bits > maxRSABits || bits%8 != 0 {
		return nil, fmt.Errorf("%w: %d-bit key, outside 512 to %d", ErrKeyBlob, bits, maxRSABits)
	}
	exp := binary.LittleEndian.Uint32(b[16:20])
	mod := b[20:]
	if len(mod) != int(bits/8) {
		return nil, fmt.Errorf("%w: %d-bit key with %d bytes of modulus", ErrKeyBlob, bits, len(mod))
	}
	if exp < 3 || exp%2 == 0 || exp > 1<<31-1 {
		return nil, fmt.Errorf("%w: public exponent %d", ErrKeyBlob, exp)
	}
	n := new(big.Int).SetBytes(reversed(mod)) // the blob is little-endian
	return &rsa.PublicKey{N: n, E: int(exp)}, nil
}

// PublicKeyBlob writes pub as a CryptoAPI PUBLICKEYBLOB (what a client
// sends).
func PublicKeyBlob(pub *rsa.PublicKey) []byte {
	size := (pub.N.BitLen() + 7) / 8
	b := make([]byte, 20, 20+size)
	b[0], b[1] = blobPublicKey, 2
	binary.LittleEndian.PutUint32(b[4:8], calgRSAKeyX)
	copy(b[8:12], rsaMagic)
	binary.LittleEndian.PutUint32(b[12:16], uint32(size*8))
	binary.LittleEndian.PutUint32(b[16:20], uint32(pub.E))
	return append(b, reversed(pub.N.FillBytes(make([]byte, size)))...)
}

// NewSessionKey makes a session key and its ENCRYPTED_SESSION_KEY blob
// for the client's public key.
func NewSessionKey(pub *rsa.PublicKey) (key, blob []byte, err error) {
	key = make([]byte, sessionKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	enc, err := rsa.EncryptPKCS1v15(rand.Reader, pub, key)
	if err != nil {
		return nil, nil, fmt.Errorf("psrp: encrypting the session key: %w", err)
	}
	blob = make([]byte, 12, 12+len(enc))
	blob[0], blob[1] = blobSimple, 2
	binary.LittleEndian.PutUint32(blob[4:8], calgAES256)
	binary.LittleEndian.PutUint32(blob[8:12], calgRSAKeyX)
	return key, append(blob, reversed(enc)...), nil // CryptEncrypt's output is little-endian
}

// OpenSessionKey reads an ENCRYPTED_SESSION_KEY blob with the client's
// private key.
func OpenSessionKey(priv *rsa.PrivateKey, blob []byte) ([]byte, error) {
	if len(blob) < 12 || blob[0] != blobSimple || binary.LittleEndian.Uint32(blob[4:8]) != calgAES256 {
		return nil, fmt.Errorf("%w: not an AES-256 SIMPLEBLOB", ErrKeyBlob)
	}
	key, err := rsa.DecryptPKCS1v15(nil, priv, reversed(blob[12:]))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyBlob, err)
	}
	if len(key) != sessionKeyLen {
		return nil, fmt.Errorf("%w: a %d-byte session key", ErrKeyBlob, len(key))
	}
	return key, nil
}

// ErrSecureString wraps errors decrypting a SecureString.
var ErrSecureString = errors.New("psrp: cannot decrypt SecureString")

// DecryptSecureString reads a SecureString's encrypted bytes.
func DecryptSecureString(key, enc []byte) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSecureString, err)
	}
	if len(enc) == 0 || len(enc)%aes.BlockSize != 0 {
		return "", fmt.Errorf("%w: %d bytes is not a whole number of blocks", ErrSecureString, len(enc))
	}
	plain := make([]byte, len(enc))
	cipher.NewCBCDecrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(plain, enc)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > aes.BlockSize || pad > len(plain) {
		return "", fmt.Errorf("%w: bad padding (wrong session key?)", ErrSecureString)
	}
	for _, c := range plain[len(plain)-pad:] {
		if int(c) != pad {
			return "", fmt.Errorf("%w: bad padding (wrong session key?)", ErrSecureString)
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain)%2 != 0 {
		return "", fmt.Errorf("%w: odd UTF-16 length", ErrSecureString)
	}
	u := make([]uint16, len(plain)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(plain[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// EncryptSecureString writes s as a SecureString's encrypted bytes.
func EncryptSecureString(key []byte, s string) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("psrp: encrypting a SecureString: %w", err)
	}
	var plain []byte
	for _, c := range utf16.Encode([]rune(s)) {
		plain = binary.LittleEndian.AppendUint16(plain, c)
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	for range pad {
		plain = append(plain, byte(pad))
	}
	cipher.NewCBCEncrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(plain, plain)
	return plain, nil
}

func reversed(b []byte) []byte {
	r := slices.Clone(b)
	slices.Reverse(r)
	return r
}
