// Package admin is the transport-independent part of the simulator's admin
// plane: what Exchange's management shell does between a cmdlet's name and
// parameters and the objects it writes.
//
// It holds the OPATH -Filter parser and evaluator (FilterSchema), generic
// over a cmdlet's row type. A transport (the JSON API of package simulator
// today, Remote PowerShell later) and the cmdlets themselves stay outside:
// admin imports nothing of the simulator, only simulator/access and the
// standard library.
package admin
