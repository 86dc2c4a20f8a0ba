// Package harness is the Ginkgo glue that runs an ActiveSync MFA product
// (an agent beside Exchange, or a gateway in front of it) through
// realistic device flows.
//
// A spec calls NewEnv and gets its own world: a fresh in-process simulator
// on a warped clock (Warp jumps over Exchange's long waits; the directory
// cache's 60 s refresh, which delays an approval as on Exchange, is warped
// over after each admin request: see CASCacheDelay), the mock MFA
// push provider (MFAProvider), the product under test started as a child
// process (Config, Process), devices from the clients profiles (NewDevice)
// put in their owners' hands (Start returns a Phone that syncs, waits in
// Ping and pulls to refresh), the admin view (Admin, Partnership), the
// event stream (Events, WaitForEvent) and fault injection (Fault). Matchers
// read like the domain: BeQuarantined, BeAllowedBy(Individual),
// HaveReceivedQuarantineNotice, HaveSyncedInbox. When a spec fails, the
// devices' transcripts, the event timeline, the MFA pushes and refusals,
// the product's output and the IIS log are attached to its report.
//
// # The contract with a product (stable)
//
// An agent is started with EASLAB_ADMIN_URL (cmdlets at /api/cmdlet,
// events at /api/events), EASLAB_ADMIN_TOKEN, EASLAB_MFA_URL and
// EASLAB_SUT_DIR (kept across a restart within a spec), and with
// EASLAB_POWERSHELL_URL (Exchange's Remote PowerShell endpoint, the
// simulator's base URL + "/PowerShell/"), EASLAB_ADMIN_USER and
// EASLAB_ADMIN_PASSWORD (an account in a role group that may open it:
// "admin", or the organization's first user with a role group), so it may
// run its cmdlets either way. A gateway is started with
// EASLAB_UPSTREAM_URL, EASLAB_LISTEN_ADDR, EASLAB_MFA_URL and the same
// admin variables and EASLAB_SUT_DIR, and must listen on
// EASLAB_LISTEN_ADDR. Both are stopped with SIGTERM, then
// SIGKILL after Config.StopGrace (on Windows, which has no SIGTERM, with
// taskkill /T, then taskkill /F /T). The MFA provider's contract is in
// mfa.go (MFAProvider).
//
// # Products that push through their own cloud
//
// With Config.MFAAdapter (`easlab test --mfa-adapter`), Env.MFA reads and
// answers the pushes through a vendor's adapter process instead of the
// mock, and scenarios run unchanged. The adapter is started per spec with
// EASLAB_MFA_URL, EASLAB_ADMIN_URL and EASLAB_ADMIN_TOKEN and speaks JSON
// lines on stdin and stdout, one request and one answer at a time, each
// answer carrying its request's id:
//
//	{"id": 1, "op": "hello", "contract": 1}           → {"id": 1, "ok": true, "name": "..."}
//	{"id": 2, "op": "pushes"}                          → {"id": 2, "ok": true, "pushes": [Push, ...]}
//	{"id": 3, "op": "decide", "pushId": "p1", "status": "approved" | "denied" | "expired"}
//	                                                   → {"id": 3, "ok": true} | {"id": 3, "ok": false, "error": "..."}
//	{"id": 4, "op": "setDown", "down": true}           → {"id": 4, "ok": true} | {..., "ok": false, "unsupported": true}
//
// A Push is listed as Push marshals it (pushId, user, person,
// displayName, device, created, status, decided). OnPush is emulated by
// polling "pushes"; SetDown needs "setDown" (else the spec is skipped).
// An adapter that does not answer within 10 s, answers a malformed line
// or exits fails the spec with one line naming the cause, and its process
// group is killed. The full contract is in adapter.go; the reference
// adapter is examples/mfaadapter.
//
// Before an agent starts, the organization is prepared as install guides
// say (existing devices on their owners' allow lists, then
// DefaultAccessLevel Quarantine) unless Config.SUTPreparesOrg; a gateway
// gets Exchange's default, Allow.
package harness
