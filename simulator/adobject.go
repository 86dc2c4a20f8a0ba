package simulator

import (
	"hash/fnv"
	"strconv"
	"time"
)

// adDataSyncInterval is how often Exchange writes a partnership's AD
// object even when nothing it shows changed (exchange-admin.md 2.4:
// ADDataSyncInterval, 24 h).
const adDataSyncInterval = 24 * time.Hour

// adHashOf hashes what a partnership's AD object shows, the properties
// whose change makes Exchange write it (exchange-admin.md 2.4, Exchange
// 2013 CU23 ADDeviceManager: FriendlyName, IMEI, OS, OS language, the
// masked phone number, User-Agent, model, operator, access state and
// reason, protocol version and access rule).
func adHashOf(d *Device) uint64 {
	h := fnv.New64a()
	for _, v := range []string{
		d.Info.FriendlyName, d.Info.IMEI, deviceOSOf(d), d.Info.OSLanguage,
		obfuscatePhoneNumber(d.Info.PhoneNumber), deviceUserAgentOf(d), deviceModelOf(d),
		d.Info.MobileOperator, strconv.Itoa(int(d.DeviceAccessState)),
		strconv.Itoa(int(d.DeviceAccessStateReason)), d.ProtocolVersion, d.DeviceAccessControlRule,
	} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// noteADWriteLocked stamps WhenChanged when the partnership's AD object is
// written: when it is first written, when what it shows changed, and, at
// the end of the device's own request (refresh), when the last write is
// ADDataSyncInterval old. The mailbox's lock is held.
func (m *Mailbox) noteADWriteLocked(key string, d *Device, now time.Time, refresh bool) {
	h := adHashOf(d)
	if !d.WhenChanged.IsZero() && h == d.adHash && !(refresh && now.Sub(d.WhenChanged) >= adDataSyncInterval) {
		return
	}
	d.WhenChanged, d.adHash = now, h
	m.touchLocked(key)
}
