package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/easlab/easlab/adminapi"
	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/internal/lockedbuf"
	"github.com/easlab/easlab/wbxml"
)

// startServe starts `easlab serve ARGS` and waits for its banner. It
// returns the process, or the error and output of one that exited.
func startServe(t *testing.T, args ...string) (*serveProc, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "EASLAB_TEST_AS=easlab")
	p := &serveProc{cmd: cmd, stderr: &lockedbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			p.stdout.Write([]byte(line + "\n"))
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "ActiveSync:"); ok {
				urls <- strings.TrimSuffix(strings.TrimSpace(rest), "/Microsoft-Server-ActiveSync")
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	select {
	case p.base = <-urls:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("serve exited (%v) before serving:\n%s%s", p.err, p.stdout.String(), p.stderr.String())
	case <-time.After(20 * time.Second):
		p.kill()
		return nil, fmt.Errorf("serve did not print its URL in 20s:\n%s%s", p.stdout.String(), p.stderr.String())
	}
}

// serveProc is a running `easlab serve`.
type serveProc struct {
	cmd    *exec.Cmd
	base   string
	stdout lockedbuf.Buffer
	stderr *lockedbuf.Buffer
	done   chan struct{}
	err    error
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serveProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits; it reports how the process ended.
func (p *serveProc) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(15 * time.Second):
		p.kill()
		return errors.New("serve did not stop on SIGTERM in 15s")
	}
}

// freePort returns a loopback address nothing listens on right now.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// watch is what the test saw of one device over the whole run, from its
// exchanges (clients.Options.Observe): Provision after setup, Sync Status
// 3 and FolderSync Status 9 (a key the server forgot), and every Add,
// counted per ServerId against what the device held.
type watch struct {
	mu         sync.Mutex
	setUp      bool
	inbox      string
	held       map[string]bool
	adds       int
	syncs      int // Sync requests answered
	dups       []string
	provisions []string // after setup
	badKeys    []string
}

func (w *watch) observe(e clients.Exchange) {
	if e.Err != nil || e.StatusCode != http.StatusOK {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	at := e.Time.Format("15:04:05.000")
	switch e.Command {
	case eas.CommandProvision:
		if w.setUp {
			w.provisions = append(w.provisions, at)
		}
	case eas.CommandFolderSync:
		var r eas.FolderSyncResponse
		if wbxml.Unmarshal(e.ResponseBody, &r) == nil && r.Status == 9 {
			w.badKeys = append(w.badKeys, "FolderSync Status 9 at "+at)
		}
	case eas.CommandSync:
		w.syncs++
		var r eas.SyncResponse
		if len(e.ResponseBody) == 0 || wbxml.Unmarshal(e.ResponseBody, &r) != nil || r.Collections == nil {
			return
		}
		for _, c := range r.Collections.Collection {
			if c.Status == 3 {
				w.badKeys = append(w.badKeys, fmt.Sprintf("Sync of %s Status 3 for key %s at %s", c.CollectionId, syncKeySent(e.RequestBody), at))
				clear(w.held) // the device starts over: do not count its Adds again
				continue
			}
			if c.Status != 1 {
				continue
			}
			for _, cmd := range c.Commands {
				switch cmd.Kind {
				case eas.SyncAdd:
					w.adds++
					if w.held[cmd.ServerId] {
						w.dups = append(w.dups, fmt.Sprintf("%s (again at %s)", cmd.ServerId, at))
					}
					w.held[cmd.ServerId] = true
				case eas.SyncDelete, eas.SyncSoftDelete:
					delete(w.held, cmd.ServerId)
				}
			}
		}
	}
}

func syncKeySent(body []byte) string {
	var r eas.SyncRequest
	if wbxml.Unmarshal(body, &r) != nil || r.Collections == nil || len(r.Collections.Collection) == 0 {
		return "?"
	}
	return r.Collections.Collection[0].SyncKey
}

// TestServeSurvivesKill9 kills `easlab serve --data DIR` with SIGKILL at
// random moments while devices sync, mail arrives and an admin changes an
// allow list, restarting it each time on the same port and directory, and
// then checks what the server promised: acknowledged admin changes kept,
// devices carry on with their keys, no item sent twice or lost, event ids
// never reused.
func TestServeSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server for several seconds")
	}
	const (
		rounds = 5
		token  = "crash-token"
		pass   = "Passw0rd!"
	)
	began := time.Now()
	dir := filepath.Join(t.TempDir(), "data")
	addr := freePort(t)
	// No directory cache (serve's default is Exchange's 60 s): the final
	// check approves a fresh device and expects it to sync at once.
	args := []string{"--data", dir, "--listen", addr, "--admin-token", token, "--log-level", "warn", "--cas-cache-delay", "0"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))

	var mu sync.Mutex // guards cur
	var cur *serveProc
	var stderrs []string // every start's log, for evidence
	start := func(extra ...string) {
		t.Helper()
		p, err := startServe(t, append(slices.Clone(args), extra...)...)
		if err != nil {
			t.Fatalf("the server did not restart on its data directory: %v", err)
		}
		mu.Lock()
		cur = p
		mu.Unlock()
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if cur != nil {
			cur.kill()
		}
	})
	collect := func(p *serveProc) { stderrs = append(stderrs, p.stderr.String()) }

	start("--mail-rate", "30")
	base := cur.base
	admin := &adminapi.Client{URL: base, Token: token}
	ctx := context.Background()
	if err := admin.Run(ctx, "Set-ActiveSyncOrganizationSettings", map[string]any{"DefaultAccessLevel": "Quarantine"}, nil); err != nil {
		t.Fatal(err)
	}

	type dev struct {
		user string
		d    *clients.Device
		w    *watch
	}
	var devs []*dev
	total := func(f func(*watch) int) int {
		n := 0
		for _, v := range devs {
			v.w.mu.Lock()
			n += f(v.w)
			v.w.mu.Unlock()
		}
		return n
	}
	syncs := func(w *watch) int { return w.syncs }
	for i, c := range []struct{ user, profile string }{{"alice", clients.IPhone}, {"alice", clients.Gmail}, {"bob", clients.IPhone}, {"bob", clients.Outlook}} {
		p, ok := clients.ProfileByName(c.profile)
		if !ok {
			t.Fatalf("no profile %s", c.profile)
		}
		w := &watch{held: map[string]bool{}}
		d := clients.New(p, clients.Options{BaseURL: base + "/Microsoft-Server-ActiveSync", User: c.user + "@contoso.com", Password: pass,
			Seed: uint64(100 + i), TranscriptLimit: -1, Observe: w.observe,
			HTTPClient: &http.Client{Timeout: 10 * time.Second}})
		if err := admin.Run(ctx, "Set-CASMailbox", map[string]any{"Identity": c.user, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": d.DeviceID}}, nil); err != nil {
			t.Fatal(err)
		}
		devs = append(devs, &dev{c.user, d, w})
	}

	// The load.
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var setupErrs, syncErrs atomic.Int64
	for _, v := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for loadCtx.Err() == nil {
				v.w.mu.Lock()
				setUp := v.w.setUp
				v.w.mu.Unlock()
				if !setUp {
					if err := v.d.Setup(loadCtx); err != nil {
						setupErrs.Add(1)
						time.Sleep(20 * time.Millisecond)
						continue
					}
					in, _ := v.d.FolderByType(eas.FolderTypeInbox)
					v.w.mu.Lock()
					v.w.setUp, v.w.inbox = true, in.ServerId
					v.w.mu.Unlock()
					continue
				}
				if _, err := v.d.Sync(loadCtx, v.w.inbox); err != nil {
					syncErrs.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	var ackMu sync.Mutex
	var acked []string
	ackCount := func() int { ackMu.Lock(); defer ackMu.Unlock(); return len(acked) }
	var attempts, adminErrs int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; loadCtx.Err() == nil; n++ {
			id := fmt.Sprintf("ACKED-%d", n)
			attempts++
			err := admin.Run(loadCtx, "Set-CASMailbox", map[string]any{"Identity": "bob", "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": id}}, nil)
			if err == nil {
				ackMu.Lock()
				acked = append(acked, id)
				ackMu.Unlock()
				time.Sleep(5 * time.Millisecond)
				continue
			}
			adminErrs++
			time.Sleep(20 * time.Millisecond)
		}
	}()
	// Events: a new (allowed) device of alice or bob every ~200 ms (60 at
	// most: a mailbox takes 100 partnerships) makes DeviceCreated events;
	// the log is read during every round, to compare with the log at the
	// end.
	var newcomers atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		p, _ := clients.ProfileByName(clients.IPhone)
		for n := 1; n <= 60 && loadCtx.Err() == nil; n++ {
			id, user := fmt.Sprintf("NEWCOMER%d", n), []string{"alice", "bob"}[n%2]
			if admin.Run(loadCtx, "Set-CASMailbox", map[string]any{"Identity": user, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": id}}, nil) == nil {
				d := clients.New(p, clients.Options{BaseURL: base + "/Microsoft-Server-ActiveSync", User: user + "@contoso.com", Password: pass, DeviceID: id, TranscriptLimit: -1,
					HTTPClient: &http.Client{Timeout: 10 * time.Second}})
				if d.Provision(loadCtx) == nil {
					newcomers.Add(1)
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()

	seen := map[uint64]string{} // event id -> the event, as first reported
	var eventProblems []string
	readEvents := func(when string, most time.Duration) []uint64 {
		ids, evs, err := readAllEvents(base, token, most)
		if err != nil {
			eventProblems = append(eventProblems, fmt.Sprintf("%s: %v", when, err))
			return nil
		}
		for i, id := range ids {
			if i > 0 && id <= ids[i-1] {
				eventProblems = append(eventProblems, fmt.Sprintf("%s: event id %d follows %d", when, id, ids[i-1]))
			}
			if old, ok := seen[id]; ok && old != evs[i] {
				eventProblems = append(eventProblems, fmt.Sprintf("%s: event id %d was %s, now %s", when, id, old, evs[i]))
			}
			seen[id] = evs[i]
		}
		return ids
	}

	var downtime time.Duration
	for round := 1; round <= rounds; round++ {
		wait := time.Duration(300+rng.IntN(900)) * time.Millisecond
		time.Sleep(wait / 2)
		readEvents(fmt.Sprintf("round %d", round), time.Second)
		time.Sleep(wait - wait/2)
		mu.Lock()
		p := cur
		mu.Unlock()
		p.kill()
		collect(p)
		down := time.Now()
		extra := []string{"--mail-rate", "30"}
		if round == rounds {
			extra = nil // the last start: no more mail, so the end can be compared
		}
		start(extra...)
		downtime += time.Since(down)
		t.Logf("%v round %d: killed after %v; restarted in %v (%d acks, %d device syncs so far)", time.Since(began).Round(time.Millisecond), round, wait, time.Since(down).Round(time.Millisecond), ackCount(), total(syncs))
	}
	// Let the devices carry on a moment on the last start, then stop the
	// load and drain.
	time.Sleep(500 * time.Millisecond)
	stopLoad()
	wg.Wait()
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, v := range devs {
		if !v.w.setUp {
			t.Errorf("%s's %s device %s never finished its setup (%d setup errors in all)", v.user, v.d.Profile.Name, v.d.DeviceID, setupErrs.Load())
			continue
		}
		if _, err := v.d.Sync(dctx, v.w.inbox); err != nil {
			t.Errorf("%s's device %s cannot sync after the last restart: %v", v.user, v.d.DeviceID, err)
		}
	}

	// Acknowledged admin changes are kept.
	var org []struct{ DefaultAccessLevel string }
	if err := admin.Run(dctx, "Get-ActiveSyncOrganizationSettings", nil, &org); err != nil || len(org) != 1 {
		t.Errorf("Get-ActiveSyncOrganizationSettings: %v %v", org, err)
	} else if org[0].DefaultAccessLevel != "Quarantine" {
		t.Errorf("the organization's DefaultAccessLevel, set to Quarantine before the first kill, is %q after the restarts", org[0].DefaultAccessLevel)
	}
	var cas []struct{ ActiveSyncAllowedDeviceIDs []string }
	if err := admin.Run(dctx, "Get-CASMailbox", map[string]any{"Identity": "bob"}, &cas); err != nil || len(cas) != 1 {
		t.Fatalf("Get-CASMailbox bob: %v %v", cas, err)
	}
	var lost []string
	for _, id := range acked {
		if !slices.Contains(cas[0].ActiveSyncAllowedDeviceIDs, id) {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged additions to bob's allow list are gone after the restarts: %s", len(lost), len(acked), few(lost))
	}

	// Each device carried on with its keys; nothing twice; converged.
	for _, v := range devs {
		w := v.w
		name := fmt.Sprintf("%s's %s device %s", v.user, v.d.Profile.Name, v.d.DeviceID)
		if len(w.badKeys) > 0 {
			t.Errorf("%s was told its sync key is invalid after a restart (the server lost its sync state): %s", name, few(w.badKeys))
		}
		if len(w.provisions) > 0 {
			t.Errorf("%s had to provision again after its setup (the server lost its partnership or policy key), at %s", name, few(w.provisions))
		}
		if len(w.dups) > 0 {
			t.Errorf("%s was sent %d items it already held: %s", name, len(w.dups), few(w.dups))
		}
		if !w.setUp {
			continue
		}
		got := v.d.Items(w.inbox)
		fp, _ := clients.ProfileByName(clients.IPhone)
		fresh := clients.New(fp, clients.Options{BaseURL: base + "/Microsoft-Server-ActiveSync", User: v.user + "@contoso.com", Password: pass, DeviceID: "FRESH" + strconv.Itoa(len(v.user)) + v.d.DeviceID[:4], TranscriptLimit: -1})
		if err := admin.Run(dctx, "Set-CASMailbox", map[string]any{"Identity": v.user, "ActiveSyncAllowedDeviceIDs": map[string]any{"Add": fresh.DeviceID}}, nil); err != nil {
			t.Fatal(err)
		}
		if err := fresh.Setup(dctx); err != nil {
			t.Fatalf("a new device of %s cannot set up after the restarts: %v", v.user, err)
		}
		in, _ := fresh.FolderByType(eas.FolderTypeInbox)
		want := fresh.Items(in.ServerId)
		var missing, extra []string
		for id, it := range want {
			if _, ok := got[id]; !ok {
				missing = append(missing, id+" "+strconv.Quote(it.Subject))
			}
		}
		for id, it := range got {
			if _, ok := want[id]; !ok {
				extra = append(extra, id+" "+strconv.Quote(it.Subject))
			}
		}
		slices.Sort(missing)
		slices.Sort(extra)
		if len(missing)+len(extra) > 0 {
			t.Errorf("%s did not converge with the mailbox after a final sync: it lacks %d items a new device gets [%s], and holds %d the mailbox does not have [%s]", name, len(missing), few(missing), len(extra), few(extra))
		}
		t.Logf("%s: %d syncs, %d adds, %d items in the Inbox (a new device gets %d)", name, w.syncs, w.adds, len(got), len(want))
	}

	// Event ids: increasing, none reused for another event.
	final := readEvents("at the end", 10*time.Second)
	for _, p := range eventProblems {
		t.Errorf("the event log broke its order across the restarts: %s", p)
	}
	for id := range seen {
		if !slices.Contains(final, id) && len(final) > 0 && id >= final[0] {
			t.Errorf("event %d (%s), reported before a kill, is gone from the log at the end", id, seen[id])
		}
	}

	mu.Lock()
	p := cur
	mu.Unlock()
	if err := p.stop(); err != nil {
		t.Errorf("the last server did not stop cleanly: %v", err)
	}
	collect(p)
	for i, s := range stderrs {
		if strings.Contains(s, "to the store") {
			t.Errorf("start %d logged a failed write to its store:\n%s", i+1, s)
		}
	}
	t.Logf("%d rounds of kill -9 in %v (down %v in all); %d device syncs, %d items added to devices, %d/%d admin changes acknowledged (%d failed), %d new devices, %d events (last id %d); %d setup and %d sync errors while down",
		rounds, time.Since(began).Round(time.Millisecond), downtime.Round(time.Millisecond), total(syncs), total(func(w *watch) int { return w.adds }), len(acked), attempts, adminErrs, newcomers.Load(), len(final), lastOf(final), setupErrs.Load(), syncErrs.Load())
}

// few lists the first five of xs, and how many more there are.
func few(xs []string) string {
	if len(xs) <= 5 {
		return strings.Join(xs, "; ")
	}
	return strings.Join(xs[:5], "; ") + fmt.Sprintf("; and %d more", len(xs)-5)
}

func lastOf(ids []uint64) uint64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[len(ids)-1]
}

// readAllEvents reads GET /api/events?since=0 until no event has come for
// 300 ms (or for most at most), and returns the ids in the order sent and
// each event's data.
func readAllEvents(base, token string, most time.Duration) ([]uint64, []string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), most)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events?since=0", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET /api/events: %s", resp.Status)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	var ids []uint64
	var data []string
	for ctx.Err() == nil {
		select {
		case l, ok := <-lines:
			if !ok {
				return ids, data, nil
			}
			if v, ok := strings.CutPrefix(l, "id: "); ok {
				id, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					return ids, data, fmt.Errorf("bad event id line %q", l)
				}
				ids = append(ids, id)
				data = append(data, "")
			}
			if v, ok := strings.CutPrefix(l, "data: "); ok && len(data) > 0 {
				data[len(data)-1] = v
			}
		case <-time.After(300 * time.Millisecond):
			return ids, data, nil
		}
	}
	return ids, data, nil
}
