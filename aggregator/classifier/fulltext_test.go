package classifier

import (
	"testing"
	"time"

	"bantin/config"
)

// TestFullText: keywords are found in the article page's text, and
// explain says the match came from the full text, not the feed's body;
// title: rules never look there.
func TestFullText(t *testing.T) {
	c, err := Compile([]config.Topic{
		{Slug: "body", Match: &config.Rule{Keywords: []string{"Thanh Xuân Bắc"}}},
		{Slug: "title", Match: &config.Rule{Title: []string{"Thanh Xuân Bắc"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	feedOnly := &Doc{Title: "Đại hội Đảng các cấp", Summary: "Nội dung tóm tắt.", Language: "vi"}
	if got := c.Classify(feedOnly, now); len(got) != 0 {
		t.Errorf("feed body only: %v, want no topic", got)
	}
	withText := *feedOnly
	withText.FullText = "<p>Đại hội đại biểu Đảng bộ phường <b>Thanh Xuân Bắc</b> lần thứ XI</p>"
	if got := c.Classify(&withText, now); len(got) != 1 || got[0] != "body" {
		t.Errorf("with full text: %v, want [body]", got)
	}
	ex, err := c.Explain("body", &withText, now)
	if err != nil {
		t.Fatal(err)
	}
	if d := ex.Root.Detail; !ex.Match || d != `"Thanh Xuân Bắc" (full text)` {
		t.Errorf("explain: match %v, detail %q", ex.Match, d)
	}
	// The same words in the feed's summary are credited to it.
	inSummary := withText
	inSummary.Summary = "Phường Thanh Xuân Bắc."
	ex, _ = c.Explain("body", &inSummary, now)
	if d := ex.Root.Detail; d != `"Thanh Xuân Bắc" (summary, full text)` {
		t.Errorf("explain with the words in both: %q", d)
	}
}
