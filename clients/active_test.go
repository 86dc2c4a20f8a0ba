package clients

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestActiveLimit: never more than max functions run at once, the rest
// wait in the queue, every function runs once, and the limit ends with no
// goroutine counted and no queue.
func TestActiveLimit(t *testing.T) {
	const max, n = 3, 200
	l := newActiveLimit(max)
	var running, peak atomic.Int32
	var mu sync.Mutex
	var ran []int
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		l.run(func() {
			defer wg.Done()
			r := running.Add(1)
			for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
			}
			if i < max {
				<-release // the first ones hold their goroutines until all are queued
			}
			mu.Lock()
			ran = append(ran, i)
			mu.Unlock()
			running.Add(-1)
		})
	}
	l.mu.Lock()
	queued := len(l.queue)
	l.mu.Unlock()
	if queued != n-max {
		t.Fatalf("%d functions queued behind %d running, want %d", queued, max, n-max)
	}
	close(release)
	wg.Wait()
	if p := peak.Load(); p > max {
		t.Errorf("%d functions ran at once, the limit is %d", p, max)
	}
	if len(ran) != n {
		t.Fatalf("%d of %d functions ran", len(ran), n)
	}
	// The last functions' goroutines count themselves out just after
	// their functions return (after wg.Done): wait for that.
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		running, queue := l.running, l.queue
		l.mu.Unlock()
		if running == 0 && queue == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the last function: %d goroutines counted running, queue %v", running, queue)
		}
		time.Sleep(time.Millisecond)
	}
}
