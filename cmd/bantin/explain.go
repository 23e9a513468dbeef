package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"bantin/aggregator"
	"bantin/aggregator/classifier"
	"bantin/config"
	"bantin/db"
	"bantin/publisher"
	"bantin/publisher/render"
)

func cmdExplain(ctx context.Context, a *app, args []string) error {
	fs := a.flags("explain", "TOPIC ITEM  (ITEM: id, link, published entry id or upstream guid)")
	pos, err := a.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	tc, err := a.openTopic(ctx, pos[0])
	if err != nil {
		return err
	}
	defer tc.store.Close()
	it, err := findItem(ctx, tc.cfg, tc.store, pos[1])
	if err != nil {
		return err
	}
	now := time.Now()
	page, err := tc.page(ctx, now)
	if err != nil {
		return err
	}
	return explain(ctx, a.stdout, tc, page, &it, now)
}

// topicContext is what explain and preview work on.
type topicContext struct {
	cfg   *config.Config
	store *db.DB
	topic *config.Topic
	cl    *classifier.Classifier
	// stale is set by page when the stored membership was computed under
	// another config than cfg (the page was then composed in memory).
	stale bool
}

// openTopic loads the config, opens the database, finds the topic and
// compiles the topics; the caller closes tc.store.
func (a *app) openTopic(ctx context.Context, slug string) (*topicContext, error) {
	cfg, store, err := a.openExisting(ctx)
	if err != nil {
		return nil, err
	}
	topic, _, ok := cfg.ResolveTopic(slug) // a former slug (alias) names the topic
	if !ok {
		store.Close()
		return nil, fmt.Errorf("no topic %q in %s", slug, cfg.Path)
	}
	cl, err := classifier.Compile(cfg.Topics)
	if err != nil {
		store.Close()
		return nil, err
	}
	return &topicContext{cfg: cfg, store: store, topic: topic, cl: cl}, nil
}

// page composes the topic's first page as it is published under tc.cfg.
// When the stored tags and membership were computed under that config
// (the daemon or `bantin poll` ran with it), the page is what the server
// publishes now. Otherwise the membership is computed in memory for
// tc.cfg and nothing is written: preview and explain are read-only, and a
// running daemon whose config has not been reloaded yet must keep seeing
// a database that says it needs a recompute.
func (tc *topicContext) page(ctx context.Context, now time.Time) (*publisher.Preview, error) {
	current, err := aggregator.MembershipCurrent(ctx, tc.store, tc.cfg)
	if err != nil {
		return nil, err
	}
	var members []db.Item
	if !current {
		tc.stale = true
		members, err = aggregator.TopicMembers(ctx, tc.store, tc.cfg, tc.cl, tc.topic.Slug, now)
		if err != nil {
			return nil, err
		}
		if members == nil {
			members = []db.Item{}
		}
	}
	return publisher.PreviewTopic(ctx, tc.store, tc.cfg, tc.topic, members, now)
}

// explain prints why it is or is not in the topic: the rule tree, the
// curations that cover it, and whether and how it is published.
func explain(ctx context.Context, w io.Writer, tc *topicContext, page *publisher.Preview, it *db.Item, now time.Time) error {
	topic := tc.topic
	aggregator.Reclassify(tc.cfg, tc.cl, it, now) // tags as the config gives them
	ex, err := tc.cl.Explain(topic.Slug, aggregator.DocOf(it), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "item %d: %s\n  %s\n  source %s, published %s\n", it.ID, it.Title, it.Link, it.SourceID, stamp(it.Published, tc.loc()))
	fmt.Fprintf(w, "  text: %s\n\n", textNote(it))
	fmt.Fprint(w, ex.String())
	if from := matchedIn(ex.Root); ex.Match && from != "" {
		fmt.Fprintf(w, "keywords matched in %s\n", from)
	}
	cur, err := tc.store.Curations(ctx, topic.Slug)
	if err != nil {
		return err
	}
	for _, alias := range topic.Aliases { // not yet moved to the renamed topic
		more, err := tc.store.Curations(ctx, alias)
		if err != nil {
			return err
		}
		cur = append(cur, more...)
	}
	own := map[string]bool{}
	for _, c := range cur {
		if c.ItemID == it.ID {
			own[c.Action] = true
			by := "bantin curate"
			if c.Editor != "" {
				by = "desk: " + c.Editor
			}
			fmt.Fprintf(w, "curation: %s (%s, %s)\n", c.Action, by, stamp(c.At, tc.loc()))
		}
	}
	// A curation of another item with the same link covers this one too
	// (an item stored after the curation has no row of its own).
	for _, c := range cur {
		if c.ItemID != it.ID && !own[c.Action] && render.LinkMatches(*it, firstNonEmpty(c.CanonicalLink, c.Link)) {
			own[c.Action] = true
			fmt.Fprintf(w, "curation: %s (bantin curate of item %d, same link, %s)\n", c.Action, c.ItemID, stamp(c.At, tc.loc()))
		}
	}
	for _, e := range configCurations(topic) {
		if render.LinkMatches(*it, e.link) {
			fmt.Fprintf(w, "curation: %s (config %s:%d)\n", e.action, e.pos.File, e.pos.Line)
		}
	}
	fmt.Fprintf(w, "published: %s\n", publishedLine(tc, page, it, ex.Match, now))
	return nil
}

// publishedLine says whether it is in the published feed and, if not, why.
func publishedLine(tc *topicContext, page *publisher.Preview, it *db.Item, matched bool, now time.Time) string {
	t := tc.topic
	f := page.Fate(*it)
	entry := func() string {
		e := f.Entry.Item
		return fmt.Sprintf("entry %d (%s, %s, source %s)", f.Index, tc.entryID(&e), e.Link, e.SourceID)
	}
	switch f.Kind {
	case render.FateEntry:
		s := fmt.Sprintf("yes, entry %d of %d", f.Index, len(page.Entries))
		if f.Entry.Pinned {
			s += ", pinned"
		}
		return s
	case render.FateFolded:
		return "not as an entry of its own: folded into " + entry() + ` as "also reported by"`
	case render.FateHidden:
		return "no, hidden (see curation above)"
	case render.FatePerSource:
		return fmt.Sprintf("no: matched, but not published: max_per_source %d (source %s already has %s)",
			t.MaxPerSource, it.SourceID, entry())
	case render.FateTooOld:
		return fmt.Sprintf("no: matched, but not published: older than max_age %s", fmtAge(t.MaxAge.D()))
	case render.FateFull:
		return fmt.Sprintf("no: matched, but not published: the feed is full (limit %d, every entry newer)", limitOf(t))
	}
	// Never offered to the page: not a member, or the page ended first.
	if _, ok := tc.cfg.Source(it.SourceID); !ok {
		return fmt.Sprintf("no: source %s is no longer in the config (its items stay stored for the retention, published nowhere)", it.SourceID)
	}
	switch {
	case !matched:
		return "no, the rules do not match"
	case t.MaxAge > 0 && it.Published.Before(now.Add(-t.MaxAge.D())):
		return fmt.Sprintf("no: matched, but not published: older than max_age %s", fmtAge(t.MaxAge.D()))
	}
	return fmt.Sprintf("no: matched, but not published: the feed is full (limit %d, every entry newer)", limitOf(t))
}

func limitOf(t *config.Topic) int {
	if t.Limit <= 0 {
		return db.DefaultLimit
	}
	return t.Limit
}

// fmtAge writes d in days when it is a whole number of days.
func fmtAge(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// loc is the zone the commands show times in (defaults.timezone).
func (tc *topicContext) loc() *time.Location { return tc.cfg.Location() }

// entryID is the id the item is published with (what feed readers show).
func (tc *topicContext) entryID(it *db.Item) string {
	return render.EntryID(tc.cfg.BaseURL, it.SourceID, it.GUID)
}

// configCuration is one pin:/hide: link of a topic with its place in the
// config.
type configCuration struct {
	action string
	link   string
	pos    config.Pos
}

// configCurations lists the topic's pin: and hide: links with their
// positions (the topic's when the config carries none).
func configCurations(t *config.Topic) []configCuration {
	var out []configCuration
	for _, l := range []struct {
		action string
		links  []string
		pos    []config.Pos
	}{{db.Pin, t.Pin, t.PinPos}, {db.Hide, t.Hide, t.HidePos}} {
		for i, link := range l.links {
			p := t.Pos
			if i < len(l.pos) {
				p = l.pos[i]
			}
			out = append(out, configCuration{l.action, link, p})
		}
	}
	return out
}

func cmdPreview(ctx context.Context, a *app, args []string) error {
	fs := a.flags("preview", "TOPIC")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	tc, err := a.openTopic(ctx, pos[0])
	if err != nil {
		return err
	}
	defer tc.store.Close()
	now := time.Now()
	page, err := tc.page(ctx, now)
	if err != nil {
		return err
	}
	return preview(a.stdout, tc, page, now)
}

// preview prints the topic's first page as it would be published: title,
// source, date, published id and why each entry is there.
func preview(w io.Writer, tc *topicContext, page *publisher.Preview, now time.Time) error {
	topic := tc.topic
	fmt.Fprintf(w, "%s — %s (%d entries, limit %d)\n", topic.Slug, topic.Title, len(page.Entries), topic.Limit)
	if tc.stale {
		fmt.Fprintln(w, "(membership computed for this config; the database still holds the previous one until bantin run, serve or poll starts with it or reloads it)")
	}
	for i, e := range page.Entries {
		it := e.Item
		fmt.Fprintf(w, "\n%2d. %s\n    %s · %s · %s\n    id: %s\n", i+1, it.Title, sourceName(tc.cfg, &it),
			stamp(it.Published, tc.loc()), it.Link, tc.entryID(&it))
		why := "pinned"
		if !e.Pinned {
			why = whyLine(tc, &it, now)
		}
		fmt.Fprintf(w, "    why: %s\n", why)
		if len(e.Related) > 0 {
			var names []string
			for _, r := range e.Related {
				names = append(names, sourceName(tc.cfg, &r))
			}
			fmt.Fprintf(w, "    also reported by: %s\n", strings.Join(names, ", "))
		}
	}
	return previewPins(w, tc, page)
}

// previewPins names the pin: links of the topic that lead no entry of the
// page, with why: no stored item has the link, or its items' sources are
// no longer in the config.
func previewPins(w io.Writer, tc *topicContext, page *publisher.Preview) error {
	for _, link := range tc.topic.Pin {
		shown := slices.ContainsFunc(page.Entries, func(e render.Entry) bool {
			return e.Pinned && (render.LinkMatches(e.Item, link) ||
				slices.ContainsFunc(e.Related, func(r db.Item) bool { return render.LinkMatches(r, link) }))
		})
		if shown {
			continue
		}
		items, err := itemsWithLink(context.Background(), tc.store, link)
		if err != nil {
			return err
		}
		why := "no stored item has this link"
		if len(items) > 0 {
			why = fmt.Sprintf("its source %q is not in the config", items[0].SourceID)
			for _, it := range items {
				if _, ok := tc.cfg.Source(it.SourceID); ok {
					why = "hidden (a hide covers the same link)"
					break
				}
			}
		}
		fmt.Fprintf(w, "\npin %s: not published: %s\n", link, why)
	}
	return nil
}

func sourceName(cfg *config.Config, it *db.Item) string {
	if s, ok := cfg.Source(it.SourceID); ok && s.Title != "" {
		return s.Title
	}
	if it.SourceTitle != "" {
		return it.SourceTitle
	}
	return it.SourceID
}

// whyLine condenses an explanation to the leaf rules that matched.
func whyLine(tc *topicContext, it *db.Item, now time.Time) string {
	doc := *it
	aggregator.Reclassify(tc.cfg, tc.cl, &doc, now)
	ex, err := tc.cl.Explain(tc.topic.Slug, aggregator.DocOf(&doc), now)
	if err != nil {
		return err.Error()
	}
	var parts []string
	var walk func(s *classifier.Step, negated bool)
	walk = func(s *classifier.Step, negated bool) {
		if s == nil {
			return
		}
		if len(s.Steps) == 0 {
			if s.Matched != negated && s.Detail != "" {
				parts = append(parts, s.Rule+": "+s.Detail)
			}
			return
		}
		for _, c := range s.Steps {
			walk(c, negated || s.Rule == "none")
		}
	}
	walk(ex.Root, false)
	if len(parts) == 0 {
		return "rules matched"
	}
	return strings.Join(parts, "; ")
}

// textNote says which text the rules saw: the feed's body, and the full
// text of the article page when it was fetched (or why it was not).
func textNote(it *db.Item) string {
	switch {
	case it.FullText != "":
		return fmt.Sprintf("feed body and the article page's full text (%d bytes)", len(it.FullText))
	case it.Article.Err != "":
		return fmt.Sprintf("feed body only (article page not read after %d tries: %s)", it.Article.Tries, it.Article.Err)
	}
	return "feed body"
}

// matchedIn tells where the matched keywords of an explanation were
// found: "the feed body", "the full text" or both; "" when no keyword
// matched.
func matchedIn(s *classifier.Step) string {
	var feed, full bool
	var walk func(*classifier.Step)
	walk = func(s *classifier.Step) {
		if !s.Matched {
			return
		}
		if strings.HasPrefix(s.Rule, "keywords") || strings.HasPrefix(s.Rule, "title") {
			for _, part := range strings.Split(s.Detail, "(")[1:] {
				fields, _, _ := strings.Cut(part, ")")
				for _, f := range strings.Split(fields, ", ") {
					switch f {
					case "full text":
						full = true
					case "title", "summary", "content":
						feed = true
					}
				}
			}
		}
		for _, k := range s.Steps {
			walk(k)
		}
	}
	walk(s)
	switch {
	case feed && full:
		return "the feed body and the full text"
	case full:
		return "the full text (the article page), not the feed body"
	case feed:
		return "the feed body"
	}
	return ""
}
