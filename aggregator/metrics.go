package aggregator

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bantin/db"
)

// Metrics are the poller's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	fetches  *prometheus.CounterVec
	duration prometheus.Histogram
	items    *prometheus.CounterVec
	articles *prometheus.CounterVec
}

// NewMetrics registers the poller's metrics, and a collector that reports
// per-source state from store at scrape time, with reg.
func NewMetrics(reg prometheus.Registerer, store *db.DB) *Metrics {
	m := &Metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bantin_fetches_total",
			Help: "Source polls by outcome (ok, not_modified, http_error, error).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "bantin_fetch_duration_seconds",
			Help:    "Time to fetch, parse and store one source.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bantin_items_ingested_total",
			Help: "Items stored, by kind (new, updated).",
		}, []string{"kind"}),
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bantin_article_fetches_total",
			Help: "Article pages fetched for their full text, by result (ok, error).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.fetches, m.duration, m.items, m.articles, &sourceCollector{store: store})
	return m
}

func (m *Metrics) observe(r Result) {
	if m == nil {
		return
	}
	outcome := "ok"
	switch {
	case r.Err != nil && r.Status >= 400:
		outcome = "http_error"
	case r.Err != nil:
		outcome = "error"
	case r.NotModified:
		outcome = "not_modified"
	}
	m.fetches.WithLabelValues(outcome).Inc()
	m.duration.Observe(r.Duration.Seconds())
	m.items.WithLabelValues("new").Add(float64(r.New))
	m.items.WithLabelValues("updated").Add(float64(r.Updated))
}

var (
	failingDesc = prometheus.NewDesc("bantin_sources_failing",
		"Sources whose last poll failed.", nil, nil)
	disabledDesc = prometheus.NewDesc("bantin_sources_disabled",
		"Sources disabled after 410 Gone.", nil, nil)
	lastSuccessDesc = prometheus.NewDesc("bantin_source_last_success_timestamp_seconds",
		"Unix time of the last successful poll of a source (0: never).", []string{"source"}, nil)
	failuresDesc = prometheus.NewDesc("bantin_source_consecutive_failures",
		"Consecutive failed polls of a source.", []string{"source"}, nil)
)

// sourceCollector reads source state from the database at scrape time, so
// a `serve` process reports what the daemon or `poll` stored.
type sourceCollector struct{ store *db.DB }

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- failingDesc
	ch <- disabledDesc
	ch <- lastSuccessDesc
	ch <- failuresDesc
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sources, err := c.store.Sources(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(failingDesc, err)
		return
	}
	var failing, disabled float64
	for _, s := range sources {
		if s.Removed {
			continue
		}
		if s.Failures > 0 {
			failing++
		}
		if s.Disabled {
			disabled++
		}
		var ts float64
		if !s.LastSuccess.IsZero() {
			ts = float64(s.LastSuccess.UnixNano()) / 1e9
		}
		ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue, ts, s.ID)
		ch <- prometheus.MustNewConstMetric(failuresDesc, prometheus.GaugeValue, float64(s.Failures), s.ID)
	}
	ch <- prometheus.MustNewConstMetric(failingDesc, prometheus.GaugeValue, failing)
	ch <- prometheus.MustNewConstMetric(disabledDesc, prometheus.GaugeValue, disabled)
}

// articleFetched counts one article page fetch.
func (m *Metrics) articleFetched(ok bool) {
	if m == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "error"
	}
	m.articles.WithLabelValues(result).Inc()
}
