package conformance

import (
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S20: the ValidateCert command.

// cmd2BadCertificate is the suite's certificate whose signature is not
// valid (as the request carries it, base64).
const cmd2BadCertificate = "TUlJQ1lqQ0NBY3VnQXdJQkFnSVVZR3M4alpiWDBWeGpPYnU0bncwhQ=="

// validateCert sends ValidateCert with certificates and CheckCRL 1, and
// returns the first certificate's Status, or the global one.
func (c *cmd2Client) validateCert(certificates []string) int {
	c.s.t.Helper()
	yes := true
	var resp eas.ValidateCertResponse
	c.send(eas.CommandValidateCert, &eas.ValidateCertRequest{
		Certificates: &eas.ValidateCertCertificates{Certificate: certificates}, CheckCRL: &yes,
	}).decode(c.s, &resp)
	if len(resp.Certificate) > 0 {
		return resp.Certificate[0].Status
	}
	return resp.Status
}

// MSASCMD_S20_TC01: validating the certificate of the S/MIME message the
// deployment put in User09's Inbox.
func TestMSASCMD_S20_TC01_ValidateCert_Success(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		s.notApplicable("the certificate comes from the S/MIME-signed message (MSASCMD_SecureEmailForTest) and the PKI the deployment sets up for User09; easlab is given no such message or certificate authority", 4474, 5387)
	})
}

// MSASCMD_S20_TC02: a certificate with an invalid signature is Status 3.
func TestMSASCMD_S20_TC02_ValidateCert_InvalidSignature(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(4479, "the ValidateCert Status of a certificate with an invalid signature", 3, c.validateCert([]string{cmd2BadCertificate}))
	})
}

// MSASCMD_S20_TC03: 101 certificates are Status 2.
func TestMSASCMD_S20_TC03_ValidateCert_LimitingSize(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		certs := make([]string, 101)
		for i := range certs {
			certs[i] = cmd2BadCertificate
		}
		s.equal(5662, "the ValidateCert Status of 101 certificates", 2, c.validateCert(certs))
	})
}
