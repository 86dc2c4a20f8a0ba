//go:build !linux

package simulator

import (
	"errors"
	"net"
)

// parkSupported: held requests park on Linux only (epoll); elsewhere they
// block, behind the same parker interface.
const parkSupported = false

// parkWatcher has no implementation off Linux.
type parkWatcher struct{}

func newParkWatcher() (*parkWatcher, error) {
	return nil, errors.New("parking held requests needs Linux")
}

func (w *parkWatcher) add(p *parkedConn) error {
	return errors.New("parking held requests needs Linux")
}
func (w *parkWatcher) remove(p *parkedConn) {}
func (w *parkWatcher) run()                 {}
func (w *parkWatcher) close() []*parkedConn { return nil }
func connFD(c net.Conn) (int32, bool)       { return 0, false }
