package simulator

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
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

// Bounds on the work one ValidateCert may cost (issue 12: one request with
// a 262,144-bit RSA key cost seconds of CPU, a larger one half an hour).
//
// maxRSAKeyBits is the largest RSA key Windows verifies with: CNG's RSA
// takes keys of 512 to 16,384 bits ("CNG Algorithm Identifiers",
// BCRYPT_RSA_ALGORITHM; UNCONFIRMED: cited from memory, the page was not
// retrieved; the Microsoft Enhanced and Strong Cryptographic
// Providers stop at 16,384 bits too), so CryptoAPI cannot check a
// signature made with a larger key, and the chain reports the certificate's
// signature invalid: ValidateCert status 3. A larger key in the chain
// certificates is not used as an issuer.
//
// maxCertSignatureChecks bounds the signature checks of one request, as
// Go's crypto/x509 bounds chain building (maxChainSignatureChecks, 100);
// a certificate whose chain needs more is answered 5 (chain invalid).
// maxCertChainDepth bounds the issuers followed from one certificate.
const (
	maxRSAKeyBits          = 16384
	maxCertSignatureChecks = 100
	maxCertChainDepth      = 10
)

// errCertBudget: the request's signature checks are spent.
var errCertBudget = errors.New("ValidateCert: signature check budget spent")

// certChecker checks signatures for one request: within its budget, and
// not after the client has gone.
type certChecker struct {
	ctx    context.Context
	checks int
}

// check verifies that parent signed c (parent == c: a self-signature).
func (k *certChecker) check(c, parent *x509.Certificate) error {
	if err := k.ctx.Err(); err != nil {
		return err
	}
	if k.checks >= maxCertSignatureChecks {
		return errCertBudget
	}
	k.checks++
	if parent == c {
		return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	}
	return c.CheckSignatureFrom(parent)
}

// certKeyTooLarge reports whether c's key is one Windows cannot verify
// with (see maxRSAKeyBits).
func certKeyTooLarge(c *x509.Certificate) bool {
	k, ok := c.PublicKey.(*rsa.PublicKey)
	return ok && k.N.BitLen() > maxRSAKeyBits
}

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
		// A certificate given twice is one issuer (a store holds it once),
		// and one with a key Windows cannot use is none.
		if certKeyTooLarge(cert) || certListContains(pool, cert) {
			continue
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
	k := &certChecker{ctx: c.r.Context()}
	for _, der := range ders {
		st, err := validateCertificate(k, der, pool, roots, now)
		if err != nil {
			// The client went away: stop.
			return eas.NewHTTPError(http.StatusRequestTimeout, "client went away during ValidateCert: "+err.Error())
		}
		resp.Certificate = append(resp.Certificate, eas.ValidateCertResult{Status: int(st)})
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
// certificate, given the chain certificates and the trusted roots; err is
// the context's error when the request was cancelled.
func validateCertificate(k *certChecker, der []byte, pool, roots []*x509.Certificate, now time.Time) (eas.ValidateCertStatus, error) {
	if len(der) == 0 {
		return eas.ValidateCertStatusMissingInformation, nil
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil || certKeyTooLarge(leaf) {
		return eas.ValidateCertStatusInvalidSignature, nil
	}
	if !certValidAt(leaf, now) {
		return eas.ValidateCertStatusExpired, nil
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return eas.ValidateCertStatusNotForSigning, nil
	}
	if len(leaf.ExtKeyUsage) > 0 && !certHasExtKeyUsage(leaf, x509.ExtKeyUsageEmailProtection) {
		return eas.ValidateCertStatusWrongPurpose, nil
	}
	cur := leaf
	for depth := 0; depth < maxCertChainDepth; depth++ {
		if certListContains(roots, cur) {
			return eas.ValidateCertStatusSuccess, nil
		}
		self, err := certSelfSigned(k, cur)
		if err != nil {
			return certBudgetStatus(err)
		}
		if self {
			return eas.ValidateCertStatusUntrustedSource, nil
		}
		issuer, err := certFindIssuer(k, cur, roots, pool)
		if errors.Is(err, errCertBudget) || k.ctx.Err() != nil {
			return certBudgetStatus(err)
		}
		if issuer == nil {
			return eas.ValidateCertStatusInvalidChain, nil
		}
		if err != nil {
			if errors.As(err, new(x509.ConstraintViolationError)) {
				return eas.ValidateCertStatusIncorrectUse, nil
			}
			return eas.ValidateCertStatusInvalidSignature, nil
		}
		if !certValidAt(issuer, now) {
			return eas.ValidateCertStatusExpired, nil
		}
		cur = issuer
	}
	return eas.ValidateCertStatusInvalidChain, nil
}

// certBudgetStatus answers a certificate whose checks stopped: 5 (no
// chain could be built) when the budget is spent, the context's error when
// the request was cancelled.
func certBudgetStatus(err error) (eas.ValidateCertStatus, error) {
	if errors.Is(err, errCertBudget) {
		return eas.ValidateCertStatusInvalidChain, nil
	}
	return 0, err
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
// verifies with its own key; err is the checker's when it stopped.
func certSelfSigned(k *certChecker, c *x509.Certificate) (bool, error) {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false, nil
	}
	err := k.check(c, c)
	if errors.Is(err, errCertBudget) || k.ctx.Err() != nil {
		return false, err
	}
	return err == nil, nil
}

// certFindIssuer returns the certificate, among the trusted roots and then the
// chain, whose subject is c's issuer, preferring one whose signature on c
// verifies; err is the signature check's error for the one returned, or
// the checker's when it stopped.
func certFindIssuer(k *certChecker, c *x509.Certificate, lists ...[]*x509.Certificate) (*x509.Certificate, error) {
	var first *x509.Certificate
	var firstErr error
	for _, list := range lists {
		for _, cand := range list {
			if cand == c || !bytes.Equal(cand.RawSubject, c.RawIssuer) {
				continue
			}
			err := k.check(c, cand)
			if err == nil {
				return cand, nil
			}
			if errors.Is(err, errCertBudget) || k.ctx.Err() != nil {
				return nil, err
			}
			if first == nil {
				first, firstErr = cand, err
			}
		}
	}
	return first, firstErr
}
