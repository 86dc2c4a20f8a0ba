// Command agent is easlab's reference MFA agent (package mfaagent): run it
// with `easlab test --agent ./agent`.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.NoFlaw) }
