package clients_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/easlab/easlab/clients"
	"github.com/easlab/easlab/eas"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
)

// An iPhone sets up against the in-process fake Exchange; the same code
// works against any ActiveSync URL.
func ExampleDevice_Setup() {
	dir, _ := demo.NewDirectory(demo.Password, 0, time.Now())
	srv, _ := simulator.New(simulator.Options{Directory: dir})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	p, _ := clients.ProfileByName(clients.IPhone)
	d := clients.New(p, clients.Options{
		BaseURL: hs.URL + "/Microsoft-Server-ActiveSync",
		User:    "alice@contoso.com", Password: demo.Password,
	})
	if err := d.Setup(context.Background()); err != nil {
		fmt.Println(err, d.Transcript())
		return
	}
	in, _ := d.FolderByType(eas.FolderTypeInbox)
	fmt.Println(len(d.Items(in.ServerId)), "messages in", in.DisplayName, "over EAS", d.Profile.ProtocolVersion)
	// Output: 4 messages in Inbox over EAS 16.1
}

// A fleet of iPhones and Gmail apps on two mailboxes sets up and holds its
// Pings until the context ends.
func ExampleFleet() {
	dir, _ := demo.NewDirectory(demo.Password, 0, time.Now())
	srv, _ := simulator.New(simulator.Options{Directory: dir})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	iphone, _ := clients.ProfileByName(clients.IPhone)
	gmail, _ := clients.ProfileByName(clients.Gmail)
	users := []string{"alice@contoso.com", "bob@contoso.com"}
	f := clients.NewFleet(clients.FleetOptions{
		BaseURL: hs.URL + "/Microsoft-Server-ActiveSync",
		Devices: 4,
		Mix:     []clients.Share{{Profile: iphone, Weight: 3}, {Profile: gmail, Weight: 1}},
		Account: func(i int) (string, string) { return users[i%2], demo.Password },
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for f.Report().Holding < 4 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	r, _ := f.Run(ctx)
	fmt.Println("set up", r.SetUp, "failed", r.Failed, "errors", len(r.Errors), "OPTIONS", r.ByCommand["OPTIONS"])
	// Output: set up 4 failed 0 errors 0 OPTIONS 4
}
