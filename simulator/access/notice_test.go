package access

import (
	"slices"
	"testing"
)

func TestNotices(t *testing.T) {
	const (
		U  = Unknown
		A  = Allowed
		B  = Blocked
		Q  = Quarantined
		DD = DeviceDiscovery
	)
	admins := []string{"admin@contoso.com"}
	user := []NoticeKind{NoticeQuarantineUser}
	both := []NoticeKind{NoticeQuarantineUser, NoticeQuarantineAdmin}
	blocked := []NoticeKind{NoticeBlockedUser}
	for _, c := range []struct {
		name     string
		old, new State
		reason   Reason
		admins   []string
		want     []NoticeKind
	}{
		{"first contact under Quarantine default", U, Q, ReasonGlobal, admins, both},
		{"first contact, no admins", U, Q, ReasonGlobal, nil, user},
		{"first contact, only invalid admins", U, Q, ReasonGlobal, []string{"nobody", ""}, user},
		{"discovery ends in quarantine", DD, Q, ReasonGlobal, admins, both},
		{"discovery ends by a quarantine rule", DD, Q, ReasonDeviceRule, admins, both},
		{"allowed device re-quarantined by default change", A, Q, ReasonGlobal, admins, both},
		{"blocked to quarantined", B, Q, ReasonDeviceRule, admins, both},
		{"quarantined with reason Unknown", A, Q, ReasonUnknown, admins, both},
		{"quarantined in upgrade", A, Q, ReasonUpgrade, admins, both},
		{"stays quarantined", Q, Q, ReasonGlobal, admins, nil},
		{"stays quarantined, reason changes", Q, Q, ReasonDeviceRule, admins, nil},
		{"new rule blocks", A, B, ReasonDeviceRule, admins, blocked},
		{"blocked first contact", U, B, ReasonGlobal, admins, blocked},
		{"personal block list", A, B, ReasonIndividual, admins, blocked},
		{"quarantined then blocked", Q, B, ReasonIndividual, admins, blocked},
		{"discovery then blocked", DD, B, ReasonDeviceRule, nil, blocked},
		{"stays blocked", B, B, ReasonDeviceRule, admins, nil},
		{"policy block", A, B, ReasonPolicy, admins, nil},
		{"policy quarantine (never stamped, still none)", A, Q, ReasonPolicy, admins, nil},
		{"autoblock UserAgentsChanges", A, B, ReasonUserAgentsChanges, admins, nil},
		{"autoblock CommandFrequency", A, B, ReasonCommandFrequency, admins, nil},
		{"autoblock SyncCommands", Q, B, ReasonSyncCommands, admins, nil},
		{"MDM not enrolled", U, Q, ReasonExternalEnrollment, admins, nil},
		{"MDM not compliant", A, Q, ReasonExternalCompliance, admins, nil},
		{"externally managed", A, B, ReasonExternallyManaged, admins, nil},
		{"into discovery", U, DD, ReasonGlobal, admins, nil},
		{"into discovery by rules", U, DD, ReasonDeviceRule, admins, nil},
		{"released", Q, A, ReasonIndividual, admins, nil},
		{"unblocked", B, A, ReasonDeviceRule, admins, nil},
		{"allowed first contact", U, A, ReasonGlobal, admins, nil},
		{"reset to Unknown", Q, U, ReasonUnknown, admins, nil},
		{"invalid reason", A, Q, Reason(-1), admins, nil},
	} {
		if got := Notices(c.old, c.new, c.reason, c.admins); !slices.Equal(got, c.want) {
			t.Errorf("%s: Notices(%v, %v, %v) = %v, want %v", c.name, c.old, c.new, c.reason, got, c.want)
		}
	}

	// Every combination: mail only on a change into Quarantined or Blocked
	// with a reason from Unknown to Upgrade; the admin mail only for
	// Quarantined with admins.
	reasons := []Reason{51, 52, 53}
	for r := ReasonUnknown; r <= ReasonCommandFrequency; r++ {
		reasons = append(reasons, r)
	}
	for old := U; old <= DD; old++ {
		for nw := U; nw <= DD; nw++ {
			for _, r := range reasons {
				for _, ad := range [][]string{nil, admins} {
					got := Notices(old, nw, r, ad)
					mails := old != nw && (nw == Q || nw == B) && r <= ReasonUpgrade
					var want []NoticeKind
					switch {
					case mails && nw == B:
						want = blocked
					case mails && ad != nil:
						want = both
					case mails:
						want = user
					}
					if !slices.Equal(got, want) {
						t.Errorf("Notices(%v, %v, %v, %v) = %v, want %v", old, nw, r, ad, got, want)
					}
				}
			}
		}
	}
}

func TestAdminRecipients(t *testing.T) {
	got := AdminRecipients([]string{" admin@contoso.com ", "nobody", "", "Admin <a@contoso.com>", "a@b@contoso.com", "sec@contoso.com"})
	if want := []string{"admin@contoso.com", "sec@contoso.com"}; !slices.Equal(got, want) {
		t.Errorf("AdminRecipients = %q, want %q", got, want)
	}
}
