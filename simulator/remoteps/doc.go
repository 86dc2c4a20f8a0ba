// Package remoteps is Exchange's Remote PowerShell endpoint, the
// Microsoft.Exchange session configuration: a wsman.Plugin whose shells
// are PSRP runspace pools (package psrp) over a restricted runspace that
// runs the simulator's cmdlets, the same ones /api/cmdlet runs, through a
// Backend.
//
// The runspace is Exchange's: no-language mode (a script beyond a simple
// pipeline of commands with constant arguments is refused as Exchange
// refuses it), the cmdlets a role grants plus the few PowerShell ones a
// restricted remote session exposes for implicit remoting (Get-Command,
// Get-FormatData, Get-Help, Select-Object, Measure-Object, Out-Default,
// Exit-PSSession), output objects with Exchange's type names, errors as
// ErrorRecords with Exchange's FullyQualifiedErrorId, category and
// exception type, warnings on the warning stream.
//
// remoteps imports powershell/..., simulator/admin and the standard
// library, never simulator (imports_test.go checks it).
package remoteps
