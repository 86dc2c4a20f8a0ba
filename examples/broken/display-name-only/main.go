// Command display-name-only is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it names the user to the MFA provider by display name alone.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.DisplayNameOnly) }
