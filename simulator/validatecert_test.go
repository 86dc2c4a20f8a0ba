package simulator_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

// lkCert is a certificate made for a test, with its key.
type lkCert struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

func (c lkCert) b64() string { return base64.StdEncoding.EncodeToString(c.der) }

var lkSerial int64

// lkMakeCert issues a certificate from tmpl, signed by parent (nil:
// self-signed).
func lkMakeCert(t *testing.T, tmpl *x509.Certificate, parent *lkCert) lkCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	lkSerial++
	tmpl.SerialNumber = big.NewInt(lkSerial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = simtest.Start.Add(-24 * time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = simtest.Start.Add(365 * 24 * time.Hour)
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return lkCert{cert, der, key}
}

func lkCATemplate(name string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
}

func lkLeafTemplate(name string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: name}, EmailAddresses: []string{name},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}
}

// lkPKI is a root, an intermediate and a leaf.
type lkPKI struct{ root, inter, leaf lkCert }

func lkNewPKI(t *testing.T) lkPKI {
	root := lkMakeCert(t, lkCATemplate("Contoso Root CA"), nil)
	inter := lkMakeCert(t, lkCATemplate("Contoso Issuing CA"), &root)
	leaf := lkMakeCert(t, lkLeafTemplate("bob@contoso.com"), &inter)
	return lkPKI{root, inter, leaf}
}

func validateCert(t *testing.T, d *simtest.Device, req *eas.ValidateCertRequest) *eas.ValidateCertResponse {
	t.Helper()
	var r eas.ValidateCertResponse
	d.CallOK(eas.CommandValidateCert, req, &r)
	return &r
}

func lkCertList(certs ...string) *eas.ValidateCertCertificates {
	return &eas.ValidateCertCertificates{Certificate: certs}
}

func TestValidateCertStatuses(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "VC1", eas.Version141).Provision()
	pki := lkNewPKI(t)
	expired := lkLeafTemplate("old@contoso.com")
	expired.NotBefore, expired.NotAfter = simtest.Start.Add(-400*24*time.Hour), simtest.Start.Add(-time.Hour)
	future := lkLeafTemplate("new@contoso.com")
	future.NotBefore = simtest.Start.Add(time.Hour)
	encOnly := lkLeafTemplate("enc@contoso.com")
	encOnly.KeyUsage = x509.KeyUsageKeyEncipherment
	tls := lkLeafTemplate("web@contoso.com")
	tls.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	notCA := lkMakeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Not a CA"}, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature}, &pki.root)
	underNotCA := lkMakeCert(t, lkLeafTemplate("odd@contoso.com"), &notCA)
	// An issuer with the right name but another key.
	impostor := lkMakeCert(t, lkCATemplate("Contoso Issuing CA"), &pki.root)

	cases := []struct {
		name  string
		chain []string
		cert  string
		want  eas.ValidateCertStatus
	}{
		{"full chain to an untrusted root", []string{pki.inter.b64(), pki.root.b64()}, pki.leaf.b64(), eas.ValidateCertStatusUntrustedSource},
		{"chain without its root", []string{pki.inter.b64()}, pki.leaf.b64(), eas.ValidateCertStatusInvalidChain},
		{"no chain", nil, pki.leaf.b64(), eas.ValidateCertStatusInvalidChain},
		{"self-signed", nil, lkMakeCert(t, lkLeafTemplate("self@contoso.com"), nil).b64(), eas.ValidateCertStatusUntrustedSource},
		{"expired", nil, lkMakeCert(t, expired, &pki.inter).b64(), eas.ValidateCertStatusExpired},
		{"not yet valid", nil, lkMakeCert(t, future, &pki.inter).b64(), eas.ValidateCertStatusExpired},
		{"not for signing", []string{pki.inter.b64(), pki.root.b64()}, lkMakeCert(t, encOnly, &pki.inter).b64(), eas.ValidateCertStatusNotForSigning},
		{"wrong purpose", []string{pki.inter.b64(), pki.root.b64()}, lkMakeCert(t, tls, &pki.inter).b64(), eas.ValidateCertStatusWrongPurpose},
		{"issuer not a CA", []string{notCA.b64(), pki.root.b64()}, underNotCA.b64(), eas.ValidateCertStatusIncorrectUse},
		{"issuer signature", []string{impostor.b64(), pki.root.b64()}, pki.leaf.b64(), eas.ValidateCertStatusInvalidSignature},
		{"not DER", nil, base64.StdEncoding.EncodeToString([]byte("not a certificate")), eas.ValidateCertStatusInvalidSignature},
		{"empty", nil, "", eas.ValidateCertStatusMissingInformation},
	}
	for _, tc := range cases {
		req := &eas.ValidateCertRequest{Certificates: lkCertList(tc.cert)}
		if tc.chain != nil {
			req.CertificateChain = lkCertList(tc.chain...)
		}
		r := validateCert(t, d, req)
		if r.Status != 1 || len(r.Certificate) != 1 {
			t.Errorf("%s: %+v", tc.name, r)
			continue
		}
		lookupExpectStatus(t, tc.name, r.Certificate[0].Status, int(tc.want))
	}

	// Several certificates: one status each, in order; CheckCRL changes
	// nothing. Base64 with line breaks is accepted.
	wrapped := pki.leaf.b64()[:40] + "\r\n" + pki.leaf.b64()[40:]
	crl := true
	r := validateCert(t, d, &eas.ValidateCertRequest{CertificateChain: lkCertList(pki.inter.b64(), pki.root.b64()),
		Certificates: lkCertList(wrapped, pki.root.b64(), base64.StdEncoding.EncodeToString([]byte{1, 2, 3})), CheckCRL: &crl})
	var got []int
	for _, c := range r.Certificate {
		got = append(got, c.Status)
	}
	// The root's key usage is certificate signing only: not for S/MIME.
	if r.Status != 1 || len(got) != 3 || got[0] != 4 || got[1] != 6 || got[2] != 3 {
		t.Errorf("three certificates: status %d, %v", r.Status, got)
	}
}

func TestValidateCertBadRequests(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "VC2", eas.Version141).Provision()
	pki := lkNewPKI(t)
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = pki.leaf.b64()
		}
		return out
	}
	if r := validateCert(t, d, &eas.ValidateCertRequest{Certificates: lkCertList(many(99)...)}); r.Status != 1 || len(r.Certificate) != 99 {
		t.Errorf("99 certificates: status %d, %d results", r.Status, len(r.Certificate))
	}
	for name, req := range map[string]*eas.ValidateCertRequest{
		"100 certificates": {Certificates: lkCertList(many(100)...)},
		"100 chain certs":  {CertificateChain: lkCertList(many(100)...), Certificates: lkCertList(pki.leaf.b64())},
		"unknown element":  {Certificates: lkCertList(pki.leaf.b64()), Extra: []*wbxml.Node{wbxml.NewText(mustTag("ValidateCert:Status"), "1")}},
	} {
		if r := validateCert(t, d, req); r.Status != int(eas.ValidateCertStatusProtocolError) || len(r.Certificate) != 0 {
			t.Errorf("%s: %+v", name, r)
		}
	}

	// Not base64: an unhandled error in Exchange; status 110 from 14.0,
	// HTTP 500 before.
	body, err := wbxml.Marshal(&eas.ValidateCertRequest{Certificates: lkCertList("%%% not base64 %%%")})
	if err != nil {
		t.Fatal(err)
	}
	resp, b := d.Post(eas.CommandValidateCert, body)
	code := resp.StatusCode
	var r eas.ValidateCertResponse
	if code != http.StatusOK || wbxml.Unmarshal(b, &r) != nil || r.Status != int(eas.StatusServerError) || len(r.Certificate) != 0 {
		t.Errorf("bad base64 at 14.1: HTTP %d, %+v", code, r)
	}
	old := env.Device("alice", "VC3", eas.Version121).Provision()
	if resp, _ := old.Post(eas.CommandValidateCert, body); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("bad base64 at 12.1: HTTP %d", resp.StatusCode)
	}
	body, _ = wbxml.Marshal(&eas.ValidateCertRequest{CertificateChain: lkCertList("@@"), Certificates: lkCertList(pki.leaf.b64())})
	if resp, _ := old.Post(eas.CommandValidateCert, body); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("bad base64 chain at 12.1: HTTP %d", resp.StatusCode)
	}
}

// With the organization's CA trusted, a chain that ends there validates,
// over HTTP as well.
func TestValidateCertificateTrustedRoot(t *testing.T) {
	pki := lkNewPKI(t)
	env := simtest.New(t, simulator.Options{TrustedRoots: []*x509.Certificate{pki.root.cert}})
	d := env.Device("alice", "CERTROOT1", eas.Version141).Provision()
	r := validateCert(t, d, &eas.ValidateCertRequest{
		CertificateChain: &eas.ValidateCertCertificates{Certificate: []string{base64.StdEncoding.EncodeToString(pki.inter.der)}},
		Certificates:     &eas.ValidateCertCertificates{Certificate: []string{base64.StdEncoding.EncodeToString(pki.leaf.der)}},
	})
	if r.Status != 1 || len(r.Certificate) != 1 || r.Certificate[0].Status != int(eas.ValidateCertStatusSuccess) {
		t.Errorf("over HTTP: %+v", r)
	}
	roots := []*x509.Certificate{pki.root.cert}
	pool := []*x509.Certificate{pki.inter.cert}
	now := simtest.Start
	if s := simulator.ValidateCertificate(pki.leaf.der, pool, roots, now); s != eas.ValidateCertStatusSuccess {
		t.Errorf("leaf: %v", s)
	}
	self := lkMakeCert(t, lkLeafTemplate("self@contoso.com"), nil)
	if s := simulator.ValidateCertificate(self.der, nil, []*x509.Certificate{self.cert}, now); s != eas.ValidateCertStatusSuccess {
		t.Errorf("trusted self-signed: %v", s)
	}
	if s := simulator.ValidateCertificate(pki.leaf.der, nil, roots, now); s != eas.ValidateCertStatusInvalidChain {
		t.Errorf("missing intermediate: %v", s)
	}
	if s := simulator.ValidateCertificate(pki.leaf.der, pool, roots, pki.inter.cert.NotAfter.Add(time.Hour)); s != eas.ValidateCertStatusExpired {
		t.Errorf("later: %v", s)
	}
	oldInterTmpl := lkCATemplate("Contoso Issuing CA")
	oldInterTmpl.NotBefore, oldInterTmpl.NotAfter = now.Add(-48*time.Hour), now.Add(-time.Hour)
	oldInter := lkMakeCert(t, oldInterTmpl, &pki.root)
	leaf := lkMakeCert(t, lkLeafTemplate("carol@contoso.com"), &oldInter)
	if s := simulator.ValidateCertificate(leaf.der, []*x509.Certificate{oldInter.cert}, roots, now); s != eas.ValidateCertStatusExpired {
		t.Errorf("expired intermediate: %v", s)
	}
}
