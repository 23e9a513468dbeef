package conformance

import (
	"testing"

	"bantin/aggregator/normaliser"
)

// TestFeedTitleIsPlainText: a feed's own title (stored as the source title
// and republished in <source>, source_title and on the index page) is
// plain text like item titles. Found by TestSanitizerCorpus
// (feedparser/wellformed/sanitize/feed_title_*.xml).
func TestFeedTitleIsPlainText(t *testing.T) {
	tests := []struct {
		name, title, want string
	}{
		{"script", `safe&lt;script type="text/javascript"&gt;location.href='x';&lt;/script&gt; description`, "safe description"},
		{"img with handler", `&lt;img src="http://example.com/a.jpg" onload="alert(1)" /&gt;Tin`, "Tin"},
		{"entity escaped twice", `it&amp;apos;s correct`, "it's correct"},
		{"markup", `&lt;b&gt;Hà Nội&lt;/b&gt; &amp;amp; Sài Gòn`, "Hà Nội & Sài Gòn"},
		{"plain", `Tin tức`, "Tin tức"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `<rss version="2.0"><channel><title>` + tc.title + `</title><item><title>x</title><guid>1</guid></item></channel></rss>`
			p, err := normaliser.Parse([]byte(body), "application/rss+xml", "https://example.com/feed")
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Feed.Title; got != tc.want {
				t.Errorf("Feed.Title = %q, want %q", got, tc.want)
			}
		})
	}
}
