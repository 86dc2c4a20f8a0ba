package admin

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The .NET value types of Exchange's numeric and time parameters:
// Int32, Unlimited<Int32>, Nullable<Int32> and Unlimited<EnhancedTimeSpan>.

// Unlimited is the value of an Unlimited<Int32> or Nullable<Int32>
// parameter given as "Unlimited" (or null, for Nullable).
const Unlimited = -1

// FormatTimeSpan renders d as .NET's TimeSpan does: [-][d.]hh:mm:ss[.fffffff].
func FormatTimeSpan(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	out := sign
	if days > 0 {
		out += strconv.Itoa(int(days)) + "."
	}
	out += fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if ticks := d % time.Second / 100; ticks > 0 {
		out += fmt.Sprintf(".%07d", ticks)
	}
	return out
}

// bindNumber reads an integer, also "Unlimited" (Unlimited) when
// unlimited and null (Unlimited) when nullable.
func bindNumber(name string, raw json.RawMessage, typeName string, unlimited, nullable bool) (int, error) {
	v := DecodeValue(raw)
	if v == nil {
		if nullable {
			return Unlimited, nil
		}
		return 0, InvalidArgument("Cannot bind argument to parameter '%s' because it is null.", name)
	}
	text := scalarText(v)
	if unlimited && strings.EqualFold(text, "Unlimited") {
		return Unlimited, nil
	}
	if n, err := strconv.ParseInt(text, 10, 32); err == nil {
		return int(n), nil
	}
	return 0, InvalidArgument("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". Error: \"Input string was not in a correct format.\"", name, ValueText(v), typeName)
}

// Int is an Int32 parameter.
type Int struct {
	Set bool
	V   int
}

// Bind reads a number from -2147483648 to 2147483647.
func (p *Int) Bind(name string, raw json.RawMessage) (err error) {
	p.Set = true
	p.V, err = bindNumber(name, raw, "System.Int32", false, false)
	return err
}

// UnlimitedInt is an Unlimited<Int32> parameter: V is Unlimited for
// "Unlimited".
type UnlimitedInt struct {
	Set bool
	V   int
}

// Bind reads a number or "Unlimited".
func (p *UnlimitedInt) Bind(name string, raw json.RawMessage) (err error) {
	p.Set = true
	p.V, err = bindNumber(name, raw, "Microsoft.Exchange.Data.Unlimited`1[System.Int32]", true, false)
	return err
}

// NullableInt is a Nullable<Int32> parameter: V is Unlimited for $null
// (and "Unlimited").
type NullableInt struct {
	Set bool
	V   int
}

// Bind reads a number, "Unlimited" or null.
func (p *NullableInt) Bind(name string, raw json.RawMessage) (err error) {
	p.Set = true
	p.V, err = bindNumber(name, raw, "System.Nullable`1[System.Int32]", true, true)
	return err
}

// TimeSpan is an Unlimited<EnhancedTimeSpan> parameter: "Unlimited" or
// a .NET time span ("00:15:00", "30.00:00:00", "30" for 30 days).
type TimeSpan struct {
	Set       bool
	Unlimited bool
	V         time.Duration
}

// Bind reads "Unlimited" or a time span as ParseTimeSpan does.
func (p *TimeSpan) Bind(name string, raw json.RawMessage) error {
	p.Set = true
	v := DecodeValue(raw)
	if v == nil {
		return InvalidArgument("Cannot bind argument to parameter '%s' because it is null.", name)
	}
	text := scalarText(v)
	if strings.EqualFold(text, "Unlimited") {
		p.Unlimited = true
		return nil
	}
	d, ok := ParseTimeSpan(text)
	if !ok {
		return InvalidArgument("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.EnhancedTimeSpan]\". Error: \"String was not recognized as a valid TimeSpan.\"", name, ValueText(v))
	}
	p.V = d
	return nil
}

// ParseTimeSpan parses .NET's TimeSpan forms: [-]d, [-][d.]hh:mm[:ss[.f]].
func ParseTimeSpan(s string) (time.Duration, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	atoi := func(x string, max int64) (time.Duration, bool) {
		if x == "" || strings.ContainsAny(x, "+-") {
			return 0, false
		}
		n, err := strconv.ParseInt(x, 10, 32)
		return time.Duration(n), err == nil && n <= max
	}
	var d time.Duration
	if !strings.Contains(s, ":") {
		days, ok := atoi(s, 10675199)
		if !ok {
			return 0, false
		}
		d = days * 24 * time.Hour
	} else {
		var days time.Duration
		if dot, colon := strings.Index(s, "."), strings.Index(s, ":"); dot >= 0 && dot < colon {
			var ok bool
			if days, ok = atoi(s[:dot], 10675199); !ok {
				return 0, false
			}
			s = s[dot+1:]
		}
		parts := strings.Split(s, ":")
		if len(parts) > 3 {
			return 0, false
		}
		h, ok1 := atoi(parts[0], 23)
		m, ok2 := atoi(parts[1], 59)
		if !ok1 || !ok2 {
			return 0, false
		}
		d = days*24*time.Hour + h*time.Hour + m*time.Minute
		if len(parts) == 3 {
			sec, frac, hasFrac := strings.Cut(parts[2], ".")
			sv, ok := atoi(sec, 59)
			if !ok {
				return 0, false
			}
			d += sv * time.Second
			if hasFrac {
				if frac == "" || len(frac) > 7 {
					return 0, false
				}
				f, ok := atoi(frac, 9999999)
				if !ok {
					return 0, false
				}
				for i := len(frac); i < 9; i++ {
					f *= 10
				}
				d += f
			}
		}
	}
	if neg {
		d = -d
	}
	return d, true
}

func (*Int) PSType() string          { return "System.Int32" }
func (*UnlimitedInt) PSType() string { return "Microsoft.Exchange.Data.Unlimited`1[System.Int32]" }
func (*NullableInt) PSType() string  { return "System.Nullable`1[System.Int32]" }
func (*TimeSpan) PSType() string {
	return "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.EnhancedTimeSpan]"
}
