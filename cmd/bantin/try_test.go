package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bantin/aggregator/scrape/sitetest"
)

// withSite starts a sitetest site of n articles and writes a config,
// where {{SITE}} stands for its URL.
func withSite(t *testing.T, n int, yaml string) (*sitetest.Site, string) {
	site := sitetest.New(n)
	t.Cleanup(site.Close)
	cfg := filepath.Join(t.TempDir(), "bantin.yaml")
	writeFile(t, cfg, strings.ReplaceAll(yaml, "{{SITE}}", site.URL))
	return site, cfg
}

// TestTry: `bantin try SOURCE-ID` and `bantin try URL` with selector flags
// print every field of the items with the selector that produced it, and
// the first article's text; nothing is written (no database is created).
func TestTry(t *testing.T) {
	site, cfg := withSite(t, 20, `database: try.db
sources:
  - id: kdt-thoi-su-page
    type: html
    url: {{SITE}}/thoi-su
    items: {each: "ul.list-news > li", title: "h3 a", link: "h3 a @href", date: ".time",
            summary: ".sapo", image: "img @src"}
    follow: true
    article: {content: ".detail-content", date: ".date-time", author: ".byline .author"}
    exclude_selector: ".share"
  - {id: feed, url: {{SITE}}/rss, full_text: match}
`)
	out := mustRun(t, "try", "kdt-thoi-su-page", "-config", cfg)
	for _, want := range []string{
		"20 items would be stored; nothing was written",
		"title     " + sitetest.Title(1) + "  [h3 a]",
		"link      " + site.URL + "/tin/1.html  [h3 a @href]",
		`date      2020-04-02T10:01:00+07:00 from "02-04-2020 10:01"  [.time]`,
		"summary   Tóm tắt bài 1: công tác chuẩn bị Đại hội.  [.sapo]",
		"image     " + site.URL + "/img/1.jpg  [img @src]",
		"item 20\n",
		"first article: " + site.URL + "/tin/1.html",
		"[.detail-content]",
		`date      2020-04-26T10:11:00+07:00 from "26-04-2020 10:11"  [.date-time]`,
		"author    Hồng Thái  [.byline .author]",
		"Các đại biểu bỏ phiếu bầu Ban Chấp hành Đảng bộ phường " + sitetest.BodyOnly,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("try kdt-thoi-su-page lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Chia sẻ") || strings.Contains(out, "Tin liên quan") {
		t.Errorf("the excluded share bar or the related news were printed:\n%s", out)
	}

	out = mustRun(t, "try", site.URL+"/cp1258/thoi-su", "-each", "ul.list-news > li", "-title", "h3 a", "-config", cfg)
	for _, want := range []string{"(listing page, windows-1258)", "title     " + sitetest.Title(3) + "  [h3 a]",
		"link      " + site.URL + "/cp1258/tin/3.html  [a[href] @href]", "[readability]", sitetest.BodyOnly} {
		if !strings.Contains(out, want) {
			t.Errorf("try URL lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, "try", "feed", "-config", cfg)
	if !strings.Contains(out, "summary   "+sitetest.Summary+"  [feed]") || !strings.Contains(out, sitetest.BodyOnly) {
		t.Errorf("try feed:\n%s", out)
	}

	code, _, errOut := runCLI(t, context.Background(), "try", site.URL+"/empty", "-each", "ul.list-news > li", "-config", cfg)
	if code != 1 || !strings.Contains(errOut, `items.each "ul.list-news > li" matches nothing on `+site.URL+"/empty") {
		t.Errorf("try of a page without items: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCLI(t, context.Background(), "try", site.URL+"/thoi-su", "-each", "ul >", "-config", cfg)
	if code != 2 || !strings.Contains(errOut, `-each: invalid CSS selector "ul >"`) {
		t.Errorf("try with a broken selector: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "try.db")); !os.IsNotExist(err) {
		t.Errorf("try created the database (stat: %v)", err)
	}
}

// TestExplainSaysFullText: explain tells that an item's match came from
// the article page's full text, not the feed's body.
func TestExplainSaysFullText(t *testing.T) {
	site, cfg := withSite(t, 2, `database: b.db
defaults: {retention: 3650d}
sources:
  - {id: feed, url: {{SITE}}/rss, full_text: match}
topics:
  - {slug: txb, match: {keywords: ["`+sitetest.BodyOnly+`"]}}
`)
	if out := mustRun(t, "poll", "-config", cfg); !strings.Contains(out, "2 new") {
		t.Fatalf("poll:\n%s", out)
	}
	out := mustRun(t, "explain", "txb", site.URL+"/tin/1.html", "-config", cfg)
	for _, want := range []string{"text: feed body and the article page's full text", `"` + sitetest.BodyOnly + `" (full text)`,
		"keywords matched in the full text (the article page), not the feed body", "published: yes"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
}

// TestTryNamesLeftOutPlaceholders: `bantin try` says how many items it
// left out as placeholders (no title, link or enclosure among named
// items), as poll and sources do, instead of listing fewer items silently.
func TestTryNamesLeftOutPlaceholders(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "f.rss"), `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>https://x.example/</link><description>d</description>
<item><title>Bài một</title><link>https://x.example/1</link></item>
<item><description>Chỉ có mô tả</description></item>
</channel></rss>`)
	cfg := filepath.Join(dir, "bantin.yaml")
	writeFile(t, cfg, "database: t.db\nsources:\n  - {id: x, url: ./f.rss}\n")
	out := mustRun(t, "try", "x", "-config", cfg)
	if !strings.Contains(out, "1 items would be stored") || !strings.Contains(out, "left out: 1 without a title, link or enclosure") {
		t.Errorf("try does not say it left the placeholder out:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "t.db")); err == nil {
		t.Error("try created the database")
	}
}
