package normaliser

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/db"
)

// TestHashItemIsMarshalHash: the streamed hash is the hash of
// json.Marshal, as stored by earlier versions, so an upgrade does not
// mark every stored item as changed at its next poll.
func TestHashItemIsMarshalHash(t *testing.T) {
	pub := time.Date(2026, 12, 6, 7, 30, 0, 123, time.FixedZone("ICT", 7*3600))
	items := []db.Item{
		{},
		{Title: "Hà Nội <b>&</b> \"quotes\"", Summary: "line\nbreak\ttab \u2028 \u2029 \x00", Content: "<p>x</p>\n",
			Link: "https://example.com/a?b=1&c=2", ImageURL: "https://example.com/i.png"},
		{Title: "invalid \xff\xfe utf-8", Categories: []string{"Thời sự", ""}, Authors: []db.Person{{Name: "Đặng", Email: "d@example.com"}},
			Enclosures: []db.Enclosure{{URL: "https://example.com/a.mp3", Type: "audio/mpeg", Length: 42}}},
		{Title: strings.Repeat("dài ", 5000), Categories: []string{}, Authors: []db.Person{}, Enclosures: []db.Enclosure{}},
		{Authors: []db.Person{{}, {URI: "https://example.com/u"}}, Enclosures: []db.Enclosure{{}, {URL: "x", Length: -1}}},
	}
	// And random text of every troublesome kind.
	pieces := []string{"a", "Đ", "ệ", "<", ">", "&", "\"", "\\", "/", "\x00", "\x01", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
		"\u2028", "\u2029", "\u2027", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\U0001F600", "\ufffd", "\u00a0", " "}
	r := rand.New(rand.NewPCG(3, 4))
	text := func() string {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	for range 2000 {
		items = append(items, db.Item{Title: text(), Summary: text(), Content: text(), Link: text(), ImageURL: text(),
			Authors: []db.Person{{Name: text(), Email: text(), URI: text()}}, Categories: []string{text(), text()},
			Enclosures: []db.Enclosure{{URL: text(), Type: text(), Length: r.Int64N(3) - 1}}})
	}
	for i := range items {
		it := &items[i]
		for _, hasPub := range []bool{false, true} {
			got := hashItem(it, pub, hasPub, pub.Add(time.Hour), !hasPub)
			var pubS, updS string
			if hasPub {
				pubS = pub.UTC().Format(time.RFC3339Nano)
			} else {
				updS = pub.Add(time.Hour).UTC().Format(time.RFC3339Nano)
			}
			b, err := json.Marshal(struct {
				Title, Summary, Content, Link, Image string
				Authors                              []db.Person
				Categories                           []string
				Enclosures                           []db.Enclosure
				Published, Updated                   string
			}{it.Title, it.Summary, it.Content, it.Link, it.ImageURL, it.Authors, it.Categories, it.Enclosures, pubS, updS})
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if want := hex.EncodeToString(sum[:]); got != want {
				t.Errorf("item %d (published %v): hash %s, want %s (the hash of json.Marshal)", i, hasPub, got, want)
			}
		}
	}
}

// TestSanitiseHTMLIsSanitize: the pooled buffer gives what
// policy.Sanitize gives, fragment after fragment and from many goroutines
// at once (a buffer reused while another fragment is still being read
// from it would mix their output).
func TestSanitiseHTMLIsSanitize(t *testing.T) {
	fragments := []string{
		`<p>Tòa soạn <b>báo</b> <script>alert(1)</script><a href="https://example.com/x" onclick="x()">link</a></p>`,
		`<img src="https://example.com/a.png" srcset="a 1x"><iframe src="https://evil.test/"></iframe>after`,
		strings.Repeat(`<div><p>đoạn văn dài &amp; <em>nhấn</em></p></div>`, 3000), // bigger than the pooled size
		`<<<>>> & "' < unclosed <p`,
		"<p>\x00 nul and \xff invalid</p>",
		`<table><tr><td>1</td></tr></table><!-- comment --><style>p{}</style>`,
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for round := range 50 {
				f := fragments[(g+round)%len(fragments)]
				if got, want := sanitiseHTML(f), policy.Sanitize(f); got != want {
					t.Errorf("fragment %d: sanitiseHTML gives %.80q, policy.Sanitize %.80q", (g+round)%len(fragments), got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSanitiseTextIsSanitize: for text without a "<", the quick path gives
// exactly what the sanitiser does (character references named, numeric,
// legacy without ";", invalid; quotes; ">"; CR and CRLF; NUL; invalid
// UTF-8), so items stored before it keep their hash.
func TestSanitiseTextIsSanitize(t *testing.T) {
	pieces := []string{"a", "Đ", " ", "&", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;", "&nbsp;", "&copy", "&notit;",
		"&#0;", "&#128;", "&#xD800;", "&#1114112;", "\"", "'", ">", "\r", "\n", "\r\n", "\x00", "\xff", "\t", "&amp", "&#", "&#x",
		"&;", "&AMP;", "&AElig", "x=y", "é", "&#10;", "&#13;", "\u00a0", "/>", "-->", "]]>"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		var b strings.Builder
		for range 1 + r.IntN(10) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := strings.TrimSpace(b.String()) // as sanitise has it
		if s == "" {
			continue
		}
		if got, want := sanitiseText(s), sanitiseHTML(keepWordsApart(promoteLazyImages(s))); got != want {
			t.Fatalf("%q: sanitiseText gives %q, the sanitiser %q", s, got, want)
		}
	}
}
