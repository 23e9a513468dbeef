package synth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// FeedWords sizes the items' text as asked, and Feed is its default size.
func TestFeedWordsSizesTheItems(t *testing.T) {
	d := Dates{Anchor: time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)}
	if !bytes.Equal(Feed(7, 3, d), FeedWords(7, 3, Words, d)) {
		t.Error("Feed differs from FeedWords with Words")
	}
	prev := 0
	for _, words := range []int{1, 25, 100, 400, 1600} {
		b := FeedWords(7, 4, words, d)
		f, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%d words: %v", words, err)
		}
		if len(f.Items) != 4 {
			t.Fatalf("%d words: %d items, want 4", words, len(f.Items))
		}
		for _, it := range f.Items {
			text := strings.NewReplacer("<p>", " ", "</p>", " ", ".", " ").Replace(it.Description)
			// Some of the vocabulary's words are several syllables long
			// ("Hà Nội").
			if n := len(strings.Fields(text)); n < words || n > 4*words {
				t.Errorf("%d words: an item has %d syllables of text", words, n)
			}
			if len(it.Categories) != 2 {
				t.Errorf("%d words: categories %q, want 2", words, it.Categories)
			}
		}
		if len(b) <= prev {
			t.Errorf("%d words: %d bytes, not more than the smaller size's %d", words, len(b), prev)
		}
		prev = len(b)
	}
}
