package fetcher

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cacheHints extracts Cache-Control max-age and Expires from h. max-age is
// ignored when negative or malformed; s-maxage and other directives
// (no-cache, no-store, private...) are ignored. Expires is shifted by the
// difference between our clock and the server's Date header, so a server
// with a wrong clock still gives the intended lifetime.
func cacheHints(h http.Header, now time.Time) (maxAge time.Duration, expires time.Time) {
	for _, line := range h.Values("Cache-Control") {
		for _, d := range strings.Split(line, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "max-age") {
				continue
			}
			val = strings.Trim(strings.TrimSpace(val), `"`)
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				continue
			}
			if n > math.MaxInt64/int64(time.Second) {
				n = math.MaxInt64 / int64(time.Second)
			}
			maxAge = time.Duration(n) * time.Second
		}
	}
	if v := h.Get("Expires"); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			expires = t
			if d := h.Get("Date"); d != "" {
				if date, err := http.ParseTime(d); err == nil {
					expires = now.Add(t.Sub(date))
				}
			}
		}
	}
	return maxAge, expires
}
