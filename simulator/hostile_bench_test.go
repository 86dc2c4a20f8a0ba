package simulator_test

import (
	"testing"

	"github.com/easlab/easlab/simulator"
)

// BenchmarkFolderSyncUnderHeaderFlood measures another user's FolderSync
// while 300 connections send endless headers (TestHostileHeaderFlood's
// attack), against the same FolderSync on the idle server in the same run:
// the x-idle metric is the ratio of the two p50s (issue 12 asked for at
// most 2).
//
//	go test ./simulator -run '^$' -bench FolderSyncUnderHeaderFlood -benchtime 3x
func BenchmarkFolderSyncUnderHeaderFlood(b *testing.B) {
	s := startHostile(b, simulator.HTTPLimits{}, nil)
	var ratio float64
	for i := 0; i < b.N; i++ {
		idle := folderSyncLatency(b, s.addr, 20)
		flood := startHeaderFlood(s.addr, 300)
		attack := folderSyncLatency(b, s.addr, 20)
		if _, other, first := flood(); other > 0 {
			b.Fatalf("%d flood connections were not answered with http.sys's 400; first: %v", other, first)
		}
		ratio += float64(attack) / float64(max(idle, 1))
	}
	b.ReportMetric(ratio/float64(b.N), "x-idle")
}
