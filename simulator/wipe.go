package simulator

import (
	"fmt"
	"strings"
	"time"

	"github.com/easlab/easlab/simulator/notice"
)

// Remote wipe (Clear-MobileDevice, MS-ASPROV 3.1.5.2, exchange-admin.md
// 4.6): the admin asks, the device is told at its next request (449 or 403
// up to 12.1, status 140 from 14.0, even when blocked or quarantined),
// provisions to receive <RemoteWipe/> or, for 16.1 and -AccountOnly,
// <AccountOnlyRemoteWipe/>, and acknowledges. The times move as
// Get-MobileDeviceStatistics shows them.

// wipeState is a device's remote wipe, as Get-MobileDeviceStatistics
// reports it.
type wipeState struct {
	requested   time.Time // DeviceWipeRequestTime
	sent        time.Time // DeviceWipeSentTime
	acked       time.Time // DeviceWipeAckTime
	accountOnly bool
	failed      bool // the device reported the wipe failed
	requestor   string
	notify      []string // NotificationEmailAddresses
}

// WipeConfirmationSubject is the subject of the mail that confirms a
// completed remote wipe. Exchange sends such a mail to the owner and to
// Clear-MobileDevice's NotificationEmailAddresses; its exact en-US subject
// is UNCONFIRMED in the reference, this is the wording seen in the field.
const WipeConfirmationSubject = "Remote Device Wipe Confirmation"

// wipeConfirmation builds the confirmation mail of a completed wipe.
func wipeConfirmation(org Organization, owner User, d *Device, to []string, at time.Time) ([]byte, error) {
	var rcpts []*MailAddress
	for _, a := range to {
		if addr, err := ParseAddress(a); err == nil {
			rcpts = append(rcpts, addr)
		}
	}
	body := fmt.Sprintf("The remote wipe of your mobile device completed.\r\n\r\nDevice type: %s\r\nDevice ID: %s\r\nDevice model: %s\r\nWipe requested: %s\r\nWipe acknowledged: %s\r\n",
		d.DeviceType, d.DeviceID, deviceModelOf(d), d.wipeOf().requested.UTC().Format(time.RFC1123), at.UTC().Format(time.RFC1123))
	return BuildMail(notice.SystemSender(org.Domain), rcpts, WipeConfirmationSubject, body, "", at)
}

// pending reports whether the device must still be told to wipe. A wipe
// the device acknowledged as done stays in force: Exchange wipes the
// device again at its next contact until the partnership is removed or
// the wipe cancelled (Microsoft's Clear-MobileDevice documentation).
func (w *wipeState) pending() bool { return w != nil && !w.requested.IsZero() }

// wipeOf returns the device's wipe, the zero one when none was asked.
func (d *Device) wipeOf() wipeState {
	if d.wipe == nil {
		return wipeState{}
	}
	return *d.wipe
}

// Status is Get-MobileDeviceStatistics' Status of the device, computed
// from the wipe times as Exchange computes it: a wipe asked of a device
// that cannot receive one (it never provisioned) shows as DeviceBlocked.
func (d *Device) Status() string {
	w := d.wipeOf()
	return wipeStatus(w.requested, w.sent, w.acked, d.PolicyKey != 0)
}

// wipeStatus is Exchange's MobileDeviceConfiguration.Status.
func wipeStatus(requested, sent, acknowledged time.Time, wipeSupported bool) string {
	switch {
	case !acknowledged.IsZero():
		return "DeviceWipeSucceeded"
	case requested.IsZero() && sent.IsZero():
		return "DeviceOk"
	case !wipeSupported:
		return "DeviceBlocked"
	}
	return "DeviceWipePending"
}

// WipeTimes returns DeviceWipeRequestTime, DeviceWipeSentTime and
// DeviceWipeAckTime (zero when not set) and whether the wipe is
// account-only.
func (d *Device) WipeTimes() (requested, sent, acked time.Time, accountOnly bool) {
	w := d.wipeOf()
	return w.requested, w.sent, w.acked, w.accountOnly
}

// ClearMobileDevice asks for a remote wipe of a device, or, with cancel,
// withdraws it (Clear-MobileDevice [-AccountOnly] [-Cancel]).
// A completed wipe is confirmed by mail to the owner and to notify.
func (m *Mailbox) ClearMobileDevice(deviceID string, accountOnly, cancel bool, requestor string, now time.Time, notify ...string) error {
	m.lock()
	defer m.unlock()
	d := m.devices[strings.ToLower(deviceID)]
	if d == nil {
		return fmt.Errorf("simulator: %s has no device %q", m.owner.PrimarySmtpAddress, deviceID)
	}
	m.touchLocked(strings.ToLower(deviceID))
	if cancel {
		d.wipe = nil
		m.emit(Event{Kind: EventWipeCancelled, Time: now, DeviceID: d.DeviceID, DeviceType: d.DeviceType})
	} else {
		d.wipe = &wipeState{requested: now, accountOnly: accountOnly, requestor: requestor, notify: notify}
		m.emit(Event{Kind: EventWipeRequested, Time: now, DeviceID: d.DeviceID, DeviceType: d.DeviceType})
	}
	m.commitLocked() // a hanging request answers, so the device comes back
	return nil
}

// RemoveDevice deletes a partnership (Remove-MobileDevice). The owner's
// allow and block lists keep their entries.
func (m *Mailbox) RemoveDevice(deviceID string) bool {
	m.lock()
	defer m.unlock()
	key := strings.ToLower(deviceID)
	m.touchLocked(key)
	if m.devices[key] == nil {
		return false
	}
	d := m.devices[key]
	delete(m.devices, key)
	m.commitLocked()
	m.emit(Event{Kind: EventPartnershipRemoved, DeviceID: d.DeviceID, DeviceType: d.DeviceType})
	return true
}
