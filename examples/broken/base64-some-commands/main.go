// Command base64-some-commands is a deliberately broken MFA gateway: the reference
// gateway (package mfagateway), except that it decodes the base64 query form only for Sync, FolderSync and
// Ping, and forwards every other base64-encoded command of a device awaiting
// approval unchecked. The scenarios must
// fail it.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.Base64SomeCommandsOnly) }
