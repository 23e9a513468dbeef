package websub

import (
	"context"
	"net/http"

	"bantin/config"
)

// Feeds is what the hub and the announcer need of the publisher
// (publisher.Server implements it). A feed is named "topic/SLUG" or
// "tag/SLUG"; its first page exists in every format the site publishes.
type Feeds interface {
	// Config returns the configuration in force (websub:, topics).
	Config() *config.Config
	// BaseURL is the site's base URL (base_url, or where it listens),
	// without a trailing slash.
	BaseURL() string
	// SyncChanges makes what FirstPage returns reflect the database's
	// change sequence now, and returns that sequence.
	SyncChanges(ctx context.Context) (int64, error)
	// FeedNames lists the site's topic and tag feeds.
	FeedNames(ctx context.Context) ([]string, error)
	// FeedURLs lists the URLs of feed name's first page, one per format.
	FeedURLs(name string) []string
	// ParseFeedURL maps the URL of one of the site's first pages to its
	// feed and format, and to that feed's URL now (canon): a former URL
	// of a renamed topic stands for the topic. ok is false for any other
	// URL (another site's, a later page, an unknown format).
	ParseFeedURL(u string) (name, format, canon string, ok bool)
	// FirstPage returns the first page of feed name in format as the
	// database is now: its bytes, and a header with its Content-Type and
	// ETag. body is nil when there is no such feed.
	FirstPage(ctx context.Context, name, format string) (body []byte, header http.Header, err error)
}

// page is one feed's first page as FirstPage returned it.
type page struct {
	body              []byte
	contentType, etag string
}

// firstPage is Feeds.FirstPage as a page, nil for no such feed.
func firstPage(ctx context.Context, f Feeds, name, format string) (*page, error) {
	body, h, err := f.FirstPage(ctx, name, format)
	if err != nil || body == nil {
		return nil, err
	}
	return &page{body: body, contentType: h.Get("Content-Type"), etag: h.Get("ETag")}, nil
}
