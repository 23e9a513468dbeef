package config

import (
	"fmt"
	"slices"
	"strings"
)

// Loss is what a new config removes from one list (sources or topics).
type Loss struct {
	Before, After int      // how many there were and will be
	Removed       []string // ids or slugs that go, sorted
}

// Large reports whether the loss is more than half of the list, or all
// of it.
func (l Loss) Large() bool {
	return l.Before > 0 && (l.After == 0 || 2*len(l.Removed) > l.Before)
}

// Removal is what a new config removes from the sources and topics in
// use (a running config's, or those the database holds).
type Removal struct {
	Sources, Topics Loss
}

// Large reports whether the removal is large enough that a reload must be
// refused unless the new config sets allow_large_removal: more than half
// of the sources or of the topics, or all of either.
func (r Removal) Large() bool { return r.Sources.Large() || r.Topics.Large() }

// String names the counts: "removes 3 of 3 topics (a, b, c), leaving 0;
// removes 0 of 4 sources".
func (r Removal) String() string {
	part := func(l Loss, what string) string {
		s := fmt.Sprintf("removes %d of %d %s", len(l.Removed), l.Before, what)
		if len(l.Removed) > 0 {
			names := l.Removed
			more := ""
			if len(names) > 5 {
				names, more = names[:5], fmt.Sprintf(", and %d more", len(l.Removed)-5)
			}
			s += " (" + strings.Join(names, ", ") + more + ")"
		}
		return s + fmt.Sprintf(", leaving %d", l.After)
	}
	return part(r.Topics, "topics") + "; " + part(r.Sources, "sources")
}

// RemovalFrom compares next with the source ids and topic slugs in use.
// A topic that next keeps under a new slug (its old slug among the
// topic's aliases) is not removed.
func RemovalFrom(sourceIDs, topicSlugs []string, next *Config) Removal {
	var r Removal
	r.Sources = loss(sourceIDs, len(next.Sources), func(id string) bool { _, ok := next.Source(id); return ok })
	r.Topics = loss(topicSlugs, len(next.Topics), func(slug string) bool { _, _, ok := next.ResolveTopic(slug); return ok })
	return r
}

// RemovalOf is what next removes from the sources and topics of running.
func RemovalOf(running, next *Config) Removal {
	ids := make([]string, len(running.Sources))
	for i, s := range running.Sources {
		ids[i] = s.ID
	}
	slugs := make([]string, len(running.Topics))
	for i, t := range running.Topics {
		slugs[i] = t.Slug
	}
	return RemovalFrom(ids, slugs, next)
}

func loss(before []string, after int, kept func(string) bool) Loss {
	l := Loss{After: after}
	seen := map[string]bool{}
	for _, k := range before {
		if seen[k] {
			continue
		}
		seen[k] = true
		l.Before++
		if !kept(k) {
			l.Removed = append(l.Removed, k)
		}
	}
	slices.Sort(l.Removed)
	return l
}
