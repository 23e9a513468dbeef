package aggregator

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"bantin/aggregator/classifier"
	"bantin/aggregator/normaliser"
	"bantin/bench/cpuclock"
	"bantin/bench/synth"
	"bantin/config"
	"bantin/db"
)

// The benchmarks of each stage of storing a fetched feed, on the feeds of
// `bantin bench` (synth.Feed: 50 items of about 1 KB, dates within 90
// minutes, five keyword topics), so that a change that slows one stage
// shows here: go test ./aggregator -run XXX -bench Stage -cpu 1

const stageFeeds = 64

var stageNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func stageBodies() [][]byte {
	d := synth.Dates{Anchor: stageNow.Add(-14 * 24 * time.Hour)}
	out := make([][]byte, stageFeeds)
	for i := range out {
		out[i] = synth.Feed(i, 50, d)
	}
	return out
}

func stageURL(i int) string { return fmt.Sprintf("https://bao%d.example/rss", i) }

func stageParsed(b *testing.B) []*normaliser.Parsed {
	var out []*normaliser.Parsed
	for i, body := range stageBodies() {
		p, err := normaliser.Parse(body, "application/rss+xml", stageURL(i))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func stageItems(b *testing.B) [][]db.Item {
	var out [][]db.Item
	for i, p := range stageParsed(b) {
		out = append(out, normaliser.Normalise(p, normaliser.Options{SourceID: fmt.Sprintf("s%d", i), Now: stageNow}))
	}
	return out
}

func stageClassifier(b *testing.B) *classifier.Classifier {
	var topics []config.Topic
	for _, t := range synth.Topics() {
		topics = append(topics, config.Topic{Slug: t.Slug, Match: &config.Rule{Keywords: t.Keywords}})
	}
	cl, err := classifier.Compile(topics)
	if err != nil {
		b.Fatal(err)
	}
	return cl
}

// reportItems reports items per second of wall time and of the process's
// CPU time (which a shared machine does not inflate), and allocations.
func reportItems(b *testing.B, perOp int, cpu0 time.Duration) {
	n := float64(b.N * perOp)
	b.ReportMetric(n/b.Elapsed().Seconds(), "items/s")
	if cpu1, ok := cpuclock.Process(); ok && cpu1 > cpu0 {
		b.ReportMetric(n/(cpu1-cpu0).Seconds(), "items/cpu-s")
	}
}

func BenchmarkStageParse(b *testing.B) {
	bodies := stageBodies()
	b.ReportAllocs()
	cpu0, _ := cpuclock.Process()
	for i := 0; b.Loop(); i++ {
		k := i % len(bodies)
		if _, err := normaliser.Parse(bodies[k], "application/rss+xml", stageURL(k)); err != nil {
			b.Fatal(err)
		}
	}
	reportItems(b, 50, cpu0)
}

func BenchmarkStageNormalise(b *testing.B) {
	parsed := stageParsed(b)
	b.ReportAllocs()
	cpu0, _ := cpuclock.Process()
	for i := 0; b.Loop(); i++ {
		normaliser.Normalise(parsed[i%len(parsed)], normaliser.Options{SourceID: "s", Now: stageNow})
	}
	reportItems(b, 50, cpu0)
}

func BenchmarkStageClassify(b *testing.B) {
	feeds := stageItems(b)
	cl := stageClassifier(b)
	b.ReportAllocs()
	cpu0, _ := cpuclock.Process()
	for i := 0; b.Loop(); i++ {
		items := feeds[i%len(feeds)]
		for k := range items {
			cl.Classify(DocOf(&items[k]), stageNow)
		}
	}
	reportItems(b, 50, cpu0)
}

// BenchmarkStageStore stores fetches of 50 new items each (with their
// topics) into a database that grows as the benchmark runs.
func BenchmarkStageStore(b *testing.B) {
	feeds := stageItems(b)
	cl := stageClassifier(b)
	for _, items := range feeds {
		for k := range items {
			items[k].Topics = cl.Classify(DocOf(&items[k]), stageNow)
		}
	}
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	specs := make([]db.SourceSpec, len(feeds))
	for i := range specs {
		specs[i] = db.SourceSpec{ID: fmt.Sprintf("s%d", i), URL: stageURL(i)}
	}
	if err := store.SyncSources(ctx, specs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0, _ := cpuclock.Process()
	for i := 0; b.Loop(); i++ {
		k := i % len(feeds)
		items := make([]db.Item, len(feeds[k]))
		copy(items, feeds[k])
		for j := range items {
			items[j].SourceID = specs[k].ID
			items[j].GUID = fmt.Sprintf("%s-%d", items[j].GUID, i)
		}
		if _, err := store.SaveFetch(ctx, db.Source{ID: specs[k].ID}, items); err != nil {
			b.Fatal(err)
		}
	}
	reportItems(b, 50, cpu0)
}
