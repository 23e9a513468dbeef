package config

import "time"

// Config is the whole bantin configuration, loaded once by Load and passed
// down. After Load every source carries its effective settings: fields left
// empty in the YAML are filled from Defaults, paths are resolved against the
// directory of the config file.
type Config struct {
	// Path is the file the config was read from; Dir is its directory.
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`

	Listen   string   `yaml:"listen"`
	BaseURL  string   `yaml:"base_url"`
	Database string   `yaml:"database"`
	Defaults Defaults `yaml:"defaults"`
	// Include lists globs (relative to the config file) of further YAML
	// files that may hold sources: and topics:.
	Include []string `yaml:"include"`
	WebSub  WebSub   `yaml:"websub"`
	Site    Site     `yaml:"site"`
	// Editors may sign in to the web desk; none: no desk pages.
	Editors []Editor `yaml:"editors"`
	Sources []Source `yaml:"sources"`
	Topics  []Topic  `yaml:"topics"`
	// AllowLargeRemoval lets a reload remove more than half of the
	// running topics or sources, or all of them (see CheckRemoval).
	AllowLargeRemoval bool `yaml:"allow_large_removal"`
	// FastPath is fast_path: false turns off the HTTP/1.1 fast path of
	// `bantin run` and `bantin serve` (publisher.Front), so that plain
	// net/http answers every request; nil (unset) means on. See
	// FastPathOn.
	FastPath *bool `yaml:"fast_path"`

	// Files lists the absolute paths of every file read by Load: the
	// config itself, then the included files in the order read. A
	// watcher can reload when any of them changes.
	Files []string `yaml:"-"`

	// Warnings are problems that do not stop Load: likely mistakes such
	// as two sources with the same URL. Sorted like ErrorList; `bantin
	// check` may print them.
	Warnings ErrorList `yaml:"-"`

	// Lookup indexes built by Load; Source and Topic fall back to a scan
	// when they are missing or stale.
	sourceIdx map[string]int
	topicIdx  map[string]int
	aliasIdx  map[string]int // alias -> index in Topics
}

// Settings are the per-source settings: defaults: gives them to every
// source, and a source may override each. Defaults and Source embed this
// one struct, read by one decoder (decoder.setting) and inherited by one
// rule (Settings.inherit), so that a new setting is declared once.
type Settings struct {
	// Language is the language of items whose feed names none (the
	// default's: of sources whose feed and items name none); "" for none.
	Language    string   `yaml:"language"`
	Interval    Duration `yaml:"interval"`     // 15m
	MinInterval Duration `yaml:"min_interval"` // 5m
	MaxInterval Duration `yaml:"max_interval"` // 24h
	Timeout     Duration `yaml:"timeout"`      // 20s
	Timezone    string   `yaml:"timezone"`     // Asia/Ho_Chi_Minh
	Retention   Duration `yaml:"retention"`    // 90d
	MaxBody     ByteSize `yaml:"max_body"`     // 10 MiB
	// FullText is FullTextOff (the default), FullTextMatch or
	// FullTextPublish (content.go).
	FullText string `yaml:"full_text"`
}

// Defaults apply to every source that does not override them; PerHost,
// Workers and UserAgent are for all sources together.
type Defaults struct {
	Settings  `yaml:",inline"`
	PerHost   int    `yaml:"per_host"`   // 2
	Workers   int    `yaml:"workers"`    // 16
	UserAgent string `yaml:"user_agent"` // empty: bantin/VERSION (+base_url)
}

// WebSub configures publishing to hubs and the built-in hub.
type WebSub struct {
	Hubs    []string `yaml:"hubs"`
	Builtin bool     `yaml:"builtin"`
	// Subscribe enables subscribing to hubs that sources advertise.
	Subscribe *bool `yaml:"subscribe"`
}

// Source is one upstream feed. After Load its Settings hold effective
// values (the source's own, else the defaults').
type Source struct {
	ID    string   `yaml:"id"`
	URL   string   `yaml:"url"` // http(s)://, file:// or a path resolved to file://
	Title string   `yaml:"title"`
	Tags  []string `yaml:"tags"`
	// Settings are the source's own, else defaults:'s.
	Settings     `yaml:",inline"`
	AllowPrivate bool `yaml:"allow_private"`
	// SourceContent says how articles and pages are read (content.go).
	SourceContent `yaml:",inline"`

	// Location is Timezone loaded; set by Load.
	Location *time.Location `yaml:"-"`
	// File, Line and Column locate the source's entry in the YAML.
	Pos Pos `yaml:"-"`
}

// Topic is an editorial topic published as its own feeds.
type Topic struct {
	Slug string `yaml:"slug"`
	// Aliases are former slugs of the topic: their feed URLs redirect to
	// the topic's, and curations stored under them are the topic's.
	Aliases      []string `yaml:"aliases"`
	Title        string   `yaml:"title"`
	Description  string   `yaml:"description"`
	Limit        int      `yaml:"limit"`          // default 50
	MaxPerSource int      `yaml:"max_per_source"` // 0: no cap
	MaxAge       Duration `yaml:"max_age"`        // 0: no limit
	Dedupe       *bool    `yaml:"dedupe"`         // nil means true
	Match        *Rule    `yaml:"match"`
	Pin          []string `yaml:"pin"`  // item links pinned at the top
	Hide         []string `yaml:"hide"` // item links never shown
	Pos          Pos      `yaml:"-"`
	// PinPos and HidePos locate each entry of Pin and Hide (same index)
	// in the YAML; set by Load.
	PinPos  []Pos `yaml:"-"`
	HidePos []Pos `yaml:"-"`
}

// DedupeOn reports whether the topic folds duplicate stories into one.
func (t Topic) DedupeOn() bool { return t.Dedupe == nil || *t.Dedupe }

// Rule is a node of the topic rule language: every key present must hold.
type Rule struct {
	Keywords   []string `yaml:"keywords"`
	Title      []string `yaml:"title"`
	Tags       []string `yaml:"tags"`
	Sources    []string `yaml:"sources"`
	Regex      []string `yaml:"regex"` // a string or a list in YAML
	Authors    []string `yaml:"authors"`
	Domains    []string `yaml:"domains"`
	Languages  []string `yaml:"languages"`
	Categories []string `yaml:"categories"`
	MaxAge     Duration `yaml:"max_age"`

	Any  []*Rule `yaml:"any"`
	All  []*Rule `yaml:"all"`
	None []*Rule `yaml:"none"`

	Pos Pos `yaml:"-"`
}

// Pos is a position in a config file.
type Pos struct {
	File   string
	Line   int
	Column int
}

// Duration is a time.Duration written in YAML as "15m", "1h30m" or "90d".
type Duration time.Duration

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ByteSize is a size written in YAML as 10485760, "10MiB", "512KB" or "1MB".
type ByteSize int64

// FastPathOn reports whether the HTTP fast path is on: unless fast_path
// is false.
func (c *Config) FastPathOn() bool { return c.FastPath == nil || *c.FastPath }
