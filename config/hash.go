package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// topicsHashVersion changes when the meaning of rules changes in a way that
// requires recomputing topic membership even if the config did not change.
const topicsHashVersion = "bantin-topics-v1"

// TopicsHash returns a stable hex SHA-256 digest of what decides topic
// membership: each topic's slug, max_age and match rule. It ignores titles,
// descriptions, limits, dedupe, pins and hides (publish-time settings), the
// order of topics, the order of keys and of items within a rule's lists,
// and the order of sub-rules in any/all/none, none of which change which
// items belong. Any change to a rule's content changes it.
func (c *Config) TopicsHash() string {
	parts := make([]string, 0, len(c.Topics))
	for _, t := range c.Topics {
		b, _ := json.Marshal([]any{t.Slug, int64(t.MaxAge), canonicalRule(t.Match)})
		parts = append(parts, string(b))
	}
	slices.Sort(parts)
	h := sha256.New()
	h.Write([]byte(topicsHashVersion))
	for _, p := range parts {
		h.Write([]byte{'\n'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalRule encodes r as JSON with fixed key order, sorted lists and
// sorted sub-rules, so equivalent spellings encode the same.
func canonicalRule(r *Rule) string {
	if r == nil {
		return "null"
	}
	sorted := func(s []string) []string {
		s = slices.Clone(s)
		slices.Sort(s)
		return slices.Compact(s)
	}
	subs := func(rs []*Rule) []string {
		out := make([]string, 0, len(rs))
		for _, sr := range rs {
			out = append(out, canonicalRule(sr))
		}
		slices.Sort(out)
		return out
	}
	b, _ := json.Marshal(struct {
		Keywords, Title, Tags, Sources, Regex, Authors, Domains, Languages, Categories []string
		MaxAge                                                                         int64
		Any, All, None                                                                 []string
	}{
		Keywords: sorted(r.Keywords), Title: sorted(r.Title), Tags: sorted(r.Tags),
		Sources: sorted(r.Sources), Regex: sorted(r.Regex), Authors: sorted(r.Authors),
		Domains: sorted(r.Domains), Languages: sorted(r.Languages), Categories: sorted(r.Categories),
		MaxAge: int64(r.MaxAge),
		Any:    subs(r.Any), All: subs(r.All), None: subs(r.None),
	})
	return strings.TrimSpace(string(b))
}
