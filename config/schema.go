package config

import (
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"bantin/fold"
)

// top decodes the top-level mapping of the main config file into c.
func (d *decoder) top(root *yaml.Node, c *Config) {
	for _, p := range d.mapping(root, "at top level", topKeys) {
		switch p.key {
		case "listen":
			if s, ok := d.str(p.v, p.key); ok {
				if d.checkListen(p.v, s) {
					c.Listen = s
				}
			}
		case "base_url":
			if s, ok := d.str(p.v, p.key); ok {
				if u, ok := d.checkHTTPURL(p.v, p.key, s); ok {
					c.BaseURL = strings.TrimRight(u, "/")
				}
			}
		case "database":
			if s, ok := d.str(p.v, p.key); ok {
				if strings.TrimSpace(s) == "" {
					d.errorf(resolve(p.v), "database must name a file or a postgres:// URL")
				} else {
					c.Database = s
				}
			}
		case "defaults":
			d.defaults(p.v, &c.Defaults)
		case "include":
			vals, nodes := d.strs(p.v, p.key)
			c.Include = append(c.Include, vals...)
			for _, n := range nodes {
				d.inclPos = append(d.inclPos, d.pos(n))
			}
		case "websub":
			d.websub(p.v, &c.WebSub)
		case "site":
			d.site(p.v, &c.Site)
		case "editors":
			d.editors(p.v, c)
		case "sources":
			d.sources(p.v, c)
		case "topics":
			d.topics(p.v, c)
		case "allow_large_removal":
			if b, ok := d.boolean(p.v, p.key); ok {
				c.AllowLargeRemoval = b
			}
		case "fast_path":
			if b, ok := d.boolean(p.v, p.key); ok {
				c.FastPath = &b
			}
		}
	}
}

// included decodes the top-level mapping of an included file.
func (d *decoder) included(root *yaml.Node, c *Config) {
	for _, p := range d.mapping(root, "in an included file", includeKeys) {
		switch p.key {
		case "sources":
			d.sources(p.v, c)
		case "topics":
			d.topics(p.v, c)
		}
	}
}

func (d *decoder) checkListen(n *yaml.Node, s string) bool {
	n = resolve(n)
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		d.errorf(n, "listen %q must be host:port (e.g. 127.0.0.1:8080 or :8080)", s)
		return false
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		d.errorf(n, "listen %q: port %q must be a number from 0 to 65535", s, port)
		return false
	}
	if strings.ContainsAny(host, " /") {
		d.errorf(n, "listen %q: %q is not a host name or address", s, host)
		return false
	}
	return true
}

// checkHTTPURL checks that s is an absolute http(s) URL with a host.
func (d *decoder) checkHTTPURL(n *yaml.Node, key, s string) (string, bool) {
	n = resolve(n)
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil {
		d.errorf(n, "%s %q is not a valid URL: %v", key, s, unwrapURLError(err))
		return "", false
	}
	if sc := strings.ToLower(u.Scheme); sc != "http" && sc != "https" || u.Host == "" {
		d.errorf(n, "%s %q must be an absolute http:// or https:// URL", key, s)
		return "", false
	}
	return s, true
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func (d *decoder) defaults(n *yaml.Node, def *Defaults) {
	for _, p := range d.mapping(n, "in defaults", defaultsKeys) {
		if ok, isSetting := d.setting(p, &def.Settings, true); isSetting {
			switch {
			case ok && p.key == "min_interval":
				d.defMin = d.pos(resolve(p.v))
			case ok && p.key == "max_interval":
				d.defMax = d.pos(resolve(p.v))
			}
			continue
		}
		switch p.key {
		case "per_host":
			if v, ok := d.integer(p.v, p.key, 1); ok {
				def.PerHost = v
			}
		case "workers":
			if v, ok := d.integer(p.v, p.key, 1); ok {
				def.Workers = v
			}
		case "user_agent":
			if s, ok := d.str(p.v, p.key); ok {
				if strings.ContainsAny(s, "\r\n") {
					d.errorf(resolve(p.v), "user_agent must be one line")
				} else {
					def.UserAgent = strings.TrimSpace(s)
				}
			}
		}
	}
}

// setting decodes p into s when its key is one of the Settings:
// defaults:'s (inDefaults: durations but retention must be above zero) or
// a source's (a zero duration there means the default's). isSetting
// reports whether the key is a setting, ok whether its value was good.
func (d *decoder) setting(p pair, s *Settings, inDefaults bool) (ok, isSetting bool) {
	switch p.key {
	case "interval":
		ok = d.setDuration(p, &s.Interval, inDefaults)
	case "min_interval":
		ok = d.setDuration(p, &s.MinInterval, inDefaults)
	case "max_interval":
		ok = d.setDuration(p, &s.MaxInterval, inDefaults)
	case "timeout":
		ok = d.setDuration(p, &s.Timeout, inDefaults)
	case "retention":
		ok = d.setDuration(p, &s.Retention, false)
	case "timezone":
		ok = store(&s.Timezone)(d.timezone(p.v))
	case "max_body":
		ok = store(&s.MaxBody)(d.byteSize(p.v, p.key))
	case "language":
		ok = store(&s.Language)(d.language(p.v))
	case "full_text":
		ok = store(&s.FullText)(d.fullText(p.v))
	default:
		return false, false
	}
	return ok, true
}

// store returns what stores a decoded value in dst when it is good, and
// says whether it was.
func store[T any](dst *T) func(v T, ok bool) bool {
	return func(v T, ok bool) bool {
		if ok {
			*dst = v
		}
		return ok
	}
}

func (d *decoder) setDuration(p pair, dst *Duration, positive bool) bool {
	v, ok := d.duration(p.v, p.key, positive)
	if ok {
		*dst = v
	}
	return ok
}

// timezone checks an IANA zone name with time.LoadLocation.
func (d *decoder) timezone(n *yaml.Node) (string, bool) {
	s, ok := d.str(n, "timezone")
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		d.errorf(resolve(n), "timezone is empty; give an IANA name such as Asia/Ho_Chi_Minh or UTC")
		return "", false
	}
	if _, err := time.LoadLocation(s); err != nil {
		d.errorf(resolve(n), "unknown timezone %q; give an IANA name such as Asia/Ho_Chi_Minh or UTC", s)
		return "", false
	}
	return s, true
}

func (d *decoder) websub(n *yaml.Node, w *WebSub) {
	for _, p := range d.mapping(n, "in websub", websubKeys) {
		switch p.key {
		case "hubs":
			vals, nodes := d.strs(p.v, p.key)
			for i, v := range vals {
				if u, ok := d.checkHTTPURL(nodes[i], "hub", v); ok {
					w.Hubs = append(w.Hubs, u)
				}
			}
		case "builtin":
			if b, ok := d.boolean(p.v, p.key); ok {
				w.Builtin = b
			}
		case "subscribe":
			if b, ok := d.boolean(p.v, p.key); ok {
				w.Subscribe = &b
			}
		}
	}
}

// list checks that n is a sequence and returns its items; null is an
// empty list.
func (d *decoder) list(n *yaml.Node, key string) []*yaml.Node {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a list (each item starting with \"- \"), got %s", key, kindName(n))
		return nil
	}
	return n.Content
}

func (d *decoder) sources(n *yaml.Node, c *Config) {
	for _, item := range d.list(n, "sources") {
		item = resolve(item)
		s := Source{Pos: d.pos(item)}
		var meta sourceMeta
		if item.Kind != yaml.MappingNode {
			d.errorf(item, "a source must be a mapping with at least id: and url:, got %s", kindName(item))
			continue
		}
		hasID, hasURL := false, false
		for _, p := range d.mapping(item, "in source", sourceKeys) {
			v := resolve(p.v)
			if ok, isSetting := d.setting(p, &s.Settings, false); isSetting {
				if meta.set == nil {
					meta.set = map[string]bool{}
				}
				meta.set[p.key] = true
				switch {
				case ok && p.key == "interval" && s.Interval > 0:
					meta.interval = d.pos(v)
				case ok && p.key == "min_interval" && s.MinInterval > 0:
					meta.min = d.pos(v)
				case ok && p.key == "max_interval" && s.MaxInterval > 0:
					meta.max = d.pos(v)
				}
				continue
			}
			switch p.key {
			case "id":
				hasID = true
				if id, ok := d.ident(p.v, "source id"); ok {
					s.ID = id
					meta.id = d.pos(v)
				}
			case "url":
				hasURL = true
				if raw, ok := d.str(p.v, p.key); ok {
					if u, ok := d.sourceURL(v, raw); ok {
						s.URL = u
						meta.url = d.pos(v)
					}
				}
			case "title":
				if t, ok := d.str(p.v, p.key); ok {
					s.Title = shownText(t)
				}
			case "tags":
				s.Tags, _ = d.strs(p.v, p.key)
			case "allow_private":
				if b, ok := d.boolean(p.v, p.key); ok {
					s.AllowPrivate = b
				}
			default:
				d.sourceContent(p, &s)
			}
		}
		if !hasID {
			d.errorf(item, "source has no id")
		}
		if !hasURL {
			d.errorf(item, "source %s has no url", quoteOr(s.ID, "without id"))
		}
		c.Sources = append(c.Sources, s)
		d.srcMeta = append(d.srcMeta, meta)
	}
}

func quoteOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return strconv.Quote(s)
}

// ident decodes a source id or topic slug: lowercase ASCII letters, digits
// and '-', starting with a letter or digit.
func (d *decoder) ident(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	if !idRE.MatchString(s) {
		if s == "" {
			d.errorf(resolve(n), "%s is empty", what)
		} else {
			d.errorf(resolve(n), "%s %q may hold only lowercase letters a-z, digits and '-', and must not start with '-'", what, s)
		}
		return "", false
	}
	return s, true
}

func (d *decoder) language(n *yaml.Node) (string, bool) {
	s, ok := d.str(n, "language")
	if !ok {
		return "", false
	}
	l := strings.ToLower(strings.TrimSpace(s))
	if !languageRE.MatchString(l) {
		d.errorf(resolve(n), "language %q is not a language tag such as vi or en-US", s)
		return "", false
	}
	return l, true
}

// sourceURL checks a source url and makes plain paths and relative file:
// URLs absolute file:// URLs, relative to the directory of the file that
// holds them.
func (d *decoder) sourceURL(n *yaml.Node, raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		d.errorf(n, "url is empty")
		return "", false
	}
	if !schemeRE.MatchString(raw) {
		if isLocalPath(raw) {
			return fileURL(d.absPath(raw)), true
		}
		d.errorf(n, "url %q has no scheme: %s", raw, schemeHint(raw))
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		d.errorf(n, "url %q is not a valid URL: %v", raw, unwrapURLError(err))
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			d.errorf(n, "url %q has no host", raw)
			return "", false
		}
		return raw, true
	case "file":
		switch {
		case u.Opaque != "": // file:feeds/x.xml
			p, err := url.PathUnescape(u.Opaque)
			if err != nil {
				d.errorf(n, "url %q is not a valid URL: %v", raw, err)
				return "", false
			}
			return fileURL(d.absPath(p)), true
		case u.Host != "" && u.Host != "localhost":
			d.errorf(n, "url %q: a file URL takes no host; write file:///absolute/path or a plain relative path", raw)
			return "", false
		case u.Path == "":
			d.errorf(n, "url %q names no file", raw)
			return "", false
		}
		return fileURL(u.Path), true
	}
	if hostPort(raw) {
		d.errorf(n, "url %q has no scheme: %s", raw, schemeHint(raw))
		return "", false
	}
	d.errorf(n, "url %q: scheme %q is not supported (use http://, https://, file:// or a path starting with ./, ../ or /)", raw, u.Scheme)
	return "", false
}

// isLocalPath reports whether a source url without a scheme is written as
// a local path: starting with ./, ../ or / (a bare "vnexpress.net/rss"
// is a web address missing its scheme, not a file).
func isLocalPath(raw string) bool {
	for _, p := range []string{"./", "../", "/"} {
		if strings.HasPrefix(raw, p) || strings.HasPrefix(raw, filepath.FromSlash(p)) {
			return true
		}
	}
	return raw == "." || raw == ".."
}

// schemeHint says how to write a source url that has no scheme: with
// https:// when it starts like a host name (vnexpress.net/rss/x.rss,
// localhost:8080/feed), else as a local path.
func schemeHint(raw string) string {
	if looksLikeHost(raw) {
		return "did you mean " + strconv.Quote("https://"+raw) + "? (a local file starts with ./, ../ or /)"
	}
	local := strconv.Quote("./" + raw)
	return "did you mean " + local + "? (a local file starts with ./, ../ or /; a web feed with https://)"
}

// looksLikeHost reports whether the first segment of raw (up to /, ?, #)
// reads as a host name or host:port: localhost, an IP address, or a
// dotted name whose last label is not a feed file extension.
func looksLikeHost(raw string) bool {
	first := raw
	if i := strings.IndexAny(first, "/?#"); i >= 0 {
		first = first[:i]
	}
	host := first
	if h, _, err := net.SplitHostPort(first); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || net.ParseIP(host) != nil {
		return true
	}
	dot := strings.LastIndexByte(host, '.')
	if dot < 0 || !domainRE.MatchString(host) {
		return false
	}
	switch host[dot+1:] {
	case "xml", "rss", "atom", "json", "rdf", "html", "htm", "txt", "feed", "yaml", "yml":
		return false // feed.xml: a file name
	}
	return true
}

// hostPort reports whether raw, which url.Parse read as SCHEME:..., is
// really host:port (localhost:8080/feed, vnexpress.net:443/rss).
func hostPort(raw string) bool {
	first := raw
	if i := strings.IndexAny(first, "/?#"); i >= 0 {
		first = first[:i]
	}
	_, port, err := net.SplitHostPort(first)
	if err != nil || port == "" {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil && looksLikeHost(first)
}

func (d *decoder) absPath(p string) string {
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.dir, p)
	}
	return filepath.Clean(p)
}

func fileURL(p string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

func (d *decoder) topics(n *yaml.Node, c *Config) {
	for _, item := range d.list(n, "topics") {
		item = resolve(item)
		t := Topic{Pos: d.pos(item)}
		var slugPos Pos
		var aliasPos []Pos
		if item.Kind != yaml.MappingNode {
			d.errorf(item, "a topic must be a mapping with at least slug:, got %s", kindName(item))
			continue
		}
		hasSlug := false
		var hideNodes []*yaml.Node
		for _, p := range d.mapping(item, "in topic", topicKeys) {
			v := resolve(p.v)
			switch p.key {
			case "slug":
				hasSlug = true
				if s, ok := d.ident(p.v, "topic slug"); ok {
					t.Slug = s
					slugPos = d.pos(v)
				}
			case "aliases":
				_, nodes := d.strs(p.v, p.key)
				for _, n := range nodes {
					if a, ok := d.ident(n, "topic alias"); ok {
						t.Aliases = append(t.Aliases, a)
						aliasPos = append(aliasPos, d.pos(n))
					}
				}
			case "title":
				if s, ok := d.str(p.v, p.key); ok {
					t.Title = shownText(s)
				}
			case "description":
				if s, ok := d.str(p.v, p.key); ok {
					t.Description = shownText(s)
				}
			case "limit":
				if l, ok := d.integer(p.v, p.key, 0); ok {
					t.Limit = l
				}
			case "max_per_source":
				if l, ok := d.integer(p.v, p.key, 0); ok {
					t.MaxPerSource = l
				}
			case "max_age":
				d.setDuration(p, &t.MaxAge, true)
			case "dedupe":
				if b, ok := d.boolean(p.v, p.key); ok {
					t.Dedupe = &b
				}
			case "match":
				t.Match = d.rule(p.v, 0)
			case "pin":
				var nodes []*yaml.Node
				t.Pin, nodes = d.links(p.v, p.key)
				for _, n := range nodes {
					t.PinPos = append(t.PinPos, d.pos(n))
				}
			case "hide":
				t.Hide, hideNodes = d.links(p.v, p.key)
				for _, n := range hideNodes {
					t.HidePos = append(t.HidePos, d.pos(n))
				}
			}
		}
		if !hasSlug {
			d.errorf(item, "topic has no slug")
		}
		for i, h := range t.Hide {
			if slices.Contains(t.Pin, h) {
				d.errorf(hideNodes[i], "link %q is both pinned and hidden", h)
			}
		}
		if t.Match == nil && len(t.Pin) == 0 && t.Slug != "" {
			d.warnAt(t.Pos, "topic %q has no match rule and no pins: its feed stays empty", t.Slug)
		}
		if t.Limit == 0 {
			t.Limit = DefaultTopicLimit
		}
		if t.Title == "" {
			t.Title = t.Slug
		}
		c.Topics = append(c.Topics, t)
		d.slugPos = append(d.slugPos, slugPos)
		d.aliasPos = append(d.aliasPos, aliasPos)
	}
}

// links decodes pin:/hide: lists: absolute URLs.
func (d *decoder) links(n *yaml.Node, key string) ([]string, []*yaml.Node) {
	vals, nodes := d.strs(n, key)
	var out []string
	var outNodes []*yaml.Node
	for i, v := range vals {
		u, err := url.Parse(v)
		if err != nil || !u.IsAbs() || u.Host == "" {
			d.errorf(nodes[i], "%s: %q is not an absolute link (https://...)", key, v)
			continue
		}
		out = append(out, v)
		outNodes = append(outNodes, nodes[i])
	}
	return out, outNodes
}

const (
	maxRuleDepth = 64
	maxRules     = 100000
)

// rule decodes a rule mapping and its sub-rules.
func (d *decoder) rule(n *yaml.Node, depth int) *Rule {
	n = resolve(n)
	if depth > maxRuleDepth {
		d.errorf(n, "rules nested deeper than %d levels", maxRuleDepth)
		return nil
	}
	if isNull(n) || n.Kind == yaml.MappingNode && len(n.Content) == 0 {
		d.errorf(n, "empty rule: a rule needs at least one of %s", ruleHelp)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "a rule must be a mapping with keys such as %s; got %s", ruleHelp, kindName(n))
		return nil
	}
	// Aliases can make a small file describe a huge tree; refuse to expand
	// one beyond any plausible editorial use.
	if d.rules++; d.rules > maxRules {
		if d.rules == maxRules+1 {
			d.errorf(n, "more than %d rules (are aliases nested too deeply?)", maxRules)
		}
		return nil
	}
	if d.ruleStack[n] {
		d.errorf(n, "rule contains itself (through an alias)")
		return nil
	}
	if d.ruleStack == nil {
		d.ruleStack = map[*yaml.Node]bool{}
	}
	d.ruleStack[n] = true
	defer delete(d.ruleStack, n)
	r := &Rule{Pos: d.pos(n)}
	for _, p := range d.mapping(n, "in rule", ruleKeys) {
		switch p.key {
		case "keywords":
			r.Keywords = d.matchable(p.v, p.key, false)
		case "title":
			r.Title = d.matchable(p.v, p.key, false)
		case "tags":
			r.Tags = d.matchable(p.v, p.key, true)
		case "authors":
			r.Authors = d.matchable(p.v, p.key, false)
		case "categories":
			r.Categories = d.matchable(p.v, p.key, true)
		case "sources":
			vals, nodes := d.strs(p.v, p.key)
			for i, v := range vals {
				if !idRE.MatchString(v) {
					d.errorf(nodes[i], "sources: %q is not a source id (lowercase letters a-z, digits and '-')", v)
					continue
				}
				r.Sources = append(r.Sources, v)
				d.refs = append(d.refs, ref{id: v, pos: d.pos(nodes[i])})
			}
		case "regex":
			vals, nodes := d.strs(p.v, p.key)
			for i, v := range vals {
				if _, err := regexp.Compile(v); err != nil {
					d.errorf(nodes[i], "regex %q: %v", v, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
					continue
				}
				r.Regex = append(r.Regex, v)
			}
		case "domains":
			vals, nodes := d.strs(p.v, p.key)
			for i, v := range vals {
				dom := strings.TrimSuffix(strings.ToLower(v), ".")
				if !domainRE.MatchString(dom) {
					d.errorf(nodes[i], "domains: %q is not a host name such as vnexpress.net", v)
					continue
				}
				r.Domains = append(r.Domains, dom)
			}
		case "languages":
			vals, nodes := d.strs(p.v, p.key)
			for i, v := range vals {
				l := strings.ToLower(v)
				if !languageRE.MatchString(l) {
					d.errorf(nodes[i], "languages: %q is not a language tag such as vi or en-US", v)
					continue
				}
				r.Languages = append(r.Languages, l)
			}
		case "max_age":
			d.setDuration(p, &r.MaxAge, true)
		case "any":
			r.Any = d.ruleList(p.v, p.key, depth)
		case "all":
			r.All = d.ruleList(p.v, p.key, depth)
		case "none":
			r.None = d.ruleList(p.v, p.key, depth)
		}
	}
	return r
}

// matchable decodes a list of phrases (slug false) or of tag or category
// names (slug true) and rejects the values without a letter or digit: the
// classifier refuses them, since they could never match anything.
func (d *decoder) matchable(n *yaml.Node, key string, slug bool) []string {
	vals, nodes := d.strs(n, key)
	var out []string
	for i, v := range vals {
		ok := fold.Slug(v) != ""
		if !slug {
			ok = strings.IndexFunc(fold.Fold(v), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
		}
		if !ok {
			d.errorf(nodes[i], "%s: %q has no letters or digits, so it can never match", key, v)
			continue
		}
		out = append(out, v)
	}
	return out
}

// ruleList decodes the list under any/all/none; a single mapping counts as a
// list of one.
func (d *decoder) ruleList(n *yaml.Node, key string, depth int) []*Rule {
	n = resolve(n)
	var items []*yaml.Node
	switch {
	case n.Kind == yaml.MappingNode:
		items = []*yaml.Node{n}
	case n.Kind == yaml.SequenceNode && len(n.Content) > 0:
		items = n.Content
	case n.Kind == yaml.SequenceNode:
		d.errorf(n, "%s is an empty list; give at least one rule", key)
		return nil
	default:
		d.errorf(n, "%s needs a list of rules, got %s", key, kindName(n))
		return nil
	}
	var out []*Rule
	for _, it := range items {
		if r := d.rule(it, depth+1); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// shownText is a title or description as the config gives it, trimmed:
// "" when it has nothing visible (only spaces, zero-width or other
// format characters, controls), so that the default applies rather than
// a feed whose title readers show blank.
func shownText(s string) string {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) && !unicode.IsControl(r) {
			return s
		}
	}
	return ""
}
