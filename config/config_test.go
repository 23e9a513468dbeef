package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parseErrors parses src as "t.yaml" and returns the error lines.
func parseErrors(t *testing.T, src string) []string {
	t.Helper()
	_, err := Parse([]byte(src), "t.yaml")
	if err == nil {
		return nil
	}
	var list *ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse error is %T (%v), want *ErrorList", err, err)
	}
	return strings.Split(list.Error(), "\n")
}

func mustParse(t *testing.T, src, file string) *Config {
	t.Helper()
	c, err := Parse([]byte(src), file)
	if err != nil {
		t.Fatalf("Parse: unexpected error:\n%v", err)
	}
	return c
}

func TestDefault(t *testing.T) {
	c := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen, "127.0.0.1:8080"},
		{"base_url", c.BaseURL, "http://localhost:8080"},
		{"database", c.Database, "bantin.db"},
		{"interval", c.Defaults.Interval.D(), 15 * time.Minute},
		{"min_interval", c.Defaults.MinInterval.D(), 5 * time.Minute},
		{"max_interval", c.Defaults.MaxInterval.D(), 24 * time.Hour},
		{"timeout", c.Defaults.Timeout.D(), 20 * time.Second},
		{"timezone", c.Defaults.Timezone, "Asia/Ho_Chi_Minh"},
		{"retention", c.Defaults.Retention.D(), 90 * 24 * time.Hour},
		{"max_body", c.Defaults.MaxBody, ByteSize(10 * 1024 * 1024)},
		{"per_host", c.Defaults.PerHost, 2},
		{"workers", c.Defaults.Workers, 16},
		{"topic limit", DefaultTopicLimit, 50},
	}
	for _, tc := range checks {
		if tc.got != tc.want {
			t.Errorf("Default() %s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	// Default returns a fresh value each time.
	c.Listen = "changed"
	if Default().Listen == "changed" {
		t.Error("Default() shares state between calls")
	}
}

const fullConfig = `listen: 0.0.0.0:9090
base_url: https://feeds.example.vn/bantin/
database: var/db.sqlite
defaults:
  interval: 30m
  min_interval: 10m
  max_interval: 12h
  timeout: 15s
  timezone: UTC
  retention: 2w
  max_body: 512KB
  per_host: 4
  workers: 32
  user_agent: "bantin-test/1 (+https://feeds.example.vn)"
websub:
  hubs: [https://pubsubhubbub.appspot.com/]
  builtin: true
  subscribe: false
sources:
  - id: kinhtedothi-thoi-su
    url: https://kinhtedothi.vn/rss/thoi-su.rss
    title: "Kinh tế & Đô thị · Thời sự"
    tags: ["Hà Nội", "Thời sự"]
    language: vi
    interval: 10m
    timezone: Asia/Ho_Chi_Minh
  - id: local
    url: ./feeds/local.xml
    min_interval: 1m
    max_interval: 1h
    timeout: 5s
    retention: 90d
    max_body: 1MiB
    allow_private: true
topics:
  - slug: dai-hoi-dang
    title: "Đại hội Đảng"
    description: "Đại hội Đảng các cấp"
    limit: 20
    max_per_source: 3
    max_age: 7d
    dedupe: false
    pin: [https://example.vn/a]
    hide: [https://example.vn/b]
    match:
      any:
        - keywords: ["Đại hội Đảng", "đại hội đại biểu"]
        - tags: [dai-hoi-dang]
      all:
        - sources: [kinhtedothi-thoi-su]
        - languages: [vi]
      none:
        - keywords: ["quảng cáo"]
        - title: ["Tuyển dụng"]
        - authors: ["PV"]
        - domains: [Ads.Example.VN]
        - categories: ["Quảng cáo"]
        - regex: '(?i)khuyến mãi'
        - max_age: 30d
  - slug: minimal
`

func TestParseFull(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bantin.yaml")
	c := mustParse(t, fullConfig, file)

	dur := func(s string) Duration {
		d, err := ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	no, hcm := false, mustLoc(t, "Asia/Ho_Chi_Minh")
	want := &Config{
		Path:     file,
		Dir:      dir,
		Listen:   "0.0.0.0:9090",
		BaseURL:  "https://feeds.example.vn/bantin",
		Database: filepath.Join(dir, "var", "db.sqlite"),
		Defaults: Defaults{
			Settings: Settings{Interval: dur("30m"), MinInterval: dur("10m"), MaxInterval: dur("12h"),
				Timeout: dur("15s"), Timezone: "UTC", Retention: dur("14d"), MaxBody: 512000},
			PerHost: 4, Workers: 32, UserAgent: "bantin-test/1 (+https://feeds.example.vn)",
		},
		WebSub: WebSub{Hubs: []string{"https://pubsubhubbub.appspot.com/"}, Builtin: true, Subscribe: &no},
		Sources: []Source{
			{
				ID: "kinhtedothi-thoi-su", URL: "https://kinhtedothi.vn/rss/thoi-su.rss",
				Title: "Kinh tế & Đô thị · Thời sự", Tags: []string{"Hà Nội", "Thời sự"},
				Settings: Settings{Language: "vi",
					Interval: dur("10m"), MinInterval: dur("10m"), MaxInterval: dur("12h"), Timeout: dur("15s"),
					Timezone: "Asia/Ho_Chi_Minh", Retention: dur("14d"), MaxBody: 512000},
				Location: hcm,
				Pos:      Pos{file, 20, 5},
			},
			{
				ID: "local", URL: "file://" + filepath.ToSlash(filepath.Join(dir, "feeds", "local.xml")),
				Settings: Settings{Interval: dur("30m"), MinInterval: dur("1m"), MaxInterval: dur("1h"), Timeout: dur("5s"),
					Timezone: "UTC", Retention: dur("90d"), MaxBody: 1 << 20},
				Location: time.UTC, AllowPrivate: true,
				Pos: Pos{file, 27, 5},
			},
		},
		Topics: []Topic{
			{
				Slug: "dai-hoi-dang", Title: "Đại hội Đảng", Description: "Đại hội Đảng các cấp",
				Limit: 20, MaxPerSource: 3, MaxAge: dur("7d"), Dedupe: &no,
				Pin: []string{"https://example.vn/a"}, Hide: []string{"https://example.vn/b"},
				PinPos: []Pos{{file, 43, 11}}, HidePos: []Pos{{file, 44, 12}},
				Pos: Pos{file, 36, 5},
				Match: &Rule{
					Pos: Pos{file, 46, 7},
					Any: []*Rule{
						{Keywords: []string{"Đại hội Đảng", "đại hội đại biểu"}, Pos: Pos{file, 47, 11}},
						{Tags: []string{"dai-hoi-dang"}, Pos: Pos{file, 48, 11}},
					},
					All: []*Rule{
						{Sources: []string{"kinhtedothi-thoi-su"}, Pos: Pos{file, 50, 11}},
						{Languages: []string{"vi"}, Pos: Pos{file, 51, 11}},
					},
					None: []*Rule{
						{Keywords: []string{"quảng cáo"}, Pos: Pos{file, 53, 11}},
						{Title: []string{"Tuyển dụng"}, Pos: Pos{file, 54, 11}},
						{Authors: []string{"PV"}, Pos: Pos{file, 55, 11}},
						{Domains: []string{"ads.example.vn"}, Pos: Pos{file, 56, 11}},
						{Categories: []string{"Quảng cáo"}, Pos: Pos{file, 57, 11}},
						{Regex: []string{"(?i)khuyến mãi"}, Pos: Pos{file, 58, 11}},
						{MaxAge: dur("30d"), Pos: Pos{file, 59, 11}},
					},
				},
			},
			{Slug: "minimal", Title: "minimal", Limit: 50, Pos: Pos{file, 60, 5}},
		},
		Files: []string{file},
		Warnings: ErrorList{
			{Pos: Pos{file, 60, 5}, Msg: `topic "minimal" has no match rule and no pins: its feed stays empty`},
		},
	}
	// Compare part by part so a failure names what differs; the lookup
	// indexes are internal.
	c.sourceIdx, c.topicIdx, c.aliasIdx = nil, nil, nil
	gotSources, gotTopics := c.Sources, c.Topics
	wantSources, wantTopics := want.Sources, want.Topics
	c.Sources, c.Topics, want.Sources, want.Topics = nil, nil, nil, nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("top level:\n got %+v\nwant %+v", c, want)
	}
	if len(gotSources) != len(wantSources) || len(gotTopics) != len(wantTopics) {
		t.Fatalf("got %d sources, %d topics; want %d, %d", len(gotSources), len(gotTopics), len(wantSources), len(wantTopics))
	}
	for i := range wantSources {
		if !reflect.DeepEqual(gotSources[i], wantSources[i]) {
			t.Errorf("source %d:\n got %+v\nwant %+v", i, gotSources[i], wantSources[i])
		}
	}
	for i := range wantTopics {
		g, w := gotTopics[i], wantTopics[i]
		if !reflect.DeepEqual(g.Match, w.Match) {
			t.Errorf("topic %d match:\n got %s %s\nwant %s %s", i,
				canonicalRule(g.Match), rulePositions(g.Match), canonicalRule(w.Match), rulePositions(w.Match))
		}
		g.Match, w.Match = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("topic %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	c.Topics = gotTopics
	if !c.Topics[1].DedupeOn() || c.Topics[0].DedupeOn() {
		t.Errorf("DedupeOn: got %v, %v; want false, true", c.Topics[0].DedupeOn(), c.Topics[1].DedupeOn())
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func rulePositions(r *Rule) string {
	if r == nil {
		return ""
	}
	s := r.Pos.String()
	for _, l := range [][]*Rule{r.Any, r.All, r.None} {
		for _, sr := range l {
			s += " " + rulePositions(sr)
		}
	}
	return s
}

// TestParseEmpty: a config without sources and topics (empty, truncated,
// only comments or settings) is refused, so a reload cannot unpublish
// everything; other problems are reported instead when there are some.
func TestParseEmpty(t *testing.T) {
	const want = "x.yaml: no sources and no topics: is the file empty or truncated?"
	tests := map[string]string{
		"zero bytes":        "",
		"only comments":     "# only a comment\n# and another\n",
		"document marker":   "---\n",
		"null document":     "~\n",
		"only settings":     "listen: 127.0.0.1:9090\ndefaults:\n  interval: 5m\n",
		"empty lists":       "sources: []\ntopics: []\n",
		"empty sources key": "sources:\n",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(src), "x.yaml")
			if err == nil || err.Error() != want {
				t.Fatalf("Parse(%q) error = %v, want %q", src, err, want)
			}
			if !errors.Is(err, ErrEmpty) {
				t.Errorf("errors.Is(%v, ErrEmpty) = false", err)
			}
		})
	}
	// Other problems come first and alone.
	_, err := Parse([]byte("bogus: 1\n"), "x.yaml")
	if err == nil || errors.Is(err, ErrEmpty) || strings.Contains(err.Error(), "no sources") {
		t.Errorf("Parse(bogus) = %v, want only the unknown key", err)
	}
	// A source alone, or a topic alone, is enough.
	mustParse(t, "sources:\n  - id: a\n    url: http://a.example/\n", filepath.Join(t.TempDir(), "s.yaml"))
	mustParse(t, "topics:\n  - slug: t\n    title: T\n", filepath.Join(t.TempDir(), "t.yaml"))
}

// oneTopic makes a config that is only about settings non-empty.
const oneTopic = "topics:\n  - slug: t\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"misspelt top key", "listen: :8080\nbase_urll: http://x\n",
			[]string{`t.yaml:2:1: unknown key "base_urll" at top level; did you mean "base_url"?`}},
		{"misplaced defaults key at top", "intervall: 5m\n",
			[]string{`t.yaml:1:1: unknown key "intervall" at top level; did you mean "interval"? (it belongs under defaults:)`}},
		{"unknown top key", "colour: red\n",
			[]string{`t.yaml:1:1: unknown key "colour" at top level (known keys: listen, base_url, database, defaults, include, websub, site, editors, sources, topics, allow_large_removal, fast_path)`}},
		{"misspelt defaults key", "defaults:\n  timout: 5s\n",
			[]string{`t.yaml:2:3: unknown key "timout" in defaults; did you mean "timeout"?`}},
		{"misspelt websub key", "websub:\n  hub: [https://h.example/]\n",
			[]string{`t.yaml:2:3: unknown key "hub" in websub; did you mean "hubs"?`}},
		{"misspelt source key", "sources:\n  - id: a\n    url: http://a/\n    intervall: 10m\n",
			[]string{`t.yaml:4:5: unknown key "intervall" in source; did you mean "interval"?`}},
		{"defaults-only key in source", "sources:\n  - id: a\n    url: http://a/\n    workers: 3\n",
			[]string{`t.yaml:4:5: unknown key "workers" in source (it can only be set under defaults:)`}},
		{"misspelt topic key", "topics:\n  - slug: a\n    limt: 3\n",
			[]string{`t.yaml:3:5: unknown key "limt" in topic; did you mean "limit"?`}},
		{"rule key in topic", "topics:\n  - slug: a\n    keywords: [x]\n",
			[]string{`t.yaml:3:5: unknown key "keywords" in topic (rule keys belong under match:)`}},
		{"misspelt rule key", "topics:\n  - slug: a\n    match:\n      keyword: [x]\n",
			[]string{`t.yaml:4:7: unknown key "keyword" in rule; did you mean "keywords"?`}},
		{"topic key in rule", "topics:\n  - slug: a\n    match:\n      any:\n        - tags: [x]\n          limit: 3\n",
			[]string{`t.yaml:6:11: unknown key "limit" in rule (it is a topic key, not a rule key)`}},
		{"repeated key", "listen: :1\nlisten: :2\n",
			[]string{`t.yaml:2:1: key "listen" repeated at top level (first at line 1)`}},
		{"yaml syntax", "listen: :1\n  base_url: x\n",
			[]string{`t.yaml:2:3: invalid YAML: mapping values are not allowed in this context (check the indentation of this line)`}},
		{"yaml tab indent", "sources:\n\t- id: x\n",
			[]string{`t.yaml:2:1: invalid YAML: found character that cannot start any token (YAML is indented with spaces, not tabs)`}},
		{"second document", "listen: :1\n---\nlisten: :2\n",
			[]string{`t.yaml:2:1: a config file holds one YAML document; remove this second one`}},
		{"top level not a mapping", "- a\n",
			[]string{`t.yaml:1:1: expected a mapping at top level, got a list`}},

		{"listen without port", "listen: localhost\n",
			[]string{`t.yaml:1:9: listen "localhost" must be host:port (e.g. 127.0.0.1:8080 or :8080)`}},
		{"listen bad port", "listen: localhost:http\n",
			[]string{`t.yaml:1:9: listen "localhost:http": port "http" must be a number from 0 to 65535`}},
		{"listen port too big", "listen: :70000\n",
			[]string{`t.yaml:1:9: listen ":70000": port "70000" must be a number from 0 to 65535`}},
		{"base_url relative", "base_url: /feeds\n",
			[]string{`t.yaml:1:11: base_url "/feeds" must be an absolute http:// or https:// URL`}},
		{"base_url ftp", "base_url: ftp://x.example\n",
			[]string{`t.yaml:1:11: base_url "ftp://x.example" must be an absolute http:// or https:// URL`}},
		{"database empty", "database: ''\n",
			[]string{`t.yaml:1:11: database must name a file or a postgres:// URL`}},
		{"database a list", "database: [a]\n",
			[]string{`t.yaml:1:11: database must be a string, got a list`}},

		{"bad duration unit", "defaults:\n  interval: 15 minutes\n",
			[]string{`t.yaml:2:13: interval: invalid duration "15 minutes": unknown unit "minutes" (use ns, us, ms, s, m, h, d, w)`}},
		{"duration without unit", "defaults:\n  timeout: 20\n",
			[]string{`t.yaml:2:12: timeout: invalid duration "20": missing unit (e.g. 15m, 1h30m, 90d)`}},
		{"duration without value", "defaults:\n  interval:\n  workers: ~\n",
			[]string{`t.yaml:2:12: interval has no value`, `t.yaml:3:12: workers has no value`}},
		{"zero default interval", "defaults:\n  interval: 0\n",
			[]string{`t.yaml:2:13: interval must be greater than zero`}},
		{"negative retention", "defaults:\n  retention: -5d\n",
			[]string{`t.yaml:2:14: retention must not be negative, got -5d`}},
		{"min above max in defaults", "defaults:\n  min_interval: 2h\n  max_interval: 1h\n",
			[]string{`t.yaml:3:17: min_interval 2h is greater than max_interval 1h`}},
		{"min above default max", "defaults:\n  min_interval: 2d\n",
			[]string{`t.yaml:2:17: min_interval 2d is greater than max_interval 1d`}},
		{"bad timezone", "defaults:\n  timezone: Asia/Hanoi\n",
			[]string{`t.yaml:2:13: unknown timezone "Asia/Hanoi"; give an IANA name such as Asia/Ho_Chi_Minh or UTC`}},
		{"empty timezone", "defaults:\n  timezone: ''\n",
			[]string{`t.yaml:2:13: timezone is empty; give an IANA name such as Asia/Ho_Chi_Minh or UTC`}},
		{"bad byte size unit", "defaults:\n  max_body: 10 MeB\n",
			[]string{`t.yaml:2:13: max_body: invalid size "10 MeB": unknown unit "MeB" (use B, KB, MB, GB, KiB, MiB, GiB)`}},
		{"negative byte size", "defaults:\n  max_body: -1\n",
			[]string{`t.yaml:2:13: max_body: invalid size "-1": negative`}},
		{"zero byte size", "defaults:\n  max_body: 0\n",
			[]string{`t.yaml:2:13: max_body must be greater than zero`}},
		{"per_host zero", "defaults:\n  per_host: 0\n",
			[]string{`t.yaml:2:13: per_host must be at least 1, got 0`}},
		{"workers negative", "defaults:\n  workers: -1\n",
			[]string{`t.yaml:2:12: workers must be at least 1, got -1`}},
		{"workers not a number", "defaults:\n  workers: many\n",
			[]string{`t.yaml:2:12: workers must be a whole number, got "many"`}},
		{"user agent two lines", "defaults:\n  user_agent: \"a\\nb\"\n",
			[]string{`t.yaml:2:15: user_agent must be one line`}},
		{"websub hub relative", "websub:\n  hubs: [/hub]\n",
			[]string{`t.yaml:2:10: hub "/hub" must be an absolute http:// or https:// URL`}},
		{"websub builtin not bool", "websub:\n  builtin: sometimes\n",
			[]string{`t.yaml:2:12: builtin must be true or false, got "sometimes"`}},

		{"sources not a list", "sources:\n  id: a\n",
			[]string{`t.yaml:2:3: sources must be a list (each item starting with "- "), got a mapping`}},
		{"source not a mapping", "sources:\n  - http://a/\n",
			[]string{`t.yaml:2:5: a source must be a mapping with at least id: and url:, got "http://a/"`}},
		{"source id uppercase", "sources:\n  - id: Bad_ID\n    url: http://a/\n",
			[]string{`t.yaml:2:9: source id "Bad_ID" may hold only lowercase letters a-z, digits and '-', and must not start with '-'`}},
		{"source id leading dash", "sources:\n  - id: -a\n    url: http://a/\n",
			[]string{`t.yaml:2:9: source id "-a" may hold only lowercase letters a-z, digits and '-', and must not start with '-'`}},
		{"source id empty", "sources:\n  - id: ''\n    url: http://a/\n",
			[]string{`t.yaml:2:9: source id is empty`}},
		{"source without id", "sources:\n  - url: http://a/\n",
			[]string{`t.yaml:2:5: source has no id`}},
		{"source without url", "sources:\n  - id: a\n",
			[]string{`t.yaml:2:5: source "a" has no url`}},
		{"duplicate source id", "sources:\n  - id: a\n    url: http://a/\n  - id: a\n    url: http://b/\n",
			[]string{`t.yaml:4:9: duplicate source id "a" (first defined at t.yaml:2:9)`}},
		{"url ftp", "sources:\n  - id: a\n    url: ftp://a.example/x\n",
			[]string{`t.yaml:3:10: url "ftp://a.example/x": scheme "ftp" is not supported (use http://, https://, file:// or a path starting with ./, ../ or /)`}},
		{"url http without host", "sources:\n  - id: a\n    url: http:/x\n",
			[]string{`t.yaml:3:10: url "http:/x" has no host`}},
		{"url file with host", "sources:\n  - id: a\n    url: file://host/x.xml\n",
			[]string{`t.yaml:3:10: url "file://host/x.xml": a file URL takes no host; write file:///absolute/path or a plain relative path`}},
		{"url empty", "sources:\n  - id: a\n    url: ''\n",
			[]string{`t.yaml:3:10: url is empty`}},
		{"url bad escape", "sources:\n  - id: a\n    url: http://a/%zz\n",
			[]string{`t.yaml:3:10: url "http://a/%zz" is not a valid URL: invalid URL escape "%zz"`}},
		{"source negative interval", "sources:\n  - id: a\n    url: http://a/\n    interval: -1m\n",
			[]string{`t.yaml:4:15: interval must not be negative, got -1m`}},
		{"source min above max", "sources:\n  - id: a\n    url: http://a/\n    min_interval: 3h\n    max_interval: 2h\n",
			[]string{`t.yaml:5:19: source "a": min_interval 3h is greater than max_interval 2h`}},
		{"source min above default max", "sources:\n  - id: a\n    url: http://a/\n    min_interval: 2d\n",
			[]string{`t.yaml:4:19: source "a": min_interval 2d is greater than max_interval 1d`}},
		{"source bad timezone", "sources:\n  - id: a\n    url: http://a/\n    timezone: GMT+7\n",
			[]string{`t.yaml:4:15: unknown timezone "GMT+7"; give an IANA name such as Asia/Ho_Chi_Minh or UTC`}},
		{"source bad language", "sources:\n  - id: a\n    url: http://a/\n    language: Vietnamese\n",
			[]string{`t.yaml:4:15: language "Vietnamese" is not a language tag such as vi or en-US`}},
		{"source empty tag", "sources:\n  - id: a\n    url: http://a/\n    tags: [x, '']\n",
			[]string{`t.yaml:4:15: tags: empty item`}},
		{"source null tag", "sources:\n  - id: a\n    url: http://a/\n    tags: [x, ~]\n",
			[]string{`t.yaml:4:15: tags: empty item`}},
		{"source tags mapping", "sources:\n  - id: a\n    url: http://a/\n    tags: {a: b}\n",
			[]string{`t.yaml:4:11: tags must be a list of strings, got a mapping`}},
		{"source allow_private not bool", "sources:\n  - id: a\n    url: http://a/\n    allow_private: 2\n",
			[]string{`t.yaml:4:20: allow_private must be true or false, got "2"`}},
		{"source bad max_body", "sources:\n  - id: a\n    url: http://a/\n    max_body: lots\n",
			[]string{`t.yaml:4:15: max_body: invalid size "lots": expected a number (e.g. 10MiB, 512KB, 1048576)`}},

		{"topic without slug", "topics:\n  - title: x\n",
			[]string{`t.yaml:2:5: topic has no slug`}},
		{"topic slug with diacritics", "topics:\n  - slug: hà-nội\n",
			[]string{`t.yaml:2:11: topic slug "hà-nội" may hold only lowercase letters a-z, digits and '-', and must not start with '-'`}},
		{"duplicate topic slug", "topics:\n  - slug: a\n  - slug: b\n  - slug: a\n",
			[]string{`t.yaml:4:11: duplicate topic slug "a" (first defined at t.yaml:2:11)`}},
		{"negative limit", "topics:\n  - slug: a\n    limit: -1\n",
			[]string{`t.yaml:3:12: limit must not be negative, got -1`}},
		{"negative max_per_source", "topics:\n  - slug: a\n    max_per_source: -3\n",
			[]string{`t.yaml:3:21: max_per_source must not be negative, got -3`}},
		{"topic max_age zero", "topics:\n  - slug: a\n    max_age: 0s\n",
			[]string{`t.yaml:3:14: max_age must be greater than zero`}},
		{"dedupe not bool", "topics:\n  - slug: a\n    dedupe: maybe\n",
			[]string{`t.yaml:3:13: dedupe must be true or false, got "maybe"`}},
		{"pin relative link", "topics:\n  - slug: a\n    pin: [/x]\n",
			[]string{`t.yaml:3:11: pin: "/x" is not an absolute link (https://...)`}},
		{"pinned and hidden", "topics:\n  - slug: a\n    pin: [https://x/1]\n    hide: [https://x/1]\n",
			[]string{`t.yaml:4:12: link "https://x/1" is both pinned and hidden`}},

		{"empty rule mapping", "topics:\n  - slug: a\n    match: {}\n",
			[]string{`t.yaml:3:12: empty rule: a rule needs at least one of keywords, title, tags, sources, regex, authors, domains, languages, categories, max_age, any, all or none`}},
		{"empty rule null", "topics:\n  - slug: a\n    match:\n",
			[]string{`t.yaml:3:11: empty rule: a rule needs at least one of keywords, title, tags, sources, regex, authors, domains, languages, categories, max_age, any, all or none`}},
		{"empty sub-rule", "topics:\n  - slug: a\n    match:\n      any: [{tags: [x]}, {}]\n",
			[]string{`t.yaml:4:26: empty rule: a rule needs at least one of keywords, title, tags, sources, regex, authors, domains, languages, categories, max_age, any, all or none`}},
		{"rule not a mapping", "topics:\n  - slug: a\n    match: hanoi\n",
			[]string{`t.yaml:3:12: a rule must be a mapping with keys such as keywords, title, tags, sources, regex, authors, domains, languages, categories, max_age, any, all or none; got "hanoi"`}},
		{"empty any", "topics:\n  - slug: a\n    match:\n      any: []\n",
			[]string{`t.yaml:4:12: any is an empty list; give at least one rule`}},
		{"none a string", "topics:\n  - slug: a\n    match:\n      none: x\n",
			[]string{`t.yaml:4:13: none needs a list of rules, got "x"`}},
		{"empty keywords", "topics:\n  - slug: a\n    match:\n      keywords: []\n",
			[]string{`t.yaml:4:17: keywords is an empty list; give at least one value or remove the key`}},
		{"null keywords", "topics:\n  - slug: a\n    match:\n      keywords:\n",
			[]string{`t.yaml:4:16: keywords is empty; give at least one value or remove the key`}},
		{"bad regex string", "topics:\n  - slug: a\n    match:\n      regex: 'a(b'\n",
			[]string{"t.yaml:4:14: regex \"a(b\": missing closing ): `a(b`"}},
		{"bad regex in list", "topics:\n  - slug: a\n    match:\n      regex: ['ok', '[z-a]']\n",
			[]string{"t.yaml:4:21: regex \"[z-a]\": invalid character class range: `z-a`"}},
		{"regex lookahead is not RE2", "topics:\n  - slug: a\n    match:\n      regex: '(?=x)'\n",
			[]string{"t.yaml:4:14: regex \"(?=x)\": invalid or unsupported Perl syntax: `(?=`"}},
		{"rule unknown source", "sources:\n  - id: vnexpress\n    url: http://a/\ntopics:\n  - slug: a\n    match:\n      sources: [vnexpres]\n",
			[]string{`t.yaml:7:17: rule refers to unknown source "vnexpres"; did you mean "vnexpress"?`}},
		{"rule source id malformed", "topics:\n  - slug: a\n    match:\n      sources: [VnExpress]\n",
			[]string{`t.yaml:4:17: sources: "VnExpress" is not a source id (lowercase letters a-z, digits and '-')`}},
		{"rule bad domain", "topics:\n  - slug: a\n    match:\n      domains: [https://x.com]\n",
			[]string{`t.yaml:4:17: domains: "https://x.com" is not a host name such as vnexpress.net`}},
		{"rule bad language", "topics:\n  - slug: a\n    match:\n      languages: [english]\n",
			[]string{`t.yaml:4:19: languages: "english" is not a language tag such as vi or en-US`}},
		{"rule max_age bad", "topics:\n  - slug: a\n    match:\n      max_age: 3 days\n",
			[]string{`t.yaml:4:16: max_age: invalid duration "3 days": unknown unit "days" (use ns, us, ms, s, m, h, d, w)`}},
		{"rule keyword list of lists", "topics:\n  - slug: a\n    match:\n      keywords: [[a]]\n",
			[]string{`t.yaml:4:18: keywords: each item must be a string, got a list`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseErrors(t, tc.src)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestParseErrorsAll checks that every problem is reported, in position
// order, not just the first.
func TestParseErrorsAll(t *testing.T) {
	src := `topics:
  - slug: t
    match:
      sources: [ghost]
sources:
  - id: a
    url: http://a/
    intervall: 1m
  - id: a
    url: gopher://x
defaults:
  timezone: Mars/Olympus
listen: nope
`
	want := []string{
		`t.yaml:4:17: rule refers to unknown source "ghost"`,
		`t.yaml:8:5: unknown key "intervall" in source; did you mean "interval"?`,
		`t.yaml:9:9: duplicate source id "a" (first defined at t.yaml:6:9)`,
		`t.yaml:10:10: url "gopher://x": scheme "gopher" is not supported (use http://, https://, file:// or a path starting with ./, ../ or /)`,
		`t.yaml:12:13: unknown timezone "Mars/Olympus"; give an IANA name such as Asia/Ho_Chi_Minh or UTC`,
		`t.yaml:13:9: listen "nope" must be host:port (e.g. 127.0.0.1:8080 or :8080)`,
	}
	if got := parseErrors(t, src); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

func TestErrorTypes(t *testing.T) {
	_, err := Parse([]byte("listen: x\nbogus: 1\n"), "t.yaml")
	if err == nil {
		t.Fatal("Parse: got nil error, want two problems")
	}
	var ptr *ErrorList
	if !errors.As(err, &ptr) || len(*ptr) != 2 {
		t.Errorf("errors.As(*ErrorList): got %v, want a list of 2", ptr)
	}
	var val ErrorList
	if !errors.As(err, &val) || len(val) != 2 {
		t.Errorf("errors.As(ErrorList): got %v, want a list of 2", val)
	}
	var one *Error
	if !errors.As(err, &one) || one.Pos != (Pos{"t.yaml", 1, 9}) {
		t.Errorf("errors.As(*Error): got %v, want the first problem at t.yaml:1:9", one)
	}
	if got, want := (&Error{Pos: Pos{File: "f"}, Msg: "m"}).Error(), "f: m"; got != want {
		t.Errorf("Error without line = %q, want %q", got, want)
	}
}

func TestLoad(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing): got %v, want fs.ErrNotExist", err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("Load(missing) error %q lacks the config: prefix", err)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(path, []byte("sources:\n  - id: x\n    url: http://x/\n    titel: y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	want := path + `:4:5: unknown key "titel" in source; did you mean "title"?`
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n got %v\nwant %s", err, want)
	}
}

// TestSourceURLWithoutScheme: a url that is neither a URL with a scheme
// nor a path starting with ./, ../ or / is refused at its FILE:LINE:COL,
// with the https:// form suggested when it starts like a host name.
func TestSourceURLWithoutScheme(t *testing.T) {
	tests := []struct{ url, want string }{
		{"vnexpress.net/rss/x.rss", `t.yaml:3:10: url "vnexpress.net/rss/x.rss" has no scheme: did you mean "https://vnexpress.net/rss/x.rss"? (a local file starts with ./, ../ or /)`},
		{"www.thanhnien.vn/rss/home.rss", `t.yaml:3:10: url "www.thanhnien.vn/rss/home.rss" has no scheme: did you mean "https://www.thanhnien.vn/rss/home.rss"? (a local file starts with ./, ../ or /)`},
		{"localhost:8080/feed.xml", `t.yaml:3:10: url "localhost:8080/feed.xml" has no scheme: did you mean "https://localhost:8080/feed.xml"? (a local file starts with ./, ../ or /)`},
		{"vnexpress.net:443/rss", `t.yaml:3:10: url "vnexpress.net:443/rss" has no scheme: did you mean "https://vnexpress.net:443/rss"? (a local file starts with ./, ../ or /)`},
		{"feeds/local.xml", `t.yaml:3:10: url "feeds/local.xml" has no scheme: did you mean "./feeds/local.xml"? (a local file starts with ./, ../ or /; a web feed with https://)`},
		{"feed.xml", `t.yaml:3:10: url "feed.xml" has no scheme: did you mean "./feed.xml"? (a local file starts with ./, ../ or /; a web feed with https://)`},
	}
	for _, tc := range tests {
		_, err := Parse([]byte("sources:\n  - id: a\n    url: "+tc.url+"\n"), "t.yaml")
		if err == nil || err.Error() != tc.want {
			t.Errorf("url %s:\n got %v\nwant %s", tc.url, err, tc.want)
		}
	}
}

// TestMisspeltFixture is the config `bantin check` is tested with.
func TestMisspeltFixture(t *testing.T) {
	path := filepath.Join("..", "testdata", "config", "misspelt.yaml")
	_, err := Load(path)
	want := path + `:7:5: unknown key "intervall" in source; did you mean "interval"?`
	if err == nil || err.Error() != want {
		t.Errorf("Load(%s):\n got %v\nwant %s", path, err, want)
	}
}

func TestSourceURL(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	fileURL := func(p ...string) string {
		return "file://" + filepath.ToSlash(filepath.Join(p...))
	}
	tests := []struct {
		name, url, want string
	}{
		{"https kept", "https://vnexpress.net/rss/kinh-doanh.rss", "https://vnexpress.net/rss/kinh-doanh.rss"},
		{"http kept", "http://vietstock.vn/0/tin-moi.rss", "http://vietstock.vn/0/tin-moi.rss"},
		{"upper-case scheme", "HTTPS://x.example/feed", "HTTPS://x.example/feed"},
		{"relative path", "./feeds/a.xml", fileURL(dir, "feeds", "a.xml")},
		{"parent path", "../feeds/a.xml", fileURL(filepath.Dir(dir), "feeds", "a.xml")},
		{"dot relative path", "./feeds/../b.xml", fileURL(dir, "b.xml")},
		{"absolute path", "/srv/feeds/c.xml", "file:///srv/feeds/c.xml"},
		{"path with colon", "./feeds/a:b.xml", fileURL(dir, "feeds", "a:b.xml")},
		{"path escaped", "./feeds/tin tức.xml", fileURL(dir, "feeds") + "/tin%20t%E1%BB%A9c.xml"},
		{"file absolute", "file:///srv/x.xml", "file:///srv/x.xml"},
		{"file localhost", "file://localhost/srv/x.xml", "file:///srv/x.xml"},
		{"file relative", "file:feeds/x.xml", fileURL(dir, "feeds", "x.xml")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, "sources:\n  - id: s\n    url: \""+tc.url+"\"\n", file)
			if got := c.Sources[0].URL; got != tc.want {
				t.Errorf("url %q -> %q, want %q", tc.url, got, tc.want)
			}
		})
	}
}

func TestDatabasePath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, db, want string
	}{
		{"default", "", filepath.Join(dir, "bantin.db")},
		{"relative", "data/x.db", filepath.Join(dir, "data", "x.db")},
		{"absolute", "/var/lib/bantin/x.db", "/var/lib/bantin/x.db"},
		{"postgres URL", "postgres://u:p@db.example:5432/bantin?sslmode=require", "postgres://u:p@db.example:5432/bantin?sslmode=require"},
		{"postgresql URL", "postgresql://db.example/bantin", "postgresql://db.example/bantin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := oneTopic
			if tc.db != "" {
				src = "database: " + tc.db + "\n" + oneTopic
			}
			c := mustParse(t, src, filepath.Join(dir, "c.yaml"))
			if c.Database != tc.want {
				t.Errorf("database %q -> %q, want %q", tc.db, c.Database, tc.want)
			}
		})
	}

	// A relative config path resolves against the working directory.
	c := mustParse(t, "database: x.db\n"+oneTopic, filepath.Join("sub", "c.yaml"))
	wd, _ := os.Getwd()
	if want := filepath.Join(wd, "sub", "x.db"); c.Database != want {
		t.Errorf("relative config: database = %q, want %q", c.Database, want)
	}
	if want := filepath.Join(wd, "sub"); c.Dir != want {
		t.Errorf("relative config: Dir = %q, want %q", c.Dir, want)
	}
}

func TestDatabaseEnvOverrides(t *testing.T) {
	dir := t.TempDir()
	src := "database: file.db\n" + oneTopic
	t.Setenv(EnvDatabase, "postgres://bantin@127.0.0.1:5432/bantin")
	if c := mustParse(t, src, filepath.Join(dir, "c.yaml")); c.Database != "postgres://bantin@127.0.0.1:5432/bantin" {
		t.Errorf("with $%s set to a URL, database = %q", EnvDatabase, c.Database)
	}
	t.Setenv(EnvDatabase, "other.db")
	wd, _ := os.Getwd()
	if c := mustParse(t, src, filepath.Join(dir, "c.yaml")); c.Database != filepath.Join(wd, "other.db") {
		t.Errorf("with $%s set to a relative path, database = %q, want it under the working directory", EnvDatabase, c.Database)
	}
}

func TestEffectiveSettings(t *testing.T) {
	src := `defaults:
  interval: 20m
  timezone: Europe/Paris
  max_body: 2MiB
sources:
  - id: inherits
    url: http://a/
  - id: overrides
    url: http://b/
    interval: 1h
    min_interval: 30m
    max_interval: 2d
    timeout: 3s
    timezone: Asia/Ho_Chi_Minh
    retention: 1w
    max_body: 100KiB
`
	c := mustParse(t, src, "e.yaml")
	in, _ := c.Source("inherits")
	ov, _ := c.Source("overrides")
	tests := []struct {
		name      string
		got, want any
	}{
		{"inherited interval", in.Interval.D(), 20 * time.Minute},
		{"inherited min_interval", in.MinInterval.D(), 5 * time.Minute},
		{"inherited max_interval", in.MaxInterval.D(), 24 * time.Hour},
		{"inherited timeout", in.Timeout.D(), 20 * time.Second},
		{"inherited timezone", in.Timezone, "Europe/Paris"},
		{"inherited location", in.Location.String(), "Europe/Paris"},
		{"inherited retention", in.Retention.D(), 90 * 24 * time.Hour},
		{"inherited max_body", in.MaxBody, ByteSize(2 << 20)},
		{"own interval", ov.Interval.D(), time.Hour},
		{"own min_interval", ov.MinInterval.D(), 30 * time.Minute},
		{"own max_interval", ov.MaxInterval.D(), 48 * time.Hour},
		{"own timeout", ov.Timeout.D(), 3 * time.Second},
		{"own location", ov.Location.String(), "Asia/Ho_Chi_Minh"},
		{"own retention", ov.Retention.D(), 7 * 24 * time.Hour},
		{"own max_body", ov.MaxBody, ByteSize(100 << 10)},
		{"source pos", ov.Pos, Pos{"e.yaml", 8, 5}},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestNFC feeds decomposed (NFD) Vietnamese, as some editors and macOS
// file names produce it, and expects composed (NFC) strings after Load.
func TestNFC(t *testing.T) {
	const (
		nfdHaNoi = "Ha\u0300 No\u0302\u0323i"             // Hà Nội decomposed
		nfdDang  = "Đa\u0323i ho\u0302\u0323i Đa\u0309ng" // Đại hội Đảng decomposed
	)
	src := "sources:\n  - id: s\n    url: http://s/\n    title: \"" + nfdHaNoi + "\"\n    tags: [\"" + nfdHaNoi + "\"]\n" +
		"topics:\n  - slug: t\n    title: \"" + nfdDang + "\"\n    description: \"" + nfdDang + "\"\n" +
		"    match:\n      keywords: [\"" + nfdDang + "\"]\n      title: [\"" + nfdHaNoi + "\"]\n      regex: [\"" + nfdHaNoi + "\"]\n      tags: [\"" + nfdHaNoi + "\"]\n"
	c := mustParse(t, src, "n.yaml")
	const haNoi, dang = "Hà Nội", "Đại hội Đảng"
	tp, _ := c.Topic("t")
	tests := []struct {
		name, got, want string
	}{
		{"source title", c.Sources[0].Title, haNoi},
		{"source tag", c.Sources[0].Tags[0], haNoi},
		{"topic title", tp.Title, dang},
		{"topic description", tp.Description, dang},
		{"keyword", tp.Match.Keywords[0], dang},
		{"title phrase", tp.Match.Title[0], haNoi},
		{"regex", tp.Match.Regex[0], haNoi},
		{"rule tag", tp.Match.Tags[0], haNoi},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q (% x), want NFC %q", tc.name, tc.got, tc.got, tc.want)
		}
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	src := `x-vn: &vn
  language: vi
  timezone: Asia/Ho_Chi_Minh
  tags: [Việt Nam]
sources:
  - <<: *vn
    id: a
    url: http://a/
  - <<: *vn
    id: b
    url: http://b/
    tags: [Own]
topics:
  - slug: t
    match: &rule
      keywords: [x]
  - slug: u
    match: *rule
`
	c := mustParse(t, src, "m.yaml")
	a, _ := c.Source("a")
	b, _ := c.Source("b")
	if a.Language != "vi" || !reflect.DeepEqual(a.Tags, []string{"Việt Nam"}) {
		t.Errorf("merged source a = %+v, want language vi and tag Việt Nam", a)
	}
	if !reflect.DeepEqual(b.Tags, []string{"Own"}) || b.Language != "vi" {
		t.Errorf("merged source b = %+v, want its own tags and merged language", b)
	}
	u, _ := c.Topic("u")
	if u.Match == nil || !reflect.DeepEqual(u.Match.Keywords, []string{"x"}) {
		t.Errorf("aliased rule = %+v, want keywords [x]", u.Match)
	}
}

func TestLookup(t *testing.T) {
	c := mustParse(t, "sources:\n  - id: a\n    url: http://a/\n  - id: b\n    url: http://b/\ntopics:\n  - slug: x\n  - slug: y\n", "l.yaml")
	if s, ok := c.Source("b"); !ok || s.URL != "http://b/" {
		t.Errorf("Source(b) = %v, %v; want http://b/", s, ok)
	}
	if _, ok := c.Source("zz"); ok {
		t.Error("Source(zz) found, want not found")
	}
	if tp, ok := c.Topic("y"); !ok || tp.Slug != "y" {
		t.Errorf("Topic(y) = %v, %v", tp, ok)
	}
	// The returned pointer addresses the config's own element.
	s, _ := c.Source("a")
	s.Title = "changed"
	if c.Sources[0].Title != "changed" {
		t.Error("Source returned a copy, want a pointer into Sources")
	}
	// A config changed after Load (or built by hand) still answers.
	c.Sources = append([]Source{{ID: "new"}}, c.Sources...)
	if s, ok := c.Source("a"); !ok || s.ID != "a" {
		t.Errorf("Source(a) after reorder = %v, %v", s, ok)
	}
	manual := &Config{Topics: []Topic{{Slug: "m"}}}
	if _, ok := manual.Topic("m"); !ok {
		t.Error("Topic on a hand-built config: not found")
	}
}

func TestParseWithoutFileName(t *testing.T) {
	_, err := Parse([]byte("bogus: 1\n"), "")
	if want := `<config>:1:1: unknown key "bogus" at top level (known keys: listen, base_url, database, defaults, include, websub, site, editors, sources, topics, allow_large_removal, fast_path)`; err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	c := mustParse(t, "database: x.db\n"+oneTopic, "")
	wd, _ := os.Getwd()
	if c.Path != "" || c.Dir != wd || c.Database != filepath.Join(wd, "x.db") || len(c.Files) != 0 {
		t.Errorf("Parse(data, \"\"): Path %q Dir %q Database %q Files %q; want \"\", %q, %q, none",
			c.Path, c.Dir, c.Database, c.Files, wd, filepath.Join(wd, "x.db"))
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"none", "sources:\n  - id: a\n    url: http://a/\n    interval: 10m\ntopics:\n  - slug: t\n    pin: [https://x/1]\n", nil},
		{"interval below min_interval", "sources:\n  - id: a\n    url: http://a/\n    interval: 1m\n",
			[]string{`w.yaml:4:15: interval 1m is below min_interval 5m: source "a" will be polled every 5m`}},
		{"interval above max_interval", "defaults:\n  max_interval: 2h\nsources:\n  - id: a\n    url: http://a/\n    interval: 3h\n",
			[]string{`w.yaml:6:15: interval 3h is above max_interval 2h: source "a" will be polled every 2h`}},
		{"same url twice", "sources:\n  - id: a\n    url: http://a/x\n  - id: b\n    url: http://a/x\n",
			[]string{`w.yaml:5:10: source "b" has the same url as source "a" (w.yaml:3:10): the feed is fetched twice`}},
		{"topic that can never have items", "topics:\n  - slug: t\n",
			[]string{`w.yaml:2:5: topic "t" has no match rule and no pins: its feed stays empty`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, tc.src, "w.yaml")
			var got []string
			for _, w := range c.Warnings {
				got = append(got, w.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("warnings:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestMergeList(t *testing.T) {
	src := `x-a: &a {interval: 1h, language: vi}
x-b: &b {interval: 2h, timeout: 5s}
sources:
  - <<: [*a, *b]
    id: s
    url: http://s/
`
	c := mustParse(t, src, "m.yaml")
	s, _ := c.Source("s")
	if s.Interval.String() != "1h" || s.Timeout.String() != "5s" || s.Language != "vi" {
		t.Errorf("merged list: interval %s timeout %s language %q; want 1h (first wins), 5s, vi", s.Interval, s.Timeout, s.Language)
	}
	got := parseErrors(t, "x-a: &a {colour: red}\nsources:\n  - <<: [*a, 3]\n    id: s\n    url: http://s/\n")
	want := []string{
		`t.yaml:1:10: unknown key "colour" in source (known keys: id, url, title, tags, language, interval, min_interval, max_interval, timeout, timezone, retention, max_body, full_text, allow_private, type, content_selector, exclude_selector, items, follow, article)`,
		`t.yaml:3:14: expected a mapping in source, got "3"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

// TestByteOrderMark: editors on Windows save YAML with a UTF-8 BOM.
func TestByteOrderMark(t *testing.T) {
	c := mustParse(t, "\ufefflisten: \":9999\"\nsources:\n  - id: a\n    url: http://a/\n", "bom.yaml")
	if c.Listen != ":9999" || c.Sources[0].Pos != (Pos{"bom.yaml", 3, 5}) {
		t.Errorf("with BOM: listen %q, source pos %v; want :9999 at bom.yaml:3:5", c.Listen, c.Sources[0].Pos)
	}
}

// TestDefaultsLanguage: defaults.language is the language of every source
// that sets none; a source's own language: overrides it.
func TestDefaultsLanguage(t *testing.T) {
	c := mustParse(t, `defaults:
  language: VI
sources:
  - id: vnexpress
    url: https://vnexpress.net/rss/tin-moi-nhat.rss
  - id: hanoi-times
    url: https://hanoitimes.vn/rss/home.rss
    language: en
`, filepath.Join(t.TempDir(), "c.yaml"))
	if c.Defaults.Language != "vi" {
		t.Errorf("defaults.language %q, want vi", c.Defaults.Language)
	}
	for id, want := range map[string]string{"vnexpress": "vi", "hanoi-times": "en"} {
		if s, _ := c.Source(id); s.Language != want {
			t.Errorf("source %s: language %q, want %q", id, s.Language, want)
		}
	}
	_, err := Parse([]byte("defaults:\n  language: vietnamese\nsources:\n  - id: a\n    url: https://a.example/\n"), "t.yaml")
	if want := `t.yaml:2:13: language "vietnamese" is not a language tag such as vi or en-US`; err == nil || err.Error() != want {
		t.Errorf("bad defaults.language:\n got %v\nwant %s", err, want)
	}
}

// TestInvisibleTitles: a title or description of nothing visible (spaces,
// a zero-width space, a byte-order mark, a soft hyphen) counts as none,
// so the default applies (a topic's slug, the feed's own title) rather
// than a feed whose title readers show blank; a visible title is kept
// whole, bidi marks inside it included.
func TestInvisibleTitles(t *testing.T) {
	c := mustParse(t, "site:\n  title: \"\\u200b\"\n"+
		"sources:\n  - {id: a, url: 'https://a.example/feed', title: \"\\u200b\\u00a0\\ufeff\"}\n"+
		"  - {id: b, url: 'https://b.example/feed', title: \"\\u200fمرحبا\\u200f\"}\n"+
		"topics:\n  - {slug: tin, title: \"\\u200b\", description: \" \\u00ad \", match: {keywords: [x]}}\n", "t.yaml")
	if c.Site.Title != "" {
		t.Errorf("site title %q, want none (the default)", c.Site.Title)
	}
	if got := c.Sources[0].Title; got != "" {
		t.Errorf("source title %q, want none (the feed's own)", got)
	}
	if got := c.Sources[1].Title; got != "\u200fمرحبا\u200f" {
		t.Errorf("source title %q, want kept whole", got)
	}
	if tp := c.Topics[0]; tp.Title != "tin" || tp.Description != "" {
		t.Errorf("topic title %q, description %q; want the slug and none", tp.Title, tp.Description)
	}
}
