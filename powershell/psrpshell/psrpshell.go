// Package psrpshell runs a PSRP runspace pool (package psrp) as a
// WS-Management shell (package wsman): the glue every PowerShell session
// configuration needs between the two. It sizes the pool's fragments and
// queues to the client's MaxEnvelopeSize and turns the pool's errors into
// WinRM's faults.
package psrpshell

import (
	"context"
	"errors"
	"sync"

	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/powershell/wsman"
)

// Open opens a runspace pool from a Create request with cfg and returns
// it as a shell. Zero MaxFragment and MaxQueued are sized from the
// request's MaxEnvelopeSize: a fragment fills a Receive's envelope once
// base64 and the envelope are counted, and a pipeline may have four
// envelopes of output waiting. onClose, if set, runs once when the shell
// closes. A pool that cannot open is a provider fault.
func Open(req wsman.OpenRequest, cfg psrp.PoolConfig, onClose func()) (wsman.Shell, error) {
	if cfg.MaxFragment == 0 {
		cfg.MaxFragment = max((req.MaxEnvelopeSize-wsman.EnvelopeOverhead)*3/4-psrp.FragmentHeaderLen, 256)
	}
	if cfg.MaxQueued == 0 {
		cfg.MaxQueued = 4 * req.MaxEnvelopeSize
	}
	pool, err := psrp.OpenPool(req.CreationXML, cfg)
	if err != nil {
		return nil, wsman.ErrPlugin(err.Error())
	}
	return &shell{pool: pool, onClose: onClose}, nil
}

// Fault is the WinRM fault for a pool's error: an unknown pipeline is an
// unknown command, a closed pool an unknown shell; a wait that ended is
// passed on (wsman answers it with w:TimedOut); anything else is a
// provider fault carrying the error's text.
func Fault(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, psrp.ErrNoPipeline):
		return wsman.ErrCommandNotFound()
	case errors.Is(err, psrp.ErrClosed):
		return wsman.ErrShellNotFound()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	}
	return wsman.ErrPlugin(err.Error())
}

type shell struct {
	pool    *psrp.Pool
	onClose func()
	once    sync.Once
}

func (s *shell) Command(id string, args []byte) error { return Fault(s.pool.Command(id, args)) }

func (s *shell) Send(id, stream string, data []byte, end bool) error {
	return Fault(s.pool.Send(id, stream, data, end))
}

func (s *shell) Receive(ctx context.Context, id string, max int) ([][]byte, bool, error) {
	c, done, err := s.pool.Receive(ctx, id, max)
	return c, done, Fault(err)
}

func (s *shell) Signal(id, code string) error { return Fault(s.pool.Signal(id, code)) }

func (s *shell) Close() {
	s.pool.Close()
	if s.onClose != nil {
		s.once.Do(s.onClose)
	}
}
