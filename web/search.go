package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bantin/aggregator"
	"bantin/aggregator/classifier"
	"bantin/config"
	"bantin/db"
	"bantin/publisher"
	"bantin/publisher/render"
)

// Search limits: longer queries and deeper pages are refused with 400.
const (
	MaxQueryRunes = 500
	MaxPhrases    = 20
	MaxPage       = 100
	// PerPage is the number of results per page (and in a search feed).
	PerPage = 20
	// maxScan bounds the candidates checked against the keyword rules for
	// one page.
	maxScan = 5000
	// maxTagOptions bounds the tags offered in the search form.
	maxTagOptions = 300
)

// Query is one search: the text as typed and the filters.
type Query struct {
	Q        string
	Source   string // source id
	Tag      string // tag slug
	Topic    string // topic slug
	From, To string // YYYY-MM-DD, in defaults.timezone; To is inclusive
	Sort     string // "" (best match) or "date"
	Page     int    // 1-based

	from, to time.Time
	phrases  []string
}

// queryError is a problem with what a reader asked, shown with 400.
type queryError struct{ msg string }

func (e *queryError) Error() string { return e.msg }

// parseQuery reads a search from the URL query.
func parseQuery(v url.Values, cfg *config.Config) (Query, error) {
	for k, vals := range v {
		if len(vals) > 1 {
			return Query{}, &queryError{fmt.Sprintf("Tham số %q xuất hiện nhiều lần (parameter given more than once).", k)}
		}
	}
	q := Query{Q: strings.TrimSpace(v.Get("q")), Source: v.Get("source"), Tag: v.Get("tag"), Topic: v.Get("topic"),
		From: v.Get("from"), To: v.Get("to"), Sort: v.Get("sort"), Page: 1}
	if !utf8.ValidString(q.Q) {
		return q, &queryError{"Câu tìm kiếm không phải UTF-8 hợp lệ (the query is not valid UTF-8)."}
	}
	if n := utf8.RuneCountInString(q.Q); n > MaxQueryRunes {
		return q, &queryError{fmt.Sprintf("Câu tìm kiếm dài %d ký tự, tối đa %d (the query is too long: %d characters, at most %d).", n, MaxQueryRunes, n, MaxQueryRunes)}
	}
	q.phrases = db.SearchPhrases(q.Q)
	if len(q.phrases) > MaxPhrases {
		return q, &queryError{fmt.Sprintf("Câu tìm kiếm có %d cụm từ, tối đa %d (too many words: at most %d).", len(q.phrases), MaxPhrases, MaxPhrases)}
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > MaxPage {
			return q, &queryError{fmt.Sprintf("Trang %q không hợp lệ: từ 1 đến %d (page must be 1 to %d).", p, MaxPage, MaxPage)}
		}
		q.Page = n
	}
	switch q.Sort {
	case "", "relevance":
		q.Sort = ""
	case "date":
	default:
		return q, &queryError{fmt.Sprintf("Cách sắp xếp %q không hợp lệ: relevance hoặc date (sort must be relevance or date).", q.Sort)}
	}
	loc := zone(cfg)
	for _, d := range []struct {
		s   string
		dst *time.Time
		add int
	}{{q.From, &q.from, 0}, {q.To, &q.to, 1}} {
		if d.s == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.s, loc)
		if err != nil {
			return q, &queryError{fmt.Sprintf("Ngày %q không hợp lệ, cần dạng YYYY-MM-DD (dates are YYYY-MM-DD).", d.s)}
		}
		*d.dst = t.AddDate(0, 0, d.add)
	}
	if !q.from.IsZero() && !q.to.IsZero() && !q.from.Before(q.to) {
		return q, &queryError{"Ngày bắt đầu sau ngày kết thúc (from is after to)."}
	}
	if len(q.Source) > 200 || len(q.Tag) > 200 || len(q.Topic) > 200 {
		return q, &queryError{"Bộ lọc quá dài (filter too long)."}
	}
	return q, nil
}

// zone is the config's defaults timezone (UTC when unknown).
func zone(cfg *config.Config) *time.Location {
	if cfg.Defaults.Timezone != "" {
		if loc, err := time.LoadLocation(cfg.Defaults.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// values is q as URL query parameters (without page unless withPage).
func (q Query) values(withPage bool) url.Values {
	v := url.Values{}
	for _, p := range [][2]string{{"q", q.Q}, {"source", q.Source}, {"tag", q.Tag}, {"topic", q.Topic},
		{"from", q.From}, {"to", q.To}, {"sort", q.Sort}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	if withPage && q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// Matcher returns a function that reports whether an item matches every
// phrase by the rules of `keywords` (each phrase one keyword).
func Matcher(phrases []string) (func(it *db.Item, now time.Time) bool, error) {
	rule := &config.Rule{}
	for _, p := range phrases {
		rule.All = append(rule.All, &config.Rule{Keywords: []string{p}})
	}
	cl, err := classifier.Compile([]config.Topic{{Slug: "search", Match: rule}})
	if err != nil {
		return nil, fmt.Errorf("web: search rule: %w", err)
	}
	return func(it *db.Item, now time.Time) bool {
		return len(cl.Classify(aggregator.DocOf(it), now)) > 0
	}, nil
}

// Search returns page q.Page of the items that match q (PerPage of them)
// and whether more follow: best first (see db.Search) or, with byDate or
// sort=date, newest stored first, each page ordered by publication. Candidates come from the full-text index
// (db.Search) and each is checked with the keyword rules, so that the
// results are exactly what a topic with these keywords would take.
func Search(ctx context.Context, store *db.DB, q Query, byDate bool, now time.Time) ([]db.Item, bool, error) {
	match := db.SearchMatch(q.phrases)
	if match == "" {
		return nil, false, nil
	}
	ok, err := Matcher(q.phrases)
	if err != nil {
		return nil, false, err
	}
	skip := (q.Page - 1) * PerPage
	var out []db.Item
	const batch = 100
	for offset := 0; offset < maxScan; offset += batch {
		cands, err := store.Search(ctx, db.SearchQuery{Match: match, Source: q.Source, Tag: q.Tag, Topic: q.Topic,
			From: q.from, To: q.to, ByDate: byDate || q.Sort == "date", Limit: batch, Offset: offset})
		if err != nil {
			return nil, false, err
		}
		for i := range cands {
			if !ok(&cands[i], now) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(out) == PerPage {
				return byDatePage(out, byDate || q.Sort == "date"), true, nil
			}
			out = append(out, cands[i])
		}
		if len(cands) < batch {
			break
		}
	}
	return byDatePage(out, byDate || q.Sort == "date"), false, nil
}

// byDatePage orders a page of results newest first by publication when
// byDate (the index gives them in the order they were stored).
func byDatePage(items []db.Item, byDate bool) []db.Item {
	if byDate {
		slices.SortStableFunc(items, func(a, b db.Item) int {
			if c := b.Published.Compare(a.Published); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		})
	}
	return items
}

var searchTmpl = pageTemplate("search.html")

type option struct {
	Value, Label string
	Selected     bool
}

type searchBody struct {
	Q                   Query
	Sources, Tags, Tops []option
	Entries             []render.EntryView
	Searched, Filtered  bool
	Count               string
	Prev, Next          string
	Links               []render.FeedLink
}

func (w *Web) handleSearch(rw http.ResponseWriter, r *http.Request) {
	st := w.st()
	q, err := parseQuery(r.URL.Query(), st.cfg)
	if err != nil {
		fail(rw, st.cfg, http.StatusBadRequest, "Tìm kiếm", err.Error())
		return
	}
	ctx := r.Context()
	now := w.now()
	var entries []render.Entry
	more := false
	if q.Q != "" {
		items, m, err := Search(ctx, w.store, q, false, now)
		if err != nil {
			w.log.Error("search failed", "q", q.Q, "err", err)
			fail(rw, st.cfg, http.StatusInternalServerError, "Tìm kiếm", "Không tìm được lúc này, xin thử lại sau (search failed; try again later).")
			return
		}
		more = m
		for _, it := range items {
			entries = append(entries, render.Entry{Item: it})
		}
	}
	lang := render.PageLang(entries)
	title := "Tìm kiếm"
	if q.Q != "" {
		title = "Tìm kiếm: " + q.Q
	}
	d := render.NewPageData(st.cfg, lang, title)
	d.Query = q.Q
	base := strings.TrimSuffix(d.Home, "/")
	body := searchBody{Q: q, Searched: q.Q != "", Entries: render.EntryViews(st.cfg, entries, lang),
		Filtered: q.Source != "" || q.Tag != "" || q.Topic != "" || q.From != "" || q.To != "" || q.Sort != ""}
	if q.Q != "" {
		qs := "?" + q.values(false).Encode()
		for _, l := range render.FeedLinks(base+"/search", title) {
			l.URL = strings.TrimSuffix(l.URL, "?") + qs
			body.Links = append(body.Links, l)
		}
		d.Alternates = body.Links
		first := (q.Page-1)*PerPage + 1
		switch {
		case len(entries) == 0:
			body.Count = "Không tìm thấy bài nào."
		default:
			body.Count = fmt.Sprintf("Kết quả %d–%d", first, first+len(entries)-1)
		}
		if q.Page > 1 {
			p := q
			p.Page--
			body.Prev = base + "/search?" + p.values(true).Encode()
		}
		if more && q.Page < MaxPage {
			p := q
			p.Page++
			body.Next = base + "/search?" + p.values(true).Encode()
		}
	}
	body.Sources = append(body.Sources, option{Value: "", Label: "Mọi nguồn"})
	for _, s := range st.cfg.Sources {
		body.Sources = append(body.Sources, option{Value: s.ID, Label: firstNonEmpty(s.Title, s.ID), Selected: s.ID == q.Source})
	}
	body.Tops = append(body.Tops, option{Value: "", Label: "Mọi chủ đề"})
	for _, t := range st.cfg.Topics {
		body.Tops = append(body.Tops, option{Value: t.Slug, Label: firstNonEmpty(t.Title, t.Slug), Selected: t.Slug == q.Topic})
	}
	body.Tags = append(body.Tags, option{Value: "", Label: "Mọi thẻ"})
	if tags, err := w.store.Tags(ctx); err == nil {
		// The most used tags (any other works in the URL).
		if len(tags) > maxTagOptions {
			slices.SortStableFunc(tags, func(a, b db.Tag) int { return cmp.Compare(b.Count, a.Count) })
			kept := tags[:maxTagOptions]
			if q.Tag != "" && !slices.ContainsFunc(kept, func(t db.Tag) bool { return t.Slug == q.Tag }) {
				if i := slices.IndexFunc(tags, func(t db.Tag) bool { return t.Slug == q.Tag }); i >= 0 {
					kept = append(kept, tags[i])
				}
			}
			tags = kept
			slices.SortStableFunc(tags, func(a, b db.Tag) int { return cmp.Compare(a.Name, b.Name) })
		}
		for _, t := range tags {
			body.Tags = append(body.Tags, option{Value: t.Slug, Label: t.Name, Selected: t.Slug == q.Tag})
		}
	}
	d.Body = body
	searchTmpl.render(rw, http.StatusOK, d, false)
}

func (w *Web) handleSearchFeed(format string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		st := w.st()
		q, err := parseQuery(r.URL.Query(), st.cfg)
		if err != nil {
			http.Error(rw, "web: bad search: "+err.Error(), http.StatusBadRequest)
			return
		}
		if q.Q == "" {
			http.Error(rw, "web: a search feed needs a query: /search."+format+"?q=...", http.StatusBadRequest)
			return
		}
		now := w.now()
		items, _, err := Search(r.Context(), w.store, q, true, now)
		if err != nil {
			w.log.Error("search feed failed", "q", q.Q, "err", err)
			http.Error(rw, "web: search failed", http.StatusInternalServerError)
			return
		}
		base := render.BaseURL(st.cfg)
		qs := q.values(false).Encode()
		f := &render.Feed{
			Title:       render.SiteTitle(st.cfg) + " · Tìm kiếm: " + q.Q,
			Description: "Kết quả tìm kiếm “" + q.Q + "”",
			ID:          render.SearchFeedID(base, qs),
			BaseURL:     base,
			SiteLink:    base + "/search?" + qs,
			Self:        map[string]string{},
		}
		for _, ff := range render.Formats {
			f.Self[ff] = base + "/search." + ff + "?" + qs
		}
		for _, it := range items {
			f.Entries = append(f.Entries, render.Entry{Item: it})
		}
		body, err := render.Render(f, format)
		if err != nil {
			w.log.Error("render search feed", "err", err)
			http.Error(rw, "web: internal error", http.StatusInternalServerError)
			return
		}
		publisher.ServeFeedBytes(rw, r, body, render.ContentType(format), 300, now)
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
