package aggregator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/sync/semaphore"
	"golang.org/x/text/unicode/norm"

	"bantin/aggregator/fetcher"
	"bantin/aggregator/normaliser"
	"bantin/aggregator/scrape"
	"bantin/config"
	"bantin/db"
)

// slotFunc takes a per_host slot for a request to host and returns the
// function that frees it.
type slotFunc func(ctx context.Context, host string) (func(), error)

// maxArticleTries is how many times the article page of an item is
// fetched before the item keeps its feed body for good.
const maxArticleTries = 5

// Listing is what a type: html source's listing page holds.
type Listing struct {
	Parsed *normaliser.Parsed
	// Entries are the items as the selectors read them, by link (the
	// items' GUID).
	Entries map[string]scrape.Entry
	// Order lists the links in page order.
	Order []string
	// Linkless counts the elements items.each matches that were left out
	// for having no link.
	Linkless int
}

// ReadListing reads the items of a type: html source's listing page
// (body, served with contentType from pageURL) into a document the
// normaliser takes like a feed: each item's link is its identity, its
// fields are sanitised, made absolute and NFC like a feed's, and its date
// is read in the source's zone.
func ReadListing(body []byte, contentType, pageURL string, src *config.Source) (*Listing, error) {
	if src.Items == nil {
		return nil, fmt.Errorf("aggregator: source %q has no items: selectors", src.ID)
	}
	text, enc := normaliser.DecodePage(body, contentType)
	page, err := scrape.Parse(text, pageURL)
	if err != nil {
		return nil, err
	}
	entries, linkless, err := page.ItemsCounting(src.Items)
	if err != nil {
		return nil, err
	}
	f := &gofeed.Feed{Title: nfc(page.Title()), Link: pageURL, Language: page.Lang()}
	l := &Listing{Entries: make(map[string]scrape.Entry, len(entries)), Linkless: linkless}
	for _, e := range entries {
		it := &gofeed.Item{
			GUID:        e.Link.Value,
			Link:        e.Link.Value,
			Title:       html.EscapeString(nfc(e.Title.Value)),
			Description: nfc(e.Summary.Value),
			Published:   e.Date.Value,
		}
		if e.Image.Value != "" {
			it.Image = &gofeed.Image{URL: e.Image.Value}
		}
		if e.Author.Value != "" {
			it.Authors = []*gofeed.Person{{Name: html.EscapeString(nfc(e.Author.Value))}}
		}
		for _, c := range e.Categories {
			it.Categories = append(it.Categories, html.EscapeString(nfc(c)))
		}
		f.Items = append(f.Items, it)
		l.Entries[e.Link.Value] = e
		l.Order = append(l.Order, e.Link.Value)
	}
	l.Parsed = &normaliser.Parsed{Feed: f, Encoding: enc, BaseURL: pageURL}
	return l, nil
}

// webPage reports whether a body of content type contentType can be an
// article page: HTML, XML or other text, by its Content-Type, or by its
// bytes when that says nothing (none, application/octet-stream). A PDF or
// an image read as HTML would publish its bytes as text.
func webPage(body []byte, contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" || mt == "application/octet-stream" {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	return strings.HasPrefix(mt, "text/") || strings.Contains(mt, "html") || strings.Contains(mt, "xml")
}

// Article is an article page read for its full text.
type Article struct {
	// HTML is the main content, sanitised, links absolute, NFC.
	HTML string
	// Fields are the raw fields read from the page and what produced
	// each (Fields.Content says which selector, or readability).
	Fields scrape.Article
	// URL is the page's final URL (after redirects).
	URL string
}

// ReadArticle extracts an article page's main content and byline with the
// source's selectors (article:, content_selector:, exclude_selector:;
// readability when no content selector is given). A page without content
// is an error wrapping scrape.ErrNoContent.
func ReadArticle(body []byte, contentType, pageURL string, src *config.Source) (*Article, error) {
	text, _ := normaliser.DecodePage(body, contentType)
	page, err := scrape.Parse(text, pageURL)
	if err != nil {
		return nil, err
	}
	fields, err := page.Article(src.ArticleContent(), src.ExcludeSelector, src.Article)
	if err != nil {
		return nil, err
	}
	clean := normaliser.CleanHTML(fields.Content.Value, pageURL)
	if normaliser.PlainText(clean) == "" {
		return nil, fmt.Errorf("%w: the content %s finds on %s has no text", scrape.ErrNoContent, fields.Content.From, pageURL)
	}
	return &Article{HTML: clean, Fields: fields, URL: pageURL}, nil
}

// FetchArticle fetches and reads the article page at link for src, with
// the fetcher's politeness and safety: the source's timeout and body cap,
// and its address policy (origin is the source's configured URL, so a
// public site cannot send the fetch to a private address).
func FetchArticle(ctx context.Context, f *fetcher.Fetcher, src *config.Source, origin, link string) (*Article, error) {
	return fetchArticle(ctx, f, src, origin, link, func(g func()) { g() }, nil)
}

// fetchArticle is FetchArticle, reading the page under onCPU. With big
// set, a page that grows past bigBody holds one of its slots until it is
// read, as big feeds do, so that huge pages cannot add up in memory
// across workers.
func fetchArticle(ctx context.Context, f *fetcher.Fetcher, src *config.Source, origin, link string, onCPU func(func()), big *semaphore.Weighted) (*Article, error) {
	req := fetcher.Request{
		URL:          link,
		Timeout:      src.Timeout.D(),
		MaxBytes:     int64(src.MaxBody),
		AllowPrivate: src.AllowPrivate,
		Origin:       origin,
		Accept:       fetcher.AcceptHTML,
	}
	held := false
	if big != nil {
		req.Grow = func(size int64) error {
			if held || size <= bigBody {
				return nil
			}
			if big.TryAcquire(1) {
				held = true
				return nil
			}
			return errNeedSlot
		}
		defer func() {
			if held {
				big.Release(1)
			}
		}()
	}
	resp, err := f.Fetch(ctx, req)
	if errors.Is(err, errNeedSlot) {
		// Fetched again once a slot is held: waiting must not eat into
		// the request's timeout.
		if err = big.Acquire(ctx, 1); err == nil {
			held = true
			resp, err = f.Fetch(ctx, req)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(resp.Body) == 0 {
		return nil, fmt.Errorf("aggregator: article %s: empty page", link)
	}
	if !webPage(resp.Body, resp.ContentType) {
		return nil, fmt.Errorf("aggregator: article %s is not a web page (%s)", link, received(resp))
	}
	var a *Article
	onCPU(func() { a, err = ReadArticle(resp.Body, resp.ContentType, resp.URL, src) })
	return a, err
}

// articles gives the items of one poll of src their article pages' full
// text: stored items keep the text fetched before (each page is fetched
// once, not on every poll); the pages of new items, and of those whose
// earlier fetch failed once their backoff is over (at most
// maxArticleTries times), are fetched now, one after the other. A failure
// keeps the feed's body and is recorded on the item. entries (type: html)
// are what the listing said of each item, so the article page fills only
// what it lacked. It returns an error only when the stored state cannot be
// read or ctx ends.
func (p *Poller) articles(ctx context.Context, src *config.Source, origin string, items []db.Item, entries map[string]scrape.Entry, now time.Time, slot slotFunc) error {
	guids := make([]string, len(items))
	for i := range items {
		guids[i] = items[i].GUID
	}
	stored, err := p.Store.Articles(ctx, src.ID, guids)
	if err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		a := stored[it.GUID]
		if a.Pruned {
			continue // not stored again: no page to fetch
		}
		if a.FullText != "" {
			it.FullText = a.FullText
			it.Article = db.ArticleState{}
			fillFromStored(it, a, entries, src)
			withFullText(it, src)
			continue
		}
		it.Article = a.State
		if it.Link == "" || a.State.Tries >= maxArticleTries || now.Before(a.State.Next) {
			continue
		}
		if err := p.readArticle(ctx, src, origin, it, entries, now, slot); err != nil {
			return err
		}
	}
	return nil
}

// readArticle fetches and reads the article page of it, whose Article
// holds the state of earlier attempts: on success the item gets its full
// text (and, from a listing that lacked them, the page's date, author and
// categories), on failure one more try and the time of the next. It
// returns an error only when ctx ends. slot, if not nil, takes the
// per_host slot of the page's host for the fetch.
func (p *Poller) readArticle(ctx context.Context, src *config.Source, origin string, it *db.Item, entries map[string]scrape.Entry, now time.Time, slot slotFunc) error {
	if slot != nil {
		free, err := slot(ctx, hostOf(it.Link))
		if err != nil {
			return err
		}
		defer free()
	}
	art, err := fetchArticle(ctx, p.Fetcher, src, origin, it.Link, p.onCPU, p.bigPages)
	if err != nil {
		if isCanceled(ctx, err) {
			return err
		}
		tries := it.Article.Tries + 1
		it.Article = db.ArticleState{Tries: tries, Next: now.Add(backoff(src, tries)), Err: err.Error()}
		p.Logger.Warn("article page not read", slog.String("source", src.ID), slog.String("link", it.Link),
			slog.Int("tries", tries), slog.Any("error", err))
		p.Metrics.articleFetched(false)
		return nil
	}
	p.Metrics.articleFetched(true)
	it.FullText = art.HTML
	it.Article = db.ArticleState{}
	if e, ok := entries[it.GUID]; ok && src.PublishesArticle() {
		fillFromArticle(it, e, art.Fields, src, now)
	}
	withFullText(it, src)
	return nil
}

// retryArticles reads again, when its feed has not changed (304), the
// article pages of src's stored items whose earlier fetch failed and
// whose backoff is over; it returns the items to store again (none: nil).
func (p *Poller) retryArticles(ctx context.Context, src *config.Source, origin string, now time.Time, slot slotFunc) ([]db.Item, error) {
	items, err := p.Store.PendingArticles(ctx, src.ID, maxArticleTries, now)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	for i := range items {
		if err := p.readArticle(ctx, src, origin, &items[i], nil, now, slot); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// withFullText applies the stored or fetched full text to an item: its
// Hash covers it and whether it is published (so getting it, or a source
// switching from match to publish, is an update), and where the source
// publishes the article it becomes the item's content.
func withFullText(it *db.Item, src *config.Source) {
	if it.FullText == "" {
		return
	}
	if src.PublishesArticle() {
		it.Content = it.FullText
		if it.ImageURL == "" {
			it.ImageURL = firstImageURL(it.FullText)
		}
	}
	mode := "match"
	if src.PublishesArticle() {
		mode = "publish"
	}
	sum := sha256.Sum256([]byte(it.Hash + "\x00full text " + mode + "\x00" + it.FullText))
	it.Hash = hex.EncodeToString(sum[:16])
}

// fillFromArticle takes the title, date, author, categories and image of an
// item of a type: html listing from its article page where the listing
// lacked them (or gave a date that does not read as one).
func fillFromArticle(it *db.Item, e scrape.Entry, a scrape.Article, src *config.Source, now time.Time) {
	if !listingDated(e, src) && a.Date.Value != "" {
		if t, ok := normaliser.ParseDate(a.Date.Value, src.Location); ok && !t.After(now.Add(24*time.Hour)) {
			it.Published = t.Truncate(time.Second)
			it.Updated = it.Published
			it.Undated = false
		}
	}
	if e.Author.Value == "" && a.Author.Value != "" {
		it.Authors = []db.Person{{Name: nfc(a.Author.Value)}}
	}
	if len(e.Categories) == 0 && len(a.Categories) > 0 {
		it.Categories = nil
		for _, c := range a.Categories {
			it.Categories = append(it.Categories, nfc(c))
		}
		it.Tags = normaliser.Tags(it.Categories, src.Tags)
	}
	if it.ImageURL == "" && a.Image.Value != "" {
		it.ImageURL = a.Image.Value
	}
	if !listingTitled(e) {
		if t := strings.Join(strings.Fields(nfc(a.Title.Value)), " "); t != "" {
			it.Title = t // not the title made up from the link
		}
	}
}

// listingTitled reports whether the listing gave e a title; without one
// the normaliser made one up from the link ("2.html"), which the article
// page's title replaces.
func listingTitled(e scrape.Entry) bool {
	return strings.TrimSpace(e.Title.Value) != ""
}

// listingDated reports whether the listing gave e a date the date parser
// reads: text it cannot read ("2 giờ trước") is no date, and the article
// page's is taken.
func listingDated(e scrape.Entry, src *config.Source) bool {
	_, ok := normaliser.ParseDate(e.Date.Value, src.Location)
	return ok
}

// fillFromStored keeps what an item of a type: html listing took from its
// article page when it was fetched: the listing still lacks it.
func fillFromStored(it *db.Item, a db.StoredArticle, entries map[string]scrape.Entry, src *config.Source) {
	e, ok := entries[it.GUID]
	if !ok || !src.PublishesArticle() {
		return
	}
	if !listingTitled(e) && a.Title != "" {
		it.Title = a.Title
	}
	if !listingDated(e, src) && !a.Published.IsZero() {
		it.Published, it.Updated = a.Published, a.Updated
		it.Undated = false
	}
	if e.Author.Value == "" && len(a.Authors) > 0 {
		it.Authors = a.Authors
	}
	if len(e.Categories) == 0 && len(a.Categories) > 0 {
		it.Categories = a.Categories
		it.Tags = normaliser.Tags(it.Categories, src.Tags)
	}
	if it.ImageURL == "" {
		it.ImageURL = a.ImageURL
	}
}

// firstImageURL returns the src of the first <img> of sanitised HTML.
func firstImageURL(s string) string {
	i := strings.Index(s, "<img ")
	if i < 0 {
		return ""
	}
	rest := s[i:]
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return ""
	}
	tag := rest[:end]
	j := strings.Index(tag, ` src="`)
	if j < 0 {
		return ""
	}
	v := tag[j+6:]
	if k := strings.IndexByte(v, '"'); k >= 0 {
		if u := html.UnescapeString(v[:k]); strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			return u // not a data: URI, a placeholder more often than not
		}
	}
	return ""
}

func nfc(s string) string { return norm.NFC.String(s) }
