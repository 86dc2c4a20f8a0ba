// Command replace-allow-list is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it sets the mailbox's allow list to the approved device alone (the PoshCode 3505 bug), dropping every device allowed before.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.ReplaceAllowList) }
