// Command agent-fail-open is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it allows the device when the MFA provider cannot be reached (the Sentry first-contact behaviour).
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.FailOpen) }
