package simulator

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/eas"
)

// The parsers issue 12's protocol rows touch, fuzzed: ValidateCert's
// certificate check (bounded work, never a panic), the sender rewrite of
// SendMail (From is always the user's, no Sender survives), and the
// DeviceInformation bound.

var fuzzNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// FuzzValidateCertificate: any bytes as a certificate, checked against
// the same bytes as a chain certificate, answer a status within the
// signature budget.
func FuzzValidateCertificate(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"},
		NotBefore: fuzzNow.Add(-time.Hour), NotAfter: fuzzNow.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)
	f.Add([]byte{})
	f.Add(der[:len(der)/2])
	f.Fuzz(func(t *testing.T, der []byte) {
		var pool []*x509.Certificate
		if c, err := x509.ParseCertificate(der); err == nil && !certKeyTooLarge(c) {
			pool = append(pool, c, c)
		}
		k := &certChecker{ctx: context.Background()}
		st, err := validateCertificate(k, der, pool, nil, fuzzNow)
		if err != nil {
			t.Fatalf("error without cancellation: %v", err)
		}
		if st < eas.ValidateCertStatusSuccess || st > eas.ValidateCertStatusUnknownServerError {
			t.Fatalf("status %d", st)
		}
		if k.checks > maxCertSignatureChecks {
			t.Fatalf("%d signature checks", k.checks)
		}
	})
}

// FuzzCompleteHeader: whatever header a client sends, the message that
// leaves names the user as From and carries no Sender.
func FuzzCompleteHeader(f *testing.F) {
	f.Add([]byte("From: Bob <bob@contoso.com>\r\nSender: bob@contoso.com\r\nTo: admin@contoso.com\r\nSubject: x\r\n\r\nbody\r\n"))
	f.Add([]byte("To: a@b\r\n\r\n"))
	f.Add([]byte("From: alice@contoso.com, bob@contoso.com\r\n\r\n"))
	f.Add([]byte("From: =?utf-8?q?Alice_Wilber?= <alice@contoso.com>\r\n\r\n"))
	f.Add([]byte("\r\n"))
	u := User{Alias: "alice", DisplayName: "Alice Wilber", PrimarySmtpAddress: "alice@contoso.com"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := completeHeader(raw, u, fuzzNow)
		if err != nil {
			return
		}
		h, _, err := splitMessage(out)
		if err != nil {
			t.Fatalf("the completed message does not split: %v", err)
		}
		mh := mail.Header{Header: message.Header{Header: h}}
		from, err := mh.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Address != u.PrimarySmtpAddress {
			t.Fatalf("From %v (%v) after completeHeader of %q", from, err, raw)
		}
		if mh.Has("Sender") {
			t.Fatalf("a Sender survived: %q", out)
		}
	})
}

// FuzzTruncateField: a DeviceInformation value is kept to a prefix of at
// most maxDeviceInformationField characters, whole characters only.
func FuzzTruncateField(f *testing.F) {
	f.Add("iPhone15C2")
	f.Add(strings.Repeat("é", 2000))
	f.Add(strings.Repeat("M", 1025))
	f.Add("\xff\xfe" + strings.Repeat("a", 1100))
	f.Fuzz(func(t *testing.T, s string) {
		got := truncateField(s)
		if !strings.HasPrefix(s, got) {
			t.Fatalf("%q is no prefix", got)
		}
		if n := utf8.RuneCountInString(got); n > maxDeviceInformationField {
			t.Fatalf("%d characters kept", n)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("a character was cut")
		}
		if utf8.RuneCountInString(s) <= maxDeviceInformationField && got != s {
			t.Fatalf("a short value changed")
		}
	})
}
