// Package admin is the transport-independent part of the simulator's admin
// plane: what Exchange's management shell does between a cmdlet's name and
// parameters and the objects it writes.
//
//   - The parameter binder: a cmdlet's parameters are the fields of a
//     struct (Cmdlet), of parameter types: String, Bool, ResultSize, Multi
//     (with @{Add=...; Remove=...}), AccessLevel, Characteristic, the .NET
//     numbers and time spans Int, UnlimitedInt, NullableInt and TimeSpan,
//     or a cmdlet's own Param (BindEnum reads any enumeration). Names
//     ignore case and may be shortened to an unambiguous prefix; errors are
//     worded and categorised as PowerShell's (Error).
//   - The Registry: cmdlets by name and alias, and Run, which any
//     transport calls with its context (the simulator's *Server), the
//     cmdlet's name and its parameters as a JSON object.
//   - The OPATH -Filter parser and evaluator (FilterSchema), generic over a
//     cmdlet's row type.
//
// The transports (the JSON API of package simulator today, Remote
// PowerShell later) and the cmdlets themselves stay outside: admin
// imports nothing of the simulator, only simulator/access and the standard
// library.
package admin
