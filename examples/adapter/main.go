// Command adapter is easlab's reference MFA adapter (package mfaadapter):
// it fronts the mock MFA provider. Try it with
// `easlab test --agent ./agent --mfa-adapter ./adapter`.
package main

import "github.com/easlab/easlab/examples/mfaadapter"

func main() { mfaadapter.Main(mfaadapter.NoFlaw) }
