// Command gateway is easlab's reference MFA gateway (package mfagateway):
// run it with `easlab test --gateway ./gateway`.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.NoFlaw) }
