package normaliser

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"bantin/db"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// shownText parses an HTML fragment the way a browser does and returns the
// text it shows (<br> as a line break, paragraphs separated by a blank
// line) and the names of its elements.
func shownText(tb testing.TB, fragment string) (text string, elements []string) {
	tb.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		tb.Fatalf("parse %q: %v", fragment, err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			elements = append(elements, n.Data)
			if n.DataAtom == atom.Br {
				b.WriteString("\n")
			}
			if n.DataAtom == atom.P && b.Len() > 0 {
				b.WriteString("\n\n")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return b.String(), elements
}

// TestNormalisePlainTextBodies: bodies that are plain text by spec (Atom
// type="text" or no type, JSON Feed content_text and summary) are stored
// as HTML that shows exactly the upstream text; HTML and XHTML bodies stay
// markup, and JSON Feed content_html wins over content_text.
func TestNormalisePlainTextBodies(t *testing.T) {
	atomItems := byGUID(Normalise(MustParse(t, MustReadFixture(t, "plaintext.atom"), "", "https://text.example.org/feed"), Options{Now: testNow}))
	jsonItems := byGUID(Normalise(MustParse(t, MustReadFixture(t, "plaintext.json"), "application/feed+json", "https://text.example.org/feed.json"), Options{Now: testNow}))
	items := map[string]db.Item{}
	for _, m := range []map[string]db.Item{atomItems, jsonItems} {
		for k, v := range m {
			items[k] = v
		}
	}
	tests := []struct {
		name, guid, field string
		shows             string
		elements          []string // elements the stored HTML must have (nil: none)
	}{
		{"atom text summary", "urn:example:plaintext:1", "summary", "a < b and vector<int> v; &copy;", nil},
		{"atom text content", "urn:example:plaintext:1", "content", "The <p> tag is literal.", nil},
		{"atom default type summary", "urn:example:plaintext:2", "summary", "if (x && y) { return <T>; }", nil},
		{"atom default type content keeps lines", "urn:example:plaintext:2", "content",
			"First line\nsecond line <br> stays text\n\nSecond paragraph & more", []string{"p", "br", "p"}},
		{"atom text content in CDATA", "urn:example:plaintext:3", "content", "Use <b> for bold & <i> for italics", nil},
		{"atom html summary is markup", "urn:example:plaintext:4", "summary", "Real markup", []string{"p", "b"}},
		{"atom xhtml content is markup", "urn:example:plaintext:4", "content", "XHTML markup", []string{"p", "em"}},
		{"json content_text", "j1", "content", "In Java write List<String> names; if a < b && c > d", nil},
		{"json content_html wins", "j2", "content", "HTML wins", []string{"p", "em"}},
		{"json summary is text", "j3", "summary", "Tags like <video> & entities like &amp; are text", nil},
		{"json content_text lines", "j3", "content", "Line one\nLine <two>", []string{"br"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, ok := items[tc.guid]
			if !ok {
				t.Fatalf("no item %q", tc.guid)
			}
			stored := it.Summary
			if tc.field == "content" {
				stored = firstNonEmpty(it.Content, it.Summary)
			}
			shows, elements := shownText(t, stored)
			if shows != tc.shows {
				t.Errorf("%s %q shows\n got %q\nwant %q", tc.field, stored, shows, tc.shows)
			}
			if !slices.Equal(elements, tc.elements) {
				t.Errorf("%s %q elements = %q, want %q", tc.field, stored, elements, tc.elements)
			}
			checkItemText(t, it)
		})
	}
}

// TestNormaliseMetadataPlainText: RSS categories and author names are
// rendered from HTML like RSS titles (references decoded once, markup
// dropped) before NFC and slugging; Atom ones are plain text by spec.
func TestNormaliseMetadataPlainText(t *testing.T) {
	rss := byGUID(Normalise(MustParse(t, MustReadFixture(t, "metadata.rss"), "", "https://meta.example.org/rss"), Options{Now: testNow}))
	atomFeed := Normalise(MustParse(t, MustReadFixture(t, "metadata.atom"), "", "https://meta.example.org/atom"), Options{Now: testNow, SourceTags: []string{"Tin tức"}})
	if len(atomFeed) != 1 {
		t.Fatalf("atom items = %d, want 1", len(atomFeed))
	}
	tests := []struct {
		name                string
		item                db.Item
		categories, slugs   []string
		authorNames, emails []string
	}{
		{"rss", rss["m1"],
			[]string{"Loïc Le Meur", "HtmlCat", "AT&T", "Hà Nội"},
			[]string{"loic-le-meur", "htmlcat", "at-t", "ha-noi"},
			[]string{"not-an-email"}, []string{""}},
		{"rss author with address", rss["m2"], nil, nil, []string{"The Editor"}, []string{"editor@meta.example.org"}},
		{"atom", atomFeed[0],
			[]string{"C <templates>"},
			[]string{"c-templates", "tin-tuc"},
			[]string{"Nguyễn & Trần", "Ok"}, []string{"", "ok@meta.example.org"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !slices.Equal(tc.item.Categories, tc.categories) {
				t.Errorf("Categories = %q, want %q", tc.item.Categories, tc.categories)
			}
			var slugs, names, emails []string
			for _, tg := range tc.item.Tags {
				slugs = append(slugs, tg.Slug)
			}
			for _, a := range tc.item.Authors {
				names = append(names, a.Name)
				emails = append(emails, a.Email)
			}
			if !slices.Equal(slugs, tc.slugs) {
				t.Errorf("tag slugs = %q, want %q", slugs, tc.slugs)
			}
			if !slices.Equal(names, tc.authorNames) || !slices.Equal(emails, tc.emails) {
				t.Errorf("authors = %q %q, want %q %q", names, emails, tc.authorNames, tc.emails)
			}
			checkItemText(t, tc.item)
		})
	}
}

func TestEmail(t *testing.T) {
	tests := map[string]string{
		"plain":          "a@b.example",
		"mailto":         "a@b.example",
		"angle":          "a@b.example",
		"name in parens": "a@b.example",
		"not an email":   "",
		"no domain":      "",
		"spaces":         "",
		"empty":          "",
	}
	inputs := map[string]string{
		"plain": "a@b.example", "mailto": "mailto:a@b.example", "angle": "Ann <a@b.example>",
		"name in parens": "a@b.example (Ann)", "not an email": "not-an-email", "no domain": "a@",
		"spaces": "a b@c d", "empty": "  ",
	}
	for name, want := range tests {
		if got := email(inputs[name]); got != want {
			t.Errorf("%s: email(%q) = %q, want %q", name, inputs[name], got, want)
		}
	}
}

// TestNormaliseEnclosureTypes: enclosure types that are not MIME
// type/subtype are replaced from the URL's extension, else by
// application/octet-stream; URLs are URIs.
func TestNormaliseEnclosureTypes(t *testing.T) {
	items := byGUID(Normalise(MustParse(t, MustReadFixture(t, "metadata.rss"), "", "https://meta.example.org/rss"), Options{Now: testNow}))
	tests := []struct {
		name, guid string
		want       []db.Enclosure
	}{
		{"bare mp3 type, IRI url", "m1", []db.Enclosure{{URL: "http://edge.example.org/media/b%C3%A0i%20h%C3%A1t.mp3", Type: "audio/mpeg", Length: 1234}}},
		{"several", "m2", []db.Enclosure{
			{URL: "https://meta.example.org/e/clip.m4v", Type: "video/mp4", Length: 1},
			{URL: "https://meta.example.org/e/photo.JPG", Type: "image/jpeg"},
			{URL: "https://meta.example.org/e/data.unknownext", Type: "application/octet-stream"},
			{URL: "https://meta.example.org/e/ok.ogg", Type: "audio/ogg"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := items[tc.guid].Enclosures; !slices.Equal(got, tc.want) {
				t.Errorf("Enclosures =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
}

// TestNormaliseIRILinks: links, enclosure and image URLs are published as
// URIs (percent-encoded UTF-8, punycode hosts), their canonical links
// equal those of the same link written as a URI, and identities keep the
// link as upstream wrote it.
func TestNormaliseIRILinks(t *testing.T) {
	rss := byGUID(Normalise(MustParse(t, MustReadFixture(t, "metadata.rss"), "", "https://meta.example.org/rss"), Options{Now: testNow}))
	atomItems := Normalise(MustParse(t, MustReadFixture(t, "metadata.atom"), "", "https://meta.example.org/atom"), Options{Now: testNow})
	tests := []struct {
		name, got, want string
	}{
		{"rss link", rss["m2"].Link, "http://edge.example.org/tin/h%C3%A0-n%E1%BB%99i%20m%E1%BB%9Bi?q=%C4%91%C6%B0%E1%BB%9Dng%20ph%E1%BB%91&x=1#frag"},
		{"rss canonical link", rss["m2"].CanonicalLink, CanonicalLink("http://edge.example.org/tin/h%C3%A0-n%E1%BB%99i%20m%E1%BB%9Bi?x=1&q=%C4%91%C6%B0%E1%BB%9Dng%20ph%E1%BB%91")},
		{"relative link against IDN feed link", atomItems[0].Link, "https://xn--v-d-rma6749a.example/trang%20ch%E1%BB%A7/b%C3%A0i/m%E1%BB%99t.html"},
		{"image from enclosure", rss["m2"].ImageURL, "https://meta.example.org/e/photo.JPG"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q\nwant %q", tc.got, tc.want)
			}
		})
	}
	// An item identified by its link keeps the identity it had when links
	// were stored as IRIs.
	body := `<rss version="2.0"><channel><title>x</title>
<item><title>A</title><link>https://x.example/tin/hà nội</link></item></channel></rss>`
	items := Normalise(MustParse(t, []byte(body), "", ""), Options{Now: testNow})
	if got, want := items[0].GUID, "https://x.example/tin/hà nội"; got != want {
		t.Errorf("GUID = %q, want %q", got, want)
	}
	if got, want := items[0].Link, "https://x.example/tin/h%C3%A0%20n%E1%BB%99i"; got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
}

// TestNormaliseFallbackTitles: an item without a title and without text
// is named after its enclosure's file name, its link's last path segment,
// its link, or the feed and its date; never left untitled. Items with
// neither a title nor a link nor an enclosure are dropped.
func TestNormaliseFallbackTitles(t *testing.T) {
	items := Normalise(MustParse(t, MustReadFixture(t, "untitled.rss"), "", "https://untitled.example.org/rss"),
		Options{Now: testNow, Location: MustLocation(t, "Asia/Ho_Chi_Minh")})
	byID := byGUID(items)
	tests := map[string]string{ // "" means dropped
		"only-link":      "hà-nội-mới.html",
		"only-enclosure": "tập 12.mp3",
		"img-title":      "anh",
		"root-link":      "https://untitled.example.org/",
		"bare-enclosure": "Untitled things – 2021-05-31", // 20:00 UTC is the next day in Hanoi
		"text-only":      "Just a description & no title",
		"nothing":        "",
		"unlinked-text":  "",
	}
	for guid, want := range tests {
		t.Run(guid, func(t *testing.T) {
			it, ok := byID[guid]
			if want == "" {
				if ok {
					t.Errorf("item %q stored with title %q, want it dropped", guid, it.Title)
				}
				return
			}
			if !ok {
				t.Fatalf("no item %q", guid)
			}
			if it.Title != want {
				t.Errorf("Title = %q, want %q", it.Title, want)
			}
			checkItemText(t, it)
		})
	}
	if len(items) != 6 {
		t.Errorf("got %d items, want 6 (the untitled placeholder dropped too)", len(items))
	}
}

// TestNormaliseRepeatedGUIDEdit: when a feed repeats one guid, editing an
// item's title or text keeps its identity (the store updates it in place)
// and items that really differ keep distinct identities.
func TestNormaliseRepeatedGUIDEdit(t *testing.T) {
	feed := func(items string) []byte {
		return []byte(`<rss version="2.0"><channel><title>dups</title><link>https://dups.example/</link>` + items + `</channel></rss>`)
	}
	const (
		d1       = `<item><guid>same</guid><title>D1</title><description>one</description></item>`
		d1Edited = `<item><guid>same</guid><title>D1 edited</title><description>one, fixed</description></item>`
		d2       = `<item><guid>same</guid><title>D2</title><link>https://dups.example/same</link></item>`
		d3       = `<item><guid>same</guid><title>D3</title><link>https://dups.example/other</link></item>`
		c1       = `<item><guid>c</guid><title>C1</title><link>https://dups.example/c</link><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate></item>`
		c1Edited = `<item><guid>c</guid><title>C1 edited</title><link>https://dups.example/c</link><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate></item>`
		c2       = `<item><guid>c</guid><title>C2</title><link>https://dups.example/c</link><pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate></item>`
		e1       = `<item><guid>e</guid><title>E1</title></item>`
		e1Edited = `<item><guid>e</guid><title>E1 edited</title></item>`
		e2       = `<item><guid>e</guid><title>E2</title></item>`
	)
	tests := []struct {
		name          string
		before, after string
	}{
		{"title of the linkless one edited", d1 + d2 + d3, d1Edited + d2 + d3},
		{"shared link, told apart by date", c1 + c2, c1Edited + c2},
		{"shared guid, no link, no date", e1 + e2, e1Edited + e2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := Normalise(MustParse(t, feed(tc.before), "", ""), Options{Now: testNow})
			after := Normalise(MustParse(t, feed(tc.after), "", ""), Options{Now: testNow})
			if len(before) != len(after) {
				t.Fatalf("items before/after = %d/%d", len(before), len(after))
			}
			ids := map[string]bool{}
			for i := range before {
				ids[before[i].GUID] = true
				if before[i].GUID != after[i].GUID {
					t.Errorf("item %d (%q -> %q): GUID %q -> %q, want it kept", i, before[i].Title, after[i].Title, before[i].GUID, after[i].GUID)
				}
			}
			if len(ids) != len(before) {
				t.Errorf("GUIDs %v: distinct items share an identity", ids)
			}
		})
	}
}

// TestRepeatedGUIDEditStoredOnce is the audit's case end to end: upstream
// lists D1, D2 (link /same) and D3 (link /other), all with guid "same";
// after D1's title changes, the store (real SQLite) still holds three
// items, D1 updated in place.
func TestRepeatedGUIDEditStoredOnce(t *testing.T) {
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(t.TempDir(), "bantin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SyncSources(ctx, []db.SourceSpec{{ID: "dups", URL: "https://dups.example/rss"}}); err != nil {
		t.Fatal(err)
	}
	src, err := store.Source(ctx, "dups")
	if err != nil {
		t.Fatal(err)
	}
	feed := func(d1Title string) []byte {
		return []byte(`<rss version="2.0"><channel><title>dups</title><link>https://dups.example/</link>
<item><guid>same</guid><title>` + d1Title + `</title><pubDate>Mon, 31 May 2021 10:00:00 +0000</pubDate></item>
<item><guid>same</guid><title>D2</title><link>https://dups.example/same</link><pubDate>Mon, 31 May 2021 09:00:00 +0000</pubDate></item>
<item><guid>same</guid><title>D3</title><link>https://dups.example/other</link><pubDate>Mon, 31 May 2021 08:00:00 +0000</pubDate></item>
</channel></rss>`)
	}
	tests := []struct {
		name         string
		d1Title      string
		new, updated int
	}{
		{"first fetch", "D1", 3, 0},
		{"D1 edited", "D1 edited", 0, 1},
		{"unchanged", "D1 edited", 0, 0},
	}
	for _, tc := range tests {
		items := Normalise(MustParse(t, feed(tc.d1Title), "", src.URL), Options{SourceID: "dups", Now: testNow})
		res, err := store.SaveFetch(ctx, src, items)
		if err != nil {
			t.Fatalf("%s: SaveFetch: %v", tc.name, err)
		}
		if res.New != tc.new || res.Updated != tc.updated {
			t.Errorf("%s: new, updated = %d, %d, want %d, %d", tc.name, res.New, res.Updated, tc.new, tc.updated)
		}
		stored, err := store.GUIDs(ctx, "dups")
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 3 {
			t.Errorf("%s: %d stored items, want 3 (upstream has 3)", tc.name, len(stored))
		}
	}
}

// TestNormaliseDropsPlaceholders: in a feed of named items (a title, a
// link or an enclosure), an item with none of the three is a placeholder
// (VnExpress once served <item><title/><description>No Description
// </description></item>) and is dropped, whatever the format; in a feed
// whose items are all unnamed, they are the content and are kept.
func TestNormaliseDropsPlaceholders(t *testing.T) {
	const named = `<item><title>Giá vàng hôm nay</title><link>/tin/0.html</link></item>`
	rss := func(items ...string) string {
		return `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Tin mới nhất</title>` +
			`<link>https://vnexpress.example/</link>` + strings.Join(items, "") + `</channel></rss>`
	}
	atom := func(entries ...string) string {
		return `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>f</id>` + strings.Join(entries, "") + `</feed>`
	}
	json := func(items ...string) string {
		return `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[` + strings.Join(items, ",") + `]}`
	}
	tests := map[string]struct {
		body string
		want []string // titles stored
	}{
		"rss placeholder": {rss(named, `<item><title/><description><![CDATA[ No Description ]]></description></item>`),
			[]string{"Giá vàng hôm nay"}},
		"rss empty item":         {rss(`<item></item>`, named), []string{"Giá vàng hôm nay"}},
		"rss guid date and text": {rss(named, `<item><guid>x1</guid><pubDate>Tue, 14 Nov 2017 17:30:00 +0700</pubDate><description>Tin</description></item>`), []string{"Giá vàng hôm nay"}},
		"rss title of markup only": {rss(named, `<item><title>&lt;img src="a.png"&gt;</title><description>Tin</description></item>`),
			[]string{"Giá vàng hôm nay"}},
		"rss non-web link":        {rss(named, `<item><link>javascript:alert(1)</link><description>Tin</description></item>`), []string{"Giá vàng hôm nay"}},
		"rss title only":          {rss(named, `<item><title>Bản tin 18h</title></item>`), []string{"Giá vàng hôm nay", "Bản tin 18h"}},
		"rss media title only":    {rss(named, `<item><media:title>Bản tin 18h</media:title></item>`), []string{"Giá vàng hôm nay", "Bản tin 18h"}},
		"rss link only":           {rss(named, `<item><link>/tin/1.html</link></item>`), []string{"Giá vàng hôm nay", "1.html"}},
		"rss permalink guid only": {rss(named, `<item><guid>https://vnexpress.example/tin/2.html</guid></item>`), []string{"Giá vàng hôm nay", "2.html"}},
		"rss enclosure only": {rss(named, `<item><enclosure url="https://vnexpress.example/a.mp3" type="audio/mpeg" length="1"/></item>`),
			[]string{"Giá vàng hôm nay", "a.mp3"}},
		"rss all unnamed kept": {rss(`<item><guid>n1</guid><description>Bảo trì hệ thống lúc 22h</description></item>`,
			`<item><description>Đã hoạt động lại</description></item>`), []string{"Bảo trì hệ thống lúc 22h", "Đã hoạt động lại"}},
		"atom untitled unlinked": {atom(`<entry><id>e1</id><title>Tin</title><link href="https://vnexpress.example/1"/><updated>2017-11-14T10:00:00Z</updated></entry>`,
			`<entry><id>e2</id><title></title><updated>2017-11-14T10:00:00Z</updated><content>Nội dung</content></entry>`), []string{"Tin"}},
		"json untitled unlinked": {json(`{"id":"1","title":"Tin","content_text":"x"}`, `{"id":"2","content_text":"Nội dung"}`), []string{"Tin"}},
		"json all unnamed kept":  {json(`{"id":"1","content_text":"Ghi chú"}`), []string{"Ghi chú"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items := Normalise(MustParse(t, []byte(tc.body), "", "https://vnexpress.example/rss"), Options{Now: testNow})
			var titles []string
			for _, it := range items {
				titles = append(titles, it.Title)
			}
			if !slices.Equal(titles, tc.want) {
				t.Errorf("titles = %q, want %q", titles, tc.want)
			}
		})
	}
}

// TestNormaliseAuthorsNotFromContacts: an RSS channel's managingEditor and
// webMaster are the newsroom's contacts, not bylines: items without an
// author of their own get none from them. An RSS channel's dc:creator,
// dc:author or itunes:author, an Atom feed's author (RFC 4287: entries
// inherit it) and a JSON Feed's authors are inherited.
func TestNormaliseAuthorsNotFromContacts(t *testing.T) {
	rss := func(channel, item string) string {
		return `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">` +
			`<channel><title>SGGP</title><link>https://www.sggp.example/</link>` + channel +
			`<item><title>Tin</title><link>https://www.sggp.example/1.html</link>` + item + `</item></channel></rss>`
	}
	tests := map[string]struct {
		body string
		want []db.Person
	}{
		"managingEditor":           {rss(`<managingEditor>sggponline@sggp.org.vn</managingEditor>`, ``), nil},
		"managingEditor with name": {rss(`<managingEditor>desk@sggp.org.vn (Ban biên tập)</managingEditor>`, ``), nil},
		"webMaster":                {rss(`<webMaster>web@sggp.org.vn</webMaster>`, ``), nil},
		"item author kept": {rss(`<managingEditor>sggponline@sggp.org.vn</managingEditor>`, `<dc:creator>Minh Anh</dc:creator>`),
			[]db.Person{{Name: "Minh Anh"}}},
		"channel dc:creator beside managingEditor": {rss(`<managingEditor>sggponline@sggp.org.vn</managingEditor><dc:creator>Thu Hà</dc:creator>`, ``),
			[]db.Person{{Name: "Thu Hà"}}},
		"channel dc:creator": {rss(`<dc:creator>Thu Hà</dc:creator>`, ``), []db.Person{{Name: "Thu Hà"}}},
		"channel itunes:author beside webMaster": {rss(`<webMaster>web@sggp.org.vn</webMaster><itunes:author>Đài Tiếng nói</itunes:author>`, ``),
			[]db.Person{{Name: "Đài Tiếng nói"}}},
		"atom feed author": {`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>f</id><author><name>Ban Thời sự</name></author>` +
			`<entry><id>1</id><title>Tin</title><updated>2020-04-26T03:11:00Z</updated></entry></feed>`, []db.Person{{Name: "Ban Thời sự"}}},
		"json feed authors": {`{"version":"https://jsonfeed.org/version/1.1","title":"t","authors":[{"name":"Ban Kinh tế"}],` +
			`"items":[{"id":"1","title":"Tin","content_text":"x"}]}`, []db.Person{{Name: "Ban Kinh tế"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items := Normalise(MustParse(t, []byte(tc.body), "", "https://www.sggp.example/rss"), Options{Now: testNow})
			if len(items) != 1 {
				t.Fatalf("got %d items, want 1", len(items))
			}
			if got := items[0].Authors; !slices.Equal(got, tc.want) {
				t.Errorf("Authors = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestNormaliseCollidingIdentities: items that share no guid but arrive at
// the same identity (guid-less items with one link; a guid that is
// another item's link) are distinct items, each stored under its own
// identity, the newest keeping the one it had alone; an edit keeps them,
// and an older item leaving the feed changes no other item's identity
// (its stored row is never taken over by another item).
func TestNormaliseCollidingIdentities(t *testing.T) {
	feed := func(items string) []byte {
		return []byte(`<rss version="2.0"><channel><title>c</title><link>https://c.example/</link>` + items + `</channel></rss>`)
	}
	const (
		a       = `<item><title>A</title><link>https://c.example/live</link><pubDate>Mon, 03 Nov 2025 10:00:00 +0700</pubDate></item>`
		aEdited = `<item><title>A edited</title><link>https://c.example/live</link><pubDate>Mon, 03 Nov 2025 10:00:00 +0700</pubDate></item>`
		b       = `<item><title>B</title><link>https://c.example/live</link><pubDate>Mon, 03 Nov 2025 11:00:00 +0700</pubDate></item>`
		bEdited = `<item><title>B edited</title><link>https://c.example/live</link><pubDate>Mon, 03 Nov 2025 11:00:00 +0700</pubDate></item>`
		c       = `<item><title>C</title><link>https://c.example/live</link><pubDate>Mon, 03 Nov 2025 09:00:00 +0700</pubDate></item>`
		n1      = `<item><title>N1</title><link>https://c.example/n</link></item>`
		n2      = `<item><title>N2</title><link>https://c.example/n</link></item>`
		g       = `<item><title>G</title><guid>https://c.example/x</guid><link>https://c.example/y</link></item>`
		l       = `<item><title>L</title><link>https://c.example/x</link></item>`
	)
	later := time.Date(2025, 11, 4, 0, 0, 0, 0, time.UTC) // after the items' dates
	ids := func(items []db.Item) map[string]string {
		m := map[string]string{}
		for _, it := range items {
			m[strings.TrimSuffix(it.Title, " edited")] = it.GUID
		}
		return m
	}
	tests := []struct {
		name          string
		before, after string
		holder, bare  string // the item that keeps the bare identity, and it
	}{
		{"guid-less, one link, told apart by date (oldest first)", c + a + b, aEdited + bEdited, "B", "https://c.example/live"},
		{"guid-less, one link, told apart by date (newest first)", b + a + c, bEdited + aEdited, "B", "https://c.example/live"},
		{"guid-less, one link, no date", n1 + n2, n1 + n2, "N1", "https://c.example/n"},
		{"a guid that is another item's link", g + l, g + l, "G", "https://c.example/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := Normalise(MustParse(t, feed(tc.before), "", ""), Options{Now: later})
			after := Normalise(MustParse(t, feed(tc.after), "", ""), Options{Now: later})
			if want := strings.Count(tc.before, "<item>"); len(before) != want {
				t.Fatalf("items = %d, want %d (upstream lists %d)", len(before), want, want)
			}
			b, a := ids(before), ids(after)
			if b[tc.holder] != tc.bare {
				t.Errorf("%s's GUID = %q, want %q", tc.holder, b[tc.holder], tc.bare)
			}
			if len(slices.Compact(slices.Sorted(maps.Values(b)))) != len(b) {
				t.Errorf("two items share a GUID: %v", b)
			}
			for title, id := range a {
				if b[title] != id {
					t.Errorf("%s: GUID %q -> %q after an edit or an older item left, want it kept", title, b[title], id)
				}
			}
		})
	}
	// The same item listed twice is stored once, beside the newest.
	if got := Normalise(MustParse(t, feed(b+a+a), "", ""), Options{Now: later}); len(got) != 2 {
		t.Errorf("an item listed twice beside another of its link: %d items, want 2", len(got))
	}
}
