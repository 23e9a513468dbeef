package normaliser

import (
	"strings"
	"testing"
)

// TestXMLBaseResolvesAgainstDocument: a relative xml:base (alone or in a
// chain) resolves against the URL the document came from, for links and
// for URLs inside content, as feedparser and RFC 3986 do.
func TestXMLBaseResolvesAgainstDocument(t *testing.T) {
	const doc = "http://h.test/dyn/atomnobase"
	atom := func(feedAttr, entryAttr string) string {
		return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"` + feedAttr + `>` +
			`<title>t</title><id>urn:f</id><updated>2026-11-26T00:00:00Z</updated>` +
			`<entry` + entryAttr + `><title>a</title><id>urn:a1</id><updated>2026-11-26T00:00:00Z</updated>` +
			`<link href="a1.html"/><content type="html">&lt;p&gt;&lt;a href="x.html"&gt;x&lt;/a&gt; &lt;img src="i.png"&gt;&lt;/p&gt;</content></entry></feed>`
	}
	tests := map[string]struct {
		body     string
		wantLink string
		wantDir  string // where x.html and i.png resolve
	}{
		"relative entry base": {
			body: atom("", ` xml:base="sub/"`), wantLink: "http://h.test/dyn/sub/a1.html", wantDir: "http://h.test/dyn/sub/",
		},
		"relative chain": {
			body: atom(` xml:base="a/"`, ` xml:base="b/"`), wantLink: "http://h.test/dyn/a/b/a1.html", wantDir: "http://h.test/dyn/a/b/",
		},
		"parent directory": {
			body: atom("", ` xml:base='../up/'`), wantLink: "http://h.test/up/a1.html", wantDir: "http://h.test/up/",
		},
		"root-relative": {
			body: atom("", ` xml:base="/root/"`), wantLink: "http://h.test/root/a1.html", wantDir: "http://h.test/root/",
		},
		"absolute base kept": {
			body: atom("", ` xml:base="http://other.test/x/"`), wantLink: "http://other.test/x/a1.html", wantDir: "http://other.test/x/",
		},
		"relative under absolute": {
			body: atom(` xml:base="http://other.test/x/"`, ` xml:base="y/"`), wantLink: "http://other.test/x/y/a1.html", wantDir: "http://other.test/x/y/",
		},
		"empty base is the document": {
			body: atom("", ` xml:base=""`), wantLink: "http://h.test/dyn/a1.html", wantDir: "http://h.test/dyn/",
		},
		"no base": {
			body: atom("", ""), wantLink: "http://h.test/dyn/a1.html", wantDir: "http://h.test/dyn/",
		},
		"RSS channel base": {
			body: `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel xml:base="sub/"><title>t</title><link>http://h.test/</link>` +
				`<item><title>a</title><guid isPermaLink="false">a1</guid><link>a1.html</link>` +
				`<description>&lt;a href="x.html"&gt;x&lt;/a&gt; &lt;img src="i.png"&gt;</description></item></channel></rss>`,
			wantLink: "http://h.test/dyn/sub/a1.html", wantDir: "http://h.test/dyn/sub/",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := MustParse(t, []byte(tc.body), "", doc)
			items := Normalise(p, Options{SourceID: "s", Now: testNow, BaseURL: doc})
			if len(items) != 1 {
				t.Fatalf("%d items, want 1", len(items))
			}
			if items[0].Link != tc.wantLink {
				t.Errorf("link = %q, want %q", items[0].Link, tc.wantLink)
			}
			content := items[0].Content + items[0].Summary
			for _, want := range []string{`href="` + tc.wantDir + `x.html"`, `src="` + tc.wantDir + `i.png"`} {
				if !strings.Contains(content, want) {
					t.Errorf("content %q does not contain %s", content, want)
				}
			}
		})
	}
}

func TestAbsoluteXMLBaseLeavesOtherDocumentsAlone(t *testing.T) {
	tests := map[string]struct{ body, doc string }{
		"no xml:base":          {body: `<feed><entry/></feed>`, doc: "http://h.test/f"},
		"no document URL":      {body: `<feed xml:base="sub/"><entry/></feed>`, doc: ""},
		"relative document":    {body: `<feed xml:base="sub/"><entry/></feed>`, doc: "/f"},
		"only absolute bases":  {body: `<feed xml:base="http://a.test/"><entry xml:base="b/"/></feed>`, doc: "http://h.test/f"},
		"broken before a base": {body: `<feed><<entry xml:base="sub/"/></feed>`, doc: "http://h.test/f"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := string(absoluteXMLBase([]byte(tc.body), tc.doc)); got != tc.body {
				t.Errorf("absoluteXMLBase = %q, want it unchanged", got)
			}
		})
	}
}
