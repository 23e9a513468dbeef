// Package config loads and validates bantin's YAML configuration.
//
// Load reads the file through yaml.Node so that every problem is reported
// with its position as "FILE:LINE:COL: message"; it collects all problems
// (unknown keys, bad values, duplicates, dangling references) into one
// *ErrorList, sorted by position, instead of stopping at the first. After a
// successful Load the Config is complete: defaults applied, paths absolute,
// each Source holding its effective settings, every string in Unicode NFC.
//
// # Reference
//
// Top level (also: keys starting with "x-" are ignored, a home for YAML
// anchors; merge keys "<<: *anchor" work everywhere):
//
//	listen      host:port to serve on                  127.0.0.1:8080
//	base_url    absolute http(s) URL, no trailing /    http://localhost:8080
//	database    SQLite file, relative to the config    bantin.db
//	defaults    settings for every source (below)
//	include     list of globs (relative to the config) of files holding
//	            only sources: and topics:; each glob must match a file
//	websub      hubs: [URLs], builtin: bool, subscribe: bool
//	sources     list of sources (below)
//	topics      list of topics (below)
//	allow_large_removal  true lets a reload remove most or all topics or
//	            sources (default false)
//	site        title, description: the desk's name on its web pages
//	editors     list of name, password (an argon2id or bcrypt hash, as
//	            `bantin passwd` prints it): who may sign in to /desk
//	fast_path   false serves every request through net/http, without the
//	            HTTP/1.1 fast path for feeds (default true)
//
// defaults:
//
//	interval 15m, min_interval 5m, max_interval 24h, timeout 20s (all > 0)
//	timezone Asia/Ho_Chi_Minh (IANA name), retention 90d (0: never prune)
//	max_body 10MiB, per_host 2, workers 16 (>= 1), user_agent (one line),
//	language (of sources whose feed and items name none), full_text (off,
//	match or publish)
//
// A source: id (required; [a-z0-9][a-z0-9-]*, unique across all files),
// url (required; http://, https://, file:// or a plain path, made an
// absolute file:// URL relative to the file that names it), title, tags,
// allow_private, and its own settings, each overriding the defaults' (one
// struct, Settings, for both): language (a tag such as vi or en-US,
// lowercased), interval, min_interval, max_interval, timeout, timezone,
// retention, max_body, full_text (absent or a 0 duration: the default's;
// full_text: off stays off).
// How its articles and pages are read (content.go): content_selector and
// exclude_selector (CSS, "sel @attr" for an attribute); type: html makes
// url a listing page read with items: {each (required), title, link,
// date, summary, image, author, category}, where follow: true fetches
// each item's page, read with article: {content, title, date, author,
// category, image}.
//
// A topic: slug (required; same charset as ids, unique), aliases (former
// slugs, same charset), title (default: the slug), description, limit
// (default 50), max_per_source (0: no cap), max_age, dedupe (default true),
// match (a rule), pin and hide (lists of absolute links; a link may not be
// both).
//
// A rule is a non-empty mapping; every key present must hold. Leaf keys
// take a list of strings (a single string counts as a list of one):
// keywords, title, tags, sources (ids that must exist), regex (RE2),
// authors, domains (host names, lowercased), languages, categories; and
// max_age (a duration > 0). Combinators any, all and none take a list of
// rules (or one rule).
//
// Durations are Go durations plus d (24h) and w (7d): "90d", "1d12h",
// "1h30m". Sizes are a number of bytes or a number with a unit: KB, MB, GB
// (powers of 1000), KiB, MiB, GiB or K, M, G (powers of 1024).
package config
