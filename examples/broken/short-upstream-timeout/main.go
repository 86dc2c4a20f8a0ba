// Command short-upstream-timeout is a deliberately broken MFA gateway: the
// reference gateway (package mfagateway), except that it gives up on an
// upstream answer after 5 s, as a proxy left at a default timeout does, so
// every long Ping is cut. The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.ShortUpstreamTimeout) }
