package access

import (
	"fmt"
	"testing"
	"time"
)

// benchInput is a realistic decision: an organization with 20 device
// access rules and a Quarantine default, a mailbox with 10 approved
// devices, and an iPhone that is in neither list and matches only the last
// rule asked, on DeviceType, so every list entry and rule is compared.
func benchInput() Input {
	rules := []Rule{
		NewRule("Outlook", CharacteristicDeviceType, LevelAllow),
		NewRule("WindowsMail", CharacteristicDeviceType, LevelAllow),
		NewRule("Android", CharacteristicDeviceType, LevelQuarantine),
		NewRule("SAMSUNG", CharacteristicDeviceType, LevelQuarantine),
		NewRule("iPhone", CharacteristicDeviceType, LevelBlock),
		NewRule("Outlook for iOS and Android", CharacteristicDeviceModel, LevelAllow),
		NewRule("iPhone11C8", CharacteristicDeviceModel, LevelAllow),
		NewRule("iPhone13C2", CharacteristicDeviceModel, LevelAllow),
		NewRule("iPhone14C7", CharacteristicDeviceModel, LevelAllow),
		NewRule("SM-G991B", CharacteristicDeviceModel, LevelAllow),
		NewRule("iOS 6.1 10B145", CharacteristicDeviceOS, LevelBlock),
		NewRule("iOS 15.8 19H370", CharacteristicDeviceOS, LevelBlock),
		NewRule("Android 4.4.2", CharacteristicDeviceOS, LevelBlock),
		NewRule("Android 8.0.0", CharacteristicDeviceOS, LevelBlock),
		NewRule("Windows Phone 8.1", CharacteristicDeviceOS, LevelBlock),
		NewRule("NokiaE521/2.00()MailforExchange", CharacteristicUserAgent, LevelAllow),
		NewRule("Apple-iPhone9C1/1402.600", CharacteristicUserAgent, LevelBlock),
		NewRule("Android-Mail/2023.01.01", CharacteristicUserAgent, LevelBlock),
		NewRule("TbSync/4.7 (Thunderbird)", CharacteristicUserAgent, LevelQuarantine),
		NewRule("contoso-mdm", CharacteristicXMSWLHeader, LevelAllow),
	}
	allowed := make([]string, 10)
	for i := range allowed {
		allowed[i] = fmt.Sprintf("ApplF17XK2%06d", i)
	}
	return Input{
		Now:                        accNow,
		DefaultAccessLevel:         LevelQuarantine,
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

func BenchmarkDecide(b *testing.B) {
	in := benchInput()
	if d := Decide(in); d.State != Blocked || d.Rule == nil || d.Rule.Name != "iPhone (DeviceType)" {
		b.Fatalf("unexpected decision %+v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		accessSink = Decide(in)
	}
}
