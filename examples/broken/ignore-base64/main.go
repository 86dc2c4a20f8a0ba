// Command ignore-base64 is a deliberately broken MFA gateway: the reference
// gateway (package mfagateway), except that it understands only the plain query form and lets base64-encoded requests through unchecked.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.IgnoreBase64) }
