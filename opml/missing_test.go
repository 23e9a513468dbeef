package opml

import (
	"reflect"
	"strings"
	"testing"
)

// TestFeedsWithoutURL: outlines meant as feeds but without a feed URL are
// reported (with their folders), never mixed into Feeds; folders, links
// and empty folders are not such outlines.
func TestFeedsWithoutURL(t *testing.T) {
	tests := map[string]struct {
		in    string
		want  []Feed
		feeds int
	}{
		"rss type without xmlUrl": {
			in:   `<opml><body><outline text="Tech"><outline type="rss" text="No url here"/><outline type="rss" text="Go" xmlUrl="https://go.dev/feed"/></outline></body></opml>`,
			want: []Feed{{Title: "No url here", Type: "rss", Tags: []string{"Tech"}}}, feeds: 1,
		},
		"empty xmlUrl without type": {
			in:   `<opml><body><outline title="Empty" text="e" xmlUrl=""/></body></opml>`,
			want: []Feed{{Title: "Empty"}},
		},
		"blank xmlUrl with atom type": {
			in:   `<opml><body><outline type="Atom" text="Blank" xmlURL="   "/></body></opml>`,
			want: []Feed{{Title: "Blank", Type: "Atom"}},
		},
		"both kinds in document order": {
			in:   `<opml><body><outline type="rss" text="A"/><outline text="F"><outline xmlUrl="" text="B"/></outline></body></opml>`,
			want: []Feed{{Title: "A", Type: "rss"}, {Title: "B", Tags: []string{"F"}}},
		},
		"empty folder is not a feed": {
			in: `<opml><body><outline text="Empty folder" title="Empty folder"/></body></opml>`,
		},
		"folder with a feed type is a folder": {
			in:    `<opml><body><outline type="rss" text="Folder"><outline xmlUrl="https://a.example/"/></outline></body></opml>`,
			feeds: 1,
		},
		"link outline is not a feed": {
			in: `<opml><body><outline type="link" text="Home" url="https://a.example/" xmlUrl=""/></body></opml>`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			doc, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := FeedsWithoutURL(doc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FeedsWithoutURL:\n got %+v\nwant %+v", got, tt.want)
			}
			if got := len(Feeds(doc)); got != tt.feeds {
				t.Errorf("len(Feeds) = %d, want %d", got, tt.feeds)
			}
		})
	}
	if got := FeedsWithoutURL(nil); got != nil {
		t.Errorf("FeedsWithoutURL(nil) = %v, want nil", got)
	}
}
