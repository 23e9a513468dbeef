package normaliser

import (
	"testing"
	"time"
)

// TestPlainTextTitles: titles that are plain text by spec (JSON Feed,
// Atom type="text", the Atom default, Atom 0.3 text/plain) keep "<" and
// "&" as literal characters; RSS titles and Atom html/xhtml titles are
// rendered from HTML. The feed's own title follows the same rule.
func TestPlainTextTitles(t *testing.T) {
	atom := func(titleElem string) string {
		return `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">` + titleElem +
			`<id>f</id><entry><id>1</id>` + titleElem + `<updated>2026-11-24T09:00:00Z</updated></entry></feed>`
	}
	atom03 := func(titleElem string) string {
		return `<feed version="0.3" xmlns="http://purl.org/atom/ns#">` + titleElem +
			`<entry><id>1</id>` + titleElem + `</entry></feed>`
	}
	rss := func(title string) string {
		return `<rss version="2.0"><channel><title>` + title + `</title><item><guid>1</guid><title>` + title +
			`</title></item></channel></rss>`
	}
	json := func(title string) string {
		return `{"version":"https://jsonfeed.org/version/1.1","title":` + title +
			`,"items":[{"id":"1","title":` + title + `,"content_text":"x"}]}`
	}
	tests := []struct {
		name, body, want string
	}{
		{"json feed keeps brackets", json(`"Go 1.26 & the <canvas> of modern backends"`),
			"Go 1.26 & the <canvas> of modern backends"},
		{"json feed keeps references literal", json(`"Tom &amp; Jerry"`), "Tom &amp; Jerry"},
		{"json feed collapses white space", json(`"  Tin\n\tmới  "`), "Tin mới"},
		{"atom default type is text", atom(`<title>Why &lt;b&gt; tags &amp; "quotes"</title>`),
			`Why <b> tags & "quotes"`},
		{"atom type=text", atom(`<title type="text">History of the &lt;blink&gt; tag</title>`),
			"History of the <blink> tag"},
		{"atom type=text in single quotes", atom(`<title type='text'>a &lt; b</title>`), "a < b"},
		{"atom type=text CDATA", atom(`<title type="text"><![CDATA[1 < 2 & <i>x</i>]]></title>`),
			"1 < 2 & <i>x</i>"},
		{"atom type=html", atom(`<title type="html">Markets &lt;b&gt;rally&lt;/b&gt; &amp;amp; more</title>`),
			"Markets rally & more"},
		{"atom type=xhtml", atom(`<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>bold</b> move</div></title>`),
			"A bold move"},
		{"atom text title with elements is markup", atom(`<title>Example <b>Atom</b></title>`), "Example Atom"},
		{"atom 0.3 text/plain", atom03(`<title type="text/plain">x &lt;y&gt; z</title>`), "x <y> z"},
		{"atom 0.3 text/html escaped", atom03(`<title type="text/html" mode="escaped">&lt;b&gt;Bold&lt;/b&gt; news</title>`),
			"Bold news"},
		{"rss escaped markup rendered", rss(`&lt;b&gt;Bold&lt;/b&gt; news`), "Bold news"},
		{"rss lone less-than", rss(`Lãi suất &lt; 5%/năm`), "Lãi suất < 5%/năm"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := MustParse(t, []byte(tc.body), "", "https://titles.example/feed")
			if p.Feed.Title != tc.want {
				t.Errorf("feed title = %q, want %q", p.Feed.Title, tc.want)
			}
			items := Normalise(p, Options{Now: testNow})
			if len(items) != 1 {
				t.Fatalf("got %d items, want 1", len(items))
			}
			if items[0].Title != tc.want {
				t.Errorf("item title = %q, want %q", items[0].Title, tc.want)
			}
		})
	}
}

// TestPlainTextTitlesPerEntry: each Atom entry's title type applies to
// that entry only, also when titles in atom:source, in XHTML content, in
// comments or CDATA sections, or in extension namespaces stand between.
func TestPlainTextTitlesPerEntry(t *testing.T) {
	body := `<?xml version="1.0"?>
<!DOCTYPE feed [ <!ENTITY x "<title>no</title>"> ]>
<a:feed xmlns:a="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<a:title type="html">&lt;i&gt;Feed&lt;/i&gt;</a:title><a:id>f</a:id>
<!-- <a:entry><a:title type="html">comment</a:title></a:entry> -->
<a:entry><a:id>1</a:id><a:title>1 &lt; 2</a:title>
  <a:source><a:title type="html">&lt;b&gt;src&lt;/b&gt;</a:title></a:source>
  <dc:title>&lt;b&gt;dc&lt;/b&gt;</dc:title>
  <a:content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><title>x</title><p>&lt;p&gt;</p></div></a:content>
</a:entry>
<a:entry><a:id>2</a:id><a:title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; fine</a:title>
  <a:summary type="html"><![CDATA[<a:entry><a:title>cdata</a:title></a:entry>]]></a:summary>
</a:entry>
<a:entry><a:id>3</a:id><a:title type="text">&lt;tag&gt; &amp; text</a:title></a:entry>
</a:feed>`
	p := MustParse(t, []byte(body), "", "https://titles.example/feed")
	if p.Feed.Title != "Feed" {
		t.Errorf("feed title = %q, want %q", p.Feed.Title, "Feed")
	}
	items := byGUID(Normalise(p, Options{Now: testNow}))
	for guid, want := range map[string]string{"1": "1 < 2", "2": "Bold & fine", "3": "<tag> & text"} {
		if got := items[guid].Title; got != want {
			t.Errorf("entry %s title = %q, want %q", guid, got, want)
		}
	}
}

func TestScanAtomTitles(t *testing.T) {
	tests := []struct {
		name, doc string
		feed      textConstruct
		entries   []textConstruct
	}{
		{"no titles", `<feed><entry/><entry></entry></feed>`, textConstruct{}, []textConstruct{{}, {}}},
		{"types and modes", `<feed><title type="HTML">a</title><entry><title mode='escaped'>b</title></entry></feed>`,
			textConstruct{typ: "html"}, []textConstruct{{mode: "escaped"}}},
		{"last title of an entry wins", `<feed><entry><title type="html">a</title><title>b</title></entry></feed>`,
			textConstruct{}, []textConstruct{{}}},
		{"elements in a title", `<feed><title>a <b>b</b></title><entry><title><br/></title></entry></feed>`,
			textConstruct{elements: true}, []textConstruct{{elements: true}}},
		{"quoted > in an attribute", `<feed><entry><link href="a>b"/><title type="text">t</title></entry></feed>`,
			textConstruct{}, []textConstruct{{typ: "text"}}},
		{"other namespace prefix ignored", `<feed xmlns:x="urn:x"><x:entry><title>a</title></x:entry><entry><x:title type="html">b</x:title></entry></feed>`,
			textConstruct{}, []textConstruct{{}}},
		{"truncated document", `<feed><entry><title type="html">a</title></entry><entry><title type="ht`,
			textConstruct{}, []textConstruct{{typ: "html"}, {}}},
		{"not a feed root", `<rss><entry><title type="html">a</title></entry></rss>`, textConstruct{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			feed, entries := scanAtomTitles([]byte(tc.doc))
			if feed != tc.feed {
				t.Errorf("feed = %+v, want %+v", feed, tc.feed)
			}
			if len(entries) != len(tc.entries) {
				t.Fatalf("entries = %+v, want %+v", entries, tc.entries)
			}
			for i := range entries {
				if entries[i] != tc.entries[i] {
					t.Errorf("entry %d = %+v, want %+v", i, entries[i], tc.entries[i])
				}
			}
		})
	}
}

// TestNormaliseTruncatesTimes: stored Published and Updated are whole
// seconds (all output formats carry seconds; the publisher orders by
// stored time), while the hash still sees the upstream dates.
func TestNormaliseTruncatesTimes(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 987654321, time.UTC)
	tests := []struct {
		name, dates   string
		wantPublished time.Time
		wantUpdated   time.Time
	}{
		{"undated item gets the fetch second", ``,
			time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		{"fractional upstream dates", `<published>2026-11-24T09:00:00.789Z</published><updated>2026-11-24T17:30:00.5+07:00</updated>`,
			time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 10, 30, 0, 0, time.UTC)},
		{"whole-second dates unchanged", `<published>2026-11-24T09:00:00Z</published>`,
			time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
		{"updated within the published second", `<published>2026-11-24T09:00:00.1Z</published><updated>2026-11-24T09:00:00.9Z</updated>`,
			time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
		{"future date clamped to the fetch second", `<published>2027-01-01T00:00:00.5Z</published>`,
			time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title><id>f</id><entry><id>1</id><title>t</title>` +
				tc.dates + `</entry></feed>`
			items := Normalise(MustParse(t, []byte(body), "", "https://times.example/feed"), Options{Now: now})
			if len(items) != 1 {
				t.Fatalf("got %d items, want 1", len(items))
			}
			it := items[0]
			if !it.Published.Equal(tc.wantPublished) || it.Published.Nanosecond() != 0 {
				t.Errorf("Published = %v, want %v", it.Published, tc.wantPublished)
			}
			if !it.Updated.Equal(tc.wantUpdated) || it.Updated.Nanosecond() != 0 {
				t.Errorf("Updated = %v, want %v", it.Updated, tc.wantUpdated)
			}
			if !it.FirstSeen.Equal(now) {
				t.Errorf("FirstSeen = %v, want the fetch time %v", it.FirstSeen, now)
			}
		})
	}
	t.Run("hash sees sub-second upstream dates", func(t *testing.T) {
		doc := func(pub string) []byte {
			return []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title><id>f</id><entry><id>1</id><title>t</title><published>` +
				pub + `</published></entry></feed>`)
		}
		a := Normalise(MustParse(t, doc("2026-11-24T09:00:00.1Z"), "", ""), Options{Now: now})
		b := Normalise(MustParse(t, doc("2026-11-24T09:00:00.2Z"), "", ""), Options{Now: now})
		if a[0].Hash == b[0].Hash {
			t.Error("hashes equal for different upstream dates")
		}
		if !a[0].Published.Equal(b[0].Published) {
			t.Errorf("Published %v and %v differ, want the same second", a[0].Published, b[0].Published)
		}
	})
}

// TestTitleFixtures checks the fixtures that also seed FuzzNormalise.
func TestTitleFixtures(t *testing.T) {
	tests := []struct {
		file, wantEnc string
		want          map[string]string // guid -> title
	}{
		{"titles.atom", "utf-8", map[string]string{
			"1": `Why <b> tags & "quotes" trip up parsers`, "2": "Markets rally & more", "3": "A bold move"}},
		{"undeclared-shiftjis.rss", "shift_jis", map[string]string{"1": "東京の天気予報です"}},
		{"undeclared-koi8r.rss", "koi8-r", map[string]string{"1": "Как пережить новогоднюю ночь"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p := MustParse(t, MustReadFixture(t, tc.file), "", "https://fixtures.example/feed")
			if p.Encoding != tc.wantEnc {
				t.Errorf("Encoding = %q, want %q", p.Encoding, tc.wantEnc)
			}
			items := byGUID(Normalise(p, Options{Now: testNow}))
			for guid, want := range tc.want {
				if got := items[guid].Title; got != want {
					t.Errorf("item %s title = %q, want %q", guid, got, want)
				}
			}
		})
	}
}
