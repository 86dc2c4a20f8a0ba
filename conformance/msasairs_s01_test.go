package conformance

import (
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASAIRS S01: BodyPartPreference, 14.1 and later (the element does not
// exist before). Each test mails User02 an HTML message and reads its
// message part back with Sync and ItemOperations under one preference.

// airsTruncation is one truncation test of S01 (body parts) or S02
// (bodies): the preference's TruncationSize (0: absent) and AllOrNone,
// whether the data is then truncated, and the ids its Sync and its
// ItemOperations check; common are the ids the original captures once
// both steps passed.
type airsTruncation struct {
	size          int
	allOrNone     *bool
	truncated     bool
	syncID, ioID  int
	common        []int
	plainTextBody bool // S02: compare a truncation with the body sent
}

// airsBody is the body or body part of an item under test, as the
// originals' VerifyBody(Part)Elements read it.
type airsBody struct {
	present   bool
	status    int
	truncated bool
	estimated *int
	data      string
	preview   string
}

// airsBodyOf is the Body (part false) or BodyPart (part true) of an item.
func airsBodyOf(e *eas.Email, part bool) airsBody {
	if part {
		if e.BodyPart == nil {
			return airsBody{}
		}
		b := e.BodyPart
		est := b.EstimatedDataSize
		return airsBody{present: true, status: b.Status, truncated: airsTruncated(b.Truncated), estimated: &est, data: b.Data, preview: b.Preview}
	}
	if e.Body == nil {
		return airsBody{}
	}
	b := e.Body
	return airsBody{present: true, status: 1, truncated: airsTruncated(b.Truncated), estimated: b.EstimatedDataSize, data: b.Data, preview: b.Preview}
}

// verifyBodyElements is VerifyBodyPartElements (part) and
// VerifyBodyElements: the body is there (a body part with Status 1),
// truncated as expected, and a truncated one carries its
// EstimatedDataSize (R403 for a body part, R402 for a body).
func (c *airsClient) verifyBodyElements(b airsBody, part bool, tc airsTruncation) {
	c.s.t.Helper()
	what := map[bool]string{true: "BodyPart", false: "Body"}[part]
	if !b.present || b.status != 1 {
		c.s.t.Fatalf("the item has no %s of Status 1 (present %v, Status %d) though the request asked for one", what, b.present, b.status)
	}
	if tc.size == 0 || !tc.truncated {
		if b.truncated {
			c.s.t.Fatalf("the %s is truncated, want it whole", what)
		}
		return
	}
	if !b.truncated {
		c.s.t.Fatalf("the %s is not truncated, want it truncated to %d bytes", what, tc.size)
	}
	if part {
		c.s.capture(403, b.estimated != nil && *b.estimated != 0, "the truncated BodyPart's EstimatedDataSize is %v", fmtInt(b.estimated))
	} else {
		c.s.capture(402, b.estimated != nil, "the truncated Body has no EstimatedDataSize")
	}
}

func fmtInt(p *int) any {
	if p == nil {
		return "absent"
	}
	return *p
}

// runTruncation runs one truncation test: the message (HTML for body
// parts, plain text for bodies), the whole content when a check needs it,
// then the item read with Sync and with ItemOperations under the
// preference, each checked against what the preference asks.
func (c *airsClient) runTruncation(part bool, tc airsTruncation) {
	c.s.t.Helper()
	subject, body := c.name("Subject"), c.name("Body")
	kind := airsPlain
	if part {
		kind = airsHTML
	}
	c.sendEmail(kind, subject, body)
	var all string
	if !tc.truncated || !tc.plainTextBody {
		all = airsBodyOf(&c.getAllContentItem(subject, c.inbox()).email, part).data
	}
	want := all
	switch {
	case tc.truncated && tc.allOrNone != nil && *tc.allOrNone:
		want = ""
	case tc.truncated && tc.plainTextBody:
		want = body[:tc.size]
	case tc.truncated:
		want = all[:min(tc.size, len(all))]
	}
	var prefs []eas.BodyPreference
	var parts []eas.BodyPartPreference
	if part {
		parts = []eas.BodyPartPreference{{Type: eas.BodyTypeHTML, TruncationSize: tc.size, AllOrNone: tc.allOrNone}}
	} else {
		prefs = []eas.BodyPreference{{Type: eas.BodyTypePlainText, TruncationSize: tc.size, AllOrNone: tc.allOrNone}}
	}

	it := c.getSyncResult(subject, c.inbox(), prefs, parts)
	b := airsBodyOf(&it.email, part)
	c.verifyBodyElements(b, part, tc)
	c.s.equal(tc.syncID, "the data Sync returns", want, b.data)
	if !part && tc.syncID == 373 {
		c.s.equal(304, "the Body's Type", eas.BodyTypePlainText, it.email.Body.Type)
		c.s.equal(237, "the NativeBodyType of a plain text message", 1, it.email.NativeBodyType)
	}

	fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, prefs, parts, false)
	b = airsBodyOf(&fetched.email, part)
	c.verifyBodyElements(b, part, tc)
	c.s.equal(tc.ioID, "the data ItemOperations returns", want, b.data)
	for _, id := range tc.common {
		c.s.capture(id, true, "")
	}
}

// runNoTruncationSize is the two S01 and S02 tests without TruncationSize:
// with AllOrNone 1 and 0 the item is returned whole, the same by Sync and
// by ItemOperations; ids are captured once both agree.
func (c *airsClient) runNoTruncationSize(part bool, ids ...int) {
	c.s.t.Helper()
	subject, body := c.name("Subject"), c.name("Body")
	kind := airsPlain
	if part {
		kind = airsHTML
	}
	c.sendEmail(kind, subject, body)
	all := airsBodyOf(&c.getAllContentItem(subject, c.inbox()).email, part).data
	read := func(allOrNone bool, serverID string) (string, string, string) {
		var prefs []eas.BodyPreference
		var parts []eas.BodyPartPreference
		if part {
			parts = []eas.BodyPartPreference{{Type: eas.BodyTypeHTML, AllOrNone: airsPtr(allOrNone)}}
		} else {
			prefs = []eas.BodyPreference{{Type: eas.BodyTypePlainText, AllOrNone: airsPtr(allOrNone)}}
		}
		it := c.getSyncResult(subject, c.inbox(), prefs, parts)
		b := airsBodyOf(&it.email, part)
		c.verifyBodyElements(b, part, airsTruncation{})
		if serverID == "" {
			serverID = it.serverID
		}
		fetched, _ := c.getItemOperationsResult(c.inbox(), serverID, prefs, parts, false)
		fb := airsBodyOf(&fetched.email, part)
		c.verifyBodyElements(fb, part, airsTruncation{})
		return b.data, fb.data, it.serverID
	}
	syncTrue, ioTrue, id := read(true, "")
	syncFalse, ioFalse, _ := read(false, id)
	same := all == syncTrue && syncTrue == syncFalse && all == ioTrue && ioTrue == ioFalse
	for _, id := range ids {
		c.s.capture(id, same, "without TruncationSize the data is %q (AllOrNone 1) and %q (0) by Sync, %q and %q by ItemOperations, want the whole %q", syncTrue, syncFalse, ioTrue, ioFalse, all)
	}
}

// MSASAIRS_S01_TC01: AllOrNone 1 and a TruncationSize larger than the
// message part: all of it is returned.
func TestMSASAIRS_S01_TC01_BodyPartPreference_AllOrNoneTrue_AllContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(true, airsTruncation{size: 100, allOrNone: airsPtr(true), syncID: 373, ioID: 54, common: []int{120, 271}})
	})
}

// MSASAIRS_S01_TC02: AllOrNone 1 and a TruncationSize smaller than the
// message part: none of it is returned.
func TestMSASAIRS_S01_TC02_BodyPartPreference_AllOrNoneTrue_AllContentNotReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(true, airsTruncation{size: 2, allOrNone: airsPtr(true), truncated: true, syncID: 376, ioID: 377, common: []int{63}})
	})
}

// MSASAIRS_S01_TC03: AllOrNone 0 and a small TruncationSize: the message
// part is returned truncated.
func TestMSASAIRS_S01_TC03_BodyPartPreference_AllOrNoneFalse_TruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(true, airsTruncation{size: 8, allOrNone: airsPtr(false), truncated: true, syncID: 378, ioID: 379, common: []int{188}})
	})
}

// MSASAIRS_S01_TC04: AllOrNone 0 and a large TruncationSize: the whole
// message part is returned.
func TestMSASAIRS_S01_TC04_BodyPartPreference_AllOrNoneFalse_NonTruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(true, airsTruncation{size: 100, allOrNone: airsPtr(false), syncID: 381, ioID: 382})
	})
}

// MSASAIRS_S01_TC05: no AllOrNone and a small TruncationSize: truncated,
// as with AllOrNone 0.
func TestMSASAIRS_S01_TC05_BodyPartPreference_NoAllOrNone_TruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(true, airsTruncation{size: 8, truncated: true, syncID: 407, ioID: 408, common: []int{62, 282}})
	})
}

// MSASAIRS_S01_TC06: no AllOrNone and a large TruncationSize: whole, as
// with AllOrNone 0.
func TestMSASAIRS_S01_TC06_BodyPartPreference_NoAllOrNone_NonTruncatedContentReturned(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		airsLab(s).runTruncation(true, airsTruncation{size: 100, syncID: 410, ioID: 411, common: []int{283}})
	})
}

// MSASAIRS_S01_TC07: without TruncationSize AllOrNone changes nothing.
func TestMSASAIRS_S01_TC07_BodyPartPreference_NotIncludedTruncationSize(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		airsLab(s).runNoTruncationSize(true, 294, 400)
	})
}

// MSASAIRS_S01_TC08: a BodyPartPreference with Preview: the BodyPart
// carries a preview of at most that many characters, taken from the
// message part.
func TestMSASAIRS_S01_TC08_BodyPart_Preview(t *testing.T) {
	atVersions(t, airsSpec, from(eas.Version141), func(t *testing.T, s *site) {
		c := airsLab(s)
		subject, body := c.name("Subject"), c.name("Body")
		c.sendEmail(airsHTML, subject, body)
		all := c.getAllContentItem(subject, c.inbox()).email.BodyPart.Data
		parts := []eas.BodyPartPreference{{Type: eas.BodyTypeHTML, Preview: 18}}
		check := func(e *eas.Email, step string) {
			b := airsBodyOf(e, true)
			if !b.present || b.status != 1 {
				t.Fatalf("%s: the item has no BodyPart of Status 1", step)
			}
			for _, id := range []int{256, 253} {
				s.capture(id, b.preview != "", "%s: the BodyPart has no Preview though the BodyPartPreference asked for one", step)
			}
			for _, id := range []int{255, 2599} {
				s.capture(id, len([]rune(b.preview)) <= 18 && strings.Contains(all, b.preview), "%s: the BodyPart's Preview %q is longer than 18 characters or not of the message part %q", step, b.preview, all)
			}
		}
		it := c.getSyncResult(subject, c.inbox(), nil, parts)
		check(&it.email, "Sync")
		fetched, _ := c.getItemOperationsResult(c.inbox(), it.serverID, nil, parts, false)
		check(&fetched.email, "ItemOperations")
	})
}
