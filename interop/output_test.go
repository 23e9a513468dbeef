package interop

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"bantin/htmltext"
)

// readerViewScript reads each URL with feedparser (JSON Feed with
// Python's json module: Debian's feedparser 6.0 has no JSON parser) and
// prints what a reader shows: the feed's description and author, and
// per entry its author, tags, and body.
const readerViewScript = `
import json, sys, urllib.request
import feedparser
out = []
for url in sys.argv[1:]:
    if url.endswith(".json"):
        with urllib.request.urlopen(url) as r:
            doc = json.loads(r.read().decode("utf-8"))
        out.append({"url": url, "subtitle": doc.get("description", ""),
                    "author": ", ".join(a.get("name", "") for a in doc.get("authors", [])),
                    "entries": [{"title": i.get("title", ""),
                                 "author": ", ".join(a.get("name", "") for a in i.get("authors", [])),
                                 "tags": i.get("tags", []),
                                 "body": i.get("content_html", i.get("content_text")),
                                 "text": i.get("content_text")} for i in doc.get("items", [])]})
        continue
    d = feedparser.parse(url)
    out.append({"url": url, "subtitle": d.feed.get("subtitle", ""), "author": d.feed.get("author", ""),
                "subtitle_type": d.feed.get("subtitle_detail", {}).get("type", ""),
                "entries": [{"title": e.get("title", ""), "author": e.get("author", ""),
                             "tags": [t.get("term", "") for t in e.get("tags", [])],
                             "body": (e.get("content") or [{}])[0].get("value", e.get("summary", "")),
                             "text": None} for e in d.entries]})
print(json.dumps(out, ensure_ascii=False))
`

type readerView struct {
	URL      string `json:"url"`
	Subtitle string `json:"subtitle"`
	// SubtitleType is feedparser's type of the value: "text/html" means
	// the value is HTML, and readers show it as such.
	SubtitleType string `json:"subtitle_type"`
	Author       string `json:"author"`
	Entries      []struct {
		Title  string   `json:"title"`
		Author string   `json:"author"`
		Tags   []string `json:"tags"`
		Body   *string  `json:"body"`
		Text   *string  `json:"text"`
	} `json:"entries"`
}

// TestReadersSeeOutput reads every topic feed as subscribers do
// (python-feedparser for RSS and Atom, the JSON document for JSON Feed)
// and checks what issue 12 found wrong: the topic's description reads
// the same in all three formats, markup characters and all (RSS
// readers take the channel description for HTML); no entry is credited
// to "bantin", and an entry without a byline names its source; tags show
// their display names ("Hà Nội", not "ha-noi"); a JSON item without a
// body does not repeat its title as content_text.
func TestReadersSeeOutput(t *testing.T) {
	py := systemPython(t, "feedparser")
	s := newSite(t)
	// The technology topic's title has markup characters and no
	// description: the title stands in as the description.
	args := []string{"-c", readerViewScript}
	feeds := s.Feeds()
	for _, f := range feeds {
		args = append(args, s.Base+f.Path())
	}
	out, err := runTool(context.Background(), 50*time.Second, py, args...)
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, out)
	}
	var views []readerView
	if err := json.Unmarshal(lastLine(out), &views); err != nil {
		t.Fatalf("reader output: %v\n%s", err, out)
	}
	descriptions := map[string]string{}
	for _, tp := range s.Topics {
		descriptions[tp.Slug] = tp.Description
		if tp.Description == "" {
			descriptions[tp.Slug] = tp.Title
		}
	}
	sawSourceAuthor, sawTags, sawBodyless := false, false, false
	for i, f := range feeds {
		v := views[i]
		t.Run(f.Name(), func(t *testing.T) {
			shown := v.Subtitle
			if v.SubtitleType == "text/html" {
				shown = strings.Join(strings.Fields(htmltext.Text(shown)), " ")
			}
			if want, ok := descriptions[f.Slug]; ok && f.Kind == "topic" && shown != want {
				t.Errorf("description reads %q (%s %q), want %q", shown, v.SubtitleType, v.Subtitle, want)
			}
			if v.Author != "" {
				t.Errorf("feed-level author %q: readers credit it with every entry that names none", v.Author)
			}
			for _, e := range v.Entries {
				// RSS names the source in <source>, not as an author.
				if (e.Author == "" && f.Format != "rss") || strings.Contains(e.Author, "bantin") {
					t.Errorf("entry %q: author %q, want its byline or its source", e.Title, e.Author)
				}
				if strings.Contains(e.Author, "Tin Việt & <Thời sự>") || e.Author == "World Desk" {
					sawSourceAuthor = true
				}
				for _, tag := range e.Tags {
					if strings.Contains(tag, "-") && strings.ToLower(tag) == tag {
						t.Errorf("entry %q: tag %q looks like a slug, want the display name", e.Title, tag)
					}
				}
				if slices.Contains(e.Tags, "Hà Nội") && slices.Contains(e.Tags, "Giao thông") {
					sawTags = true
				}
				if e.Text != nil && *e.Text == e.Title {
					t.Errorf("entry %q: content_text repeats the title", e.Title)
				}
				if strings.HasPrefix(e.Title, "Thông xe cầu vượt Mai Dịch") && f.Format != "rss" {
					// No body upstream: a link to the story, not the title.
					sawBodyless = true
					if e.Body == nil || !strings.Contains(*e.Body, `>tinviet.example.vn</a>`) || strings.Contains(*e.Body, "Mai Dịch") {
						t.Errorf("entry %q without a body upstream: body %v, want a link to the story", e.Title, e.Body)
					}
				}
			}
		})
	}
	if !sawSourceAuthor {
		t.Error("no entry without a byline named its source")
	}
	if !sawTags {
		t.Error("no entry showed the tags \"Hà Nội\" and \"Giao thông\"")
	}
	if !sawBodyless {
		t.Error("fixture: no entry without a body upstream")
	}
}
