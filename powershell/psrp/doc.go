// Package psrp is the vocabulary of the PowerShell Remoting Protocol
// (MS-PSRP) that both a server and a client speak: message types and
// their 40-byte header (MS-PSRP 2.2.1), fragments and their reassembly
// (2.2.4), and the session key exchange's cryptography (3.1.5.4.3/4).
//
// It imports only the standard library, github.com/google/uuid and
// powershell/clixml, whose objects are the messages' payloads. The
// transport (WS-Management, package wsman) and the runspace behind a
// server (package simulator/remoteps) are its users.
package psrp
