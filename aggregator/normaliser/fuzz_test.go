package normaliser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	icu "github.com/saintfish/chardet"
	"github.com/wlynxg/chardet"
	"golang.org/x/text/unicode/norm"
)

// FuzzNormalise feeds arbitrary bytes through Parse and Normalise: no
// panic, and every stored text valid UTF-8 in NFC.
func FuzzNormalise(f *testing.F) {
	fixtures, _ := filepath.Glob(filepath.Join(testdataDir(f), "*"))
	for _, file := range fixtures {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b, "")
		}
	}
	f.Add([]byte(rssDoc(`<?xml version="1.0" encoding="windows-1258"?>`, "Hà Nội")), "")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00>\x00"), "text/xml; charset=utf-16")
	f.Add([]byte(`<rss><channel><item><title>&lt;b&gt;x</title><pubDate>26/04/2020 10:11</pubDate></item></channel></rss>`), "text/xml; charset=iso-8859-1")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<script>x</script>"}]}`), "application/feed+json")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">a<b>b</b></div></title></entry></feed>`), "")
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		IsHTML(body, contentType)
		for _, u := range Discover(body, "https://fuzz.example/") {
			if !utf8.ValidString(u) {
				t.Errorf("discovered URL not UTF-8: %q", u)
			}
		}
		p, err := Parse(body, contentType, "https://fuzz.example/feed")
		if err != nil {
			return
		}
		for _, it := range Normalise(p, Options{Location: loc, Now: now, SourceTags: []string{"Thời sự"}}) {
			checkItemText(t, it)
			if it.Published.After(now.Add(futureSlack)) || it.Published.IsZero() {
				t.Errorf("Published %v out of range", it.Published)
			}
			if it.Published.Nanosecond() != 0 || it.Updated.Nanosecond() != 0 || it.Updated.Before(it.Published) {
				t.Errorf("Published %v, Updated %v: want whole seconds, Updated not before Published", it.Published, it.Updated)
			}
			if strings.Contains(strings.ToLower(it.Summary+it.Content), "<script") {
				t.Errorf("script survived: %q", it.Summary+it.Content)
			}
		}
	})
}

// FuzzCanonicalLink checks CanonicalLink never panics, is idempotent and
// keeps valid UTF-8 valid.
func FuzzCanonicalLink(f *testing.F) {
	for _, s := range []string{
		"https://Example.com:443/a?utm_source=x&b=1&a=2#frag",
		"http://example.com:80",
		"HTTP://[::1]:80/x?fbclid=1",
		"https://example.com/%zz?%zz=1",
		"mailto:x@example.com",
		"//example.com/a",
		"https://ví-dụ.vn/đường-dẫn?q=Hà Nội",
		"https://example.com/a?a=1&&b=2&",
		"https://example.com:/a",
		"https://example.com./a?;x=1",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := CanonicalLink(raw)
		if again := CanonicalLink(got); again != got {
			t.Errorf("not idempotent: %q -> %q -> %q", raw, got, again)
		}
		if utf8.ValidString(raw) && !utf8.ValidString(got) {
			t.Errorf("CanonicalLink(%q) = %q: invalid UTF-8", raw, got)
		}
		_ = norm.NFC.IsNormalString(got)
	})
}

// FuzzDetectLegacy feeds arbitrary bytes to the charset detectors: no
// panic in either library, and an accepted guess is valid UTF-8.
func FuzzDetectLegacy(f *testing.F) {
	for _, name := range []string{"undeclared-shiftjis.rss", "undeclared-koi8r.rss"} {
		f.Add(MustReadFixture(f, name))
	}
	f.Add([]byte("\xa4\xa4\xa4\xe5\xb7\x73\xbb\x44\x8e\xb0\xa4\xa1"))
	f.Add([]byte("<rss><title>\xe0\xb8\x82\xd0\xcf\xce\xa1\xa1</title></rss>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// The libraries directly, so a panic that detectLegacy would
		// swallow is still found.
		chardet.Detect(b)
		_, _ = icu.NewTextDetector().DetectAll(b)
		if d, ok := detectLegacy(b); ok && !utf8.Valid(d.text) {
			t.Errorf("detectLegacy(%q) as %s: invalid UTF-8", b, d.encoding)
		}
	})
}
