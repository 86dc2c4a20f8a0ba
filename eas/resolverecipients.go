package eas

import "github.com/easlab/easlab/wbxml"

// ResolveRecipientsRequest resolves names and addresses against the GAL
// and the user's contacts, optionally with certificates, free/busy (14.0+)
// and photos (14.1+) (MS-ASCMD 2.2.1.15). Up to 100 To elements.
type ResolveRecipientsRequest struct {
	WBXMLName wbxml.Name                `wbxml:"ResolveRecipients:ResolveRecipients"`
	To        []string                  `wbxml:"To"`
	Options   *ResolveRecipientsOptions `wbxml:"Options,omitempty"`
	Extra     []*wbxml.Node             `wbxml:",any"`
}

// ResolveRecipientsOptions: CertificateRetrieval 1 none, 2 full
// certificates, 3 mini certificates.
type ResolveRecipientsOptions struct {
	CertificateRetrieval   int                 `wbxml:"CertificateRetrieval,omitempty"`
	MaxCertificates        int                 `wbxml:"MaxCertificates,omitempty"`
	MaxAmbiguousRecipients *int                `wbxml:"MaxAmbiguousRecipients,omitempty"`
	Availability           *AvailabilityWindow `wbxml:"Availability,omitempty"`
	Picture                *PictureOptions     `wbxml:"Picture,omitempty"`
	Extra                  []*wbxml.Node       `wbxml:",any"`
}

// AvailabilityWindow is the time range for which free/busy is wanted.
type AvailabilityWindow struct {
	StartTime string        `wbxml:"StartTime"`
	EndTime   string        `wbxml:"EndTime,omitempty"`
	Extra     []*wbxml.Node `wbxml:",any"`
}

// ResolveRecipientsResponse answers a ResolveRecipients: a global Status
// and one Response per To.
type ResolveRecipientsResponse struct {
	WBXMLName wbxml.Name                `wbxml:"ResolveRecipients:ResolveRecipients"`
	Status    int                       `wbxml:"Status"`
	Response  []ResolveRecipientsResult `wbxml:"Response,omitempty"`
	Extra     []*wbxml.Node             `wbxml:",any"`
}

// ResolveRecipientsResult resolves one To: Status 1 resolved, 2 ambiguous,
// 3 ambiguous with a partial list, 4 not resolved; RecipientCount is the
// number of matches.
type ResolveRecipientsResult struct {
	To             string        `wbxml:"To"`
	Status         int           `wbxml:"Status"`
	RecipientCount *int          `wbxml:"RecipientCount,omitempty"`
	Recipient      []Recipient   `wbxml:"Recipient,omitempty"`
	Extra          []*wbxml.Node `wbxml:",any"`
}

// Recipient is one match: Type 1 contact, 2 GAL entry.
type Recipient struct {
	Type         int                    `wbxml:"Type"`
	DisplayName  string                 `wbxml:"DisplayName"`
	EmailAddress string                 `wbxml:"EmailAddress"`
	Availability *RecipientAvailability `wbxml:"Availability,omitempty"`
	Certificates *RecipientCertificates `wbxml:"Certificates,omitempty"`
	Picture      []Picture              `wbxml:"Picture,omitempty"`
	Extra        []*wbxml.Node          `wbxml:",any"`
}

// RecipientAvailability is a recipient's free/busy: one digit per 30
// minutes from the requested StartTime (0 free, 1 tentative, 2 busy, 3 out
// of office, 4 no data).
type RecipientAvailability struct {
	Status         int           `wbxml:"Status"`
	MergedFreeBusy string        `wbxml:"MergedFreeBusy,omitempty"`
	Extra          []*wbxml.Node `wbxml:",any"`
}

// RecipientCertificates are a recipient's S/MIME certificates (base64),
// full or as one mini certificate.
type RecipientCertificates struct {
	Status           int           `wbxml:"Status"`
	CertificateCount *int          `wbxml:"CertificateCount,omitempty"`
	RecipientCount   *int          `wbxml:"RecipientCount,omitempty"`
	Certificate      []string      `wbxml:"Certificate,omitempty"`
	MiniCertificate  string        `wbxml:"MiniCertificate,omitempty"`
	Extra            []*wbxml.Node `wbxml:",any"`
}
