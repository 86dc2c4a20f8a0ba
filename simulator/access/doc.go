// Package access is Exchange's device access engine, as pure functions
// over plain data: whether a device may sync (Decide), and which
// notification mails a change of its access state sends (Notices). It
// keeps no state and does no I/O; the simulator builds the Input under its
// locks, stamps the Decision on the partnership and delivers the mails.
//
// The decision is one pure function over a snapshot (exchange-admin.md 1.1
// to 1.5, 4.3, 4.5, 4.9). The order is the one Exchange 2013 CU23 code
// follows (S1: Handler, Command.IsDeviceAccessAllowed,
// Command.DetermineDeviceAccessState), which differs from the documented
// order; where the reference's summary of that code is lossy, the comments
// in decide.go say what the code does and why it was followed.
//
// Exchange's words stay where a user reads them: the String values of
// State, Reason, Level and Characteristic are what the cmdlets print and
// the event stream carries.
package access
