package clixml

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// .NET DateTime and TimeSpan count 100 ns ticks; values here are truncated
// to ticks in both directions so that what is decoded encodes back alike.
const tick = 100 * time.Nanosecond

// writeFraction appends ".fffffff" with trailing zeros removed, as .NET's
// "FFFFFFF" format does, or nothing when ticks is zero.
func appendFraction(b []byte, ticks int64) []byte {
	if ticks == 0 {
		return b
	}
	var d [7]byte
	for i := 6; i >= 0; i-- {
		d[i] = byte('0' + ticks%10)
		ticks /= 10
	}
	n := 7
	for n > 0 && d[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, d[:n]...)
}

// formatDateTime writes t as .NET's XmlConvert does with
// XmlDateTimeSerializationMode.RoundtripKind: up to seven fractional
// digits, then "Z" for UTC or the offset.
func formatDateTime(t time.Time) (string, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return "", errors.New("year outside 1..9999, which .NET's DateTime cannot hold")
	}
	_, off := t.Zone()
	utc := t.Location() == time.UTC
	if !utc && off%60 != 0 {
		// .NET offsets are whole minutes; write such times in UTC.
		t, utc = t.UTC(), true
	}
	b := make([]byte, 0, 34)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	b = appendFraction(b, int64(t.Nanosecond())/int64(tick))
	if utc {
		b = append(b, 'Z')
	} else {
		b = t.AppendFormat(b, "-07:00")
	}
	return string(b), nil
}

// parseDateTime reads an xs:dateTime. A value without offset (.NET's
// DateTimeKind.Unspecified) is taken as UTC.
func parseDateTime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05.999999999Z07:00", s)
	if err != nil {
		var err2 error
		t, err2 = time.Parse("2006-01-02T15:04:05.999999999", s)
		if err2 != nil {
			return time.Time{}, err
		}
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, errors.New("year outside 1..9999")
	}
	return t.Truncate(tick), nil
}

// formatDuration writes d as .NET's XmlConvert.ToString(TimeSpan) does:
// days, hours, minutes and seconds with up to seven fractional digits,
// zero parts left out ("PT9.0269026S", "P1DT2H", "-PT1M", "PT0S").
func formatDuration(d Duration) string {
	ticks := int64(d) / int64(tick)
	b := make([]byte, 0, 32)
	if ticks < 0 {
		b = append(b, '-')
		ticks = -ticks
	}
	b = append(b, 'P')
	const perSec = int64(time.Second / tick)
	days := ticks / (86400 * perSec)
	ticks %= 86400 * perSec
	h := ticks / (3600 * perSec)
	ticks %= 3600 * perSec
	m := ticks / (60 * perSec)
	ticks %= 60 * perSec
	sec, frac := ticks/perSec, ticks%perSec
	if days > 0 {
		b = strconv.AppendInt(b, days, 10)
		b = append(b, 'D')
	}
	if h > 0 || m > 0 || sec > 0 || frac > 0 {
		b = append(b, 'T')
		if h > 0 {
			b = strconv.AppendInt(b, h, 10)
			b = append(b, 'H')
		}
		if m > 0 {
			b = strconv.AppendInt(b, m, 10)
			b = append(b, 'M')
		}
		if sec > 0 || frac > 0 {
			b = strconv.AppendInt(b, sec, 10)
			b = appendFraction(b, frac)
			b = append(b, 'S')
		}
	} else if days == 0 {
		b = append(b, "T0S"...)
	}
	return string(b)
}

// parseDuration reads an xs:duration. Years count 365 days and months 30,
// as .NET does when it turns an xs:duration into a TimeSpan. The result
// must fit a time.Duration (about 292 years).
func parseDuration(s string) (Duration, error) {
	bad := errors.New("invalid xs:duration")
	rng := errors.New("xs:duration out of range")
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if !strings.HasPrefix(s, "P") {
		return 0, bad
	}
	s = s[1:]
	const perSec = int64(time.Second / tick)
	units := map[byte]int64{'Y': 365 * 86400 * perSec, 'M': 30 * 86400 * perSec, 'D': 86400 * perSec}
	order := "YMD"
	inTime, parts, timeParts := false, 0, 0
	var total int64
	add := func(n, unit int64) bool {
		if n > math.MaxInt64/unit {
			return false
		}
		n *= unit
		if total > math.MaxInt64-n {
			return false
		}
		total += n
		return true
	}
	for len(s) > 0 {
		if s[0] == 'T' {
			if inTime {
				return 0, bad
			}
			inTime = true
			units = map[byte]int64{'H': 3600 * perSec, 'M': 60 * perSec, 'S': perSec}
			order = "HMS"
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 18 {
			if i > 18 {
				return 0, rng
			}
			return 0, bad
		}
		n, _ := strconv.ParseInt(s[:i], 10, 64)
		s = s[i:]
		var frac int64
		if inTime && len(s) > 0 && s[0] == '.' {
			j := 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == 1 || j >= len(s) || s[j] != 'S' {
				return 0, bad
			}
			digits := s[1:j]
			for k := 0; k < 7; k++ {
				frac *= 10
				if k < len(digits) {
					frac += int64(digits[k] - '0')
				}
			}
			s = s[j:]
		}
		if len(s) == 0 {
			return 0, bad
		}
		k := strings.IndexByte(order, s[0])
		if k < 0 {
			return 0, bad
		}
		if !add(n, units[s[0]]) || !add(frac, 1) {
			return 0, rng
		}
		order = order[k+1:]
		s = s[1:]
		parts++
		if inTime {
			timeParts++
		}
	}
	if parts == 0 || (inTime && timeParts == 0) {
		return 0, bad
	}
	if total > math.MaxInt64/int64(tick) {
		return 0, rng
	}
	d := Duration(total * int64(tick))
	if neg {
		d = -d
	}
	return d, nil
}
