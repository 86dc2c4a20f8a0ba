// Command hold-dangerous-list-only is a deliberately broken MFA gateway: the reference
// gateway (package mfagateway), except that it holds only a list of "dangerous" commands (Sync, ItemOperations,
// Search, SendMail, SmartReply, SmartForward) for a device awaiting approval and
// forwards the rest (FolderSync, Ping, GetItemEstimate, MoveItems,
// MeetingResponse, ResolveRecipients, Settings, Find, GetAttachment). The scenarios must
// fail it.
package main

import "github.com/easlab/easlab/examples/mfagateway"

func main() { mfagateway.Main(mfagateway.HoldsDangerousListOnly) }
