package aggregator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"bantin/config"
)

func TestNextAfterSuccess(t *testing.T) {
	src := &config.Source{Settings: config.Settings{
		Interval:    config.Duration(15 * time.Minute),
		MinInterval: config.Duration(5 * time.Minute),
		MaxInterval: config.Duration(6 * time.Hour),
	}}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		h        hints
		min, max time.Duration // bounds of next-now (jitter adds up to 10%)
	}{
		"interval only":             {hints{}, 15 * time.Minute, 16*time.Minute + 30*time.Second},
		"ttl longer than interval":  {hints{TTL: time.Hour}, time.Hour, 66 * time.Minute},
		"ttl shorter is ignored":    {hints{TTL: time.Minute}, 15 * time.Minute, 16*time.Minute + 30*time.Second},
		"sy:updatePeriod daily":     {hints{Period: 24 * time.Hour}, 6 * time.Hour, 6*time.Hour + time.Second},
		"Cache-Control max-age":     {hints{MaxAge: 30 * time.Minute}, 30 * time.Minute, 33 * time.Minute},
		"Expires in 2h":             {hints{Expires: now.Add(2 * time.Hour)}, 2 * time.Hour, 2*time.Hour + 12*time.Minute},
		"capped at max_interval":    {hints{TTL: 48 * time.Hour}, 6 * time.Hour, 6*time.Hour + time.Second},
		"skipHours moves past them": {hints{SkipHours: []int{10, 11, 12}}, 3 * time.Hour, 3 * time.Hour},
		// 2026-11-26 is a Thursday: the next poll would be Friday 00:00
		// UTC, but max_interval (6h) bounds the wait.
		"skipDays bounded by max_interval": {hints{SkipDays: []time.Weekday{time.Thursday}}, 6 * time.Hour, 6 * time.Hour},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := nextAfterSuccess(now, src, tc.h).Sub(now)
			if got < tc.min || got > tc.max {
				t.Errorf("next poll in %v, want between %v and %v", got, tc.min, tc.max)
			}
		})
	}
}

func TestBackoffIsBoundedAndGrows(t *testing.T) {
	src := &config.Source{Settings: config.Settings{Interval: config.Duration(10 * time.Minute), MaxInterval: config.Duration(4 * time.Hour)}}
	prev := time.Duration(0)
	for f := 1; f <= 10; f++ {
		d := backoff(src, f)
		if d > 4*time.Hour {
			t.Errorf("failures=%d: backoff %v exceeds max_interval", f, d)
		}
		if f <= 4 && d <= prev {
			t.Errorf("failures=%d: backoff %v did not grow from %v", f, d, prev)
		}
		prev = d
	}
	if d := backoff(src, 10); d < 3*time.Hour {
		t.Errorf("a long-failing source is retried every %v, want near max_interval", d)
	}
}

// TestFeedHintsSurviveNotModified: a feed's <ttl> schedules the next poll,
// also after a 304 (which carries no feed to read it from).
func TestFeedHintsSurviveNotModified(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		io.WriteString(w, `<rss version="2.0"><channel><title>T</title><ttl>90</ttl><item><title>A</title><link>https://e.example/a</link></item></channel></rss>`)
	}))
	defer srv.Close()
	p, store := testPoller(t, srv.URL, "  - {id: ttl, url: '{{URL}}/feed'}\n")
	for i, want := range []int{200, 304} {
		res := pollAll(t, p, true)
		if res["ttl"].Status != want {
			t.Fatalf("poll %d: status %d, want %d", i+1, res["ttl"].Status, want)
		}
		st := source(t, store, "ttl")
		if d := time.Until(st.NextDue); d < 89*time.Minute || d > 100*time.Minute {
			t.Errorf("poll %d (%d): next due in %v, want the feed's 90 min ttl", i+1, want, d)
		}
	}
}
