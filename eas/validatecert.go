package eas

import "github.com/easlab/easlab/wbxml"

// ValidateCertRequest asks the server to validate S/MIME certificates
// (MS-ASCMD 2.2.1.22): Certificates to validate (base64), intermediate
// certificates in CertificateChain, and whether to CheckCRL. The fields
// follow the order of the MS-ASCMD request schema, where CertificateChain
// comes first (protocol.md §3.2 lists Certificates first).
type ValidateCertRequest struct {
	WBXMLName        wbxml.Name                `wbxml:"ValidateCert:ValidateCert"`
	CertificateChain *ValidateCertCertificates `wbxml:"CertificateChain,omitempty"`
	Certificates     *ValidateCertCertificates `wbxml:"Certificates,omitempty"`
	CheckCRL         *bool                     `wbxml:"CheckCRL,omitempty"`
	Extra            []*wbxml.Node             `wbxml:",any"`
}

// ValidateCertCertificates lists certificates, base64-encoded.
type ValidateCertCertificates struct {
	Certificate []string      `wbxml:"Certificate"`
	Extra       []*wbxml.Node `wbxml:",any"`
}

// ValidateCertResponse answers a ValidateCert: a global Status and one
// Certificate status per certificate, in order.
type ValidateCertResponse struct {
	WBXMLName   wbxml.Name           `wbxml:"ValidateCert:ValidateCert"`
	Status      int                  `wbxml:"Status"`
	Certificate []ValidateCertResult `wbxml:"Certificate,omitempty"`
	Extra       []*wbxml.Node        `wbxml:",any"`
}

// ValidateCertResult is the status of one certificate (1 valid, 3..17 the
// reason it is not).
type ValidateCertResult struct {
	Status int           `wbxml:"Status"`
	Extra  []*wbxml.Node `wbxml:",any"`
}
