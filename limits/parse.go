package limits

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseRate reads a rate written as N/s, N/m or N/h (also /sec, /min,
// /hour, /second, /minute), or a bare N per second, and returns requests
// per second. Zero, negative, non-numeric and unknown units are refused
// with a *tenantry.ValidationError naming field.
func ParseRate(field, s string) (float64, error) {
	s = strings.TrimSpace(s)
	num, unit, hasUnit := strings.Cut(s, "/")
	per := 1.0
	if hasUnit {
		switch strings.ToLower(strings.TrimSpace(unit)) {
		case "s", "sec", "second":
		case "m", "min", "minute":
			per = 60
		case "h", "hour":
			per = 3600
		default:
			return 0, invalid(field, s, "the unit must be /s, /m or /h, as in 10/s")
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, invalid(field, s, "must be a number of requests per second, minute or hour, as in 10/s")
	}
	if n <= 0 {
		return 0, invalid(field, s, "must be more than zero (leave it out for no limit)")
	}
	r := n / per
	if r < MinRate || r > MaxRate {
		return 0, invalid(field, s, "must be from 1/h to 1000000/s")
	}
	return r, nil
}

// FormatRate writes requests per second as ParseRate reads it: N/s when
// that is a whole number, else N/m or N/h when either is, else per second
// with decimals. Zero is "".
func FormatRate(r float64) string {
	if r == 0 {
		return ""
	}
	for _, u := range []struct {
		per  float64
		name string
	}{{1, "/s"}, {60, "/m"}, {3600, "/h"}} {
		if n := r * u.per; math.Abs(n-math.Round(n)) < 1e-9*n {
			return strconv.FormatFloat(math.Round(n), 'f', -1, 64) + u.name
		}
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + "/s"
}

// ParseTimeout reads a statement timeout such as 2s or 500ms.
func ParseTimeout(field, s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, invalid(field, s, "must be a duration such as 500ms, 2s or 1m")
	}
	if d <= 0 {
		return 0, invalid(field, s, "must be more than zero (leave it out for no limit)")
	}
	if d < MinStatementTimeout || d > MaxStatementTimeout || d%time.Millisecond != 0 {
		return 0, invalid(field, s, "must be a whole number of milliseconds from 1ms to 24h")
	}
	return d, nil
}

// ParseCount reads a whole-number limit from 1 to hi.
func ParseCount(field, s string, hi int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, invalid(field, s, "must be a whole number")
	}
	if n < 1 || n > hi {
		return 0, invalid(field, s, "must be from 1 to "+strconv.FormatInt(hi, 10)+" (leave it out for no limit)")
	}
	return n, nil
}
