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
// (EASLAB_ADMIN_URL, EASLAB_ADMIN_TOKEN, EASLAB_MFA_URL, EASLAB_SUT_DIR)
// and flags, running until SIGTERM or SIGINT. flaw is NoFlaw but in the
// broken variants.
func Main(flaw Flaw) {
	poll := flag.Duration("poll", 500*time.Millisecond, "how often to poll Get-MobileDevice")
	prepare := flag.Bool("prepare-org", false, "allow-list the devices syncing today, then set DefaultAccessLevel Quarantine")
	state := flag.String("state", "", "state file (default $EASLAB_SUT_DIR/agent-state.json)")
	follow := flag.Bool("follow-events", false, "also poll at once on every event of $EASLAB_ADMIN_URL/api/events")
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
	a := New(Config{
		Exchange:     NewExchange(need("EASLAB_ADMIN_URL"), need("EASLAB_ADMIN_TOKEN")),
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
	log.Info("agent started", "flaw", flaw)
	if err := a.Run(ctx); err != nil {
		log.Error("agent stopped", "err", err)
		os.Exit(1)
	}
	log.Info("agent stopped")
}
