// Package conformance runs Microsoft's Exchange ActiveSync protocol test
// suites against the simulator: the test methods of the Open
// Specifications test suites (github.com/OfficeDev/Interop-TestSuites,
// ExchangeActiveSync/Source: MS-ASCMD, MS-ASPROV, MS-ASHTTP and the
// content specs), each ported to a Go test of the same name that sends
// the same requests on the wire and checks the same requirements, at the
// protocol versions the original runs at.
//
// The package has no API: it is its tests. Each test reports what it
// checks to a site, as the originals report to PTF's Site: a requirement
// id, and whether the server met it. A run of every test writes the
// results, requirement by requirement and version by version, into
// MATRIX.md (go test ./conformance -update), and a run that finds the
// file out of date fails, as does a run in which a requirement MATRIX.md
// records as passing fails.
//
// A requirement can also be not applicable (the test needs what a
// simulator does not model, or checks the client rather than the server)
// or a known gap (easlab differs from Exchange, and the issue that will
// fix it is named): both are listed in the matrix with their reason.
//
// The ports are independent: they keep the originals' names, steps and
// requirement ids (facts about Exchange), not their code or prose.
package conformance
