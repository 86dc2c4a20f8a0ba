package psrp

import "time"

// workerIdle is how long a pipeline worker waits for another pipeline
// before it exits.
const workerIdle = 10 * time.Second

// work hands a pipeline to an idle worker: unbuffered, so a send
// succeeds only when one is waiting.
var work = make(chan func())

// spawn runs f on an idle worker, or on a new one. A worker's stack has
// grown to what a pipeline needs (binding, reflection, CLIXML): a fresh
// goroutine per pipeline spent a fiftieth of a Remote PowerShell round
// trip copying its stack as it grew.
func spawn(f func()) {
	select {
	case work <- f:
	default:
		go worker(f)
	}
}

func worker(f func()) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		f()
		f = nil
		t.Reset(workerIdle)
		select {
		case f = <-work:
		case <-t.C:
			return
		}
	}
}
