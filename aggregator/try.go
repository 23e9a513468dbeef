package aggregator

import (
	"context"
	"fmt"
	"time"

	"bantin/aggregator/fetcher"
	"bantin/aggregator/normaliser"
	"bantin/aggregator/scrape"
	"bantin/config"
	"bantin/db"
)

// Trial is what one fetch of a source gives, as `bantin try` shows it:
// nothing of it is stored.
type Trial struct {
	URL      string // the URL fetched, after redirects
	Encoding string
	// Items are the items as they would be stored (not classified, and
	// without their article pages).
	Items []db.Item
	// Placeholders counts the items left out for having neither title,
	// link nor enclosure while others have one (see Normalise).
	Placeholders int
	// Entries are, for a type: html source, what the selectors read for
	// each item (same order as Items); nil for a feed.
	Entries []scrape.Entry
	// ArticleLink is the link of the first item, whose page was read;
	// Article is what it gave, ArticleErr why it gave nothing.
	ArticleLink string
	Article     *Article
	ArticleErr  error
}

// Try fetches src once with f (no conditional GET), reads its items as a
// poll would and reads the article page of the first one with the
// source's article selectors (readability when none is given), whether
// or not the source fetches full text.
func Try(ctx context.Context, f *fetcher.Fetcher, src *config.Source, now time.Time) (*Trial, error) {
	resp, err := f.Fetch(ctx, fetcher.Request{
		URL:          src.URL,
		Timeout:      src.Timeout.D(),
		MaxBytes:     int64(src.MaxBody),
		AllowPrivate: src.AllowPrivate,
		Accept:       acceptFor(src),
	})
	if err != nil {
		return nil, err
	}
	t := &Trial{URL: resp.URL}
	var parsed *normaliser.Parsed
	if src.Type == config.TypeHTML {
		l, err := ReadListing(resp.Body, resp.ContentType, resp.URL, src)
		if err != nil {
			return nil, err
		}
		parsed = l.Parsed
		defer func() {
			for _, it := range t.Items {
				t.Entries = append(t.Entries, l.Entries[it.GUID])
			}
		}()
	} else if parsed, err = normaliser.Parse(resp.Body, resp.ContentType, resp.URL); err != nil {
		if normaliser.IsHTML(resp.Body, resp.ContentType) {
			return nil, fmt.Errorf("aggregator: %s is an HTML page, not a feed: read it as a listing with items selectors (type: html; bantin try -each ...): %w", resp.URL, err)
		}
		return nil, fmt.Errorf("aggregator: parse %s: %w", resp.URL, err)
	}
	t.Encoding = parsed.Encoding
	t.Items, t.Placeholders = normaliser.NormaliseCounting(parsed, normaliser.Options{
		SourceID: src.ID, SourceTags: src.Tags, Location: src.Location, Language: src.Language,
		Now: now.UTC(), BaseURL: resp.URL,
	})
	if len(t.Items) > 0 && t.Items[0].Link != "" {
		t.ArticleLink = t.Items[0].Link
		t.Article, t.ArticleErr = FetchArticle(ctx, f, src, src.URL, t.ArticleLink)
	}
	return t, nil
}

// acceptFor is the Accept header for fetching src's URL.
func acceptFor(src *config.Source) string {
	if src.Type == config.TypeHTML {
		return fetcher.AcceptHTML
	}
	return ""
}
