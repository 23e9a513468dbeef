package normaliser

import (
	"slices"
	"testing"
)

func TestDiscover(t *testing.T) {
	tests := map[string]struct {
		body string
		base string
		want []string
	}{
		"fixture with base href": {
			body: string(MustReadFixture(t, "discover.html")),
			base: "https://news.example/page.html",
			want: []string{
				"https://news.example/sub/rss/tin-moi.rss",
				"https://news.example/atom.xml",
				"https://news.example/sub/feed.json",
				"https://news.example/comments/feed.rss",
			},
		},
		"relative to page without base": {
			body: `<html><head><link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>`,
			base: "https://blog.example/posts/index.html",
			want: []string{"https://blog.example/posts/atom.xml"},
		},
		"generic json after feed types": {
			body: `<link rel=alternate type="application/json" href="/a.json"><link rel=alternate type=application/rss+xml href=/b.rss>`,
			base: "https://x.example/",
			want: []string{"https://x.example/b.rss", "https://x.example/a.json"},
		},
		"no feed links": {
			body: `<html><head><link rel="stylesheet" href="a.css"><link rel="alternate" hreflang="fr" href="/fr/"></head></html>`,
			base: "https://x.example/",
			want: nil,
		},
		"windows-1258 page": {
			body: "<html><head><meta charset=\"windows-1258\"><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/tin.rss\"></head></html>",
			base: "https://vn.example/",
			want: []string{"https://vn.example/tin.rss"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Discover([]byte(tc.body), tc.base)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Discover = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIsHTML(t *testing.T) {
	tests := map[string]struct {
		body, contentType string
		want              bool
	}{
		"html doctype":                 {"<!DOCTYPE html><html></html>", "", true},
		"html without doctype":         {"\n  <html lang=vi><head>", "application/octet-stream", true},
		"html served as xml":           {"<!doctype HTML>\n<html>", "text/xml", true},
		"rss served as text/html":      {`<?xml version="1.0"?><rss version="2.0"><channel/></rss>`, "text/html; charset=utf-8", false},
		"atom after a comment":         {`<?xml version="1.0"?><!-- hi --><feed xmlns="http://www.w3.org/2005/Atom"/>`, "text/html", false},
		"json feed":                    {`{"version":"https://jsonfeed.org/version/1.1"}`, "text/html", false},
		"unknown body, html type":      {"hello", "text/html", true},
		"unknown body, xhtml type":     {"hello", "application/xhtml+xml", true},
		"unknown body, xml type":       {"hello", "application/xml", false},
		"fixture page":                 {string(MustReadFixture(t, "discover.html")), "", true},
		"rdf feed":                     {`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`, "text/html", false},
		"utf-16 feed with text/html":   {string(mustEncode(t, utf16LEWithBOM(), `<rss version="2.0"></rss>`)), "text/html", false},
		"broken content type, html it": {"<html>", "text/html;;;", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := IsHTML([]byte(tc.body), tc.contentType); got != tc.want {
				t.Errorf("IsHTML = %v, want %v", got, tc.want)
			}
		})
	}
}
