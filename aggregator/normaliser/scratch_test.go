package normaliser

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestScratchCorpus(t *testing.T) {
	idx, _ := os.ReadFile("/work/shared/corpus/feedparser/INDEX.tsv")
	fails := map[string]int{}
	var samples []string
	n, noitems := 0, 0
	for _, line := range strings.Split(string(idx), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 4 || !strings.HasPrefix(f[3], "not bozo") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/work/shared/corpus/feedparser", f[0]))
		if err != nil {
			continue
		}
		n++
		ct := ""
		for _, h := range strings.Split(f[1], "|") {
			if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "content-type") {
				ct = v
			}
		}
		start := time.Now()
		p, err := Parse(b, ct, "http://example.com/"+f[0])
		if d := time.Since(start); d > time.Second {
			t.Errorf("slow %s %v", f[0], d)
		}
		if err != nil {
			key := err.Error()
			if len(key) > 70 {
				key = key[:70]
			}
			fails[key]++
			if len(samples) < 40 {
				samples = append(samples, fmt.Sprintf("%s: %v", f[0], err))
			}
			continue
		}
		items := Normalise(p, Options{Now: time.Now()})
		if len(items) == 0 && strings.Contains(string(b), "<item") || len(items) == 0 && strings.Contains(string(b), "<entry") {
			noitems++
			if noitems < 15 {
				samples = append(samples, "NOITEMS "+f[0])
			}
		}
	}
	var keys []string
	for k := range fails {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%4d %s", fails[k], k)
	}
	for _, s := range samples {
		t.Log(s)
	}
	t.Logf("files %d, errors %d, noitems %d", n, len(samples), noitems)
}
