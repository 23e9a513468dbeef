package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"strings"
	"time"

	"bantin/aggregator"
	"bantin/aggregator/fetcher"
	"bantin/aggregator/normaliser"
	"bantin/aggregator/scrape"
	"bantin/config"
)

// trySelectors are the selector flags of `bantin try URL`: flag name,
// where the selector goes, and its help.
type trySelector struct {
	flag, help string
	dst        func(*config.Source) *config.Selector
}

var trySelectors = []trySelector{
	{"each", "items.each: the CSS selector of one item on a listing page (makes the URL a type: html source)",
		func(s *config.Source) *config.Selector { return &s.Items.Each }},
	{"title", "items.title", func(s *config.Source) *config.Selector { return &s.Items.Title }},
	{"link", "items.link (default: the item's first link)", func(s *config.Source) *config.Selector { return &s.Items.Link }},
	{"date", "items.date", func(s *config.Source) *config.Selector { return &s.Items.Date }},
	{"summary", "items.summary", func(s *config.Source) *config.Selector { return &s.Items.Summary }},
	{"image", "items.image", func(s *config.Source) *config.Selector { return &s.Items.Image }},
	{"author", "items.author", func(s *config.Source) *config.Selector { return &s.Items.Author }},
	{"category", "items.category", func(s *config.Source) *config.Selector { return &s.Items.Category }},
	{"content", "the article's content (article.content / content_selector; default: readability)",
		func(s *config.Source) *config.Selector { return &s.Article.Content }},
	{"exclude", "exclude_selector: parts of the article to remove", func(s *config.Source) *config.Selector { return &s.ExcludeSelector }},
	{"article-date", "article.date", func(s *config.Source) *config.Selector { return &s.Article.Date }},
	{"article-author", "article.author", func(s *config.Source) *config.Selector { return &s.Article.Author }},
	{"article-category", "article.category", func(s *config.Source) *config.Selector { return &s.Article.Category }},
}

func cmdTry(ctx context.Context, a *app, args []string) error {
	fs := a.flags("try", "SOURCE-ID | URL  (with a URL: selector flags, e.g. -each 'ul.list-news > li' -link 'h3 a @href')")
	sels := map[string]*string{}
	for _, s := range trySelectors {
		sels[s.flag] = fs.String(s.flag, "", s.help+"; a selector ending in \" @attr\" takes that attribute")
	}
	allowPrivate := fs.Bool("allow-private", false, "allow redirects to private addresses")
	timezone := fs.String("timezone", "", "time zone of dates without one (default: the config's, else Asia/Ho_Chi_Minh)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	cfg, err := a.loadConfig()
	isURL := strings.HasPrefix(pos[0], "http://") || strings.HasPrefix(pos[0], "https://")
	if err != nil && !(isURL && errors.Is(err, iofs.ErrNotExist)) {
		return err
	}
	if cfg == nil {
		cfg = config.Default()
	}
	var src config.Source
	if isURL {
		src, err = tryURLSource(cfg, pos[0], sels, *allowPrivate, *timezone)
		if err != nil {
			return err
		}
	} else {
		s, ok := cfg.Source(pos[0])
		if !ok {
			return fmt.Errorf("no source %q in %s (give a source id or an http(s) URL)", pos[0], cfg.Path)
		}
		src = *s
		if flagsSet(fs, trySelectors) {
			return &usageError{"selector flags go with a URL; a source's selectors are those of its config"}
		}
	}
	f := fetcher.New(tryUserAgent(cfg))
	now := time.Now()
	t, err := aggregator.Try(ctx, f, &src, now)
	if err != nil {
		return err
	}
	printTrial(a.stdout, &src, t)
	return nil
}

func flagsSet(fs *flag.FlagSet, sels []trySelector) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		for _, s := range sels {
			if s.flag == f.Name {
				set = true
			}
		}
	})
	return set
}

func tryUserAgent(cfg *config.Config) string {
	if cfg.Defaults.UserAgent != "" {
		return cfg.Defaults.UserAgent
	}
	return fmt.Sprintf("bantin/%s (+%s)", version, cfg.BaseURL)
}

// tryURLSource builds the source `bantin try URL` reads: the config's
// defaults, and the selectors of the flags.
func tryURLSource(cfg *config.Config, u string, sels map[string]*string, allowPrivate bool, tz string) (config.Source, error) {
	def := cfg.Defaults
	src := config.Source{
		ID: "try", URL: u, AllowPrivate: allowPrivate,
		Settings: config.Settings{Timeout: def.Timeout, MaxBody: def.MaxBody, Timezone: def.Timezone, Retention: 0},
	}
	src.Items = &config.ItemSelectors{}
	src.Article = &config.ArticleSelectors{}
	for _, s := range trySelectors {
		raw := *sels[s.flag]
		if raw == "" {
			continue
		}
		sel, err := config.ParseSelector(raw)
		if err != nil {
			return src, &usageError{fmt.Sprintf("-%s: invalid CSS selector %q: %v", s.flag, raw, err)}
		}
		*s.dst(&src) = sel
	}
	if !src.Items.Each.IsZero() {
		src.Type = config.TypeHTML
		src.Items.FillDefaults()
	} else {
		src.Items = nil
	}
	if tz != "" {
		src.Timezone = tz
	}
	loc, err := time.LoadLocation(src.Timezone)
	if err != nil {
		return src, &usageError{fmt.Sprintf("-timezone: unknown time zone %q", src.Timezone)}
	}
	src.Location = loc
	return src, nil
}

// printTrial prints the items a source would store, every field with what
// produced it, and the first article's extracted text.
func printTrial(w io.Writer, src *config.Source, t *aggregator.Trial) {
	kind := "feed"
	if src.Type == config.TypeHTML {
		kind = "listing page"
	}
	fmt.Fprintf(w, "%s %s (%s, %s): %d items would be stored; nothing was written\n", src.ID, t.URL, kind, t.Encoding, len(t.Items))
	if t.Placeholders > 0 {
		fmt.Fprintf(w, "left out: %d without a title, link or enclosure (the feed's other items have one)\n", t.Placeholders)
	}
	for i, it := range t.Items {
		var e scrape.Entry
		from := func(f scrape.Field) string {
			if src.Type != config.TypeHTML {
				return "feed"
			}
			if f.From == "" {
				return "none"
			}
			return f.From
		}
		if i < len(t.Entries) {
			e = t.Entries[i]
		}
		fmt.Fprintf(w, "\nitem %d\n", i+1)
		field(w, "guid", it.GUID, "identity")
		field(w, "title", it.Title, from(e.Title))
		field(w, "link", it.Link, from(e.Link))
		date := it.Published.In(src.Location).Format(time.RFC3339)
		if src.Type == config.TypeHTML && e.Date.Value == "" {
			date += " (none found: the time of the fetch)"
		} else if e.Date.Value != "" {
			date += fmt.Sprintf(" from %q", e.Date.Value)
		}
		field(w, "date", date, from(e.Date))
		field(w, "summary", normaliser.PlainText(it.Summary), from(e.Summary))
		if it.Content != "" {
			field(w, "content", normaliser.PlainText(it.Content), "feed")
		}
		field(w, "image", it.ImageURL, from(e.Image))
		var authors []string
		for _, p := range it.Authors {
			authors = append(authors, p.Name)
		}
		field(w, "author", strings.Join(authors, ", "), from(e.Author))
		field(w, "category", strings.Join(it.Categories, ", "), from(scrape.Field{From: e.CategoriesFrom}))
	}
	if t.ArticleLink == "" {
		return
	}
	fmt.Fprintf(w, "\nfirst article: %s\n", t.ArticleLink)
	if t.ArticleErr != nil {
		fmt.Fprintf(w, "  not read: %v\n", t.ArticleErr)
		return
	}
	f := t.Article.Fields
	field(w, "content", fmt.Sprintf("%d bytes of HTML", len(t.Article.HTML)), f.Content.From)
	for _, x := range []struct {
		name string
		f    scrape.Field
	}{{"title", f.Title}, {"date", f.Date}, {"author", f.Author}, {"image", f.Image}} {
		if x.f.Value != "" {
			v := x.f.Value
			if x.name == "date" {
				if d, ok := normaliser.ParseDate(v, src.Location); ok {
					v = fmt.Sprintf("%s from %q", d.In(src.Location).Format(time.RFC3339), x.f.Value)
				} else {
					v = fmt.Sprintf("%q (not a date bantin reads)", v)
				}
			}
			field(w, x.name, v, x.f.From)
		}
	}
	if len(f.Categories) > 0 {
		field(w, "category", strings.Join(f.Categories, ", "), f.CategoriesFrom)
	}
	fmt.Fprintf(w, "  text:\n%s\n", indentText(articleText(t.Article.HTML), "    "))
}

// field prints one field: name, value (cut at 200 characters), producer.
func field(w io.Writer, name, value, from string) {
	if r := []rune(value); len(r) > 200 {
		value = string(r[:200]) + "…"
	}
	if value == "" {
		value = "-"
	}
	fmt.Fprintf(w, "  %-9s %s  [%s]\n", name, value, from)
}

// articleText is the text of extracted HTML, a paragraph a line.
func articleText(html string) string {
	for _, tag := range []string{"</p>", "</figcaption>", "</h2>", "</h3>", "</li>", "<br>"} {
		html = strings.ReplaceAll(html, tag, tag+"\n")
	}
	var lines []string
	for _, l := range strings.Split(html, "\n") {
		if t := normaliser.PlainText(l); t != "" {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

func indentText(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
