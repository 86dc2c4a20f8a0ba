// Command hold-sync-commands-only is a deliberately broken MFA gateway: the reference
// gateway (package mfagateway), except that it holds only the commands that sync mail (Sync, FolderSync, Ping,
// ItemOperations) for a device awaiting approval and forwards the rest (Search,
// the sends, MoveItems, ResolveRecipients, Settings...). The scenarios must
// fail it.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.HoldsSyncPathOnly) }
