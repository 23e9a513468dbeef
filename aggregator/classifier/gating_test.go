package classifier

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"bantin/config"
)

func TestGating(t *testing.T) {
	tests := map[string]struct {
		rule  *config.Rule
		gated bool
	}{
		"keywords":                   {kw("a"), true},
		"title":                      {&config.Rule{Title: []string{"a"}}, true},
		"tags":                       {&config.Rule{Tags: []string{"a"}}, true},
		"sources":                    {&config.Rule{Sources: []string{"a"}}, true},
		"categories":                 {&config.Rule{Categories: []string{"a"}}, true},
		"no rule":                    {nil, true},
		"empty rule":                 {&config.Rule{}, false},
		"regex":                      {&config.Rule{Regex: []string{"a"}}, false},
		"authors":                    {&config.Rule{Authors: []string{"a"}}, false},
		"domains":                    {&config.Rule{Domains: []string{"a.vn"}}, false},
		"languages":                  {&config.Rule{Languages: []string{"vi"}}, false},
		"max_age":                    {&config.Rule{MaxAge: 1}, false},
		"none":                       {&config.Rule{None: []*config.Rule{kw("a")}}, false},
		"keywords and none":          {&config.Rule{Keywords: []string{"a"}, None: []*config.Rule{kw("b")}}, true},
		"keywords and language":      {&config.Rule{Keywords: []string{"a"}, Languages: []string{"vi"}}, true},
		"any of gated":               {&config.Rule{Any: []*config.Rule{kw("a"), {Tags: []string{"x"}}}}, true},
		"any with ungated":           {&config.Rule{Any: []*config.Rule{kw("a"), {Languages: []string{"vi"}}}}, false},
		"all with one gated":         {&config.Rule{All: []*config.Rule{{Languages: []string{"vi"}}, kw("a")}}, true},
		"all of ungated":             {&config.Rule{All: []*config.Rule{{Languages: []string{"vi"}}}}, false},
		"empty any never holds":      {&config.Rule{Any: []*config.Rule{}}, true},
		"any nested none ungated":    {&config.Rule{Any: []*config.Rule{kw("a"), {None: []*config.Rule{kw("b")}}}}, false},
		"all of any of gated + none": {&config.Rule{All: []*config.Rule{{Any: []*config.Rule{kw("a")}}, {None: []*config.Rule{kw("b")}}}}, true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := mustCompile(t, config.Topic{Slug: "t", Match: tt.rule})
			if got := c.topics[0].gated; got != tt.gated {
				t.Errorf("gated = %v, want %v", got, tt.gated)
			}
			if got := len(c.always) == 1; got == tt.gated {
				t.Errorf("always = %v, want the topic there only when not gated", c.always)
			}
		})
	}
}

func TestConcurrentClassify(t *testing.T) {
	corpus := loadBenchCorpus()
	docs := benchDocs(corpus, 16)
	c := mustCompile(t, benchTopics(corpus, 200)...)
	want := make([][]string, len(docs))
	for i, d := range docs {
		want[i] = c.Classify(d, now)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := (n + g) % len(docs)
				if got := c.Classify(docs[i], now); !slices.Equal(got, want[i]) {
					errs <- fmt.Errorf("doc %d: Classify = %q, want %q", i, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
