package simulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/easlab/easlab/powershell/client"
	"github.com/easlab/easlab/powershell/psrp"
	"github.com/easlab/easlab/simulator"
	"github.com/easlab/easlab/simulator/demo"
	"github.com/easlab/easlab/simulator/simtest"
)

// BenchmarkCmdletRoundTrip measures one cmdlet (Get-CASMailbox -Identity
// alice) over /PowerShell (Basic over HTTP: Command, Receive and Signal,
// three WS-Management requests) against the same cmdlet over /api/cmdlet
// (one JSON request), in the same run, and reports the ratio of their
// rates. The issue asks for at least 0.3.
func BenchmarkCmdletRoundTrip(b *testing.B) {
	env := simtest.New(b, simulator.Options{ErrorResponseDelay: -1})
	ctx := context.Background()
	ps, err := client.Open(ctx, client.Config{URL: env.URL + "/PowerShell/", User: "admin", Password: demo.Password, HTTP: env.HTTP.Client()})
	if err != nil {
		b.Fatal(err)
	}
	defer ps.Close(ctx)
	cmd := psrp.Command{Name: "Get-CASMailbox", Args: []psrp.Argument{{Name: "Identity", Value: "alice"}}}
	var rates [2]float64
	b.Run("api", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			if out := env.Cmdlet("Get-CASMailbox", map[string]any{"Identity": "alice"}); len(out) != 1 {
				b.Fatalf("Get-CASMailbox wrote %d objects", len(out))
			}
		}
		rates[0] = float64(b.N) / time.Since(start).Seconds()
	})
	b.Run("powershell", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			res, err := ps.Invoke(ctx, cmd)
			if err != nil || len(res.Output) != 1 {
				b.Fatalf("Get-CASMailbox over /PowerShell: %v", err)
			}
		}
		rates[1] = float64(b.N) / time.Since(start).Seconds()
	})
	if rates[0] > 0 && rates[1] > 0 {
		b.ReportMetric(rates[1]/rates[0], "powershell/api")
		b.Logf("/api/cmdlet %.0f/s, /PowerShell %.0f/s: ratio %.2f", rates[0], rates[1], rates[1]/rates[0])
	}
}
