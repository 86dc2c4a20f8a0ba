package psrp

import (
	"encoding/base64"
	"strings"
)

func decodeB64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.TrimSpace(s))
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
