// Command rewrite-errors is a deliberately broken MFA gateway: the reference
// gateway (package mfagateway), except that it turns every upstream error but 401 into 502 Bad Gateway, so 449, 451 and 503 never reach the device.
// The scenarios must fail it.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.RewriteErrors) }
