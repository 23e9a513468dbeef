package classifier

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Explanation says why an item is or is not in a topic: every rule and
// sub-rule of the topic with its outcome and what matched.
type Explanation struct {
	Topic string
	Match bool
	Root  *Step
}

// Step is one rule or sub-rule of an Explanation.
type Step struct {
	// Rule names the rule with its values as written, for example
	// `keywords ["Đại hội Đảng"]`, `tags [ha-noi]` or `any`. A mapping
	// with several keys is shown as `all` over one step per key.
	Rule    string
	Matched bool
	// Detail tells what matched (the words as found in the item, with the
	// fields they were found in) or, for some keys, what the item had.
	Detail string
	Steps  []*Step
}

// Explain evaluates topic slug against d like Classify and returns the
// outcome of every rule and sub-rule (nothing is short-circuited). Its
// Match always equals whether Classify lists slug. It returns an error for
// an unknown topic.
func (c *Classifier) Explain(slug string, d *Doc, now time.Time) (*Explanation, error) {
	i, ok := c.bySlug[slug]
	if !ok {
		return nil, fmt.Errorf("classifier: unknown topic %q", slug)
	}
	st := c.newState()
	st.spans = make(map[int32]*[nFields][2]int32)
	st.prepare(d, now, true)
	root := st.explainNode(c.topics[i].root)
	return &Explanation{Topic: slug, Match: root.Matched, Root: root}, nil
}

func (st *state) explainNode(n *node) *Step {
	s := &Step{Rule: label(n)}
	switch n.kind {
	case kAll, kAny, kNone:
		hits := 0
		for _, k := range n.kids {
			ks := st.explainNode(k)
			if ks.Matched {
				hits++
			}
			s.Steps = append(s.Steps, ks)
		}
		switch n.kind {
		case kAll:
			s.Matched = hits == len(n.kids)
		case kAny:
			s.Matched = hits > 0
		case kNone:
			s.Matched = hits == 0
			if s.Matched {
				s.Detail = "(no sub-rule matched)"
			} else if hits == 1 {
				s.Detail = "(1 sub-rule matched)"
			} else {
				s.Detail = fmt.Sprintf("(%d sub-rules matched)", hits)
			}
		}
		if len(n.kids) == 0 {
			s.Detail = "(no sub-rules)"
		}
		return s
	}
	s.Matched, s.Detail = st.leaf(n, true)
	return s
}

func label(n *node) string {
	switch n.kind {
	case kKeywords, kTitle, kAuthors:
		return n.kind.String() + " " + quoteList(n.shown)
	case kRegex:
		q := make([]string, len(n.shown))
		for i, s := range n.shown {
			if strconv.CanBackquote(s) {
				q[i] = "`" + s + "`"
			} else {
				q[i] = quote(s)
			}
		}
		return "regex [" + strings.Join(q, " ") + "]"
	case kTags, kCategories:
		return n.kind.String() + " [" + strings.Join(n.strs, " ") + "]"
	case kSources, kDomains, kLanguages:
		return n.kind.String() + " [" + strings.Join(n.shown, " ") + "]"
	case kMaxAge:
		if n.topicLevel {
			return "max_age " + fmtDuration(n.dur) + " (topic)"
		}
		return "max_age " + fmtDuration(n.dur)
	}
	return n.kind.String()
}

// String renders the explanation as indented text, one line per rule:
//
//	topic dai-hoi-dang: MATCH
//	  all: matched
//	    any: matched
//	      keywords ["Đại hội Đảng" "đại hội đại biểu"]: matched "Đại hội Đảng" (title)
//	      tags [dai-hoi-dang]: not matched (no item tags)
//	    none: matched (no sub-rule matched)
//	      keywords ["quảng cáo"]: not matched
//
// The output depends only on the rules, the item and the time given to
// Explain.
func (e *Explanation) String() string {
	var b strings.Builder
	verdict := "NO MATCH"
	if e.Match {
		verdict = "MATCH"
	}
	fmt.Fprintf(&b, "topic %s: %s\n", e.Topic, verdict)
	var walk func(s *Step, depth int)
	walk = func(s *Step, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(s.Rule)
		if s.Matched {
			b.WriteString(": matched")
		} else {
			b.WriteString(": not matched")
		}
		if s.Detail != "" {
			b.WriteString(" ")
			b.WriteString(s.Detail)
		}
		b.WriteString("\n")
		for _, k := range s.Steps {
			walk(k, depth+1)
		}
	}
	if e.Root != nil {
		walk(e.Root, 1)
	}
	return b.String()
}

// quote quotes s like %q but keeps printable non-ASCII text readable.
func quote(s string) string { return strconv.Quote(s) }

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// fmtDuration writes d compactly in days, hours and minutes ("2d3h",
// "48h" is written "2d", "90m" is "1h30m"); below a minute it writes
// seconds. Negative durations (items dated in the future) get a '-'.
func fmtDuration(d time.Duration) string {
	if d < 0 {
		return "-" + fmtDuration(-d)
	}
	if d < time.Minute {
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	d = d.Truncate(time.Minute)
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	hours, mins := d/time.Hour, (d%time.Hour)/time.Minute
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if hours > 0 {
		fmt.Fprintf(&b, "%dh", hours)
	}
	if mins > 0 {
		fmt.Fprintf(&b, "%dm", mins)
	}
	return b.String()
}
