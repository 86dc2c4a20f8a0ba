// Command flip-default-to-allow is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it sets DefaultAccessLevel back to Allow to stop the helpdesk calls.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.FlipDefaultToAllow) }
