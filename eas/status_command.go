package eas

import "fmt"

// Each command's own status values (MS-ASCMD 2.2.3.177, MS-ASPROV 2.2.2.54;
// protocol.md 3.2 and 4.2). A command's Status element holds either one of
// these or, from protocol 14.0 on, a common [Status]; so each type's String
// falls back to the common status names for values from 101 up.

// statusString names s from names, then from the common statuses.
func statusString[S ~int](typ string, names map[S]string, s S) string {
	if n, ok := names[s]; ok {
		return n
	}
	if c := Status(s); c.Valid() {
		return c.String()
	}
	return fmt.Sprintf("%s(%d)", typ, int(s))
}

// SyncStatus is the Status of a Sync response, collection or item.
type SyncStatus int

// Sync status values.
const (
	SyncStatusSuccess                SyncStatus = 1
	SyncStatusInvalidSyncKey         SyncStatus = 3  // reset the collection to SyncKey 0
	SyncStatusProtocolError          SyncStatus = 4  // the request breaks the protocol
	SyncStatusServerError            SyncStatus = 5  // transient; retry
	SyncStatusConversionError        SyncStatus = 6  // a client item is malformed
	SyncStatusConflict               SyncStatus = 7  // the server's version won
	SyncStatusObjectNotFound         SyncStatus = 8  // the item is gone from the server
	SyncStatusCannotComplete         SyncStatus = 9  // e.g. the mailbox is full
	SyncStatusFolderHierarchyChanged SyncStatus = 12 // FolderSync, then retry
	SyncStatusIncompleteRequest      SyncStatus = 13 // empty or partial request with nothing cached
	SyncStatusInvalidWaitOrHeartbeat SyncStatus = 14 // see Limit
	SyncStatusTooManyCollections     SyncStatus = 15
	SyncStatusRetry                  SyncStatus = 16
)

var syncStatusNames = map[SyncStatus]string{
	1: "Success", 3: "InvalidSyncKey", 4: "ProtocolError", 5: "ServerError",
	6: "ConversionError", 7: "Conflict", 8: "ObjectNotFound", 9: "CannotComplete",
	12: "FolderHierarchyChanged", 13: "IncompleteRequest", 14: "InvalidWaitOrHeartbeat",
	15: "TooManyCollections", 16: "Retry",
}

// String returns the status's name.
func (s SyncStatus) String() string { return statusString("SyncStatus", syncStatusNames, s) }

// FolderSyncStatus is the Status of a FolderSync response.
type FolderSyncStatus int

// FolderSync status values.
const (
	FolderSyncStatusSuccess          FolderSyncStatus = 1
	FolderSyncStatusServerError      FolderSyncStatus = 6  // transient; retry
	FolderSyncStatusInvalidSyncKey   FolderSyncStatus = 9  // go back to SyncKey 0
	FolderSyncStatusMalformedRequest FolderSyncStatus = 10 // also: tried to create a default folder
	FolderSyncStatusUnknownError     FolderSyncStatus = 11
	FolderSyncStatusCodeUnknown      FolderSyncStatus = 12 // unusual back-end issue
)

var folderSyncStatusNames = map[FolderSyncStatus]string{
	1: "Success", 6: "ServerError", 9: "InvalidSyncKey", 10: "MalformedRequest",
	11: "UnknownError", 12: "CodeUnknown",
}

// String returns the status's name.
func (s FolderSyncStatus) String() string {
	return statusString("FolderSyncStatus", folderSyncStatusNames, s)
}

// FolderCreateStatus is the Status of a FolderCreate response.
type FolderCreateStatus int

// FolderCreate status values.
const (
	FolderCreateStatusSuccess          FolderCreateStatus = 1
	FolderCreateStatusFolderExists     FolderCreateStatus = 2 // the name exists in the parent
	FolderCreateStatusSpecialFolder    FolderCreateStatus = 3 // the parent is a special system folder
	FolderCreateStatusParentNotFound   FolderCreateStatus = 5
	FolderCreateStatusServerError      FolderCreateStatus = 6
	FolderCreateStatusInvalidSyncKey   FolderCreateStatus = 9
	FolderCreateStatusMalformedRequest FolderCreateStatus = 10
	FolderCreateStatusUnknownError     FolderCreateStatus = 11
	FolderCreateStatusCodeUnknown      FolderCreateStatus = 12
)

var folderCreateStatusNames = map[FolderCreateStatus]string{
	1: "Success", 2: "FolderExists", 3: "SpecialFolder", 5: "ParentNotFound",
	6: "ServerError", 9: "InvalidSyncKey", 10: "MalformedRequest", 11: "UnknownError",
	12: "CodeUnknown",
}

// String returns the status's name.
func (s FolderCreateStatus) String() string {
	return statusString("FolderCreateStatus", folderCreateStatusNames, s)
}

// FolderDeleteStatus is the Status of a FolderDelete response.
type FolderDeleteStatus int

// FolderDelete status values.
const (
	FolderDeleteStatusSuccess          FolderDeleteStatus = 1
	FolderDeleteStatusSpecialFolder    FolderDeleteStatus = 3 // a special system folder cannot be deleted
	FolderDeleteStatusFolderNotFound   FolderDeleteStatus = 4
	FolderDeleteStatusServerError      FolderDeleteStatus = 6
	FolderDeleteStatusInvalidSyncKey   FolderDeleteStatus = 9
	FolderDeleteStatusMalformedRequest FolderDeleteStatus = 10
	FolderDeleteStatusUnknownError     FolderDeleteStatus = 11
)

var folderDeleteStatusNames = map[FolderDeleteStatus]string{
	1: "Success", 3: "SpecialFolder", 4: "FolderNotFound", 6: "ServerError",
	9: "InvalidSyncKey", 10: "MalformedRequest", 11: "UnknownError",
}

// String returns the status's name.
func (s FolderDeleteStatus) String() string {
	return statusString("FolderDeleteStatus", folderDeleteStatusNames, s)
}

// FolderUpdateStatus is the Status of a FolderUpdate response.
type FolderUpdateStatus int

// FolderUpdate status values.
const (
	FolderUpdateStatusSuccess          FolderUpdateStatus = 1
	FolderUpdateStatusFolderExists     FolderUpdateStatus = 2 // or the target is a default folder
	FolderUpdateStatusSpecialFolder    FolderUpdateStatus = 3 // the Recipient Information folder
	FolderUpdateStatusFolderNotFound   FolderUpdateStatus = 4
	FolderUpdateStatusParentNotFound   FolderUpdateStatus = 5
	FolderUpdateStatusServerError      FolderUpdateStatus = 6
	FolderUpdateStatusInvalidSyncKey   FolderUpdateStatus = 9
	FolderUpdateStatusMalformedRequest FolderUpdateStatus = 10
	FolderUpdateStatusUnknownError     FolderUpdateStatus = 11
)

var folderUpdateStatusNames = map[FolderUpdateStatus]string{
	1: "Success", 2: "FolderExists", 3: "SpecialFolder", 4: "FolderNotFound",
	5: "ParentNotFound", 6: "ServerError", 9: "InvalidSyncKey", 10: "MalformedRequest",
	11: "UnknownError",
}

// String returns the status's name.
func (s FolderUpdateStatus) String() string {
	return statusString("FolderUpdateStatus", folderUpdateStatusNames, s)
}

// PingStatus is the Status of a Ping response.
type PingStatus int

// Ping status values.
const (
	PingStatusHeartbeatExpired     PingStatus = 1 // nothing changed; ping again
	PingStatusChangesOccurred      PingStatus = 2 // the listed folders changed
	PingStatusMissingParameters    PingStatus = 3 // send HeartbeatInterval and Folders
	PingStatusSyntaxError          PingStatus = 4
	PingStatusHeartbeatOutOfBounds PingStatus = 5 // HeartbeatInterval gives the limit
	PingStatusTooManyFolders       PingStatus = 6 // MaxFolders gives the limit
	PingStatusFolderSyncRequired   PingStatus = 7
	PingStatusServerError          PingStatus = 8 // retry
)

var pingStatusNames = map[PingStatus]string{
	1: "HeartbeatExpired", 2: "ChangesOccurred", 3: "MissingParameters", 4: "SyntaxError",
	5: "HeartbeatOutOfBounds", 6: "TooManyFolders", 7: "FolderSyncRequired", 8: "ServerError",
}

// String returns the status's name.
func (s PingStatus) String() string { return statusString("PingStatus", pingStatusNames, s) }

// GetItemEstimateStatus is the Status of a GetItemEstimate response.
type GetItemEstimateStatus int

// GetItemEstimate status values.
const (
	GetItemEstimateStatusSuccess           GetItemEstimateStatus = 1
	GetItemEstimateStatusInvalidCollection GetItemEstimateStatus = 2
	GetItemEstimateStatusNotPrimed         GetItemEstimateStatus = 3 // no Sync with SyncKey 0 yet
	GetItemEstimateStatusInvalidSyncKey    GetItemEstimateStatus = 4
)

var getItemEstimateStatusNames = map[GetItemEstimateStatus]string{
	1: "Success", 2: "InvalidCollection", 3: "NotPrimed", 4: "InvalidSyncKey",
}

// String returns the status's name.
func (s GetItemEstimateStatus) String() string {
	return statusString("GetItemEstimateStatus", getItemEstimateStatusNames, s)
}

// MoveItemsStatus is the Status of a MoveItems response. Success is 3.
type MoveItemsStatus int

// MoveItems status values.
const (
	MoveItemsStatusInvalidSource      MoveItemsStatus = 1 // invalid source collection or item id
	MoveItemsStatusInvalidDestination MoveItemsStatus = 2
	MoveItemsStatusSuccess            MoveItemsStatus = 3
	MoveItemsStatusSameFolder         MoveItemsStatus = 4 // source and destination are the same
	MoveItemsStatusMoveFailed         MoveItemsStatus = 5 // several destinations, name exists, or locked
	MoveItemsStatusLocked             MoveItemsStatus = 7 // transient
)

var moveItemsStatusNames = map[MoveItemsStatus]string{
	1: "InvalidSource", 2: "InvalidDestination", 3: "Success", 4: "SameFolder",
	5: "MoveFailed", 7: "Locked",
}

// String returns the status's name.
func (s MoveItemsStatus) String() string {
	return statusString("MoveItemsStatus", moveItemsStatusNames, s)
}

// MeetingResponseStatus is the Status of a MeetingResponse result.
type MeetingResponseStatus int

// MeetingResponse status values.
const (
	MeetingResponseStatusSuccess        MeetingResponseStatus = 1
	MeetingResponseStatusInvalidRequest MeetingResponseStatus = 2
	MeetingResponseStatusMailboxError   MeetingResponseStatus = 3
	MeetingResponseStatusServerError    MeetingResponseStatus = 4
)

var meetingResponseStatusNames = map[MeetingResponseStatus]string{
	1: "Success", 2: "InvalidRequest", 3: "MailboxError", 4: "ServerError",
}

// String returns the status's name.
func (s MeetingResponseStatus) String() string {
	return statusString("MeetingResponseStatus", meetingResponseStatusNames, s)
}

// ItemOperationsStatus is the Status of an ItemOperations response or
// operation. Its Move operation also uses the common statuses 155 and 156.
type ItemOperationsStatus int

// ItemOperations status values.
const (
	ItemOperationsStatusSuccess                 ItemOperationsStatus = 1
	ItemOperationsStatusProtocolError           ItemOperationsStatus = 2
	ItemOperationsStatusServerError             ItemOperationsStatus = 3
	ItemOperationsStatusDocumentLibraryBadURI   ItemOperationsStatus = 4
	ItemOperationsStatusDocumentLibraryDenied   ItemOperationsStatus = 5
	ItemOperationsStatusDocumentLibraryNotFound ItemOperationsStatus = 6
	ItemOperationsStatusDocumentLibraryFailed   ItemOperationsStatus = 7 // failed to connect
	ItemOperationsStatusInvalidByteRange        ItemOperationsStatus = 8
	ItemOperationsStatusUnknownStore            ItemOperationsStatus = 9
	ItemOperationsStatusEmptyFile               ItemOperationsStatus = 10
	ItemOperationsStatusDataTooLarge            ItemOperationsStatus = 11
	ItemOperationsStatusIOFailure               ItemOperationsStatus = 12
	ItemOperationsStatusConversionFailed        ItemOperationsStatus = 14
	ItemOperationsStatusInvalidAttachment       ItemOperationsStatus = 15
	ItemOperationsStatusAccessDenied            ItemOperationsStatus = 16
	ItemOperationsStatusPartialSuccess          ItemOperationsStatus = 17
	ItemOperationsStatusCredentialsRequired     ItemOperationsStatus = 18
)

var itemOperationsStatusNames = map[ItemOperationsStatus]string{
	1: "Success", 2: "ProtocolError", 3: "ServerError", 4: "DocumentLibraryBadURI",
	5: "DocumentLibraryDenied", 6: "DocumentLibraryNotFound", 7: "DocumentLibraryFailed",
	8: "InvalidByteRange", 9: "UnknownStore", 10: "EmptyFile", 11: "DataTooLarge",
	12: "IOFailure", 14: "ConversionFailed", 15: "InvalidAttachment", 16: "AccessDenied",
	17: "PartialSuccess", 18: "CredentialsRequired",
}

// String returns the status's name.
func (s ItemOperationsStatus) String() string {
	return statusString("ItemOperationsStatus", itemOperationsStatusNames, s)
}

// SearchStatus is the Status of a Search response or of its Store. The
// top-level Status uses only Success and ServerError.
type SearchStatus int

// Search status values.
const (
	SearchStatusSuccess             SearchStatus = 1
	SearchStatusInvalidRequest      SearchStatus = 2
	SearchStatusServerError         SearchStatus = 3
	SearchStatusBadLink             SearchStatus = 4
	SearchStatusAccessDenied        SearchStatus = 5
	SearchStatusNotFound            SearchStatus = 6
	SearchStatusConnectionFailed    SearchStatus = 7
	SearchStatusQueryTooComplex     SearchStatus = 8
	SearchStatusTimedOut            SearchStatus = 10 // retry
	SearchStatusFolderSyncRequired  SearchStatus = 11
	SearchStatusEndOfRangeExceeded  SearchStatus = 12
	SearchStatusAccessBlocked       SearchStatus = 13
	SearchStatusCredentialsRequired SearchStatus = 14
)

var searchStatusNames = map[SearchStatus]string{
	1: "Success", 2: "InvalidRequest", 3: "ServerError", 4: "BadLink", 5: "AccessDenied",
	6: "NotFound", 7: "ConnectionFailed", 8: "QueryTooComplex", 10: "TimedOut",
	11: "FolderSyncRequired", 12: "EndOfRangeExceeded", 13: "AccessBlocked",
	14: "CredentialsRequired",
}

// String returns the status's name.
func (s SearchStatus) String() string { return statusString("SearchStatus", searchStatusNames, s) }

// FindStatus is the Status of a Find response (16.1).
type FindStatus int

// Find status values.
const (
	FindStatusSuccess            FindStatus = 1
	FindStatusInvalidRequest     FindStatus = 2 // invalid search parameters
	FindStatusFolderSyncRequired FindStatus = 3
	FindStatusInvalidRange       FindStatus = 4 // the Range does not start at 0
)

var findStatusNames = map[FindStatus]string{
	1: "Success", 2: "InvalidRequest", 3: "FolderSyncRequired", 4: "InvalidRange",
}

// String returns the status's name.
func (s FindStatus) String() string { return statusString("FindStatus", findStatusNames, s) }

// SettingsStatus is the Status of a Settings response or of one of its
// parts (Oof, DeviceInformation, DevicePassword, ...), including the
// settings:DeviceInformation status in a Provision response.
type SettingsStatus int

// Settings status values.
const (
	SettingsStatusSuccess              SettingsStatus = 1
	SettingsStatusProtocolError        SettingsStatus = 2
	SettingsStatusAccessDenied         SettingsStatus = 3
	SettingsStatusServerUnavailable    SettingsStatus = 4
	SettingsStatusInvalidArguments     SettingsStatus = 5
	SettingsStatusConflictingArguments SettingsStatus = 6
	SettingsStatusDeniedByPolicy       SettingsStatus = 7
)

var settingsStatusNames = map[SettingsStatus]string{
	1: "Success", 2: "ProtocolError", 3: "AccessDenied", 4: "ServerUnavailable",
	5: "InvalidArguments", 6: "ConflictingArguments", 7: "DeniedByPolicy",
}

// String returns the status's name.
func (s SettingsStatus) String() string {
	return statusString("SettingsStatus", settingsStatusNames, s)
}

// ProvisionStatus is the Provision-level Status of a Provision response. It
// also carries the common statuses 139, 141 and 145.
type ProvisionStatus int

// Provision status values.
const (
	ProvisionStatusSuccess       ProvisionStatus = 1
	ProvisionStatusProtocolError ProvisionStatus = 2 // syntax error in the request
	ProvisionStatusServerError   ProvisionStatus = 3 // transient; retry
)

var provisionStatusNames = map[ProvisionStatus]string{
	1: "Success", 2: "ProtocolError", 3: "ServerError",
}

// String returns the status's name.
func (s ProvisionStatus) String() string {
	return statusString("ProvisionStatus", provisionStatusNames, s)
}

// PolicyStatus is the server's Policy/Status in a Provision response.
type PolicyStatus int

// Policy status values (server to client).
const (
	PolicyStatusSuccess           PolicyStatus = 1
	PolicyStatusNoPolicy          PolicyStatus = 2 // no policy for this client
	PolicyStatusUnknownPolicyType PolicyStatus = 3
	PolicyStatusCorrupt           PolicyStatus = 4 // the policy data on the server is corrupt
	PolicyStatusWrongPolicyKey    PolicyStatus = 5 // the client acknowledged a stale key
)

var policyStatusNames = map[PolicyStatus]string{
	1: "Success", 2: "NoPolicy", 3: "UnknownPolicyType", 4: "Corrupt", 5: "WrongPolicyKey",
}

// String returns the status's name.
func (s PolicyStatus) String() string { return statusString("PolicyStatus", policyStatusNames, s) }

// PolicyAckStatus is the client's Policy/Status when it acknowledges a
// policy in its second Provision request.
type PolicyAckStatus int

// Policy acknowledgment values (client to server).
const (
	PolicyAckStatusApplied           PolicyAckStatus = 1
	PolicyAckStatusPartiallyApplied  PolicyAckStatus = 2 // at least the PIN was enabled
	PolicyAckStatusNotApplied        PolicyAckStatus = 3
	PolicyAckStatusExternallyManaged PolicyAckStatus = 4 // provisioned by a third party
)

var policyAckStatusNames = map[PolicyAckStatus]string{
	1: "Applied", 2: "PartiallyApplied", 3: "NotApplied", 4: "ExternallyManaged",
}

// String returns the status's name.
func (s PolicyAckStatus) String() string {
	return statusString("PolicyAckStatus", policyAckStatusNames, s)
}

// RemoteWipeStatus is the client's RemoteWipe/Status or
// AccountOnlyRemoteWipe/Status when it acknowledges a wipe.
type RemoteWipeStatus int

// Remote wipe acknowledgment values.
const (
	RemoteWipeStatusSuccess RemoteWipeStatus = 1
	RemoteWipeStatusFailed  RemoteWipeStatus = 2
)

var remoteWipeStatusNames = map[RemoteWipeStatus]string{1: "Success", 2: "Failed"}

// String returns the status's name.
func (s RemoteWipeStatus) String() string {
	return statusString("RemoteWipeStatus", remoteWipeStatusNames, s)
}

// ResolveRecipientsStatus is the Status of a ResolveRecipients response, of
// one Response (2 to 4), or of Certificates (7, 8). Availability and Picture
// use the common statuses 160-163 and 173-175.
type ResolveRecipientsStatus int

// ResolveRecipients status values.
const (
	ResolveRecipientsStatusSuccess                 ResolveRecipientsStatus = 1
	ResolveRecipientsStatusAmbiguous               ResolveRecipientsStatus = 2 // suggestions, no certificates
	ResolveRecipientsStatusAmbiguousPartial        ResolveRecipientsStatus = 3 // see RecipientCount
	ResolveRecipientsStatusNotResolved             ResolveRecipientsStatus = 4
	ResolveRecipientsStatusProtocolError           ResolveRecipientsStatus = 5
	ResolveRecipientsStatusServerError             ResolveRecipientsStatus = 6 // retry
	ResolveRecipientsStatusNoValidCertificate      ResolveRecipientsStatus = 7
	ResolveRecipientsStatusCertificateLimitReached ResolveRecipientsStatus = 8
)

var resolveRecipientsStatusNames = map[ResolveRecipientsStatus]string{
	1: "Success", 2: "Ambiguous", 3: "AmbiguousPartial", 4: "NotResolved",
	5: "ProtocolError", 6: "ServerError", 7: "NoValidCertificate", 8: "CertificateLimitReached",
}

// String returns the status's name.
func (s ResolveRecipientsStatus) String() string {
	return statusString("ResolveRecipientsStatus", resolveRecipientsStatusNames, s)
}

// ValidateCertStatus is the Status of a ValidateCert response or
// certificate.
type ValidateCertStatus int

// ValidateCert status values.
const (
	ValidateCertStatusSuccess                     ValidateCertStatus = 1
	ValidateCertStatusProtocolError               ValidateCertStatus = 2
	ValidateCertStatusInvalidSignature            ValidateCertStatus = 3
	ValidateCertStatusUntrustedSource             ValidateCertStatus = 4
	ValidateCertStatusInvalidChain                ValidateCertStatus = 5
	ValidateCertStatusNotForSigning               ValidateCertStatus = 6
	ValidateCertStatusExpired                     ValidateCertStatus = 7
	ValidateCertStatusInvalidTimeNesting          ValidateCertStatus = 8
	ValidateCertStatusWrongPurpose                ValidateCertStatus = 9
	ValidateCertStatusMissingInformation          ValidateCertStatus = 10
	ValidateCertStatusIncorrectUse                ValidateCertStatus = 11 // a chain certificate is not a CA
	ValidateCertStatusSenderMismatch              ValidateCertStatus = 12 // does not match the sender's address
	ValidateCertStatusRevoked                     ValidateCertStatus = 13
	ValidateCertStatusRevocationServerUnavailable ValidateCertStatus = 14
	ValidateCertStatusChainRevoked                ValidateCertStatus = 15
	ValidateCertStatusRevocationUnknown           ValidateCertStatus = 16
	ValidateCertStatusUnknownServerError          ValidateCertStatus = 17
)

var validateCertStatusNames = map[ValidateCertStatus]string{
	1: "Success", 2: "ProtocolError", 3: "InvalidSignature", 4: "UntrustedSource",
	5: "InvalidChain", 6: "NotForSigning", 7: "Expired", 8: "InvalidTimeNesting",
	9: "WrongPurpose", 10: "MissingInformation", 11: "IncorrectUse", 12: "SenderMismatch",
	13: "Revoked", 14: "RevocationServerUnavailable", 15: "ChainRevoked",
	16: "RevocationUnknown", 17: "UnknownServerError",
}

// String returns the status's name.
func (s ValidateCertStatus) String() string {
	return statusString("ValidateCertStatus", validateCertStatusNames, s)
}
