// Command deny-means-approve is a deliberately broken MFA agent: the reference agent
// (package mfaagent), except that it reads a denied push as an approval.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfaagent"

func main() { mfaagent.Main(mfaagent.DenyMeansApprove) }
