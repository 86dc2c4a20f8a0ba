// Package negotiate is the server side of HTTP Negotiate/NTLM authentication
// and of WinRM's message encryption over plain HTTP, as a Windows WinRM or
// IIS server (Exchange's /PowerShell/ virtual directory) does it.
//
// Authentication (RFC 4559 for the HTTP framing):
//   - NTLM per [MS-NLMP]: NEGOTIATE (2.2.1.1), CHALLENGE (2.2.1.2) with
//     target info AV pairs (2.2.2.1) including MsvAvTimestamp so clients
//     send a MIC, AUTHENTICATE (2.2.1.3). Only NTLMv2 responses are
//     accepted (3.3.2, verified as in 3.2.5.1.2); NTLMv1 and LM responses
//     are refused like a wrong password. The MIC is verified when
//     MsvAvFlags says it is present (3.1.5.1.2 / 3.2.5.1.2).
//   - SPNEGO per [MS-SPNG] and RFC 4178: NegTokenInit carrying NTLM, answered
//     with NegTokenResp (2.2, 3.2.5); the mechListMIC is verified and
//     returned, with the RC4 handle reset afterwards (MS-SPNG 3.3.5.1).
//     Kerberos is not supported: a NegTokenInit without NTLM is rejected.
//
// Session security: keys per MS-NLMP 3.4.5 (KXKEY, SIGNKEY, SEALKEY), with
// extended session security only; sealing and signing per 3.4.3 and 3.4.4.2
// (RC4, HMAC-MD5, a sequence number per direction, checked on receipt).
//
// Message encryption: [MS-WSMV] 2.2.9.1.1 (HTTP-SPNEGO-session-encrypted
// multipart bodies) and 3.2.4.1 ff. Once a connection is authenticated with
// sealing, multipart/encrypted request bodies are decrypted before Next sees
// them and Next's responses are sealed the same way. CredSSP
// (HTTP-CredSSP-session-encrypted) is not supported and gets 415.
//
// NTLM authenticates a TCP connection, so the server must install
// ConnContext as its http.Server.ConnContext. Connections are assumed to
// carry one request at a time (HTTP/1.1); HTTP/2 is not supported, as
// WinRM does not use it.
package negotiate
