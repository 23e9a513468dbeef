package db

import (
	"errors"
	"time"
)

// ErrNotFound is returned by lookups of a single record that does not exist.
var ErrNotFound = errors.New("db: not found")

// Source is the stored state of one upstream feed: its identity from the
// config plus everything the poller learnt about it.
type Source struct {
	ID        string // config id
	ConfigURL string // URL as written in the config
	URL       string // URL actually fetched (differs after a permanent move or autodiscovery)
	Title     string // the feed's own title
	// DisplayTitle is the title given in the config (SourceSpec.Title), ""
	// when the config gives none; set only by SyncSources.
	DisplayTitle string
	SiteURL      string // the feed's <link>
	Language     string // the feed's language, if any
	Removed      bool   // no longer in the config (kept for its items)
	Disabled     bool   // 410 Gone: never polled again until the config URL changes

	// Fed: the configured URL has given a feed since it was set; from
	// then on an HTML page in its place is a failing fetch, never an
	// autodiscovery. SyncSources clears it when the config URL changes.
	Fed bool

	// HTTP cache validators from the last 200.
	ETag         string
	LastModified string

	LastAttempt    time.Time
	LastSuccess    time.Time
	LastStatus     int // HTTP status of the last attempt, 0 for transport errors
	LastError      string
	LastNew        int
	LastUpdated    int
	LastDuration   time.Duration
	Failures       int       // consecutive failures
	NextDue        time.Time // zero: due now
	RetryAfter     time.Time // no request before this (429/503 Retry-After)
	MovedTo        string    // target of a permanent redirect being counted
	MovedCount     int       // consecutive polls that saw MovedTo
	DiscoveredFrom string    // the HTML page the feed URL was found on
	HubURL         string    // WebSub hub advertised by the feed
	HubTopic       string    // WebSub topic (self) URL advertised by the feed
	HubLeaseEnd    time.Time
	HubSecret      string
	// NormalDue is the next due time of the source's normal schedule when
	// NextDue was pushed later because a WebSub subscription was active
	// (polling relaxed to max_interval); zero when NextDue is not relaxed.
	NormalDue time.Time

	// Scheduling hints from the feed's last successful parse, kept so a
	// 304 is scheduled as the feed asked: the longest of <ttl> and
	// sy:updatePeriod/updateFrequency, and RSS skipHours/skipDays (GMT).
	FeedInterval time.Duration
	SkipHours    []int
	SkipDays     []time.Weekday

	// LastSkipped items of the last parsed feed were not stored, for
	// LastSkipReason ("older than retention 90d", "without a title, link
	// or enclosure ...", or both with counts); 0 and "" when none.
	LastSkipped    int
	LastSkipReason string
}

// Person is an author.
type Person struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URI   string `json:"uri,omitempty"`
}

// Enclosure is an attached media file.
type Enclosure struct {
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Length int64  `json:"length,omitempty"`
}

// Tag is a display name and its slug.
type Tag struct {
	Slug  string
	Name  string
	Count int // number of items, where a query fills it
}

// Item is one normalised upstream entry.
type Item struct {
	ID       int64  // row id; 0 before it is stored
	SourceID string // config id of the source
	GUID     string // identity within the source (upstream guid/id, else link, else hash)
	Link     string // absolute upstream link
	// CanonicalLink is Link with tracking parameters dropped, for dedupe.
	CanonicalLink string
	Title         string // plain text, NFC
	Summary       string // sanitised HTML, NFC
	Content       string // sanitised HTML, NFC
	Authors       []Person
	// Categories are the upstream categories as written (NFC), before the
	// source's tags are added.
	Categories []string
	// Tags are the upstream categories plus the source's tags.
	Tags       []Tag
	Enclosures []Enclosure
	ImageURL   string
	Language   string
	Published  time.Time // UTC; first-seen time when upstream gave none
	Updated    time.Time // UTC; equals Published when upstream gave none
	FirstSeen  time.Time // UTC; when bantin first stored it
	// Hash is a digest of the item's stored content, to tell an update
	// from an unchanged re-fetch.
	Hash string
	// Topics lists the slugs of the topics the item belongs to.
	Topics []string
	// FullText is the main content of the item's article page (sanitised
	// HTML, NFC), "" when it was not fetched; Article is the state of
	// that fetch.
	FullText string
	Article  ArticleState
	// Recovered marks an item read from a document the parser had to
	// repair: SaveFetch never lets it replace a stored item whose title,
	// summary or content is longer. Not stored.
	Recovered bool
	// Undated marks an item whose upstream gave no usable date (none, or
	// one in the future): its Published is the time of this fetch. When
	// it updates a stored item, the stored Published stays (the item
	// does not move to the top of feeds on each edit) and Updated is the
	// fetch time. An item with a zero Published is undated too. Not
	// stored.
	Undated bool

	// Source fields for publishing (filled by queries that join sources).
	SourceTitle string // the config's title of the source, else the feed's own
	SourceURL   string // the source feed URL
	SourceSite  string // the source's site link
}

// ArticleState is the state of the fetch of an item's article page.
type ArticleState struct {
	Tries int       // failed attempts so far
	Next  time.Time // when the next attempt may be made; zero: none pending
	Err   string    // the last attempt's error, "" after a success
}
