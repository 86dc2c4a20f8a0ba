package eas

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestCommonStatusNames checks every common status against MS-ASCMD's names
// as the reference lists them (protocol.md 3.3).
func TestCommonStatusNames(t *testing.T) {
	want := map[Status]string{
		101: "InvalidContent", 102: "InvalidWBXML", 103: "InvalidXML", 104: "InvalidDateTime",
		105: "InvalidCombinationOfIDs", 106: "InvalidIDs", 107: "InvalidMIME",
		108: "DeviceIdMissingOrInvalid", 109: "DeviceTypeMissingOrInvalid", 110: "ServerError",
		111: "ServerErrorRetryLater", 112: "ActiveDirectoryAccessDenied", 113: "MailboxQuotaExceeded",
		114: "MailboxServerOffline", 115: "SendQuotaExceeded", 116: "MessageRecipientUnresolved",
		117: "MessageReplyNotAllowed", 118: "MessagePreviouslySent", 119: "MessageHasNoRecipient",
		120: "MailSubmissionFailed", 121: "MessageReplyFailed", 122: "AttachmentIsTooLarge",
		123: "UserHasNoMailbox", 124: "UserCannotBeAnonymous", 125: "UserPrincipalCouldNotBeFound",
		126: "UserDisabledForSync", 127: "UserOnNewMailboxCannotSync", 128: "UserOnLegacyMailboxCannotSync",
		129: "DeviceIsBlockedForThisUser", 130: "AccessDenied", 131: "AccountDisabled",
		132: "SyncStateNotFound", 133: "SyncStateLocked", 134: "SyncStateCorrupt",
		135: "SyncStateAlreadyExists", 136: "SyncStateVersionInvalid", 137: "CommandNotSupported",
		138: "VersionNotSupported", 139: "DeviceNotFullyProvisionable", 140: "RemoteWipeRequested",
		141: "LegacyDeviceOnStrictPolicy", 142: "DeviceNotProvisioned", 143: "PolicyRefresh",
		144: "InvalidPolicyKey", 145: "ExternallyManagedDevicesNotAllowed", 146: "NoRecurrenceInCalendar",
		147: "UnexpectedItemClass", 148: "RemoteServerHasNoSSL", 149: "InvalidStoredRequest",
		150: "ItemNotFound", 151: "TooManyFolders", 152: "NoFoldersFound", 153: "ItemsLostAfterMove",
		154: "FailureInMoveOperation", 155: "MoveCommandDisallowedForNonPersistentMoveAction",
		156: "MoveCommandInvalidDestinationFolder", 160: "AvailabilityTooManyRecipients",
		161: "AvailabilityDLLimitReached", 162: "AvailabilityTransientFailure", 163: "AvailabilityFailure",
		164: "BodyPartPreferenceTypeNotSupported", 165: "DeviceInformationRequired",
		166: "InvalidAccountId", 167: "AccountSendDisabled", 168: "IRM_FeatureDisabled",
		169: "IRM_TransientError", 170: "IRM_PermanentError", 171: "IRM_InvalidTemplateID",
		172: "IRM_OperationNotPermitted", 173: "NoPicture", 174: "PictureTooLarge",
		175: "PictureLimitReached", 176: "BodyPart_ConversationTooLarge", 177: "MaximumDevicesReached",
	}
	for s := Status(100); s <= 178; s++ {
		name, ok := want[s]
		if s.Valid() != ok {
			t.Errorf("Status(%d).Valid() = %v, want %v", s, s.Valid(), ok)
			continue
		}
		if !ok {
			if got := s.String(); got != fmt.Sprintf("Status(%d)", s) {
				t.Errorf("unknown Status(%d).String() = %q", s, got)
			}
			continue
		}
		if got := s.String(); got != name {
			t.Errorf("Status(%d).String() = %q, want %q", s, got, name)
		}
		if s.Description() == "" {
			t.Errorf("Status(%d) has no description", s)
		}
	}
	// A few constants by name, as the brief and the code that uses them
	// spell them.
	named := []struct {
		s    Status
		code int
	}{
		{StatusInvalidContent, 101}, {StatusDeviceIDMissingOrInvalid, 108},
		{StatusDeviceIsBlockedForThisUser, 129}, {StatusDeviceNotProvisioned, 142},
		{StatusPolicyRefresh, 143}, {StatusInvalidPolicyKey, 144},
		{StatusExternallyManagedDevicesNotAllowed, 145}, {StatusDeviceInformationRequired, 165},
		{StatusMaximumDevicesReached, 177},
	}
	for _, n := range named {
		if int(n.s) != n.code {
			t.Errorf("%v = %d, want %d", n.s, int(n.s), n.code)
		}
	}
}

// TestStatusHTTP checks the HTTP equivalents the reference sources.
func TestStatusHTTP(t *testing.T) {
	tests := map[Status]int{
		StatusInvalidXML: 400, StatusInvalidIDs: 400, StatusDeviceIDMissingOrInvalid: 400,
		StatusDeviceTypeMissingOrInvalid: 400, StatusServerError: 500, StatusServerErrorRetryLater: 503,
		StatusMailboxQuotaExceeded: 507, StatusUserDisabledForSync: 403, StatusDeviceIsBlockedForThisUser: 403,
		StatusSyncStateNotFound: 500, StatusCommandNotSupported: 501, StatusVersionNotSupported: 400,
		StatusDeviceNotFullyProvisionable: 403, StatusRemoteWipeRequested: 449,
		StatusLegacyDeviceOnStrictPolicy: 403, StatusDeviceNotProvisioned: 449, StatusPolicyRefresh: 449,
		StatusInvalidPolicyKey: 449, StatusMaximumDevicesReached: 403, Status(999): 500,
	}
	for s, want := range tests {
		if got := s.HTTPStatus(); got != want {
			t.Errorf("%v.HTTPStatus() = %d, want %d", s, got, want)
		}
	}
}

// TestStatusDefinedIn checks Exchange's version gates.
func TestStatusDefinedIn(t *testing.T) {
	tests := []struct {
		s    Status
		v    ProtocolVersion
		want bool
	}{
		{StatusDeviceNotProvisioned, Version121, false},
		{StatusDeviceNotProvisioned, Version25, false},
		{StatusDeviceNotProvisioned, Version140, true},
		{StatusAvailabilityFailure, Version140, true},        // 163
		{StatusDeviceInformationRequired, Version140, false}, // 165
		{StatusDeviceInformationRequired, Version141, true},
		{StatusMaximumDevicesReached, Version140, false},
		{StatusMaximumDevicesReached, Version141, true},
		{Status(185), Version160, true},
		{Status(186), Version160, false},
		{Status(186), Version161, true},
		{Status(3), Version161, false}, // not a common status
		{StatusServerError, 0, false},
	}
	for _, tt := range tests {
		if got := tt.s.DefinedIn(tt.v); got != tt.want {
			t.Errorf("%v.DefinedIn(%v) = %v, want %v", tt.s, tt.v, got, tt.want)
		}
	}
}

// TestCommandStatusStrings checks each command's status names, the fallback
// to common names and the unknown form.
func TestCommandStatusStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{SyncStatusSuccess.String(), "Success"},
		{SyncStatusInvalidSyncKey.String(), "InvalidSyncKey"},
		{SyncStatus(142).String(), "DeviceNotProvisioned"},
		{SyncStatus(2).String(), "SyncStatus(2)"},
		{FolderSyncStatusInvalidSyncKey.String(), "InvalidSyncKey"},
		{FolderSyncStatus(9).String(), "InvalidSyncKey"},
		{FolderCreateStatusFolderExists.String(), "FolderExists"},
		{FolderDeleteStatusFolderNotFound.String(), "FolderNotFound"},
		{FolderUpdateStatusParentNotFound.String(), "ParentNotFound"},
		{PingStatusHeartbeatOutOfBounds.String(), "HeartbeatOutOfBounds"},
		{PingStatusTooManyFolders.String(), "TooManyFolders"},
		{PingStatus(9).String(), "PingStatus(9)"},
		{GetItemEstimateStatusNotPrimed.String(), "NotPrimed"},
		{MoveItemsStatusSuccess.String(), "Success"},
		{MeetingResponseStatusMailboxError.String(), "MailboxError"},
		{ItemOperationsStatusCredentialsRequired.String(), "CredentialsRequired"},
		{ItemOperationsStatus(155).String(), "MoveCommandDisallowedForNonPersistentMoveAction"},
		{SearchStatusTimedOut.String(), "TimedOut"},
		{FindStatusInvalidRange.String(), "InvalidRange"},
		{SettingsStatusDeniedByPolicy.String(), "DeniedByPolicy"},
		{ProvisionStatusProtocolError.String(), "ProtocolError"},
		{ProvisionStatus(141).String(), "LegacyDeviceOnStrictPolicy"},
		{PolicyStatusWrongPolicyKey.String(), "WrongPolicyKey"},
		{PolicyAckStatusExternallyManaged.String(), "ExternallyManaged"},
		{RemoteWipeStatusFailed.String(), "Failed"},
		{ResolveRecipientsStatusCertificateLimitReached.String(), "CertificateLimitReached"},
		{ResolveRecipientsStatus(162).String(), "AvailabilityTransientFailure"},
		{ValidateCertStatusUnknownServerError.String(), "UnknownServerError"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	// Values the reference gives.
	values := []struct{ got, want int }{
		{int(SyncStatusInvalidSyncKey), 3}, {int(SyncStatusRetry), 16},
		{int(PingStatusHeartbeatOutOfBounds), 5}, {int(PingStatusTooManyFolders), 6},
		{int(FolderSyncStatusInvalidSyncKey), 9}, {int(MoveItemsStatusSuccess), 3},
		{int(MoveItemsStatusLocked), 7}, {int(ItemOperationsStatusConversionFailed), 14},
		{int(SearchStatusTimedOut), 10}, {int(PolicyStatusWrongPolicyKey), 5},
		{int(ValidateCertStatusUnknownServerError), 17},
	}
	for _, v := range values {
		if v.got != v.want {
			t.Errorf("constant = %d, want %d", v.got, v.want)
		}
	}
}

// TestOutcome checks how a StatusError reaches the client (exchange-admin.md
// 2.2).
func TestOutcome(t *testing.T) {
	withHTTP := func(e *StatusError, code int) *StatusError { e.HTTPStatus = code; return e }
	tests := []struct {
		name       string
		err        *StatusError
		v          ProtocolVersion
		cmd        Command
		http, body int
	}{
		{"not provisioned 14.1", NewStatusError(StatusDeviceNotProvisioned, ""), Version141, CommandSync, 200, 142},
		{"not provisioned 12.1", NewStatusError(StatusDeviceNotProvisioned, ""), Version121, CommandSync, 449, 0},
		{"not provisioned 12.1 GetAttachment", NewStatusError(StatusDeviceNotProvisioned, ""), Version121, CommandGetAttachment, 449, 0},
		{"blocked 16.1", NewStatusError(StatusDeviceIsBlockedForThisUser, ""), Version161, CommandFolderSync, 200, 129},
		{"blocked 12.1", NewStatusError(StatusDeviceIsBlockedForThisUser, ""), Version121, CommandFolderSync, 403, 0},
		{"max devices 14.0", NewStatusError(StatusMaximumDevicesReached, ""), Version140, CommandProvision, 403, 0},
		{"max devices 14.1", NewStatusError(StatusMaximumDevicesReached, ""), Version141, CommandProvision, 200, 177},
		{"device info 14.1", NewStatusError(StatusDeviceInformationRequired, ""), Version141, CommandProvision, 200, 165},
		{"164 beyond 14.0 gate", NewStatusError(StatusBodyPartPreferenceTypeNotSupported, ""), Version140, CommandSync, 400, 0},
		{"wipe without key", withHTTP(NewStatusError(StatusRemoteWipeRequested, ""), 403), Version121, CommandPing, 403, 0},
		{"SendMail 14.0", NewStatusError(StatusMailSubmissionFailed, ""), Version140, CommandSendMail, 200, 120},
		{"SendMail 12.1", NewStatusError(StatusMailSubmissionFailed, ""), Version121, CommandSendMail, 500, 0},
		{"451 never in body", withHTTP(NewStatusError(StatusServerError, ""), HTTPRedirect), Version161, CommandSync, 451, 0},
		{"441 never in body", withHTTP(NewStatusError(StatusServerError, ""), HTTPNeedIdentity), Version161, CommandSync, 441, 0},
		{"command status 2.5", NewCommandError(SyncStatusInvalidSyncKey, ""), Version25, CommandSync, 200, 3},
		{"command status 16.1", NewCommandError(PingStatusTooManyFolders, ""), Version161, CommandPing, 200, 6},
		{"command status without root", NewCommandError(SyncStatusServerError, ""), Version121, CommandGetAttachment, 500, 0},
		{"common value as command status 12.1", NewCommandError(SyncStatus(142), ""), Version121, CommandSync, 449, 0},
		{"common value as command status 14.1", NewCommandError(SyncStatus(142), ""), Version141, CommandSync, 200, 142},
		{"HTTP only", NewHTTPError(503, "busy"), Version161, CommandSync, 503, 0},
		{"HTTP zero", &StatusError{}, Version161, CommandSync, 500, 0},
		{"unread request", NewStatusError(StatusDeviceIDMissingOrInvalid, ""), 0, 0, 400, 0},
		{"unread version", NewStatusError(StatusCommandNotSupported, ""), 0, CommandSync, 501, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b := tt.err.Outcome(tt.v, tt.cmd)
			if h != tt.http || b != tt.body {
				t.Errorf("Outcome(%v, %v) = %d, %d; want %d, %d", tt.v, tt.cmd, h, b, tt.http, tt.body)
			}
		})
	}
}

func TestStatusErrorMethods(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	e := &StatusError{Status: 108, HTTPStatus: 400, Field: "DeviceId", Message: "missing", Err: cause}
	want := "eas: DeviceId: missing: unexpected EOF (status 108 DeviceIdMissingOrInvalid, HTTP 400)"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
	if !errors.Is(e, cause) {
		t.Error("errors.Is does not find the cause")
	}
	wrapped := fmt.Errorf("handler: %w", e)
	if se, ok := AsStatusError(wrapped); !ok || se != e {
		t.Error("AsStatusError does not find the error")
	}
	if _, ok := AsStatusError(cause); ok {
		t.Error("AsStatusError found one in a plain error")
	}
	if e.IsHTTP() || !e.IsCommon() {
		t.Error("IsHTTP/IsCommon wrong for a common status")
	}
	c := NewCommandError(SyncStatusInvalidSyncKey, "stale key")
	if c.IsHTTP() || c.IsCommon() || c.HTTPStatus != 200 {
		t.Errorf("command error = %+v", c)
	}
	if got := c.Error(); got != "eas: stale key (status 3, HTTP 200)" {
		t.Errorf("Error() = %q", got)
	}
	h := NewHTTPError(503, "")
	if !h.IsHTTP() || h.Error() != "eas: request failed (HTTP 503)" {
		t.Errorf("HTTP error = %q", h.Error())
	}
}
