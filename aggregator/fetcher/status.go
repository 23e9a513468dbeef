package fetcher

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// StatusError is returned by Fetch for a 4xx or 5xx response.
type StatusError struct {
	Code   int    // e.g. 404, 410, 429, 503
	Status string // e.g. "404 Not Found"
	// RetryAfter is the Retry-After header as an absolute time (zero when
	// absent or unparseable); sent mostly with 429 and 503.
	RetryAfter time.Time
	URL        string // the URL that answered (after redirects)
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("fetcher: GET %s: %s", e.URL, e.Status)
	if !e.RetryAfter.IsZero() {
		s += ", retry after " + e.RetryAfter.UTC().Format(time.RFC3339)
	}
	return s
}

func newStatusError(resp *http.Response, u *url.URL, now time.Time) *StatusError {
	status := resp.Status
	if status == "" {
		status = strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
	}
	return &StatusError{
		Code:       resp.StatusCode,
		Status:     status,
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), now),
		URL:        u.Redacted(),
	}
}

// ParseRetryAfter interprets a Retry-After header value, either delay
// seconds ("120", relative to now) or an HTTP date (absolute, returned even
// if already past). Empty, negative or unparseable values give the zero
// time; absurdly large delays are clamped to what time.Duration holds.
func ParseRetryAfter(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return time.Time{}
			}
			n = math.MaxUint64
		}
		const maxSecs = uint64(math.MaxInt64 / int64(time.Second))
		if n > maxSecs {
			n = maxSecs
		}
		return now.Add(time.Duration(n) * time.Second)
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}
	}
	return t
}
