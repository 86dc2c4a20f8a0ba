package eas

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// HTTP status codes that EAS adds to HTTP's own (MS-ASHTTP 2.2.2.1.1).
const (
	HTTPNeedIdentity    = 441 // Exchange-internal: identity required
	HTTPRetryWith       = 449 // protocol 12.1 and earlier: provision, then retry
	HTTPRedirect        = 451 // use the URL in X-MS-Location from now on
	HTTPBlocked         = 456 // Autodiscover: account blocked
	HTTPPasswordExpired = 457 // Autodiscover: password expired
)

// Status is a common EAS status code (MS-ASCMD 2.2.2): a value from 101 up
// that any command's Status element can carry from protocol 14.0 on. Each
// command also has its own small status values, with their own types
// ([SyncStatus], [PingStatus], ...).
type Status int

// The common status codes, named as in MS-ASCMD.
const (
	StatusInvalidContent                                  Status = 101
	StatusInvalidWBXML                                    Status = 102
	StatusInvalidXML                                      Status = 103
	StatusInvalidDateTime                                 Status = 104
	StatusInvalidCombinationOfIDs                         Status = 105
	StatusInvalidIDs                                      Status = 106
	StatusInvalidMIME                                     Status = 107
	StatusDeviceIDMissingOrInvalid                        Status = 108
	StatusDeviceTypeMissingOrInvalid                      Status = 109
	StatusServerError                                     Status = 110
	StatusServerErrorRetryLater                           Status = 111
	StatusActiveDirectoryAccessDenied                     Status = 112
	StatusMailboxQuotaExceeded                            Status = 113
	StatusMailboxServerOffline                            Status = 114
	StatusSendQuotaExceeded                               Status = 115
	StatusMessageRecipientUnresolved                      Status = 116
	StatusMessageReplyNotAllowed                          Status = 117
	StatusMessagePreviouslySent                           Status = 118
	StatusMessageHasNoRecipient                           Status = 119
	StatusMailSubmissionFailed                            Status = 120
	StatusMessageReplyFailed                              Status = 121
	StatusAttachmentIsTooLarge                            Status = 122
	StatusUserHasNoMailbox                                Status = 123
	StatusUserCannotBeAnonymous                           Status = 124
	StatusUserPrincipalCouldNotBeFound                    Status = 125
	StatusUserDisabledForSync                             Status = 126
	StatusUserOnNewMailboxCannotSync                      Status = 127
	StatusUserOnLegacyMailboxCannotSync                   Status = 128
	StatusDeviceIsBlockedForThisUser                      Status = 129
	StatusAccessDenied                                    Status = 130
	StatusAccountDisabled                                 Status = 131
	StatusSyncStateNotFound                               Status = 132
	StatusSyncStateLocked                                 Status = 133
	StatusSyncStateCorrupt                                Status = 134
	StatusSyncStateAlreadyExists                          Status = 135
	StatusSyncStateVersionInvalid                         Status = 136
	StatusCommandNotSupported                             Status = 137
	StatusVersionNotSupported                             Status = 138
	StatusDeviceNotFullyProvisionable                     Status = 139
	StatusRemoteWipeRequested                             Status = 140
	StatusLegacyDeviceOnStrictPolicy                      Status = 141
	StatusDeviceNotProvisioned                            Status = 142
	StatusPolicyRefresh                                   Status = 143
	StatusInvalidPolicyKey                                Status = 144
	StatusExternallyManagedDevicesNotAllowed              Status = 145
	StatusNoRecurrenceInCalendar                          Status = 146
	StatusUnexpectedItemClass                             Status = 147
	StatusRemoteServerHasNoSSL                            Status = 148
	StatusInvalidStoredRequest                            Status = 149
	StatusItemNotFound                                    Status = 150
	StatusTooManyFolders                                  Status = 151
	StatusNoFoldersFound                                  Status = 152
	StatusItemsLostAfterMove                              Status = 153
	StatusFailureInMoveOperation                          Status = 154
	StatusMoveCommandDisallowedForNonPersistentMoveAction Status = 155
	StatusMoveCommandInvalidDestinationFolder             Status = 156
	StatusAvailabilityTooManyRecipients                   Status = 160
	StatusAvailabilityDLLimitReached                      Status = 161
	StatusAvailabilityTransientFailure                    Status = 162
	StatusAvailabilityFailure                             Status = 163
	StatusBodyPartPreferenceTypeNotSupported              Status = 164
	StatusDeviceInformationRequired                       Status = 165
	StatusInvalidAccountID                                Status = 166
	StatusAccountSendDisabled                             Status = 167
	StatusIRMFeatureDisabled                              Status = 168
	StatusIRMTransientError                               Status = 169
	StatusIRMPermanentError                               Status = 170
	StatusIRMInvalidTemplateID                            Status = 171
	StatusIRMOperationNotPermitted                        Status = 172
	StatusNoPicture                                       Status = 173
	StatusPictureTooLarge                                 Status = 174
	StatusPictureLimitReached                             Status = 175
	StatusBodyPartConversationTooLarge                    Status = 176
	StatusMaximumDevicesReached                           Status = 177
)

// statusInfo is one row of the common status table.
type statusInfo struct {
	name string // as in MS-ASCMD
	desc string // what it means
	// http is the HTTP status Exchange sends instead when the status cannot
	// go in a response body (protocol 12.1 and earlier, or a command without
	// a WBXML root).
	http int
}

// commonStatuses is the common status table (protocol.md 3.3, names from
// MS-ASCMD). The HTTP column is sourced for 103 and 126 (MS-ASCMD
// examples), 106, 110, 111 and 132 (Horde), 142-144 (MS-ASPROV), 140
// (449 when the device sent a policy key, 403 when not), and 105, 108, 109,
// 113 (HTTP 507 "mailbox full"), 120, 123, 125-131, 133, 137-139, 141 and
// 177 (Exchange 2013's code and exchange-admin.md 2.2). The rest are our
// choice: 400 when the request is at fault, 403 when access is refused, 500
// or 503 when the server is. Those HTTP codes only matter for protocol 12.1
// and earlier, which had no common statuses, and for commands without a
// WBXML root.
var commonStatuses = map[Status]statusInfo{
	101: {"InvalidContent", "the request body is invalid (wrong Content-Type or length, or missing)", 400},
	102: {"InvalidWBXML", "the WBXML body could not be decoded", 400},
	103: {"InvalidXML", "the XML does not follow the protocol (also: a request-size limit was exceeded)", 400},
	104: {"InvalidDateTime", "a date or time could not be parsed", 400},
	105: {"InvalidCombinationOfIDs", "the combination of parameters is invalid", 400},
	106: {"InvalidIDs", "one or more ids could not be parsed", 400},
	107: {"InvalidMIME", "the MIME message could not be parsed", 400},
	108: {"DeviceIdMissingOrInvalid", "the device id is missing or invalid", 400},
	109: {"DeviceTypeMissingOrInvalid", "the device type is missing or invalid", 400},
	110: {"ServerError", "unknown server error; do not retry", 500},
	111: {"ServerErrorRetryLater", "unknown server error; retry later", 503},
	112: {"ActiveDirectoryAccessDenied", "the server cannot read or write the directory object", 403},
	113: {"MailboxQuotaExceeded", "the mailbox is full", 507},
	114: {"MailboxServerOffline", "the mailbox server is offline", 503},
	115: {"SendQuotaExceeded", "the message would exceed the send quota", 507},
	116: {"MessageRecipientUnresolved", "a recipient could not be resolved", 500},
	117: {"MessageReplyNotAllowed", "the server does not allow a reply to this message", 500},
	118: {"MessagePreviouslySent", "a message with this ClientId was sent recently", 500},
	119: {"MessageHasNoRecipient", "the message has no recipient", 500},
	120: {"MailSubmissionFailed", "the server failed to submit the message", 500},
	121: {"MessageReplyFailed", "the server failed to create the reply", 500},
	122: {"AttachmentIsTooLarge", "an attachment is too large", 500},
	123: {"UserHasNoMailbox", "the user has no mailbox", 403},
	124: {"UserCannotBeAnonymous", "no credentials were sent", 401},
	125: {"UserPrincipalCouldNotBeFound", "the user is not in the directory", 403},
	126: {"UserDisabledForSync", "the user may not use Exchange ActiveSync", 403},
	127: {"UserOnNewMailboxCannotSync", "the server blocks users on new mailbox servers", 403},
	128: {"UserOnLegacyMailboxCannotSync", "the server blocks users on legacy mailbox servers", 403},
	129: {"DeviceIsBlockedForThisUser", "this device is blocked for this user", 403},
	130: {"AccessDenied", "the user may not perform this request", 403},
	131: {"AccountDisabled", "the account is disabled", 403},
	132: {"SyncStateNotFound", "the server's sync state is missing", 500},
	133: {"SyncStateLocked", "the sync state is locked (e.g. mailbox move)", 503},
	134: {"SyncStateCorrupt", "the sync state is corrupt", 500},
	135: {"SyncStateAlreadyExists", "the sync state already exists", 500},
	136: {"SyncStateVersionInvalid", "the sync state version is invalid", 500},
	137: {"CommandNotSupported", "the server does not support this command", 501},
	138: {"VersionNotSupported", "the command is not supported in this protocol version", 400},
	139: {"DeviceNotFullyProvisionable", "the device cannot comply with every enabled policy", 403},
	140: {"RemoteWipeRequested", "a remote wipe is pending: provision to receive it", 449},
	141: {"LegacyDeviceOnStrictPolicy", "a policy is in place but the device sent no policy key", 403},
	142: {"DeviceNotProvisioned", "a policy is in place: the device must provision", 449},
	143: {"PolicyRefresh", "the policy must be refreshed: provision again", 449},
	144: {"InvalidPolicyKey", "the policy key is invalid (the policy changed): provision again", 449},
	145: {"ExternallyManagedDevicesNotAllowed", "externally managed devices are not allowed", 403},
	146: {"NoRecurrenceInCalendar", "the meeting is not recurring", 500},
	147: {"UnexpectedItemClass", "the item class is unknown", 400},
	148: {"RemoteServerHasNoSSL", "the proxy target has no SSL", 500},
	149: {"InvalidStoredRequest", "the stored request cannot be replayed; send the full request", 400},
	150: {"ItemNotFound", "the item was not found", 500},
	151: {"TooManyFolders", "the mailbox has too many folders", 500},
	152: {"NoFoldersFound", "the mailbox has no folders", 500},
	153: {"ItemsLostAfterMove", "some moved items were not found afterwards", 500},
	154: {"FailureInMoveOperation", "the move failed", 500},
	155: {"MoveCommandDisallowedForNonPersistentMoveAction", "a conversation move needs MoveAlways", 400},
	156: {"MoveCommandInvalidDestinationFolder", "the move destination is invalid", 400},
	160: {"AvailabilityTooManyRecipients", "too many recipients for availability", 400},
	161: {"AvailabilityDLLimitReached", "the distribution list is too large for availability", 400},
	162: {"AvailabilityTransientFailure", "availability failed; retry", 503},
	163: {"AvailabilityFailure", "availability failed", 500},
	164: {"BodyPartPreferenceTypeNotSupported", "the BodyPartPreference type is not supported", 400},
	165: {"DeviceInformationRequired", "the Provision request lacks DeviceInformation", 400},
	166: {"InvalidAccountId", "the AccountId is invalid", 400},
	167: {"AccountSendDisabled", "the account cannot send mail", 403},
	168: {"IRM_FeatureDisabled", "IRM is disabled", 403},
	169: {"IRM_TransientError", "IRM failed; retry", 503},
	170: {"IRM_PermanentError", "IRM failed", 500},
	171: {"IRM_InvalidTemplateID", "the IRM template id is invalid", 400},
	172: {"IRM_OperationNotPermitted", "the IRM operation is not permitted", 403},
	173: {"NoPicture", "the user has no picture", 500},
	174: {"PictureTooLarge", "the picture is larger than MaxSize", 500},
	175: {"PictureLimitReached", "more pictures than MaxPictures", 500},
	176: {"BodyPart_ConversationTooLarge", "the conversation is too large for body parts", 500},
	177: {"MaximumDevicesReached", "the user has too many device partnerships", 403},
}

// String returns the status's MS-ASCMD name, e.g. "DeviceNotProvisioned";
// an unknown value prints as "Status(99)".
func (s Status) String() string {
	if info, ok := commonStatuses[s]; ok {
		return info.name
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Description says in a few words what the status means.
func (s Status) Description() string { return commonStatuses[s].desc }

// Valid reports whether s is a known common status.
func (s Status) Valid() bool {
	_, ok := commonStatuses[s]
	return ok
}

// HTTPStatus returns the HTTP status Exchange sends instead of s when s
// cannot go in a response body; 500 for an unknown status.
func (s Status) HTTPStatus() int {
	if info, ok := commonStatuses[s]; ok {
		return info.http
	}
	return http.StatusInternalServerError
}

// DefinedIn reports whether protocol version v may carry s in a Status
// element. Exchange 2013 gates them so: none up to 12.1, up to 163 in 14.0,
// up to 177 in 14.1, up to 185 in 16.0, all in 16.1 (exchange-admin.md 2.2).
func (s Status) DefinedIn(v ProtocolVersion) bool {
	if s <= 100 || !v.Valid() {
		return false
	}
	switch {
	case v < Version140:
		return false
	case v == Version140:
		return s <= 163
	case v == Version141:
		return s <= 177
	case v == Version160:
		return s <= 185
	}
	return true
}

// StatusError is an error that is also the wire response: an EAS status for
// the command's Status element and the HTTP status to send instead when the
// status cannot go in a body. Handlers return one; the server turns it into
// bytes in one place, guided by [StatusError.Outcome].
type StatusError struct {
	// Status is the EAS status: a common [Status] (101 and up) or a value of
	// the failing command's own status type (1 to 100). Zero means there is
	// none and only HTTPStatus is sent.
	Status int
	// HTTPStatus is the HTTP status sent when Status is not sent in a body.
	// Zero means 500.
	HTTPStatus int
	// Field names the request field at fault, e.g. "DeviceId" or
	// "base64 query: policy key"; empty when the error is not about one.
	Field string
	// Message says what went wrong, for logs and transcripts.
	Message string
	// Err is the underlying cause, if any.
	Err error
}

// NewStatusError returns an error carrying the common status s and the HTTP
// status Exchange uses for it ([Status.HTTPStatus]).
func NewStatusError(s Status, msg string) *StatusError {
	return &StatusError{Status: int(s), HTTPStatus: s.HTTPStatus(), Message: msg}
}

// CommandStatus is any command's own status type, such as [SyncStatus].
type CommandStatus interface {
	~int
	fmt.Stringer
}

// NewCommandError returns an error carrying a command's own status s, which
// is always sent with HTTP 200 in the command's response body. A value from
// 101 up is a common status and is treated as [NewStatusError] treats it.
func NewCommandError[S CommandStatus](s S, msg string) *StatusError {
	if int(s) > 100 {
		return NewStatusError(Status(s), msg)
	}
	return &StatusError{Status: int(s), HTTPStatus: http.StatusOK, Message: msg}
}

// NewHTTPError returns an error that is sent as the bare HTTP status code,
// with no EAS status.
func NewHTTPError(code int, msg string) *StatusError {
	return &StatusError{HTTPStatus: code, Message: msg}
}

// AsStatusError finds the first *StatusError in err's chain.
func AsStatusError(err error) (*StatusError, bool) {
	var se *StatusError
	ok := errors.As(err, &se)
	return se, ok
}

// Error describes the error, with its status and HTTP code.
func (e *StatusError) Error() string {
	var b strings.Builder
	b.WriteString("eas: ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString("request failed")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	b.WriteString(" (")
	if e.Status != 0 {
		fmt.Fprintf(&b, "status %d", e.Status)
		if s := Status(e.Status); s.Valid() {
			fmt.Fprintf(&b, " %s", s)
		}
		b.WriteString(", ")
	}
	fmt.Fprintf(&b, "HTTP %d)", e.httpStatus())
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *StatusError) Unwrap() error { return e.Err }

// IsHTTP reports whether e has no EAS status, so it can only be sent as a
// bare HTTP status.
func (e *StatusError) IsHTTP() bool { return e.Status == 0 }

// IsCommon reports whether e carries a common status (101 and up) rather
// than a command's own.
func (e *StatusError) IsCommon() bool { return e.Status > 100 }

func (e *StatusError) httpStatus() int {
	if e.HTTPStatus == 0 {
		return http.StatusInternalServerError
	}
	return e.HTTPStatus
}

// Outcome decides how Exchange sends e to a client speaking version v that
// posted command cmd (exchange-admin.md 2.2). Either bodyStatus is non-zero
// and the response is httpStatus 200 with bodyStatus in
// <cmd><Status>bodyStatus</Status></cmd>, or bodyStatus is zero and the
// response is the bare httpStatus with no body.
//
// A status goes in the body when cmd has a WBXML root in v
// ([Command.HasRoot]) and either the status is the command's own or it is a
// common status that v defines
// ([Status.DefinedIn]) and the HTTP status is not 441 or 451. So a 14.1 Sync
// from an unprovisioned device gets 200 with Status 142, a 12.1 one gets a
// bare 449. Pass a zero v or cmd when the request could not be read that
// far.
func (e *StatusError) Outcome(v ProtocolVersion, cmd Command) (httpStatus, bodyStatus int) {
	hasRoot := cmd.HasRoot(v)
	switch {
	case e.Status == 0 || !hasRoot:
	case e.Status <= 100:
		return http.StatusOK, e.Status
	case Status(e.Status).DefinedIn(v) && e.HTTPStatus != HTTPNeedIdentity && e.HTTPStatus != HTTPRedirect:
		return http.StatusOK, e.Status
	}
	h := e.httpStatus()
	if h == http.StatusOK {
		// A command's own status for a command without a body to hold it:
		// a handler bug; Exchange would fail the request.
		h = http.StatusInternalServerError
	}
	return h, 0
}
