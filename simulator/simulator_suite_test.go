package simulator_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/simtest"
)

func TestSimulator(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Simulator Suite")
}

// start is the simulated time every spec begins at.
var start = simtest.Start

// newTestEnv starts a simulator for a spec (simtest.New), logging to
// GinkgoWriter unless opts give a logger.
func newTestEnv(opts simulator.Options) *simtest.Env {
	GinkgoHelper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(GinkgoWriter, nil))
	}
	return simtest.New(GinkgoT(), opts)
}

// mailAddress and mailAddr keep specs short.
type mailAddress = simulator.MailAddress

func mailAddr(name, addr string) *mailAddress { return &mailAddress{Name: name, Address: addr} }

// ctx is a context for waits that must not hang a spec forever.
func ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	DeferCleanup(cancel)
	return c
}
