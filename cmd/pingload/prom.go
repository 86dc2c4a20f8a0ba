//go:build linux

package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// sample is one line of Prometheus' text exposition format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape is one /metrics page, parsed.
type scrape []sample

// parseExposition reads Prometheus' text format (version 0.0.4): comment
// lines are skipped, every other line is name{label="value",...} value
// [timestamp]. A line it cannot read is an error naming the line.
func parseExposition(text string) (scrape, error) {
	var out scrape
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("metrics line %d %q: %w", n+1, truncate(line, 80), err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSample(line string) (sample, error) {
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return s, fmt.Errorf("no value")
	}
	s.name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for {
			line = strings.TrimLeft(line, " \t,")
			if line == "" {
				return s, fmt.Errorf("unterminated label set")
			}
			if line[0] == '}' {
				line = line[1:]
				break
			}
			eq := strings.IndexByte(line, '=')
			if eq <= 0 || eq+1 >= len(line) || line[eq+1] != '"' {
				return s, fmt.Errorf("malformed label")
			}
			key := strings.TrimSpace(line[:eq])
			val, rest, err := unquoteLabel(line[eq+2:])
			if err != nil {
				return s, err
			}
			s.labels[key] = val
			line = rest
		}
	}
	fields := strings.Fields(line)
	if len(fields) == 0 || len(fields) > 2 {
		return s, fmt.Errorf("want a value and an optional timestamp")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return s, fmt.Errorf("value: %w", err)
	}
	s.value = v
	return s, nil
}

// unquoteLabel reads a label value up to its closing quote, undoing the
// format's three escapes (\\, \" and \n).
func unquoteLabel(s string) (val, rest string, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			if i+1 == len(s) {
				return "", "", fmt.Errorf("unterminated escape")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated label value")
}

// matches reports whether s has every label of want (pairs key, value).
func (s sample) matches(name string, want []string) bool {
	if s.name != name {
		return false
	}
	for i := 0; i+1 < len(want); i += 2 {
		if s.labels[want[i]] != want[i+1] {
			return false
		}
	}
	return true
}

// get returns the sum of the samples of name with the labels given as
// key, value pairs, and whether there was any.
func (sc scrape) get(name string, labels ...string) (float64, bool) {
	var v float64
	found := false
	for _, s := range sc {
		if s.matches(name, labels) {
			v += s.value
			found = true
		}
	}
	return v, found
}

// value is get without the found flag (0 when absent).
func (sc scrape) value(name string, labels ...string) float64 {
	v, _ := sc.get(name, labels...)
	return v
}

// byLabel returns name's samples summed by one label's value.
func (sc scrape) byLabel(name, label string) map[string]float64 {
	m := map[string]float64{}
	for _, s := range sc {
		if s.name == name {
			m[s.labels[label]] += s.value
		}
	}
	return m
}

// bucket is one cumulative histogram bucket.
type bucket struct {
	le    float64 // upper bound, +Inf for the last
	count float64 // observations <= le
}

// histogram returns the cumulative buckets of the histogram name (its
// name_bucket series summed over other labels), sorted by bound; nil
// when the server does not export it.
func (sc scrape) histogram(name string) []bucket {
	sums := map[float64]float64{}
	for _, s := range sc {
		if s.name != name+"_bucket" {
			continue
		}
		le, err := strconv.ParseFloat(s.labels["le"], 64)
		if err != nil {
			continue
		}
		sums[le] += s.value
	}
	if len(sums) == 0 {
		return nil
	}
	out := make([]bucket, 0, len(sums))
	for le, c := range sums {
		out = append(out, bucket{le, c})
	}
	slices.SortFunc(out, func(a, b bucket) int { return cmp.Compare(a.le, b.le) })
	return out
}

// since returns h minus an earlier scrape's buckets of the same histogram:
// the observations made in between. Buckets missing from before count 0.
func since(h, before []bucket) []bucket {
	prev := map[float64]float64{}
	for _, b := range before {
		prev[b.le] = b.count
	}
	out := make([]bucket, len(h))
	for i, b := range h {
		out[i] = bucket{b.le, b.count - prev[b.le]}
	}
	return out
}

// quantile estimates the q-quantile of cumulative buckets as Prometheus'
// histogram_quantile does (promql/quantile.go bucketQuantile): find the
// bucket holding rank q*total and interpolate linearly within it, from 0
// for the first bucket; a rank in the +Inf bucket gives the highest finite
// bound. It returns NaN when there are no observations or no +Inf bucket.
func quantile(q float64, bs []bucket) float64 {
	if len(bs) < 2 || !math.IsInf(bs[len(bs)-1].le, 1) || q < 0 || q > 1 {
		return math.NaN()
	}
	total := bs[len(bs)-1].count
	if total <= 0 {
		return math.NaN()
	}
	rank := q * total
	i, _ := slices.BinarySearchFunc(bs, rank, func(b bucket, r float64) int { return cmp.Compare(b.count, r) })
	if i >= len(bs)-1 {
		return bs[len(bs)-2].le
	}
	if i == 0 && bs[0].le <= 0 {
		return bs[0].le
	}
	start, prevCount := 0.0, 0.0
	if i > 0 {
		start, prevCount = bs[i-1].le, bs[i-1].count
	}
	end, count := bs[i].le, bs[i].count-prevCount
	if count <= 0 {
		return end
	}
	return start + (end-start)*(rank-prevCount)/count
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
