// Command forget-on-restart is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it keeps its pushes in memory only, so a restart loses them.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.ForgetOnRestart) }
