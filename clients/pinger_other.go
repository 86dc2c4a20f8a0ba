//go:build !linux

package clients

import (
	"context"
	"errors"
	"net/http"

	"github.com/easlab/easlab/clock"
)

// parkSupported: the event-driven pinger is Linux's (epoll); elsewhere a
// fleet's devices hold their Pings on the blocking path, a goroutine each.
const parkSupported = false

var errParkUnsupported = errors.New("clients: the pinger needs Linux")

type pinger struct{}

func newPinger(clock.Clock, int) (*pinger, error) { return nil, errParkUnsupported }
func (p *pinger) shutdown()                       {}
func (p *pinger) close()                          {}

type connTransport struct{}

type connConfig struct{}

func newConnConfig(*http.Transport) *connConfig { return &connConfig{} }
func (*connConfig) newConn() *connTransport     { return &connTransport{} }
func (c *connTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errParkUnsupported
}
func (c *connTransport) close() {}

func (f *Fleet) holdPings(_ context.Context, _ *Device, _ *connTransport, _ string, done func()) {
	done()
}
