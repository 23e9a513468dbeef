package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// configWith returns a config of n sources (s1..sN) and m topics (t1..tM).
func configWith(t *testing.T, n, m int, extra string) *Config {
	t.Helper()
	var b strings.Builder
	b.WriteString(extra)
	if n > 0 {
		b.WriteString("sources:\n")
	}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {id: s%d, url: 'https://e.example/%d.rss'}\n", i, i)
	}
	if m > 0 {
		b.WriteString("topics:\n")
	}
	for i := 1; i <= m; i++ {
		fmt.Fprintf(&b, "  - {slug: t%d, match: {keywords: [x%d]}}\n", i, i)
	}
	return mustParse(t, b.String(), "t.yaml")
}

func TestRemovalLarge(t *testing.T) {
	cases := []struct {
		name           string
		before, after  [2]int // sources, topics
		large          bool
		wantSub        string
		removedSources int
		removedTopics  int
	}{
		{"nothing removed", [2]int{4, 4}, [2]int{4, 4}, false, "removes 0 of 4 topics, leaving 4; removes 0 of 4 sources, leaving 4", 0, 0},
		{"half the topics", [2]int{4, 4}, [2]int{4, 2}, false, "removes 2 of 4 topics (t3, t4), leaving 2", 0, 2},
		{"more than half the topics", [2]int{4, 4}, [2]int{4, 1}, true, "removes 3 of 4 topics (t2, t3, t4), leaving 1", 0, 3},
		{"every topic (a config cut before topics:)", [2]int{4, 3}, [2]int{4, 0}, true, "removes 3 of 3 topics (t1, t2, t3), leaving 0", 0, 3},
		{"more than half the sources", [2]int{5, 2}, [2]int{2, 2}, true, "removes 3 of 5 sources (s3, s4, s5), leaving 2", 3, 0},
		{"every source", [2]int{1, 2}, [2]int{0, 2}, true, "removes 1 of 1 sources (s1), leaving 0", 1, 0},
		{"the only topic", [2]int{2, 1}, [2]int{2, 0}, true, "removes 1 of 1 topics (t1), leaving 0", 0, 1},
		{"additions never count", [2]int{0, 1}, [2]int{3, 3}, false, "removes 0 of 1 topics, leaving 3; removes 0 of 0 sources, leaving 3", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			running := configWith(t, tc.before[0], tc.before[1], "")
			next := configWith(t, tc.after[0], tc.after[1], "")
			r := RemovalOf(running, next)
			if r.Large() != tc.large {
				t.Errorf("Large() = %v, want %v (%s)", r.Large(), tc.large, r)
			}
			if !strings.Contains(r.String(), tc.wantSub) {
				t.Errorf("String() = %q, want it to contain %q", r, tc.wantSub)
			}
			if len(r.Sources.Removed) != tc.removedSources || len(r.Topics.Removed) != tc.removedTopics {
				t.Errorf("removed %v sources, %v topics", r.Sources.Removed, r.Topics.Removed)
			}
		})
	}
}

func TestRemovalRenamedTopicIsKept(t *testing.T) {
	running := mustParse(t, "topics:\n  - {slug: old, match: {keywords: [x]}}\n", "t.yaml")
	next := mustParse(t, "topics:\n  - {slug: new, aliases: [old], match: {keywords: [x]}}\n", "t.yaml")
	if r := RemovalOf(running, next); r.Large() || len(r.Topics.Removed) != 0 {
		t.Errorf("a rename with an alias counts as a removal: %s", r)
	}
	// Long lists are cut in the message.
	r := RemovalFrom([]string{"a", "b", "c", "d", "e", "f", "g"}, nil, next)
	if want := "removes 7 of 7 sources (a, b, c, d, e, and 2 more), leaving 0"; !strings.Contains(r.String(), want) {
		t.Errorf("String() = %q, want %q", r, want)
	}
}

func TestAllowLargeRemovalKey(t *testing.T) {
	c := configWith(t, 1, 0, "allow_large_removal: true\n")
	if !c.AllowLargeRemoval {
		t.Error("allow_large_removal: true not read")
	}
	if c := configWith(t, 1, 0, ""); c.AllowLargeRemoval {
		t.Error("allow_large_removal is on by default")
	}
	errs := parseErrors(t, "allow_large_removal: maybe\nsources: [{id: a, url: 'https://e.example/a'}]\n")
	if len(errs) != 1 || !strings.Contains(errs[0], `t.yaml:1:22: allow_large_removal must be true or false, got "maybe"`) {
		t.Errorf("errors: %q", errs)
	}
}

func TestTopicAliases(t *testing.T) {
	c := mustParse(t, `topics:
  - slug: giao-thong
    aliases: [giao-thong-cu, gt]
    match: {keywords: [giao thong]}
  - slug: kinh-te
    aliases: kinh-te-cu
    match: {keywords: [kinh te]}
`, "t.yaml")
	if got := c.Topics[0].Aliases; !slices.Equal(got, []string{"giao-thong-cu", "gt"}) {
		t.Errorf("aliases = %q", got)
	}
	for alias, want := range map[string]string{"gt": "giao-thong", "giao-thong-cu": "giao-thong", "kinh-te-cu": "kinh-te"} {
		tp, ok := c.TopicByAlias(alias)
		if !ok || tp.Slug != want {
			t.Errorf("TopicByAlias(%q) = %v, %v; want %s", alias, tp, ok, want)
		}
		tp, renamed, ok := c.ResolveTopic(alias)
		if !ok || !renamed || tp.Slug != want {
			t.Errorf("ResolveTopic(%q) = %v, %v, %v", alias, tp, renamed, ok)
		}
	}
	if tp, renamed, ok := c.ResolveTopic("kinh-te"); !ok || renamed || tp.Slug != "kinh-te" {
		t.Errorf("ResolveTopic(kinh-te) = %v, %v, %v", tp, renamed, ok)
	}
	if _, ok := c.TopicByAlias("kinh-te"); ok {
		t.Error("a slug is not an alias")
	}
	if _, _, ok := c.ResolveTopic("nope"); ok {
		t.Error("ResolveTopic(nope) found a topic")
	}
	// Aliases do not change membership: a rename with an alias keeps
	// the rules, only the slug changes the fingerprint.
	d := mustParse(t, "topics:\n  - {slug: a, match: {keywords: [x]}}\n", "t.yaml")
	e := mustParse(t, "topics:\n  - {slug: a, aliases: [b], match: {keywords: [x]}}\n", "t.yaml")
	if d.TopicsHash() != e.TopicsHash() {
		t.Error("adding an alias changed TopicsHash")
	}
}

func TestTopicAliasErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"topics:\n  - {slug: a, aliases: [a], match: {keywords: [x]}}\n",
			`t.yaml:2:25: topic "a" lists its own slug as an alias`},
		{"topics:\n  - {slug: a, aliases: [b], match: {keywords: [x]}}\n  - {slug: b, match: {keywords: [y]}}\n",
			`t.yaml:2:25: alias "b" of topic "a" is the slug of another topic (defined at t.yaml:3:12)`},
		{"topics:\n  - {slug: a, aliases: [c], match: {keywords: [x]}}\n  - {slug: b, aliases: [c], match: {keywords: [y]}}\n",
			`t.yaml:3:25: alias "c" is also an alias of topic "a" (at t.yaml:2:25)`},
		{"topics:\n  - {slug: a, aliases: [c, c], match: {keywords: [x]}}\n",
			`t.yaml:2:28: alias "c" repeated in topic "a" (first at t.yaml:2:25)`},
		{"topics:\n  - {slug: a, aliases: [Old Slug], match: {keywords: [x]}}\n",
			`t.yaml:2:25: topic alias "Old Slug" may hold only lowercase letters a-z, digits and '-'`},
		{"topics:\n  - {slug: a, aliases: [], match: {keywords: [x]}}\n",
			`t.yaml:2:24: aliases is an empty list`},
	}
	for _, tc := range cases {
		errs := parseErrors(t, tc.src)
		if len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.src, errs, tc.want)
		}
	}
}
