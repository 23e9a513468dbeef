package render

import (
	"embed"
	"net/url"
	"strings"
	"sync"
	"time"

	"bantin/config"
)

//go:embed templates
var templateFS embed.FS

// Kinds of published feed.
const (
	KindTopic = "topic"
	KindTag   = "tag"
)

// Dir is the path under which the feeds and pages of kind are published
// ("/topics/", "/tags/"): the publisher's route table and every URL
// minted here take it from this one place.
func Dir(kind string) string {
	if kind == KindTag {
		return "/tags/"
	}
	return "/topics/"
}

// FormatLabels names each format for readers (subscribe links).
var FormatLabels = map[string]string{FormatRSS: "RSS", FormatAtom: "Atom", FormatJSON: "JSON Feed"}

// BaseURL is cfg's base_url without a trailing slash.
func BaseURL(cfg *config.Config) string {
	b := strings.TrimRight(cfg.BaseURL, "/")
	if b == "" {
		b = "http://localhost:8080"
		if cfg.Listen != "" {
			b = "http://" + cfg.Listen
		}
	}
	return b
}

// FeedURL is the URL of a published feed.
func FeedURL(base, kind, slug, format string) string {
	return base + Dir(kind) + url.PathEscape(slug) + "." + format
}

// zones caches the locations Zone loaded, by name.
var zones sync.Map

// Zone returns the zone pages show times in: the config's defaults
// timezone (config.Load fills in Asia/Ho_Chi_Minh when the YAML names
// none), UTC for a config that names none or an unknown one.
func Zone(cfg *config.Config) *time.Location {
	name := cfg.Defaults.Timezone
	if name == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// ShowTime shows t to readers in loc, to the minute, always with its
// offset from UTC: "2020-04-26 10:11 UTC+07:00" (Asia/Ho_Chi_Minh, whose
// abbreviation is numeric), "2020-04-26 05:11 CEST (UTC+02:00)",
// "2020-04-26 03:11 UTC".
func ShowTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	abbr, off := t.Zone()
	offset := "UTC" + t.Format("-07:00")
	switch {
	case off == 0 && (abbr == "UTC" || abbr == ""):
		offset = "UTC"
	case abbr != "" && abbr[0] != '+' && abbr[0] != '-':
		offset = abbr + " (" + offset + ")"
	}
	return t.Format("2006-01-02 15:04") + " " + offset
}
