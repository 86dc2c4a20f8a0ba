package simulator_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/access"
	"github.com/easlab/easlab/simulator/notice"
)

// TestNoticesParse: the simulator reads every notice it posts to an Inbox
// with ParseMail; ParseMail must read the bodies go-message reads, and the
// header fields the notice package's tests check.
func TestNoticesParse(t *testing.T) {
	n := notice.Device{
		DisplayName:        "Zoë O'Brien",
		Alias:              "zobrien",
		PrimarySmtpAddress: "zoe.obrien@contoso.com",
		MailboxGuid:        "{7B861443-E692-470C-8896-04757173EE51}",
		DeviceModel:        `iPhone<script>alert("x")</script>`,
		DeviceType:         "iPhone",
		DeviceID:           "3IEK5DBJEL4AF295R1944R75S8",
		PhoneNumber:        " +1 (425) 555-0123 ",
		EASVersion:         "16.1",
		AccessState:        access.Quarantined,
		AccessStateReason:  access.ReasonDeviceRule,
		UserMailInsert:     `Approve it at <a href="https://mfa.example/approve?d=1&u=2">the portal</a> & <b>wait</b>.`,
		ECPURL:             "https://mail.contoso.com/ecp/",
		Time:               time.Date(2026, 11, 23, 14, 5, 9, 0, time.UTC),
		TimeZone:           time.FixedZone("EST", -5*3600),
	}
	admins := []string{"admin@contoso.com"}
	build := map[string]func() ([]byte, error){
		"QuarantineUser":  func() ([]byte, error) { return notice.QuarantineUser(n) },
		"BlockedUser":     func() ([]byte, error) { return notice.BlockedUser(n) },
		"DiscoveryUser":   func() ([]byte, error) { return notice.DiscoveryUser(n) },
		"QuarantineAdmin": func() ([]byte, error) { return notice.QuarantineAdmin(n, admins) },
		"MaxDevicesUser":  func() ([]byte, error) { return notice.MaxDevicesUser(n, 100, 100) },
	}
	for name, f := range build {
		raw, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := simulator.ParseMail(raw)
		if err != nil {
			t.Fatalf("%s: ParseMail: %v\n%s", name, err, raw)
		}
		r, err := mail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: mail.CreateReader: %v", name, err)
		}
		var parts []string
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: NextPart: %v", name, err)
			}
			b, _ := io.ReadAll(p.Body)
			parts = append(parts, string(b))
		}
		subject, _ := r.Header.Subject()
		id, _ := r.Header.MessageID()
		date, _ := r.Header.Date()
		r.Close()
		if len(parts) != 2 || parts[1] != m.HTML || parts[0] != m.Plain {
			t.Errorf("%s: go-message and ParseMail disagree on the bodies", name)
		}
		if m.Subject != subject || m.MessageID != id || !m.Date.Equal(date) || len(m.From) != 1 || len(m.To) != 1 {
			t.Errorf("%s: go-message and ParseMail disagree on the header: %q %q %v %v %v", name, m.Subject, m.MessageID, m.Date, m.From, m.To)
		}
	}
}
