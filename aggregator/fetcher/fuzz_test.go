package fetcher

import (
	"net/http"
	"testing"
	"time"
)

// FuzzHeaders feeds arbitrary header values to the parsers of Retry-After,
// Cache-Control and Expires: they must never panic, and never return a
// negative max-age or a Retry-After before the Unix epoch from seconds.
func FuzzHeaders(f *testing.F) {
	for _, s := range []string{"", "120", "-1", "Fri, 27 Nov 2026 08:00:00 GMT", "max-age=60", `max-age="3"`,
		"s-maxage=1, max-age=99999999999999999999", "no-store", "0", "1e9", " 7 "} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if ra := ParseRetryAfter(v, now); !ra.IsZero() && len(v) > 0 && v[0] >= '0' && v[0] <= '9' && ra.Before(now) {
			t.Errorf("ParseRetryAfter(%q) = %v, before now", v, ra)
		}
		maxAge, _ := cacheHints(http.Header{"Cache-Control": {v}, "Expires": {v}, "Date": {v}}, now)
		if maxAge < 0 {
			t.Errorf("max-age from %q = %v, want >= 0", v, maxAge)
		}
	})
}
