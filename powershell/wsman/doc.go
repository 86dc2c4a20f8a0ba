// Package wsman is WS-Management as Windows Remote Management speaks it
// for remote shells (MS-WSMV): the SOAP 1.2 envelopes of Identify, Create,
// Command, Send, Receive, Signal and Delete, WinRM's faults with their
// codes and texts, and a Server that keeps shells per user behind an
// http.Handler. What runs inside a shell is a Plugin's business (package
// psrp's runspace pool for PowerShell).
//
// It imports only the standard library and github.com/google/uuid.
package wsman
