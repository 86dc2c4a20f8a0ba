package clients

import "math/rand/v2"

// Lifecycle events a support engineer needs to reproduce a report
// (field-notes.md "MFA-loop scenarios" 4-6). Each changes what the device
// will put on the wire next; none talks to the server by itself, so a
// scenario decides when the device comes back (usually Setup).

// UpdateOS models an OS or app update: the next requests carry the new
// User-Agent, and the DeviceInformation the device sends next carries the
// new User-Agent and OS. The DeviceId does not change. Exchange records
// the new User-Agent and counts the change toward the UserAgentsChanges
// autoblock threshold (exchange-admin.md 4.9).
func (d *Device) UpdateOS(userAgent, os string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Profile.UserAgent = userAgent
	if os != "" {
		d.Profile.OS = os
	}
}

// FactoryReset models a factory reset, a restore or an app reinstall: the
// client mints a new DeviceId in its format and forgets everything, so the
// server sees a new device that must be approved again (field-notes.md
// 5; Microsoft KB 3013802 "EAS device is unexpectedly blocked by ABQ
// list"). It returns the new DeviceId.
func (d *Device) FactoryReset() string {
	d.mu.Lock()
	d.DeviceID = d.Profile.NewDeviceID(d.opts.Rand)
	id := d.DeviceID
	d.mu.Unlock()
	d.forget()
	return id
}

// RemoveAccount models deleting the account from the device: the local
// data and policy key go, the DeviceId stays (iOS keeps its Exchange
// Device ID until a factory reset, exchange-admin.md 5.2), so re-adding the
// account (Setup) re-uses the partnership and any approval of it.
func (d *Device) RemoveAccount() { d.forget() }

// ChangePassword models the user retyping a (changed) password.
func (d *Device) ChangePassword(password string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opts.Password = password
}

// AddAccount models adding a second account to the same device: a new
// Device with the same profile, DeviceId, HTTP client and clock, for
// another user. Exchange sees a second partnership with the same DeviceId
// in another mailbox. (Whether app clients such as Outlook use one
// DeviceId for all accounts is UNCONFIRMED; native Mail does.)
func (d *Device) AddAccount(user, password string) *Device {
	d.mu.Lock()
	defer d.mu.Unlock()
	opts := d.opts
	seed := d.opts.Rand.Uint64()
	opts.User, opts.Password, opts.DeviceID = user, password, d.DeviceID
	opts.Rand = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return New(d.Profile, opts)
}
