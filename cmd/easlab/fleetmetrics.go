package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/easlab/easlab/clients"
)

// fleetMetrics are easlab fleet's Prometheus metrics: what a load test is
// watched by, and what one Prometheus gathers from fleets on several
// machines (README "Metrics"). A shard's metrics all carry the constant
// label shard="I/N", so that one Prometheus tells the shards apart and
// sums them.
type fleetMetrics struct {
	reg      *prometheus.Registry
	with     prometheus.Registerer // reg, adding the shard label
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newFleetMetrics(shard clients.Shard) *fleetMetrics {
	m := &fleetMetrics{reg: prometheus.NewRegistry()}
	m.with = m.reg
	if shard != (clients.Shard{}) {
		m.with = prometheus.WrapRegistererWith(prometheus.Labels{"shard": shard.String()}, m.reg)
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easlab_fleet_requests_total", Help: "Requests the fleet's devices completed, by command (OPTIONS by its method).",
	}, []string{"command"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easlab_fleet_errors_total", Help: "Requests that failed, by kind: HTTP N, Status N, transport.",
	}, []string{"kind"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "easlab_fleet_request_duration_seconds", Help: "A request's wall time as a device saw it, by command (a held Ping counts its wait).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800},
	}, []string{"command"})
	m.with.MustRegister(m.requests, m.errors, m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts one exchange (clients.FleetOptions.Observe).
func (m *fleetMetrics) observe(ex clients.Exchange, command, errKind string) {
	m.requests.WithLabelValues(command).Inc()
	m.latency.WithLabelValues(command).Observe(ex.Duration.Seconds())
	if errKind != "" {
		m.errors.WithLabelValues(errKind).Inc()
	}
}

// serve registers fl's device counts (watch) and serves /metrics on
// addr; stop ends the server.
func (m *fleetMetrics) serve(addr string, fl *clients.Fleet) (string, func(), error) {
	m.watch(fl)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, errors.Join(errors.New("--metrics-listen"), err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// watch registers fl's device counts by state.
func (m *fleetMetrics) watch(fl *clients.Fleet) {
	for _, st := range []struct {
		name string
		n    func() int
	}{
		{"started", func() int { n, _, _, _ := fl.Devices(); return n }},
		{"set_up", func() int { _, n, _, _ := fl.Devices(); return n }},
		{"failed", func() int { _, _, n, _ := fl.Devices(); return n }},
		{"holding", func() int { _, _, _, n := fl.Devices(); return n }},
	} {
		m.with.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "easlab_fleet_devices", Help: "The fleet's devices by state: started, set_up, failed, holding (a Ping on the wire).",
			ConstLabels: prometheus.Labels{"state": st.name},
		}, func() float64 { return float64(st.n()) }))
	}
}
