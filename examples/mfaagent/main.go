package mfaagent

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/easlab/easlab/examples/mfaclient"
)

// Main is the agent's program: its configuration from easlab's contract
// (EASLAB_ADMIN_URL, EASLAB_ADMIN_TOKEN, EASLAB_MFA_URL, EASLAB_SUT_DIR;
// with -admin-transport powershell EASLAB_POWERSHELL_URL,
// EASLAB_ADMIN_USER and EASLAB_ADMIN_PASSWORD instead of the admin API's)
// and flags, running until SIGTERM or SIGINT. flaw is NoFlaw but in the
// broken variants.
func Main(flaw Flaw) {
	poll := flag.Duration("poll", 500*time.Millisecond, "how often to poll Get-MobileDevice")
	prepare := flag.Bool("prepare-org", false, "allow-list the devices syncing today, then set DefaultAccessLevel Quarantine")
	state := flag.String("state", "", "state file (default $EASLAB_SUT_DIR/agent-state.json)")
	follow := flag.Bool("follow-events", false, "also poll at once on every event of $EASLAB_ADMIN_URL/api/events")
	transport := flag.String("admin-transport", "api", "how to run cmdlets: api (easlab's admin API, $EASLAB_ADMIN_URL/api/cmdlet) or powershell (Exchange's Remote PowerShell at $EASLAB_POWERSHELL_URL as $EASLAB_ADMIN_USER)")
	flag.Parse()
	need := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			fmt.Fprintf(os.Stderr, "agent: %s is not set\n", name)
			os.Exit(2)
		}
		return v
	}
	if *state == "" && os.Getenv("EASLAB_SUT_DIR") != "" {
		*state = filepath.Join(os.Getenv("EASLAB_SUT_DIR"), "agent-state.json")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var x *Exchange
	switch *transport {
	case "api":
		x = NewExchange(need("EASLAB_ADMIN_URL"), need("EASLAB_ADMIN_TOKEN"))
	case "powershell":
		adminURL := os.Getenv("EASLAB_ADMIN_URL")
		if *follow {
			adminURL = need("EASLAB_ADMIN_URL") // the event stream is easlab's, not Exchange's
		}
		x = NewPowerShellExchange(need("EASLAB_POWERSHELL_URL"), need("EASLAB_ADMIN_USER"), need("EASLAB_ADMIN_PASSWORD"), adminURL, os.Getenv("EASLAB_ADMIN_TOKEN"))
	default:
		fmt.Fprintf(os.Stderr, "agent: -admin-transport %q is not api or powershell\n", *transport)
		os.Exit(2)
	}
	defer x.Close()
	a := New(Config{
		Exchange:     x,
		MFA:          mfaclient.New(need("EASLAB_MFA_URL")),
		StateFile:    *state,
		PollInterval: *poll,
		PrepareOrg:   *prepare,
		FollowEvents: *follow,
		Logger:       log,
		Flaw:         flaw,
	})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log.Info("agent started", "flaw", flaw, "transport", *transport)
	if err := a.Run(ctx); err != nil {
		log.Error("agent stopped", "err", err)
		x.Close()
		os.Exit(1)
	}
	log.Info("agent stopped")
}
