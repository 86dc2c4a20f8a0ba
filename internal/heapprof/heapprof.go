// Package heapprof writes heap profiles for benchmarks that measure what
// a device costs, when asked to through an environment variable.
package heapprof

import (
	"os"
	"runtime/pprof"
)

// TB is the part of testing.TB it uses.
type TB interface {
	Helper()
	Fatal(args ...any)
}

// WriteFromEnv writes the heap profile to the file named by the
// environment variable env plus suffix, if env is set; read it with
// go tool pprof -sample_index=inuse_space (and -diff_base between two).
func WriteFromEnv(tb TB, env, suffix string) {
	tb.Helper()
	f := os.Getenv(env)
	if f == "" {
		return
	}
	out, err := os.Create(f + suffix)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	if err := pprof.WriteHeapProfile(out); err != nil {
		tb.Fatal(err)
	}
}
