package conformance

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S13: the ResolveRecipients command.

// resolve sends ResolveRecipients for to with options.
func (c *cmd2Client) resolve(options *eas.ResolveRecipientsOptions, to ...string) *eas.ResolveRecipientsResponse {
	c.s.t.Helper()
	var resp eas.ResolveRecipientsResponse
	c.send(eas.CommandResolveRecipients, &eas.ResolveRecipientsRequest{To: to, Options: options}).decode(c.s, &resp)
	return &resp
}

// cmd2FirstRecipient is the first recipient of the first Response.
func cmd2FirstRecipient(resp *eas.ResolveRecipientsResponse) *eas.Recipient {
	if len(resp.Response) == 0 || len(resp.Response[0].Recipient) == 0 {
		return nil
	}
	return &resp.Response[0].Recipient[0]
}

// cmd2Availability asks for free/busy between start and end.
func cmd2Availability(start, end string) *eas.ResolveRecipientsOptions {
	return &eas.ResolveRecipientsOptions{Availability: &eas.AvailabilityWindow{StartTime: start, EndTime: end}}
}

// MSASCMD_S13_TC01: CertificateRetrieval 1 answers no certificates, 2 the
// full ones, 3 a mini certificate.
func TestMSASCMD_S13_TC01_ResolveRecipients_CertificateRetrieval(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		s.gap("issue 15: the deployment publishes an S/MIME certificate for User03 (AD Certificate Services); easlab's directory has no certificates and no cmdlet publishes one, so it answers Certificates Status 7 without a MiniCertificate (simulator/resolverecipients.go)", 858, 3435, 4302)
		c := cmd2Lab(s)
		r := cmd2FirstRecipient(c.resolve(&eas.ResolveRecipientsOptions{CertificateRetrieval: 1}, cmdUser3))
		s.must(cmd2ok(r != nil, "no recipient"), "resolving User03")
		s.capture(856, r.Certificates == nil, "CertificateRetrieval 1 answered certificates")
		r = cmd2FirstRecipient(c.resolve(&eas.ResolveRecipientsOptions{CertificateRetrieval: 2}, cmdUser3))
		s.must(cmd2ok(r != nil, "no recipient"), "resolving User03")
		for _, id := range []int{843, 857, 3764} {
			s.capture(id, r.Certificates != nil, "CertificateRetrieval 2 answered no Certificates")
		}
		s.capture(3825, r.EmailAddress != "" && r.Certificates != nil, "the recipient has EmailAddress %q and Certificates %v", r.EmailAddress, r.Certificates != nil)
		resp := c.resolve(&eas.ResolveRecipientsOptions{CertificateRetrieval: 3}, cmdUser3)
		s.must(cmd2ok(resp.Status == 1, "Status %d", resp.Status), "resolving User03 with mini certificates")
		r = cmd2FirstRecipient(resp)
		mini := r != nil && r.Certificates != nil && r.Certificates.MiniCertificate != ""
		s.capture(858, mini, "CertificateRetrieval 3 answered no MiniCertificate")
		s.capture(3435, mini, "CertificateRetrieval 3 answered no MiniCertificate")
		st := 0
		if r != nil && r.Certificates != nil {
			st = r.Certificates.Status
		}
		s.equal(4302, "the Certificates Status", 1, st)
	})
}

// cmd2ResolveStatus resolves User01 with options and returns the global
// Status.
func (c *cmd2Client) cmd2ResolveStatus(options *eas.ResolveRecipientsOptions) int {
	c.s.t.Helper()
	return c.resolve(options, cmdUser1).Status
}

// MSASCMD_S13_TC02: an EndTime that is not a time is Status 5.
func TestMSASCMD_S13_TC02_ResolveRecipients_EndTimeInvalid(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		st := c.cmd2ResolveStatus(cmd2Availability("2012-04-11T10:00:00.000Z", "TimeWithInvalidFormat"))
		s.equal(2264, "the Status for an EndTime that is not a time", 5, st)
		s.equal(3762, "the Status for an EndTime that is not a time", 5, st)
	})
}

// MSASCMD_S13_TC03: a StartTime that is not a time is Status 5.
func TestMSASCMD_S13_TC03_ResolveRecipients_StartTimeInvalid(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(3986, "the Status for a StartTime that is not a time", 5, c.cmd2ResolveStatus(cmd2Availability("TimeWithInvalidFormat", "2012-04-11T10:00:00.000Z")))
	})
}

// MSASCMD_S13_TC04: an EndTime before the StartTime is Status 5.
func TestMSASCMD_S13_TC04_ResolveRecipients_EndTimeSmallThanStartTime(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(2266, "the Status for an EndTime before the StartTime", 5, c.cmd2ResolveStatus(cmd2Availability("2010-03-01T00:20:00.000Z", "2010-03-01T00:00:00.000Z")))
	})
}

// MSASCMD_S13_TC05: a window longer than 42 days is Status 5.
func TestMSASCMD_S13_TC05_ResolveRecipients_DurationIsTooLarge(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(5175, "the Status for a window longer than 42 days", 5, c.cmd2ResolveStatus(cmd2Availability("2010-03-01T00:00:00.000Z", "2010-06-03T00:00:01.000Z")))
	})
}

// cmd2FixedLength is S13's CreateFixedLengthString.
func cmd2FixedLength(n int) string {
	return strings.Repeat("MSASCMD", n/7) + strings.Repeat("a", n%7)
}

// MSASCMD_S13_TC06: a To of 256 characters is resolved (Status 1), one
// of 257 is Status 5.
func TestMSASCMD_S13_TC06_ResolveRecipients_Over256(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		opts := &eas.ResolveRecipientsOptions{CertificateRetrieval: 2}
		st256 := c.resolve(opts, cmd2FixedLength(256)).Status
		st257 := c.resolve(opts, cmd2FixedLength(257)).Status
		s.capture(5873, st256 == 1 && st257 == 5, "a To of 256 characters answered Status %d and one of 257 Status %d", st256, st257)
	})
}

// cmd2PictureStatus is the first recipient's first Picture Status.
func cmd2PictureStatus(resp *eas.ResolveRecipientsResponse) int {
	r := cmd2FirstRecipient(resp)
	if r == nil || len(r.Picture) == 0 {
		return 0
	}
	return r.Picture[0].Status
}

// MSASCMD_S13_TC07: a user without a photo is Picture Status 173.
func TestMSASCMD_S13_TC07_ResolveRecipients_NoPictureExist(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(3287, "the Picture Status of a user without a photo", 173, cmd2PictureStatus(c.resolve(&eas.ResolveRecipientsOptions{Picture: &eas.PictureOptions{MaxPictures: 3}}, cmdUser3)))
	})
}

// MSASCMD_S13_TC08: an ambiguous name answers Status 2 with each match's
// full name and no certificates.
func TestMSASCMD_S13_TC08_ResolveRecipients_AmbiguousUser(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		const name = "MSASCMD_SearchUser"
		resp := c.resolve(nil, name)
		s.must(cmd2ok(len(resp.Response) > 0 && resp.Response[0].Status == 2, "the Response is %+v", resp.Response), "resolving an ambiguous name")
		full, noCerts := true, true
		for _, r := range resp.Response[0].Recipient {
			full = full && strings.Contains(strings.ToLower(r.DisplayName), strings.ToLower(name))
			noCerts = noCerts && r.Certificates == nil
		}
		s.capture(4279, noCerts, "an ambiguous recipient has certificates")
		s.capture(3761, full, "an ambiguous recipient's DisplayName does not hold the name")
	})
}

// MSASCMD_S13_TC09: the matches of an ambiguous name carry no
// availability.
func TestMSASCMD_S13_TC09_ResolveRecipients_AmbiguousUserAvailability(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.resolve(cmd2Availability("2013-08-11T10:00:00.000Z", "2013-08-11T11:00:00.000Z"), "MSASCMD_SearchUser")
		s.must(cmd2ok(len(resp.Response) > 0 && resp.Response[0].Recipient != nil, "no recipients"), "resolving an ambiguous name")
		none := true
		for _, r := range resp.Response[0].Recipient {
			// As the original: the last recipient decides.
			none = r.Availability == nil
		}
		s.capture(4623, none, "an ambiguous recipient has Availability")
		s.capture(4617, none, "an ambiguous recipient has Availability")
	})
}

// MSASCMD_S13_TC10 and TC11 resolve the deployment's distribution groups.
func TestMSASCMD_S13_TC10_ResolveRecipients_Group_Availability(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		s.notApplicable("the test resolves the distribution group MSASCMD_TestGroup the deployment creates; easlab's directory has no distribution groups and no cmdlet makes one", 4625, 819, 3339, 3338)
	})
}

func TestMSASCMD_S13_TC11_ResolveRecipients_Status161(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		s.notApplicable("the test resolves the large distribution group MSASCMD_LargeGroup the deployment creates; easlab's directory has no distribution groups and no cmdlet makes one", 4626, 4294)
	})
}

// MSASCMD_S13_TC12: a user's name resolves with Status 1.
func TestMSASCMD_S13_TC12_ResolveRecipients_To(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.resolve(nil, cmdUser1)
		s.equal(4268, "the ResolveRecipients Status", 1, resp.Status)
		st := 0
		if len(resp.Response) > 0 {
			st = resp.Response[0].Status
		}
		s.equal(4275, "the Response Status", 1, st)
	})
}

// MSASCMD_S13_TC13: a free half hour is MergedFreeBusy "0" with
// Availability Status 1.
func TestMSASCMD_S13_TC13_ResolveRecipients_MergedFreeBusy(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		r := cmd2FirstRecipient(c.resolve(cmd2Availability("2013-08-17T23:00:00.000Z", "2013-08-17T23:30:00.000Z"), mailAddress(cmdUser1)))
		s.must(cmd2ok(r != nil, "no recipient"), "resolving User01")
		av := r.Availability
		s.capture(4618, av != nil, "the recipient has no Availability")
		if av == nil {
			return
		}
		s.equal(3321, "the MergedFreeBusy of a free half hour", "0", av.MergedFreeBusy)
		s.equal(4291, "the Availability Status", 1, av.Status)
		s.capture(4624, av.MergedFreeBusy != "", "the Availability has no MergedFreeBusy")
	})
}

// MSASCMD_S13_TC14: a user without certificates is Certificates Status 7.
func TestMSASCMD_S13_TC14_ResolveRecipients_NoCertificates(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.resolve(&eas.ResolveRecipientsOptions{CertificateRetrieval: 2}, cmdUser1)
		s.equal(343, "the ResolveRecipients Status", 1, resp.Status)
		st := 0
		if r := cmd2FirstRecipient(resp); r != nil && r.Certificates != nil {
			st = r.Certificates.Status
		}
		s.equal(4304, "the Certificates Status of a user without certificates", 7, st)
	})
}

// MSASCMD_S13_TC16: a Picture request for a user without a photo is
// Status 173.
func TestMSASCMD_S13_TC16_ResolveRecipients_Picture_Status173(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		s.equal(4311, "the Picture Status of a user without a photo", 173, cmd2PictureStatus(c.resolve(&eas.ResolveRecipientsOptions{Picture: &eas.PictureOptions{}}, cmdUser3)))
	})
}

// MSASCMD_S13_TC17 and TC18 read the photos the deployment uploads for
// User01 and User02.
func TestMSASCMD_S13_TC17_ResolveRecipients_Picture_Success(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		s.notApplicable("the test reads the photo the deployment uploads for User01 (Set-UserPhoto); easlab's users have no photos and no cmdlet sets one", 4310, 2133, 5350, 5351)
	})
}

func TestMSASCMD_S13_TC18_ResolveRecipients_Picture_Status174(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		s.notApplicable("the test needs the photo the deployment uploads for User02 (Set-UserPhoto) to be larger than MaxSize; easlab's users have no photos and no cmdlet sets one", 4312)
	})
}

// MSASCMD_S13_TC19: MaxPictures 0 is Picture Status 175.
func TestMSASCMD_S13_TC19_ResolveRecipients_Picture_Status175(t *testing.T) {
	atVersions(t, cmdSpec, cmd2From141(), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		body := cmdNode("ResolveRecipients:ResolveRecipients",
			cmdNode("ResolveRecipients:Options", cmdNode("ResolveRecipients:Picture", cmdText("ResolveRecipients:MaxPictures", "0"))),
			cmdText("ResolveRecipients:To", cmdUser2))
		var resp eas.ResolveRecipientsResponse
		c.send(eas.CommandResolveRecipients, body).decode(s, &resp)
		s.equal(4313, "the Picture Status with MaxPictures 0", 175, cmd2PictureStatus(&resp))
	})
}

// MSASCMD_S13_TC20: 101 To elements are Status 5.
func TestMSASCMD_S13_TC20_ResolveRecipients_Status5(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		to := make([]string, 101)
		for i := range to {
			to[i] = "User" + fmt.Sprint(i)
		}
		st := c.resolve(nil, to...).Status
		s.capture(7501, st != 1, "101 To elements answered Status 1")
		s.equal(4270, "the Status for 101 To elements", 5, st)
		s.equal(5656, "the Status for 101 To elements", 5, st)
	})
}

// MSASCMD_S13_TC21 removes User03's calendar permissions.
func TestMSASCMD_S13_TC21_ResolveRecipients_Status163(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		s.notApplicable("the test sets User03's calendar folder permission to None (Set-MailboxFolderPermission through the SUT adapter); easlab models no folder permissions and has no such cmdlet", 4298)
	})
}

// MSASCMD_S13_TC15: User02's free/busy over two hours tomorrow is free,
// then tentative for the half hours a meeting request covers.
func TestMSASCMD_S13_TC15_ResolveRecipients_MergedFreeBusyIntervalTime(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version140), func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		day := cmd2Now.Truncate(24*time.Hour).AddDate(0, 0, 1)
		window := cmd2Availability(eas.FormatDate(day.Add(2*time.Hour)), eas.FormatDate(day.Add(4*time.Hour)))
		c.switchUser(cmdUser2)
		resp := c.resolve(window, cmdUser2)
		s.must(cmd2ok(resp.Status == 1, "Status %d", resp.Status), "resolving User02")
		merged := func(resp *eas.ResolveRecipientsResponse) string {
			if r := cmd2FirstRecipient(resp); r != nil && r.Availability != nil {
				return r.Availability.MergedFreeBusy
			}
			return ""
		}
		s.equal(3319, "User02's free/busy before the meeting", "0000", merged(resp))

		subject := "MSASCMD_subject1"
		start, end := day.Add(2*time.Hour+40*time.Minute), day.Add(3*time.Hour+10*time.Minute)
		var m *cmd2Meeting
		if s.version.AtLeast(eas.Version160) {
			m = c.createCalendar(subject, mailAddress(cmdUser2), &start, &end, nil)
		} else {
			m = &cmd2Meeting{Subject: subject, UID: "cmd2-uid-" + subject, OrganizerEmail: mailAddress(cmdUser1), Attendee: mailAddress(cmdUser2),
				StartTime: start, EndTime: end, BusyStatus: -1, RecurrenceType: -1, ResponseRequested: false}
		}
		c.sendMeetingRequest(m)
		c.switchUser(cmdUser2)
		inInbox := cmd2FindServerID(c.syncChanges(c.inbox()), "Subject", subject) != ""
		inCalendar := cmd2FindServerID(c.syncChanges(c.calendar()), "Subject", subject) != ""
		if !inInbox || !inCalendar {
			for _, id := range []int{3330, 3332} {
				s.capture(id, false, "the meeting request is in User02's Inbox %v, the meeting in User02's Calendar %v", inInbox, inCalendar)
			}
			return
		}
		got := merged(c.resolve(window, cmdUser2))
		s.equal(3330, "User02's free/busy with the tentative meeting", "0110", got)
		s.equal(3332, "User02's free/busy with the tentative meeting", "0110", got)
	})
}
