// Command approve-without-wait is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it allows a device as soon as the push is sent, without waiting for the answer.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.ApproveWithoutWait) }
