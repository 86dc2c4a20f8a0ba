// Command push-every-poll is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it keeps no memory of its pushes and pushes again at every poll.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.PushEveryPoll) }
