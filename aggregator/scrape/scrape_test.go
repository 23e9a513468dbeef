package scrape

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"bantin/config"
)

func sel(t *testing.T, raw string) config.Selector {
	t.Helper()
	s, err := config.ParseSelector(raw)
	if err != nil {
		t.Fatalf("ParseSelector(%q): %v", raw, err)
	}
	return s
}

// TestItems: fields relative to the item element, "@attr" of the element
// itself, <base href>, srcset, several categories, items without a link
// left out and repeated links read once.
func TestItems(t *testing.T) {
	page, err := Parse(`<html><head><base href="https://news.example/section/"></head><body>
<div class="list">
  <a class="item" href="a-1.html" data-time="26-04-2020 10:11"><b>Tin một</b><img srcset="i/1-small.jpg 1x, i/1.jpg 2x"><i class="tag">Thời sự</i><i class="tag">Hà Nội</i></a>
  <a class="item" data-time="x"><b>Không có liên kết</b></a>
  <a class="item" href="/a-2.html#top"><b>Tin   hai</b></a>
  <a class="item" href="a-1.html"><b>Tin một (lặp)</b></a>
</div></body></html>`, "https://news.example/list")
	if err != nil {
		t.Fatal(err)
	}
	items, err := page.Items(&config.ItemSelectors{
		Each: sel(t, "a.item"), Title: sel(t, "b"), Link: sel(t, "@href"), Date: sel(t, "@data-time"),
		Image: sel(t, "img @srcset"), Category: sel(t, ".tag"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("%d items, want 2: %+v", len(items), items)
	}
	one, two := items[0], items[1]
	if one.Link.Value != "https://news.example/section/a-1.html" || one.Link.From != "@href" || one.Title.Value != "Tin một" ||
		one.Date.Value != "26-04-2020 10:11" || one.Image.Value != "https://news.example/section/i/1-small.jpg" ||
		!slices.Equal(one.Categories, []string{"Thời sự", "Hà Nội"}) || one.CategoriesFrom != ".tag" {
		t.Errorf("first item: %+v", one)
	}
	if two.Link.Value != "https://news.example/a-2.html" || two.Title.Value != "Tin hai" || two.Date.From != "" {
		t.Errorf("second item: %+v", two)
	}
	if _, err := page.Items(&config.ItemSelectors{Each: sel(t, "li.news"), Link: sel(t, "a @href")}); !errors.Is(err, ErrNoItems) ||
		!strings.Contains(err.Error(), `items.each "li.news" matches nothing on https://news.example/list`) {
		t.Errorf("each matching nothing: %v", err)
	}
	if _, err := page.Items(&config.ItemSelectors{Each: sel(t, "b"), Link: sel(t, "@href")}); !errors.Is(err, ErrNoItems) ||
		!strings.Contains(err.Error(), `items.link "@href" finds no link in any of the 4 elements`) {
		t.Errorf("no links: %v", err)
	}
}

// TestItemsLazyImage: "img @src" of a lazy-loaded image (src a data:
// placeholder or missing) reads the address the lazy-loading attribute
// holds; a real src wins.
func TestItemsLazyImage(t *testing.T) {
	page, err := Parse(`<ul>
<li><a href="/1">Một</a><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/i/1.jpg"></li>
<li><a href="/2">Hai</a><img class="lazy" data-original="https://cdn.example/2.jpg"></li>
<li><a href="/3">Ba</a><img src="/i/3.jpg" data-src="/i/3-big.jpg"></li>
<li><a href="/4">Bốn</a><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></li>
</ul>`, "https://news.example/list")
	if err != nil {
		t.Fatal(err)
	}
	items, err := page.Items(&config.ItemSelectors{Each: sel(t, "li"), Title: sel(t, "a"), Link: sel(t, "a @href"), Image: sel(t, "img @src")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://news.example/i/1.jpg", "https://cdn.example/2.jpg", "https://news.example/i/3.jpg", ""}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for i, it := range items {
		if it.Image.Value != want[i] {
			t.Errorf("%s: image %q, want %q", it.Title.Value, it.Image.Value, want[i])
		}
	}
}

// TestArticleContentSelector: the content selector's matches, with the
// excluded parts removed; a selector that matches nothing is
// ErrNoContent naming it.
func TestArticleContentSelector(t *testing.T) {
	const doc = `<html><body><h1>T</h1><div class="body"><p>Một</p><div class="share">Chia sẻ</div></div><div class="body"><p>Hai</p></div></body></html>`
	page, _ := Parse(doc, "https://news.example/a")
	a, err := page.Article(sel(t, ".body"), sel(t, ".share"), &config.ArticleSelectors{Title: sel(t, "h1")})
	if err != nil {
		t.Fatal(err)
	}
	if a.Content.Value != "<p>Một</p><p>Hai</p>" || a.Content.From != ".body" || a.Title.Value != "T" {
		t.Errorf("article: %+v", a)
	}
	page, _ = Parse(doc, "https://news.example/a")
	if _, err := page.Article(sel(t, ".detail"), config.Selector{}, nil); !errors.Is(err, ErrNoContent) || !strings.Contains(err.Error(), `".detail" matches nothing`) {
		t.Errorf("content selector matching nothing: %v", err)
	}
}

// TestParseRefusesDeepNesting: a page nesting elements thousands deep (a
// hostile server's; the HTML parser's time grows with the square of the
// depth) is refused with an error naming it; ordinary nesting parses.
func TestParseRefusesDeepNesting(t *testing.T) {
	deep := "<html><body>" + strings.Repeat("<div>", 100000) + "x</body></html>"
	if _, err := Parse(deep, "https://bao.example/bai/1.html"); err == nil ||
		!strings.Contains(err.Error(), "https://bao.example/bai/1.html") || !strings.Contains(err.Error(), "512 deep") {
		t.Errorf("Parse(100,000 nested divs) = %v, want an error naming the page and the limit", err)
	}
	ok := "<html><body>" + strings.Repeat("<div>", 100) + "<p>x<p>y<ul><li>a<li>b</ul>" + strings.Repeat("</div>", 100) + "</body></html>"
	if _, err := Parse(ok, "https://bao.example/bai/2.html"); err != nil {
		t.Errorf("Parse(100 nested divs): %v", err)
	}
}

// TestItemsLazyImagePlaceholders: a lazy-loading attribute that holds a
// placeholder rather than an address ("about:blank", "javascript:void(0)",
// "#") leaves the next one to try.
func TestItemsLazyImagePlaceholders(t *testing.T) {
	want := map[string]string{
		`data-src="about:blank" data-original="/i/1.jpg"`:                   "https://news.example/i/1.jpg",
		`data-src="javascript:void(0)" data-lazy-src="//cdn.example/2.jpg"`: "https://cdn.example/2.jpg",
		`data-src="#" data-srcset="/i/3.jpg 1x, /i/3@2x.jpg 2x"`:            "https://news.example/i/3.jpg",
		`data-src="about:blank"`:                                            "",
	}
	for attrs, image := range want {
		page, err := Parse(`<div><a href="/x">X</a><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" `+attrs+`></div>`, "https://news.example/list")
		if err != nil {
			t.Fatal(err)
		}
		items, err := page.Items(&config.ItemSelectors{Each: sel(t, "div"), Link: sel(t, "a @href"), Image: sel(t, "img @src")})
		if err != nil || len(items) != 1 || items[0].Image.Value != image {
			t.Errorf("<img %s>: items %+v (%v), want the image %q", attrs, items, err, image)
		}
	}
}
