package simulator

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/easlab/easlab/eas"
)

// ValidateCert (MS-ASCMD 2.2.1.22): validate S/MIME certificates.
//
// The request handling follows Exchange 2013's ValidateCertCommand and
// CertificateManager (exchange-admin.md S1): 100 Certificate elements or
// more in Certificates or in CertificateChain (Exchange counts
// "count >= MaxRetrievedItems", 100), or an unknown child, get the
// top-level Status 2; otherwise Status 1 and one Certificate status per
// certificate, in order.
//
// Each certificate is checked with crypto/x509 in the order a CryptoAPI
// chain reports its first error, with Exchange's mapping of those errors:
//
//	empty                                  10 (Exchange's EmptyCertificate)
//	not DER X.509                          3  (a CryptographicException, which
//	                                           Exchange files as TRUST_E_CERT_SIGNATURE)
//	outside its validity period            7  (CERT_E_EXPIRED)
//	key usage without digitalSignature or
//	  nonRepudiation                       6  (CERT_E_WRONG_USAGE)
//	extended key usage without
//	  emailProtection                      9  (CERT_E_PURPOSE)
//	issuer neither given nor trusted       5  (a partial chain, CERT_E_CHAINING)
//	issuer that is no CA                   11 (CERT_E_ROLE)
//	issuer's signature does not verify     3
//	issuer outside its validity period     7
//	chain ends in an untrusted root
//	  (a self-signed certificate)          4  (CERT_E_UNTRUSTEDROOT)
//	chain ends in a trusted root           1
//
// CertificateChain certificates only help build chains; they are not
// trusted. The trust anchors are Options.TrustedRoots (none by default, so
// every chain ends untrusted (4) or incomplete (5)). CheckCRL is ignored: the
// simulator fetches no revocation lists, so no certificate is reported
// revoked (13, 15) or of unknown revocation status (14, 16).
//
// A Certificate that is not base64 makes Exchange's Convert.FromBase64String
// throw an exception nothing catches; the simulator answers it, as an
// unhandled error, with common status 110 ServerError (HTTP 500 up to 12.1).
// A CertificateChain certificate that is not DER ends the chain there, as
// Exchange's store import stops at the first bad one.

// maxValidateCertificates is the certificate count Exchange refuses.
const maxValidateCertificates = 100

// certRoots returns the certificates ValidateCert trusts as chain roots.
func (s *Server) certRoots() []*x509.Certificate { return s.opts.TrustedRoots }

func handleValidateCert(c *call) error {
	var req eas.ValidateCertRequest
	if err := c.decode(&req); err != nil {
		return err
	}
	protocolError := func() error {
		return c.reply(&eas.ValidateCertResponse{Status: int(eas.ValidateCertStatusProtocolError)})
	}
	if len(req.Extra) > 0 {
		return protocolError()
	}
	var chain, certs []string
	if l := req.CertificateChain; l != nil {
		if len(l.Extra) > 0 {
			return protocolError()
		}
		chain = l.Certificate
	}
	if l := req.Certificates; l != nil {
		if len(l.Extra) > 0 {
			return protocolError()
		}
		certs = l.Certificate
	}
	if len(chain) >= maxValidateCertificates || len(certs) >= maxValidateCertificates {
		return protocolError()
	}
	var pool []*x509.Certificate
	for _, s := range chain {
		der, err := decodeBase64Cert(s)
		if err != nil {
			return eas.NewStatusError(eas.StatusServerError, "ValidateCert: CertificateChain certificate is not base64: "+err.Error())
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			break
		}
		pool = append(pool, cert)
	}
	// Decode everything before answering, so that a bad certificate fails
	// the whole request, as in Exchange.
	ders := make([][]byte, len(certs))
	for i, s := range certs {
		der, err := decodeBase64Cert(s)
		if err != nil {
			return eas.NewStatusError(eas.StatusServerError, "ValidateCert: certificate is not base64: "+err.Error())
		}
		ders[i] = der
	}
	resp := &eas.ValidateCertResponse{Status: int(eas.ValidateCertStatusSuccess)}
	now := c.s.clock.Now()
	roots := c.s.certRoots()
	for _, der := range ders {
		resp.Certificate = append(resp.Certificate, eas.ValidateCertResult{Status: int(validateCertificate(der, pool, roots, now))})
	}
	return c.reply(resp)
}

// decodeBase64Cert decodes a certificate as .NET's Convert.FromBase64String
// does, ignoring white space.
func decodeBase64Cert(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

// validateCertificate returns the ValidateCert status of one DER
// certificate, given the chain certificates and the trusted roots.
func validateCertificate(der []byte, pool, roots []*x509.Certificate, now time.Time) eas.ValidateCertStatus {
	if len(der) == 0 {
		return eas.ValidateCertStatusMissingInformation
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return eas.ValidateCertStatusInvalidSignature
	}
	if !certValidAt(leaf, now) {
		return eas.ValidateCertStatusExpired
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return eas.ValidateCertStatusNotForSigning
	}
	if len(leaf.ExtKeyUsage) > 0 && !certHasExtKeyUsage(leaf, x509.ExtKeyUsageEmailProtection) {
		return eas.ValidateCertStatusWrongPurpose
	}
	cur := leaf
	for depth := 0; depth < 10; depth++ {
		if certListContains(roots, cur) {
			return eas.ValidateCertStatusSuccess
		}
		if certSelfSigned(cur) {
			return eas.ValidateCertStatusUntrustedSource
		}
		issuer, err := certFindIssuer(cur, roots, pool)
		if issuer == nil {
			return eas.ValidateCertStatusInvalidChain
		}
		if err != nil {
			if errors.As(err, new(x509.ConstraintViolationError)) {
				return eas.ValidateCertStatusIncorrectUse
			}
			return eas.ValidateCertStatusInvalidSignature
		}
		if !certValidAt(issuer, now) {
			return eas.ValidateCertStatusExpired
		}
		cur = issuer
	}
	return eas.ValidateCertStatusInvalidChain
}

func certValidAt(c *x509.Certificate, now time.Time) bool {
	return !now.Before(c.NotBefore) && !now.After(c.NotAfter)
}

func certHasExtKeyUsage(c *x509.Certificate, want x509.ExtKeyUsage) bool {
	for _, u := range c.ExtKeyUsage {
		if u == want || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

func certListContains(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, r := range list {
		if bytes.Equal(r.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// certSelfSigned reports whether c names itself as issuer and its signature
// verifies with its own key.
func certSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// certFindIssuer returns the certificate, among the trusted roots and then the
// chain, whose subject is c's issuer, preferring one whose signature on c
// verifies; err is the signature check's error for the one returned.
func certFindIssuer(c *x509.Certificate, lists ...[]*x509.Certificate) (*x509.Certificate, error) {
	var first *x509.Certificate
	var firstErr error
	for _, list := range lists {
		for _, cand := range list {
			if cand == c || !bytes.Equal(cand.RawSubject, c.RawIssuer) {
				continue
			}
			err := c.CheckSignatureFrom(cand)
			if err == nil {
				return cand, nil
			}
			if first == nil {
				first, firstErr = cand, err
			}
		}
	}
	return first, firstErr
}
