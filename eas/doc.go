// Package eas is the Exchange ActiveSync protocol vocabulary shared by the
// simulator (a fake Exchange) and the simulated devices: commands, protocol
// versions, status codes and MS-ASHTTP requests. It does no I/O.
//
// # Commands and versions
//
// A [Command] is one EAS command (Sync, FolderSync, ... Find) with its name
// in the plain query, its code in the base64 query and the protocol versions
// that define it, all held in one table. A [ProtocolVersion] is one of 2.5,
// 12.0, 12.1, 14.0, 14.1, 16.0 and 16.1. A [ServerProfile] is what one
// Exchange release advertises in its OPTIONS response.
//
// # Requests
//
// [ParseRequest] reads the command, user, device, protocol version, policy
// key and command parameters of an HTTP POST to /Microsoft-Server-ActiveSync,
// in either query form (plain text or base64), and checks them as Exchange
// does. [NewHTTPRequest] builds such a request for a client in either form.
//
// # Errors are wire responses
//
// A handler that fails returns a [*StatusError]: an EAS status (a common
// [Status] such as [StatusDeviceNotProvisioned], or a command's own status
// such as [SyncStatusInvalidSyncKey]) and the HTTP status Exchange would use
// instead. [StatusError.Outcome] decides, as Exchange does, whether the
// client gets HTTP 200 with the status in the command's root element or a
// bare HTTP status; writing the bytes is the caller's job. ParseRequest
// returns its errors in the same form.
//
// Facts come from MS-ASHTTP, MS-ASCMD and MS-ASPROV as restated in the
// project's reference notes, and from Exchange 2013's own request handling;
// where those are silent, the choice made is said in a comment.
package eas
