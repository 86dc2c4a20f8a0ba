package simulator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
	"github.com/easlab/easlab/wbxml"
)

func resolve(t *testing.T, d *simtest.Device, o *eas.ResolveRecipientsOptions, to ...string) *eas.ResolveRecipientsResponse {
	t.Helper()
	var r eas.ResolveRecipientsResponse
	d.CallOK(eas.CommandResolveRecipients, &eas.ResolveRecipientsRequest{To: to, Options: o}, &r)
	return &r
}

func TestResolveRecipientsExact(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "RR1", eas.Version161).Provision()
	names := []string{"bob@contoso.com", `"Bob Kelly" <bob@contoso.com>`, `CONTOSO\bob`, "BOB", "Kelly", "bob kel"}
	r := resolve(t, d, nil, names...)
	if r.Status != 1 || len(r.Response) != len(names) {
		t.Fatalf("response: %+v", r)
	}
	for i, resp := range r.Response {
		if resp.To != names[i] || resp.Status != 1 || resp.RecipientCount == nil || *resp.RecipientCount != 1 || len(resp.Recipient) != 1 {
			t.Errorf("%s: %+v", names[i], resp)
			continue
		}
		rc := resp.Recipient[0]
		if rc.Type != simulator.RecipientTypeGAL || rc.DisplayName != "Bob Kelly" || rc.EmailAddress != "bob@contoso.com" ||
			rc.Availability != nil || rc.Certificates != nil || rc.Picture != nil {
			t.Errorf("%s: recipient %+v", names[i], rc)
		}
	}
	r = resolve(t, d, nil, "katie@fabrikam.com", "Zebedee")
	for _, resp := range r.Response {
		if resp.Status != int(eas.ResolveRecipientsStatusNotResolved) || resp.RecipientCount != nil || len(resp.Recipient) != 0 {
			t.Errorf("%s: %+v", resp.To, resp)
		}
	}
}

func TestResolveRecipientsAmbiguous(t *testing.T) {
	env := simtest.New(t, simulator.Options{Directory: simtest.DemoDirectory(t, 3)})
	d := env.Device("alice", "RR2", eas.Version161).Provision()
	opts := &eas.ResolveRecipientsOptions{CertificateRetrieval: 2, Picture: &eas.PictureOptions{},
		Availability: &eas.AvailabilityWindow{StartTime: "2026-11-24T08:00:00.000Z", EndTime: "2026-11-24T10:00:00.000Z"}}
	r := resolve(t, d, opts, "user")
	resp := r.Response[0]
	if resp.Status != int(eas.ResolveRecipientsStatusAmbiguous) || *resp.RecipientCount != 3 || len(resp.Recipient) != 3 {
		t.Fatalf("ambiguous: %+v", resp)
	}
	for i, rc := range resp.Recipient {
		if rc.EmailAddress != fmt.Sprintf("user%05d@contoso.com", i+1) {
			t.Errorf("recipient %d: %+v", i, rc)
		}
		// Suggestions get no certificates or free/busy, but photos.
		if rc.Certificates != nil || rc.Availability != nil || len(rc.Picture) != 1 || rc.Picture[0].Status != int(eas.StatusNoPicture) {
			t.Errorf("suggestion %d: %+v", i, rc)
		}
	}
	two := 2
	r = resolve(t, d, &eas.ResolveRecipientsOptions{MaxAmbiguousRecipients: &two}, "user")
	resp = r.Response[0]
	if resp.Status != int(eas.ResolveRecipientsStatusAmbiguousPartial) || *resp.RecipientCount != 3 || len(resp.Recipient) != 2 {
		t.Errorf("partial: %+v", resp)
	}
}

func TestResolveRecipientsCertificatesAndAvailability(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "RR3", eas.Version141).Provision()
	opts := &eas.ResolveRecipientsOptions{CertificateRetrieval: 3, Picture: &eas.PictureOptions{MaxSize: 4096},
		Availability: &eas.AvailabilityWindow{StartTime: "2026-11-24T08:00:00.000Z", EndTime: "2026-11-24T10:00:00.000Z"}}
	r := resolve(t, d, opts, "bob@contoso.com", "alice")
	for _, resp := range r.Response {
		if resp.Status != 1 || len(resp.Recipient) != 1 {
			t.Fatalf("%s: %+v", resp.To, resp)
		}
		rc := resp.Recipient[0]
		if rc.Certificates == nil || rc.Certificates.Status != int(eas.ResolveRecipientsStatusNoValidCertificate) ||
			rc.Certificates.CertificateCount != nil || len(rc.Certificates.Certificate) != 0 {
			t.Errorf("%s certificates: %+v", resp.To, rc.Certificates)
		}
		if len(rc.Picture) != 1 || rc.Picture[0].Status != int(eas.StatusNoPicture) {
			t.Errorf("%s picture: %+v", resp.To, rc.Picture)
		}
		// The seeded stand-up is 09:00-09:15 on the 24th, busy.
		if rc.Availability == nil || rc.Availability.Status != 1 || rc.Availability.MergedFreeBusy != "0020" {
			t.Errorf("%s resolveAvailability: %+v", resp.To, rc.Availability)
		}
	}

	// A tentative appointment and a default week-long window.
	mb := env.Mailbox("bob")
	cal, _ := mb.FolderByType(eas.FolderTypeCalendar)
	props := []struct{ q, v string }{
		{"Calendar:StartTime", "20261123T100000Z"}, {"Calendar:Subject", "Maybe"},
		{"Calendar:EndTime", "20261123T110000Z"}, {"Calendar:BusyStatus", "1"},
	}
	it := &simulator.Item{Class: "Calendar"}
	for _, p := range props {
		it.Props = append(it.Props, lookupText(p.q, p.v))
	}
	if _, err := mb.AddItem(cal.ServerID, it); err != nil {
		t.Fatal(err)
	}
	r = resolve(t, d, &eas.ResolveRecipientsOptions{Availability: &eas.AvailabilityWindow{StartTime: "2026-11-23T09:00:00.000Z"}}, "bob")
	fb := r.Response[0].Recipient[0].Availability.MergedFreeBusy
	if len(fb) != 7*48 {
		t.Fatalf("week: %d digits", len(fb))
	}
	// 10:00-11:00 tentative; the next day's 09:00 stand-up busy.
	if fb[:6] != "001100" || fb[48:50] != "20" {
		t.Errorf("free/busy: %s...", fb[:52])
	}
	if strings.Count(fb, "2") != 5 { // stand-up, budget review and dentist (2 slots each)
		t.Errorf("busy slots: %d in %s", strings.Count(fb, "2"), fb)
	}
}

func TestResolveRecipientsBadRequests(t *testing.T) {
	env := simtest.New(t, simulator.Options{})
	d := env.Device("alice", "RR4", eas.Version161).Provision()
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "bob"
		}
		return out
	}
	if r := resolve(t, d, nil, many(99)...); r.Status != 1 || len(r.Response) != 99 {
		t.Errorf("99 recipients: status %d, %d responses", r.Status, len(r.Response))
	}
	start := "2026-11-24T08:00:00.000Z"
	cases := []struct {
		name string
		to   []string
		o    *eas.ResolveRecipientsOptions
	}{
		{"100 recipients", many(100), nil},
		{"no recipient", nil, nil},
		{"empty To", []string{"bob", ""}, nil},
		{"empty Options", []string{"bob"}, &eas.ResolveRecipientsOptions{}},
		{"CertificateRetrieval 4", []string{"bob"}, &eas.ResolveRecipientsOptions{CertificateRetrieval: 4}},
		{"StartTime without milliseconds", []string{"bob"}, &eas.ResolveRecipientsOptions{Availability: &eas.AvailabilityWindow{StartTime: "2026-11-24T08:00:00Z"}}},
		{"EndTime before StartTime", []string{"bob"}, &eas.ResolveRecipientsOptions{Availability: &eas.AvailabilityWindow{StartTime: start, EndTime: "2026-11-24T07:00:00.000Z"}}},
		{"window under 30 minutes", []string{"bob"}, &eas.ResolveRecipientsOptions{Availability: &eas.AvailabilityWindow{StartTime: start, EndTime: "2026-11-24T08:20:00.000Z"}}},
		{"window over 62 days", []string{"bob"}, &eas.ResolveRecipientsOptions{Availability: &eas.AvailabilityWindow{StartTime: start, EndTime: "2027-02-01T08:00:00.000Z"}}},
	}
	for _, tc := range cases {
		r := resolve(t, d, tc.o, tc.to...)
		if r.Status != int(eas.ResolveRecipientsStatusProtocolError) || len(r.Response) != 0 {
			t.Errorf("%s: status %d, %d responses", tc.name, r.Status, len(r.Response))
		}
	}
}

func lookupText(q, v string) *wbxml.Node { return wbxml.NewText(mustTag(q), v) }
