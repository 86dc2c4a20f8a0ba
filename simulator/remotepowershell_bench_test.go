package simulator_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
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
// (one JSON request), in the same run; the second line's x-api-rate is
// the ratio of the two rates.
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
		// The ratio shows on this line: a parent benchmark's metrics are
		// not printed once it has sub-benchmarks.
		if rates[0] > 0 {
			b.ReportMetric(rates[1]/rates[0], "x-api-rate")
		}
	})
}

// BenchmarkRequestFloor measures what one request costs before any
// cmdlet: a bare GET /healthz (net/http and the IIS-like limits), and a
// Remote PowerShell request that is authenticated, parsed and answered
// with a fault (a Signal to an unknown shell). Three of the latter bound
// what a cmdlet over /PowerShell can cost at least.
func BenchmarkRequestFloor(b *testing.B) {
	env := simtest.New(b, simulator.Options{ErrorResponseDelay: -1})
	c := env.HTTP.Client()
	do := func(b *testing.B, req func() *http.Request, want int) {
		for b.Loop() {
			resp, err := c.Do(req())
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				b.Fatalf("HTTP %d, want %d", resp.StatusCode, want)
			}
		}
	}
	b.Run("get-healthz", func(b *testing.B) {
		do(b, func() *http.Request { r, _ := http.NewRequest(http.MethodGet, env.URL+"/healthz", nil); return r }, http.StatusOK)
	})
	body := envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal", "00000000-0000-0000-0000-000000000001", `<rsp:Signal CommandId="1"><rsp:Code>x</rsp:Code></rsp:Signal>`)
	b.Run("powershell-fault", func(b *testing.B) {
		do(b, func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, env.URL+"/PowerShell/", bytes.NewReader(body))
			r.SetBasicAuth("admin", demo.Password)
			return r
		}, http.StatusInternalServerError)
	})
}
