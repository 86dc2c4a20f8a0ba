// Command adapter-double-report is a deliberately broken MFA adapter: the
// reference adapter (package mfaadapter), except that it lists every push
// twice. With it even the reference agent must fail the one-push checks.
package main

import "github.com/easlab/easlab/examples/mfaadapter"

func main() { mfaadapter.Main(mfaadapter.DoubleReport) }
