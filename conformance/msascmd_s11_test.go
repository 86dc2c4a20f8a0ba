package conformance

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/wbxml"
)

// MS-ASCMD S11: Ping.

// ping sends a Ping (body an eas.PingRequest, a tree, or nil for none)
// and returns its answer. A Ping with nothing to report hangs until its
// heartbeat: the lab's clock is moved on to the server's next deadline
// until it answers, standing for the heartbeat the original waits out.
// It also returns how much lab time the Ping took.
func (c *cmdSuite) ping(body any) (*eas.PingResponse, time.Duration) {
	c.s.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case *wbxml.Node:
		raw = c.tree(b)
	default:
		var err error
		raw, err = wbxml.Marshal(b)
		c.s.must(err, "encoding the Ping")
	}
	req := c.l.request(c.user, eas.CommandPing)
	req.DeviceID = c.deviceID
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	hr, err := eas.NewHTTPRequest(c.l.ctx, c.l.env.EASURL, req, rd)
	c.s.must(err, "building the Ping")
	hr.SetBasicAuth(req.User, password)
	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	clk := c.l.env.Clock
	base, began := clk.Pending(), clk.Now()
	go func() {
		resp, err := c.l.env.HTTP.Client().Do(hr)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- result{resp.StatusCode, b, err}
	}()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case r := <-done:
			c.s.must(r.err, "Ping")
			if r.status != http.StatusOK {
				c.s.t.Fatalf("Ping answered HTTP %d", r.status)
			}
			c.verifyShape(eas.CommandPing, r.body)
			var out eas.PingResponse
			(&answer{Status: r.status, Body: r.body}).decode(c.s, &out)
			return &out, clk.Now().Sub(began)
		case <-deadline:
			c.s.t.Fatalf("the Ping did not answer after its heartbeat")
		case <-time.After(5 * time.Millisecond):
			if clk.Pending() > base {
				clk.AdvanceToNext()
			}
		}
	}
}

// cmdPingRequest is the suite's CreatePingRequest: folders of one class,
// heartbeat 80 seconds.
func cmdPingRequest(class string, ids ...string) *eas.PingRequest {
	r := &eas.PingRequest{HeartbeatInterval: 80, Folders: &eas.PingFolders{}}
	for _, id := range ids {
		r.Folders.Folder = append(r.Folders.Folder, eas.PingFolder{Id: id, Class: class})
	}
	return r
}

// MSASCMD_S11_TC01: a Ping with a heartbeat but no folders is Status 3;
// once both were sent, folders alone are enough.
func TestMSASCMD_S11_TC01_Ping_Status3(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.user, c.deviceID = cmdUser3, "NewDevice"
		fs := c.folderSync0()
		notes := ""
		for _, a := range fs.Changes.Add {
			if a.Type == eas.FolderTypeNotes {
				notes = a.ServerId
			}
		}
		// The original pings User03's Notes folder, an id its client never
		// learns; this port pings the Notes folder the FolderSync named.
		first, _ := c.ping(&eas.PingRequest{HeartbeatInterval: 80})
		s.equal(4240, "the Status of a Ping without folders", 3, first.Status)
		full, _ := c.ping(cmdPingRequest("Notes", notes))
		if full.Status == 0 {
			t.Fatalf("the full Ping has no Status")
		}
		noHeartbeat := cmdPingRequest("Notes", notes)
		noHeartbeat.HeartbeatInterval = 0
		third, _ := c.ping(noHeartbeat)
		s.capture(4241, first.Status == 3 && third.Status != 3, "the Ping without folders has Status %d and the later one without heartbeat %d", first.Status, third.Status)
	})
}

// MSASCMD_S11_TC02: an empty Ping element is Status 4.
func TestMSASCMD_S11_TC02_Ping_Status4(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		r, _ := c.ping(cmdNode("Ping:Ping"))
		s.equal(4244, "the Status of an empty Ping", 4, r.Status)
		s.equal(4228, "the Status of an empty Ping", 4, r.Status)
	})
}

// MSASCMD_S11_TC03: a negative heartbeat is Status 5 with the allowed
// interval.
func TestMSASCMD_S11_TC03_Ping_Status5(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		req := cmdPingRequest("Email", c.my().inbox)
		req.HeartbeatInterval = -100
		r, _ := c.ping(req)
		s.equal(5837, "the Status of a Ping with heartbeat -100", 5, r.Status)
		s.capture(5690, r.Status == 5 && r.HeartbeatInterval != 0, "the Ping with heartbeat -100 has Status %d and HeartbeatInterval %d", r.Status, r.HeartbeatInterval)
	})
}

// MSASCMD_S11_TC04: a device that never synchronized the hierarchy is
// told to (Status 7).
func TestMSASCMD_S11_TC04_Ping_Status7_SyncRequired(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		inbox := c.my().inbox
		c.user, c.deviceID = cmdUser3, "ChangeNewDevice"
		req := cmdPingRequest("Email", inbox)
		req.HeartbeatInterval = 60
		r, _ := c.ping(req)
		s.equal(4258, "the Status of a Ping from a device with no hierarchy", 7, r.Status)
	})
}

// MSASCMD_S11_TC05: a folder created from another device makes the
// first device's Ping Status 7.
func TestMSASCMD_S11_TC05_Ping_Status7_Outdate(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		inbox := c.my().inbox
		c.user, c.deviceID = cmdUser3, "FirstDeviceID"
		c.folderSync0()
		c.deviceID = "SecondDeviceID"
		key := c.folderSync("0").SyncKey
		c.mustCreate(key, eas.FolderTypeUserMail, c.name("folder"), inbox)
		c.deviceID = "FirstDeviceID"
		r, _ := c.ping(cmdPingRequest("Email", inbox))
		s.equal(4257, "the Status of a Ping after another device's FolderCreate", 7, r.Status)
	})
}

// MSASCMD_S11_TC06: a message moved into a monitored folder after its
// Sync makes the Ping answer Status 2 at once, and again with the cached
// heartbeat.
func TestMSASCMD_S11_TC06_Ping_ChangesOccurred(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		c.switchUser(cmdUser2)
		var ids []string
		for range 2 {
			id := c.createFolder(eas.FolderTypeUserMail, c.name("FolderCreate"), c.my().inbox)
			ids = append(ids, id)
			c.syncChanges(id)
		}
		subject := c.name("subject")
		c.switchUser(cmdUser1)
		c.sendMail(cmdUser2, subject, "Default Email "+subject)
		c.switchUser(cmdUser2)
		id := cmdServerID(c.getMailItem(c.my().inbox, subject), subject)
		mv := c.moveItems(1, eas.MoveItem{SrcMsgId: id, SrcFldId: c.my().inbox, DstFldId: ids[0]})
		if mv.Response[0].Status != 3 {
			t.Fatalf("MoveItems has Status %d, want 3", mv.Response[0].Status)
		}
		req := cmdPingRequest("Email", ids...)
		r, took := c.ping(req)
		s.capture(306, r.Status != 0, "the Ping has no Status")
		for _, id := range []int{4235, 5636, 4236} {
			s.equal(id, "the Status of a Ping of a folder changed since its Sync", 2, r.Status)
		}
		s.capture(5714, r.Status == 2 && took < 80*time.Second, "the Ping has Status %d after %v of an 80 s heartbeat", r.Status, took)
		req.HeartbeatInterval = 0
		again, _ := c.ping(req)
		s.equal(5836, "the Status of the Ping with the cached heartbeat", 2, again.Status)
	})
}

// MSASCMD_S11_TC07: a heartbeat above the maximum is Status 5 with the
// allowed interval.
func TestMSASCMD_S11_TC07_Ping_HeartbeatIntervalSetTooLarge(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		req := cmdPingRequest("Email", c.my().inbox)
		req.HeartbeatInterval = 6000000
		r, _ := c.ping(req)
		s.equal(4249, "the Status of a Ping with heartbeat 6000000", 5, r.Status)
		s.capture(5691, r.Status == 5 && r.HeartbeatInterval != 0, "the Ping with heartbeat 6000000 has Status %d and HeartbeatInterval %d", r.Status, r.HeartbeatInterval)
	})
}

// MSASCMD_S11_TC08: once a Ping expired with nothing to report, a Ping
// with no body uses the cached one and expires too (Status 1).
func TestMSASCMD_S11_TC08_Ping_WithoutRequestBody(t *testing.T) {
	atVersions(t, cmdSpec, from(eas.Version121), func(t *testing.T, s *site) {
		c := cmdLab(s)
		req := cmdPingRequest("Email", c.my().inbox)
		req.HeartbeatInterval = 60
		r, _ := c.ping(req)
		for i := 1; i < 3 && r.Status == 2; i++ {
			c.syncChanges(c.my().inbox)
			r, _ = c.ping(req)
		}
		if r.Status != 1 {
			t.Fatalf("the Ping has Status %d, want 1", r.Status)
		}
		bare, _ := c.ping(nil)
		s.equal(335, "the Status of a Ping with no body", 1, bare.Status)
	})
}
