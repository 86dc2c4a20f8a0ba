package simulator

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, served at /metrics: one
// registry per Server, so that servers in one process (tests, the
// harness) count apart. The names are listed in the README.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec   // by command, HTTP status, EAS status, protocol version
	latency   *prometheus.HistogramVec // by command
	decisions *prometheus.CounterVec   // by access state and reason
	events    *prometheus.CounterVec   // by event kind (MailPosted: the notices)
	faults    *prometheus.CounterVec   // by where: eas, cmdlet
	pings     atomic.Int64             // Pings held now
	syncs     atomic.Int64             // Syncs hanging now (Wait, HeartbeatInterval)
	streams   atomic.Int64             // event stream (SSE) subscribers now
	parked    atomic.Int64             // held requests parked now (no goroutine)
	pingWake  prometheus.Histogram     // from a held Ping's first wake to its answer written
}

// latencyBuckets span a quick answer to a held Ping's heartbeat.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easlab_eas_requests_total",
		Help: "ActiveSync requests answered, by command, HTTP status, EAS status (0: none) and protocol version.",
	}, []string{"command", "http_status", "eas_status", "protocol_version"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "easlab_eas_request_duration_seconds",
		Help:    "Wall time from an ActiveSync request's arrival to its answer, by command (a held Ping counts its wait).",
		Buckets: latencyBuckets,
	}, []string{"command"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easlab_access_decisions_total",
		Help: "Access decisions, one a request, by DeviceAccessState and DeviceAccessStateReason.",
	}, []string{"state", "reason"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easlab_events_total",
		Help: "Events on the event stream, by kind; MailPosted counts the notices posted.",
	}, []string{"kind"})
	m.faults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "easlab_faults_fired_total",
		Help: "Injected faults that fired, by the request they matched: eas or cmdlet.",
	}, []string{"on"})
	m.pingWake = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "easlab_ping_wake_seconds",
		Help: "Wall time from the change that woke a held Ping to its answer handed to the connection.",
		// 100 µs to about 10 s.
		Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 16),
	})
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.reg.MustRegister(m.requests, m.latency, m.decisions, m.events, m.faults, m.pingWake,
		gauge("easlab_parked_connections", "Held Pings and hanging Syncs parked now: their connections kept without a goroutine.", func() float64 { return float64(m.parked.Load()) }),
		gauge("easlab_held_pings", "Ping requests held now.", func() float64 { return float64(m.pings.Load()) }),
		gauge("easlab_hanging_syncs", "Sync requests hanging now (Wait or HeartbeatInterval).", func() float64 { return float64(m.syncs.Load()) }),
		gauge("easlab_event_stream_subscribers", "Clients of /api/events now.", func() float64 { return float64(m.streams.Load()) }),
		gauge("easlab_mailboxes", "Mailboxes in the organization.", func() float64 { return float64(len(s.dir.Users())) }),
		gauge("easlab_partnerships", "Device partnerships in all mailboxes.", func() float64 { return float64(s.partnershipCount()) }),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// observe counts an answered ActiveSync request.
func (m *metrics) observe(c *call, wall time.Duration) {
	cmd, version := "", ""
	if c.req != nil {
		cmd, version = c.req.Command.String(), c.req.ProtocolVersion.String()
	}
	m.requests.WithLabelValues(cmd, strconv.Itoa(c.sw.code), strconv.Itoa(c.status), version).Inc()
	m.latency.WithLabelValues(cmd).Observe(wall.Seconds())
}

// handler serves the registry in Prometheus' text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// partnershipCount counts the partnerships of every mailbox.
func (s *Server) partnershipCount() int {
	n := 0
	for _, u := range s.dir.Users() {
		_, mb, ok := s.dir.Resolve(u.Alias)
		if !ok || mb == nil {
			continue
		}
		mb.lock()
		n += len(mb.devices)
		mb.unlock()
	}
	return n
}
