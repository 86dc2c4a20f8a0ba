package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/easlab/easlab/eas"
)

// MS-ASCMD S23: the Find command (16.1 only).

// cmd2FindMail is S23's CreateFindMailRequest: a mailbox Find for
// keyword in collection (Class Email) over requestRange, with
// DeepTraversal.
func cmd2FindMail(searchID, collection, keyword, requestRange string) *eas.FindRequest {
	return &eas.FindRequest{SearchId: searchID, ExecuteSearch: &eas.FindExecuteSearch{MailBoxSearchCriterion: &eas.FindCriterion{
		Query:   &eas.FindQuery{Class: "Email", CollectionId: collection, FreeText: keyword},
		Options: &eas.FindOptions{Range: requestRange, DeepTraversal: true},
	}}}
}

// find sends a Find as the current user.
func (c *cmd2Client) find(req *eas.FindRequest) *eas.FindResponse {
	c.s.t.Helper()
	var resp eas.FindResponse
	c.send(eas.CommandFind, req).decode(c.s, &resp)
	return &resp
}

func cmd2FindStatus(resp *eas.FindResponse) int {
	if resp.Response == nil {
		return 0
	}
	return resp.Response.Status
}

var cmd2Only161 = []eas.ProtocolVersion{eas.Version161}

// MSASCMD_S23_TC01: the default mailbox Find succeeds.
func TestMSASCMD_S23_TC01_Find_Mail_Success(t *testing.T) {
	atVersions(t, cmdSpec, cmd2Only161, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.find(cmd2FindMail("6b1c7a3e-9f2d-4c1b-8e0a-5d4f3c2b1a09", c.inbox(), cmdUser1, "0-5"))
		s.must(cmd2ok(resp.Status == 1 && cmd2FindStatus(resp) == 1, "Status %d, Response Status %d", resp.Status, cmd2FindStatus(resp)), "the Find")
		s.equal(72172509, "the Find Status", 1, resp.Status)
		s.equal(72172520, "the Response Status", 1, cmd2FindStatus(resp))
	})
}

// MSASCMD_S23_TC02: an empty SearchId is Status 2.
func TestMSASCMD_S23_TC02_Find_Mail_InvalidRequest(t *testing.T) {
	atVersions(t, cmdSpec, cmd2Only161, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.find(cmd2FindMail("", c.inbox(), "MSASCMD", "0-5"))
		s.must(cmd2ok(resp.Status == 2, "Status %d", resp.Status), "the Find with an empty SearchId")
		s.equal(72172512, "the Find Status with an empty SearchId", 2, resp.Status)
	})
}

// MSASCMD_S23_TC03: a Range that does not start at 0 (the original checks
// the answer only where R72172518 is enabled, which the Exchange 2019
// configuration disables).
func TestMSASCMD_S23_TC03_Find_Mail_InvalidRange(t *testing.T) {
	atVersions(t, cmdSpec, cmd2Only161, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		c.find(cmd2FindMail("2d9e4f61-1a7b-4c3d-9e8f-0a1b2c3d4e5f", c.inbox(), cmdUser1, "2-5"))
	})
}

// MSASCMD_S23_TC04: a GAL Find for a prefix of the users' names answers
// each entry's alias and display name, sorted, with the Total.
func TestMSASCMD_S23_TC04_Find_GAL_Success(t *testing.T) {
	atVersions(t, cmdSpec, cmd2Only161, func(t *testing.T, s *site) {
		// The deployment's users: User01 to User19 and the two search users.
		users := []string{cmdSearchUser1, cmdSearchUser2}
		for i := 1; i <= 19; i++ {
			users = append(users, fmt.Sprintf("MSASCMD_User%02d", i))
		}
		l := newLab(s, users...)
		cmdbUser01Person(l)
		c := cmd2ClientOn(s, l)
		const rangeEnd = 22
		keyword := cmdUser1[:6]
		resp := c.find(&eas.FindRequest{SearchId: "8f7e6d5c-4b3a-4291-8c7d-6e5f4a3b2c1d", ExecuteSearch: &eas.FindExecuteSearch{GalSearchCriterion: &eas.FindCriterion{
			Query: &eas.FindQuery{Text: keyword}, Options: &eas.FindOptions{Range: "0-22"},
		}}})
		s.must(cmd2ok(cmd2FindStatus(resp) == 1, "Response Status %d", cmd2FindStatus(resp)), "the GAL Find")
		results := resp.Response.Result
		g := cmd2GAL{has: map[string]bool{}}
		for _, r := range results {
			g.add(r.Properties)
		}
		has, names, aliases := g.has, g.names, g.aliases
		ordered := len(names) > 1
		for i := 1; ordered && i < rangeEnd && i+1 < len(names); i++ {
			if (names[0] < names[1]) != (names[i] < names[i+1]) {
				ordered = false
			}
		}
		s.capture(1002501, len(names) == len(results) && len(aliases) == len(results), "%d results have %d display names and %d aliases", len(results), len(names), len(aliases))
		total := -1
		if resp.Response.Total != nil {
			total = *resp.Response.Total
		}
		s.equal(131999, "the Total (against the results)", len(results), total)
		s.capture(132000, strings.HasPrefix(strings.ToLower(cmdUser1), strings.ToLower(keyword)), "")
		s.capture(132004, ordered, "the display names %q are not in one order", names)
		s.capture(61641061, has["Alias"], "no result has an Alias")
		s.capture(61641062, has["Alias"], "no result has an Alias")
		s.capture(63510605, has["Company"], "no result has a Company")
		s.capture(65590806, has["FirstName"], "no result has a FirstName")
		s.capture(69581706, has["Phone"], "no result has a Phone")
		s.capture(37071816, total <= rangeEnd+1, "the Total %d exceeds the range", total)
	})
}

// MSASCMD_S23_TC05: two matching messages are found.
func TestMSASCMD_S23_TC05_Find_MatchedItems(t *testing.T) {
	atVersions(t, cmdSpec, cmd2Only161, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		keyword := "e4b2a"
		for i := 1; i <= 2; i++ {
			c.sendPlainText(fmt.Sprintf("%sMSASCMD_find%d", keyword, i), cmdUser1, cmdUser2, "")
		}
		c.switchUser(cmdUser2)
		c.checkEmail(c.inbox(), keyword+"MSASCMD_find2", nil)
		resp := c.find(cmd2FindMail("0c9b8a7f-6e5d-4c3b-2a19-087f6e5d4c3b", c.inbox(), keyword, "0-5"))
		s.must(cmd2ok(cmd2FindStatus(resp) == 1 && len(resp.Response.Result) == 2, "Response Status %d, %d results", cmd2FindStatus(resp), len(resp.Response.Result)), "finding the two messages")
	})
}

// MSASCMD_S23_TC06: a Find that matches nothing has no Result.
func TestMSASCMD_S23_TC06_Find_NoMatchedItem(t *testing.T) {
	atVersions(t, cmdSpec, cmd2Only161, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		for i := 1; i <= 2; i++ {
			c.sendPlainText(fmt.Sprintf("a1b2cMSASCMD_find%d", i), cmdUser1, cmdUser2, "")
		}
		c.switchUser(cmdUser2)
		c.checkEmail(c.inbox(), "a1b2cMSASCMD_find2", nil)
		resp := c.find(cmd2FindMail("5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716", c.inbox(), "f9e8d", "0-5"))
		s.must(cmd2ok(cmd2FindStatus(resp) == 1, "Response Status %d", cmd2FindStatus(resp)), "the Find")
		s.capture(38391805, len(resp.Response.Result) == 0, "the Find that matches nothing answered %d results", len(resp.Response.Result))
	})
}

// MSASCMD_S23_TC08: a CollectionId the hierarchy does not hold is Status
// 3.
func TestMSASCMD_S23_TC08_Find_Mail_FolderSyncRequired(t *testing.T) {
	atVersions(t, cmdSpec, cmd2Only161, func(t *testing.T, s *site) {
		c := cmd2Lab(s)
		resp := c.find(cmd2FindMail("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "-1", "MSASCMD", "0-5"))
		s.equal(72172515, "the Find Status for folder -1", 3, resp.Status)
	})
}
