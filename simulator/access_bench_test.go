package simulator

import (
	"fmt"
	"testing"
	"time"
)

// benchAccessInput is a realistic decision: an organization with 20 device
// access rules and a Quarantine default, a mailbox with 10 approved
// devices, and an iPhone that is in neither list and matches only the last
// rule asked, on DeviceType, so every list entry and rule is compared.
func benchAccessInput() AccessInput {
	rules := []DeviceAccessRule{
		NewDeviceAccessRule("Outlook", DeviceAccessCharacteristicDeviceType, DeviceAccessLevelAllow),
		NewDeviceAccessRule("WindowsMail", DeviceAccessCharacteristicDeviceType, DeviceAccessLevelAllow),
		NewDeviceAccessRule("Android", DeviceAccessCharacteristicDeviceType, DeviceAccessLevelQuarantine),
		NewDeviceAccessRule("SAMSUNG", DeviceAccessCharacteristicDeviceType, DeviceAccessLevelQuarantine),
		NewDeviceAccessRule("iPhone", DeviceAccessCharacteristicDeviceType, DeviceAccessLevelBlock),
		NewDeviceAccessRule("Outlook for iOS and Android", DeviceAccessCharacteristicDeviceModel, DeviceAccessLevelAllow),
		NewDeviceAccessRule("iPhone11C8", DeviceAccessCharacteristicDeviceModel, DeviceAccessLevelAllow),
		NewDeviceAccessRule("iPhone13C2", DeviceAccessCharacteristicDeviceModel, DeviceAccessLevelAllow),
		NewDeviceAccessRule("iPhone14C7", DeviceAccessCharacteristicDeviceModel, DeviceAccessLevelAllow),
		NewDeviceAccessRule("SM-G991B", DeviceAccessCharacteristicDeviceModel, DeviceAccessLevelAllow),
		NewDeviceAccessRule("iOS 6.1 10B145", DeviceAccessCharacteristicDeviceOS, DeviceAccessLevelBlock),
		NewDeviceAccessRule("iOS 15.8 19H370", DeviceAccessCharacteristicDeviceOS, DeviceAccessLevelBlock),
		NewDeviceAccessRule("Android 4.4.2", DeviceAccessCharacteristicDeviceOS, DeviceAccessLevelBlock),
		NewDeviceAccessRule("Android 8.0.0", DeviceAccessCharacteristicDeviceOS, DeviceAccessLevelBlock),
		NewDeviceAccessRule("Windows Phone 8.1", DeviceAccessCharacteristicDeviceOS, DeviceAccessLevelBlock),
		NewDeviceAccessRule("NokiaE521/2.00()MailforExchange", DeviceAccessCharacteristicUserAgent, DeviceAccessLevelAllow),
		NewDeviceAccessRule("Apple-iPhone9C1/1402.600", DeviceAccessCharacteristicUserAgent, DeviceAccessLevelBlock),
		NewDeviceAccessRule("Android-Mail/2023.01.01", DeviceAccessCharacteristicUserAgent, DeviceAccessLevelBlock),
		NewDeviceAccessRule("TbSync/4.7 (Thunderbird)", DeviceAccessCharacteristicUserAgent, DeviceAccessLevelQuarantine),
		NewDeviceAccessRule("contoso-mdm", DeviceAccessCharacteristicXMSWLHeader, DeviceAccessLevelAllow),
	}
	allowed := make([]string, 10)
	for i := range allowed {
		allowed[i] = fmt.Sprintf("ApplF17XK2%06d", i)
	}
	return AccessInput{
		Now:                        accNow,
		DefaultAccessLevel:         DeviceAccessLevelQuarantine,
		Rules:                      rules,
		ActiveSyncEnabled:          true,
		ActiveSyncAllowedDeviceIDs: allowed,
		ActiveSyncBlockedDeviceIDs: []string{"Androidc1234567890"},
		DeviceID:                   "ApplF17XK2ZZZZZZ",
		DeviceType:                 "iPhone",
		DeviceModel:                "iPhone15C2",
		DeviceOS:                   "iOS 17.4 21E219",
		DeviceUserAgent:            "Apple-iPhone15C2/2104.219",
		UserAgent:                  "Apple-iPhone15C2/2104.219",
		DeviceInformationReceived:  true,
		FirstSyncTime:              accNow.Add(-3 * time.Hour),
	}
}

func BenchmarkDecideAccess(b *testing.B) {
	in := benchAccessInput()
	if d := DecideAccess(in); d.State != DeviceAccessStateBlocked || d.Rule == nil || d.Rule.Name != "iPhone (DeviceType)" {
		b.Fatalf("unexpected decision %+v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		accessSink = DecideAccess(in)
	}
}
