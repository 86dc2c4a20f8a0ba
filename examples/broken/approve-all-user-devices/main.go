// Command approve-all-user-devices is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it on one approval allows every device of the user.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.ApproveAllUserDevices) }
