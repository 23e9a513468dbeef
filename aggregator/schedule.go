package aggregator

import (
	"math/rand/v2"
	"slices"
	"time"

	"bantin/config"
)

// hints are what an upstream says about how often it wants to be polled.
type hints struct {
	TTL       time.Duration // RSS <ttl>
	Period    time.Duration // sy:updatePeriod / sy:updateFrequency
	MaxAge    time.Duration // Cache-Control: max-age
	Expires   time.Time     // Expires
	SkipHours []int         // RSS skipHours (GMT)
	SkipDays  []time.Weekday
}

// jitter returns a random extra delay of up to a tenth of d, so sources
// that share an interval drift apart instead of firing together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)/10 + 1))
}

// clamp bounds d to [min, max]; a zero bound is ignored.
func clamp(d, lo, hi time.Duration) time.Duration {
	if lo > 0 && d < lo {
		d = lo
	}
	if hi > 0 && d > hi {
		d = hi
	}
	return d
}

// nextAfterSuccess computes when a source that answered (200 or 304) is due
// again: the longest of the configured interval and what the feed and the
// HTTP cache headers ask for, bounded by min/max, moved out of skipHours and
// skipDays, plus jitter.
func nextAfterSuccess(now time.Time, src *config.Source, h hints) time.Time {
	d := src.Interval.D()
	for _, c := range []time.Duration{h.TTL, h.Period, h.MaxAge} {
		if c > d {
			d = c
		}
	}
	if !h.Expires.IsZero() {
		if e := h.Expires.Sub(now); e > d {
			d = e
		}
	}
	d = clamp(d, src.MinInterval.D(), src.MaxInterval.D())
	next := now.Add(clamp(d+jitter(d), 0, src.MaxInterval.D()))
	return skipForward(next, h, now.Add(src.MaxInterval.D()))
}

// skipForward moves t to the first hour that is neither in skipHours nor in
// skipDays (both in GMT, as RSS 2.0 says), but never past limit.
func skipForward(t time.Time, h hints, limit time.Time) time.Time {
	if len(h.SkipHours) == 0 && len(h.SkipDays) == 0 {
		return t
	}
	if len(h.SkipHours) >= 24 || len(h.SkipDays) >= 7 {
		return t // a feed that skips everything is ignored, not obeyed
	}
	for i := 0; i < 24*7; i++ {
		u := t.UTC()
		if !slices.Contains(h.SkipHours, u.Hour()) && !slices.Contains(h.SkipDays, u.Weekday()) {
			return t
		}
		t = u.Truncate(time.Hour).Add(time.Hour)
		if !limit.IsZero() && t.After(limit) {
			return limit
		}
	}
	return t
}

// backoff returns the delay before retrying a source that failed
// `failures` times in a row: the interval doubled per failure, with jitter,
// capped at max_interval (where a failing source keeps being retried).
func backoff(src *config.Source, failures int) time.Duration {
	base := src.Interval.D()
	if base <= 0 {
		base = 15 * time.Minute
	}
	d := base
	for i := 0; i < failures && d < src.MaxInterval.D(); i++ {
		d *= 2
	}
	d = clamp(d, src.MinInterval.D(), src.MaxInterval.D())
	// Jitter of up to a fifth, taken off rather than added so the cap holds.
	return d - jitter(2*d)
}
