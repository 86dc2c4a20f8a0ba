package mfagateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/easlab/easlab/examples/mfaagent"
	"github.com/easlab/easlab/examples/mfaclient"
)

// Main is the gateway's program: its configuration from easlab's contract
// (EASLAB_UPSTREAM_URL, EASLAB_LISTEN_ADDR, EASLAB_MFA_URL, and
// EASLAB_ADMIN_URL with EASLAB_ADMIN_TOKEN to name users in pushes),
// serving until SIGTERM or SIGINT. flaw is NoFlaw but in the broken
// variants.
func Main(flaw Flaw) {
	need := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			fmt.Fprintf(os.Stderr, "gateway: %s is not set\n", name)
			os.Exit(2)
		}
		return v
	}
	up, err := url.Parse(need("EASLAB_UPSTREAM_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway: EASLAB_UPSTREAM_URL:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := Config{Upstream: up, MFA: mfaclient.New(need("EASLAB_MFA_URL")), Logger: log, Flaw: flaw}
	if a := os.Getenv("EASLAB_ADMIN_URL"); a != "" {
		cfg.Exchange = mfaagent.NewExchange(a, os.Getenv("EASLAB_ADMIN_TOKEN"))
	}
	srv := &http.Server{Addr: need("EASLAB_LISTEN_ADDR"), Handler: New(cfg), ReadHeaderTimeout: 30 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	log.Info("gateway listening", "addr", srv.Addr, "upstream", up.String(), "flaw", flaw)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("gateway stopped", "err", err)
		os.Exit(1)
	}
}
