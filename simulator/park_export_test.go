package simulator

// ParkedNow is easlab_parked_connections without a scrape, for the
// benchmarks.
func (s *Server) ParkedNow() int64 { return s.metrics.parked.Load() }
