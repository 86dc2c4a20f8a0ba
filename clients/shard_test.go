package clients_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// TestShardDevices: for every fleet size, mailbox count and shard count,
// the shards' devices are disjoint, their union is the whole fleet, every
// mailbox's devices are in one shard, and each list is ascending.
func TestShardDevices(t *testing.T) {
	for devices := 1; devices <= 40; devices += 3 {
		for users := 1; users <= 12; users++ {
			for n := 1; n <= users; n++ {
				owner := map[int]int{} // device -> shard
				userShard := map[int]int{}
				for i := 0; i < n; i++ {
					mine, err := clients.Shard{Index: i, Count: n}.Devices(devices, users)
					if devices < users && err != nil {
						continue // a shard of mailboxes without devices
					}
					if err != nil {
						t.Fatalf("%d devices, %d users, shard %d/%d: %v", devices, users, i, n, err)
					}
					if !slices.IsSorted(mine) {
						t.Errorf("%d devices, %d users, shard %d/%d: not ascending: %v", devices, users, i, n, mine)
					}
					for _, d := range mine {
						if s, dup := owner[d]; dup {
							t.Fatalf("%d devices, %d users: device %d in shards %d and %d", devices, users, d, s, i)
						}
						owner[d] = i
						u := d % users
						if s, seen := userShard[u]; seen && s != i {
							t.Fatalf("%d devices, %d users: mailbox %d in shards %d and %d", devices, users, u, s, i)
						}
						userShard[u] = i
					}
				}
				if len(owner) != devices {
					t.Fatalf("%d devices, %d users, %d shards: the shards hold %d devices", devices, users, n, len(owner))
				}
			}
		}
	}
	all, err := clients.Shard{}.Devices(5, 0)
	if err != nil || !slices.Equal(all, []int{0, 1, 2, 3, 4}) {
		t.Errorf("the zero shard: %v, %v", all, err)
	}
}

// TestParseShard reads good and bad --shard values.
func TestParseShard(t *testing.T) {
	for in, want := range map[string]clients.Shard{"0/1": {0, 1}, "3/4": {3, 4}, " 2 / 7 ": {2, 7}} {
		got, err := clients.ParseShard(in)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, err := clients.ParseShard(got.String()); err != nil || again != got {
			t.Errorf("ParseShard(%q) = %v, %v", got.String(), again, err)
		}
	}
	for in, want := range map[string]string{
		"3/2":                       "shard 3/2: index 3 is not below 2",
		"2/2":                       "shard 2/2: index 2 is not below 2",
		"-1/2":                      "shard -1/2: index -1 is negative",
		"0/0":                       "shard 0/0: count 0 is not at least 1",
		"1":                         `shard "1": want I/N, e.g. 0/4`,
		"$(JOB_COMPLETION_INDEX)/4": `shard "$(JOB_COMPLETION_INDEX)/4": index "$(JOB_COMPLETION_INDEX)" is not an integer`,
		"1/x":                       `shard "1/x": count "x" is not an integer`,
		"":                          `shard "": want I/N, e.g. 0/4`,
	} {
		if _, err := clients.ParseShard(in); err == nil || err.Error() != want {
			t.Errorf("ParseShard(%q): %v; want %q", in, err, want)
		}
	}
	for _, c := range []struct {
		s              clients.Shard
		devices, users int
	}{{clients.Shard{Index: 0, Count: 3}, 10, 2}, {clients.Shard{Index: 1, Count: 2}, 10, 0}, {clients.Shard{Index: 2, Count: 3}, 2, 5}, {clients.Shard{Index: 2, Count: 1}, 5, 5}} {
		if got, err := c.s.Devices(c.devices, c.users); err == nil {
			t.Errorf("shard %v of %d devices over %d users: %v, no error", c.s, c.devices, c.users, got)
		}
	}
}

// TestShardedFleetsMakeTheWholeFleet runs a fleet whole against one
// simulator, then its three shards each against a simulator of its own:
// the shards' partnerships (mailbox and DeviceId) are disjoint, each
// mailbox is in one shard only, and together they are the whole fleet's.
func TestShardedFleetsMakeTheWholeFleet(t *testing.T) {
	const devices, users = 14, 5
	iphone, _ := clients.ProfileByName(clients.IPhone)
	samsung, _ := clients.ProfileByName(clients.SamsungEmail)
	// run runs shard s of the fleet until all its devices are set up and
	// returns the partnerships of the simulator, by mailbox.
	run := func(s clients.Shard) map[string][]string {
		t.Helper()
		dir, err := demo.NewDirectory(demo.Password, users, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		srv, err := simulator.New(simulator.Options{Directory: dir, ErrorResponseDelay: -1, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv)
		defer hs.Close()
		f := clients.NewFleet(clients.FleetOptions{
			BaseURL: hs.URL + "/Microsoft-Server-ActiveSync", Devices: devices, Seed: 7, Shard: s, Users: users,
			Mix:     []clients.Share{{Profile: iphone, Weight: 2}, {Profile: samsung, Weight: 1}},
			Account: func(i int) (string, string) { return fmt.Sprintf("user%05d@contoso.com", i%users+1), demo.Password },
		})
		want := devices
		if s.Count > 1 {
			mine, err := s.Devices(devices, users)
			if err != nil {
				t.Fatal(err)
			}
			want = len(mine)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan clients.FleetReport, 1)
		go func() { r, _ := f.Run(ctx); done <- r }()
		deadline := time.Now().Add(30 * time.Second)
		for _, setUp, failed, _ := f.Devices(); setUp+failed < want; _, setUp, failed, _ = f.Devices() {
			if time.Now().After(deadline) {
				t.Fatalf("shard %v: %v", s, f.Report())
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		r := <-done
		if r.Devices != want || r.SetUp != want || r.Failed != 0 || r.Shard != s.String() {
			t.Fatalf("shard %v: want %d devices set up: %+v", s, want, r)
		}
		if text := r.String(); (s.Count > 1) != strings.HasPrefix(text, "shard "+s.String()+"  devices") {
			t.Errorf("shard %v: the report reads %q", s, text)
		}
		got := map[string][]string{}
		for i := 1; i <= users; i++ {
			alias := fmt.Sprintf("user%05d", i)
			_, mb, ok := srv.Directory().Resolve(alias)
			if !ok {
				t.Fatalf("no mailbox %s", alias)
			}
			for _, d := range mb.Devices() {
				got[alias] = append(got[alias], d.DeviceID)
			}
			slices.Sort(got[alias])
		}
		return got
	}
	whole := run(clients.Shard{})
	n := 0
	for _, ids := range whole {
		n += len(ids)
	}
	if n != devices {
		t.Fatalf("the whole fleet made %d partnerships, want %d: %v", n, devices, whole)
	}
	union := map[string][]string{}
	for i := 0; i < 3; i++ {
		for alias, ids := range run(clients.Shard{Index: i, Count: 3}) {
			if _, dup := union[alias]; dup {
				t.Errorf("mailbox %s has devices in two shards", alias)
			}
			union[alias] = ids
		}
	}
	if !maps.EqualFunc(whole, union, slices.Equal) {
		t.Errorf("the shards' partnerships differ from the whole fleet's:\nwhole  %v\nshards %v", whole, union)
	}
}
