package aggregator

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bantin/config"
	"bantin/db"
)

// Metrics are the poller's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	fetches  *prometheus.CounterVec
	duration prometheus.Histogram
	items    *prometheus.CounterVec
	articles *prometheus.CounterVec
	state    *sourceCollector
	rejected *prometheus.CounterVec
	skipped  prometheus.Counter
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
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bantin_feed_bodies_rejected_total",
		Help: "200 responses stored nothing from because the body is no feed to store, by reason (html, truncated, empty, not_feed, malformed).",
	}, []string{"reason"})
	m.skipped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "bantin_items_skipped_total",
		Help: "Items of fetched feeds not stored because they are older than the source's retention.",
	})
	m.state = &sourceCollector{store: store}
	reg.MustRegister(m.fetches, m.duration, m.items, m.rejected, m.skipped, m.articles, m.state)
	return m
}

// SetTopics gives the topics of cfg to the per-topic metrics, so that a
// topic without items reports 0 (call it again after a reload).
func (m *Metrics) SetTopics(cfg *config.Config) {
	if m == nil {
		return
	}
	slugs := make([]string, len(cfg.Topics))
	for i, t := range cfg.Topics {
		slugs[i] = t.Slug
	}
	m.state.topics.Store(&slugs)
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
	if r.Rejected != "" {
		m.rejected.WithLabelValues(r.Rejected).Inc()
	}
	m.skipped.Add(float64(r.Skipped))
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
	newestDesc = prometheus.NewDesc("bantin_source_newest_item_timestamp_seconds",
		"Unix time of the newest stored item of a source, by publication date (0: none): "+
			"alert on a source that answers but never has anything new.", []string{"source"}, nil)
	sourceItemsDesc = prometheus.NewDesc("bantin_source_items",
		"Items stored for a source.", []string{"source"}, nil)
	topicItemsDesc = prometheus.NewDesc("bantin_topic_items",
		"Stored items that belong to a topic.", []string{"topic"}, nil)
)

// sourceCollector reads source state from the database at scrape time, so
// a `serve` process reports what the daemon or `poll` stored.
type sourceCollector struct {
	store  *db.DB
	topics atomic.Pointer[[]string] // configured topic slugs (SetTopics)
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- failingDesc
	ch <- disabledDesc
	ch <- lastSuccessDesc
	ch <- failuresDesc
	ch <- newestDesc
	ch <- sourceItemsDesc
	ch <- topicItemsDesc
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sources, err := c.store.Sources(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(failingDesc, err)
		return
	}
	stats, err := c.store.SourceStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(newestDesc, err)
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
		ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue, unixSeconds(s.LastSuccess), s.ID)
		ch <- prometheus.MustNewConstMetric(failuresDesc, prometheus.GaugeValue, float64(s.Failures), s.ID)
		st := stats[s.ID]
		ch <- prometheus.MustNewConstMetric(newestDesc, prometheus.GaugeValue, unixSeconds(st.Newest), s.ID)
		ch <- prometheus.MustNewConstMetric(sourceItemsDesc, prometheus.GaugeValue, float64(st.Items), s.ID)
	}
	ch <- prometheus.MustNewConstMetric(failingDesc, prometheus.GaugeValue, failing)
	ch <- prometheus.MustNewConstMetric(disabledDesc, prometheus.GaugeValue, disabled)
	c.collectTopics(ctx, ch)
}

// collectTopics reports the stored items of every configured topic (0 for
// none) and of any other topic that still has members.
func (c *sourceCollector) collectTopics(ctx context.Context, ch chan<- prometheus.Metric) {
	counts, err := c.store.TopicCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(topicItemsDesc, err)
		return
	}
	if p := c.topics.Load(); p != nil {
		for _, slug := range *p {
			if _, ok := counts[slug]; !ok {
				counts[slug] = 0
			}
		}
	}
	for slug, n := range counts {
		ch <- prometheus.MustNewConstMetric(topicItemsDesc, prometheus.GaugeValue, float64(n), slug)
	}
}

// unixSeconds is t as Unix seconds, 0 for the zero time.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
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
