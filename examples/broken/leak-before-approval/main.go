// Command leak-before-approval is a deliberately broken MFA gateway: the reference
// gateway (package mfagateway), except that it forwards a new device's requests while its push is pending.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.LeakBeforeApproval) }
