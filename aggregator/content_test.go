package aggregator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bantin/aggregator/fetcher"
	"bantin/aggregator/scrape/sitetest"
	"bantin/db"
	"bantin/internal/testenv"
)

// bodyTopic is a topic whose keywords appear only in the article bodies
// of the sitetest site.
const bodyTopic = "topics:\n  - {slug: thanh-xuan-bac, match: {keywords: [\"" + sitetest.BodyOnly + "\"]}}\n"

func itemsOf(t *testing.T, store *db.DB, sourceID string) []db.Item {
	t.Helper()
	items, err := store.ScanSourceItems(context.Background(), sourceID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// TestFullTextMatch: with full_text: match a topic whose keywords are only
// in the article body takes the item, which still publishes the feed's
// one-line summary; without full_text it does not. Each article page is
// fetched once, not on every poll.
func TestFullTextMatch(t *testing.T) {
	site := sitetest.New(3)
	defer site.Close()
	p, store := testPoller(t, site.URL, `  - {id: plain, url: '{{URL}}/rss'}
  - {id: match, url: '{{URL}}/rss', full_text: match, content_selector: ".detail-content", exclude_selector: ".share"}
  - {id: readable, url: '{{URL}}/rss', full_text: publish}
`, bodyTopic)
	res := pollAll(t, p, true)
	for id, r := range res {
		if r.Err != nil || r.New != 3 {
			t.Fatalf("%s: %+v", id, r)
		}
	}
	for _, it := range itemsOf(t, store, "plain") {
		if slices.Contains(it.Topics, "thanh-xuan-bac") || it.FullText != "" {
			t.Errorf("plain %s: topics %v, full text %d bytes; want no topic and no full text", it.Link, it.Topics, len(it.FullText))
		}
	}
	for _, it := range itemsOf(t, store, "match") {
		if !slices.Contains(it.Topics, "thanh-xuan-bac") {
			t.Errorf("match %s: topics %v, want thanh-xuan-bac", it.Link, it.Topics)
		}
		if !strings.Contains(it.Summary, sitetest.Summary) || strings.Contains(it.Summary+it.Content, sitetest.BodyOnly) {
			t.Errorf("match %s publishes %q / %q, want the feed's summary only", it.Link, it.Summary, it.Content)
		}
		ft := it.FullText
		for _, want := range []string{sitetest.BodyOnly, "<figcaption>Các đại biểu bỏ phiếu", `src="` + site.URL + `/img/`, "Kinh nghiệm từ Đại hội điểm"} {
			if !strings.Contains(ft, want) {
				t.Errorf("match %s: full text lacks %q:\n%s", it.Link, want, ft)
			}
		}
		for _, unwanted := range []string{"Chia sẻ", "Tin liên quan", "Trang chủ", "Tòa soạn", "<script"} {
			if strings.Contains(ft, unwanted) {
				t.Errorf("match %s: full text holds %q", it.Link, unwanted)
			}
		}
	}
	// Readability finds the body without selectors; publish publishes it.
	for _, it := range itemsOf(t, store, "readable") {
		if !slices.Contains(it.Topics, "thanh-xuan-bac") || it.Content != it.FullText || !strings.Contains(it.Content, sitetest.BodyOnly) {
			t.Errorf("readable %s: topics %v, content %q", it.Link, it.Topics, it.Content)
		}
		if strings.Contains(it.FullText, "Tòa soạn") {
			t.Errorf("readability kept the footer: %s", it.FullText)
		}
	}
	if got := site.ArticleHits(); got != 6 {
		t.Errorf("article pages fetched %d times, want 6 (3 items × 2 sources)", got)
	}
	res = pollAll(t, p, true)
	if res["match"].New+res["match"].Updated != 0 || res["readable"].New+res["readable"].Updated != 0 {
		t.Errorf("re-poll changed items: %+v %+v", res["match"], res["readable"])
	}
	if got := site.ArticleHits(); got != 6 {
		t.Errorf("after a re-poll article pages were fetched %d times, want still 6", got)
	}
	// The stored full text survives a recompute of topic membership.
	if _, err := p.RecomputeTopics(context.Background(), true, nil); err != nil {
		t.Fatal(err)
	}
	for _, it := range itemsOf(t, store, "match") {
		if !slices.Contains(it.Topics, "thanh-xuan-bac") {
			t.Errorf("after recompute, match %s: topics %v", it.Link, it.Topics)
		}
	}
}

// TestHTMLSourceListing: a listing page of 20 items becomes 20 items with
// every field the selectors name, links and images absolute, day-first
// dates in the source's zone; a re-poll of the unchanged page stores
// nothing; the same page in windows-1258 gives the same text, and so do
// its article pages.
func TestHTMLSourceListing(t *testing.T) {
	site := sitetest.New(20)
	defer site.Close()
	sel := `items: {each: "ul.list-news > li", title: "h3 a", link: "h3 a @href", date: ".time", summary: ".sapo", image: "img @src", author: ".author", category: ".cat"}`
	p, store := testPoller(t, site.URL, `  - id: kdt
    type: html
    url: '{{URL}}/thoi-su'
    `+sel+`
  - id: kdt-1258
    type: html
    url: '{{URL}}/cp1258/thoi-su'
    `+sel+`
    follow: true
    article: {content: ".detail-content"}
`)
	res := pollAll(t, p, true)
	for _, id := range []string{"kdt", "kdt-1258"} {
		if r := res[id]; r.Err != nil || r.New != 20 {
			t.Fatalf("%s: %+v", id, r)
		}
	}
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	for _, id := range []string{"kdt", "kdt-1258"} {
		items := itemsOf(t, store, id)
		prefix := "/tin/"
		if id == "kdt-1258" {
			prefix = "/cp1258/tin/"
		}
		for _, it := range items {
			var i int
			if _, err := fmt.Sscanf(strings.TrimPrefix(it.Link, site.URL+prefix), "%d.html", &i); err != nil {
				t.Fatalf("%s: link %q", id, it.Link)
			}
			want := time.Date(2020, 4, 1+i%28, 10, i%60, 0, 0, hcm)
			if it.GUID != it.Link || it.Title != sitetest.Title(i) || !it.Published.Equal(want) ||
				!strings.Contains(it.Summary, fmt.Sprintf("Tóm tắt bài %d", i)) || it.ImageURL != fmt.Sprintf("%s/img/%d.jpg", site.URL, i) ||
				len(it.Authors) != 1 || it.Authors[0].Name != "Hồng Thái" || !slices.Equal(it.Categories, []string{"Thời sự"}) {
				t.Errorf("%s item %d: %+v", id, i, it)
			}
			// The windows-1258 article pages are read too.
			if id == "kdt-1258" && !strings.Contains(it.Content, "Các đại biểu bỏ phiếu bầu Ban Chấp hành Đảng bộ phường "+sitetest.BodyOnly) {
				t.Errorf("%s item %d: content %q", id, i, it.Content)
			}
		}
	}
	res = pollAll(t, p, true)
	if r := res["kdt"]; r.Err != nil || r.New+r.Updated != 0 {
		t.Errorf("re-poll of the unchanged page: %+v, want nothing stored", r)
	}
	// A page with one more item stores that item only.
	site.SetN(21)
	if r := pollAll(t, p, true)["kdt"]; r.Err != nil || r.New != 1 || r.Updated != 0 {
		t.Errorf("re-poll of a page with one more item: %+v, want 1 new", r)
	}
}

// TestHTMLSourceFollow: follow: true takes each item's content from its
// article page, and the date, author and categories the listing lacks.
func TestHTMLSourceFollow(t *testing.T) {
	site := sitetest.New(4)
	defer site.Close()
	p, store := testPoller(t, site.URL, `  - id: kdt
    type: html
    url: '{{URL}}/thoi-su-nodate'
    items: {each: "ul.list-news > li", title: "h3 a", link: "h3 a @href", summary: ".sapo"}
    follow: true
    article: {content: ".detail-content", date: ".date-time", author: ".byline .author", category: "a.tag"}
    exclude_selector: ".share"
`, bodyTopic)
	if r := pollAll(t, p, true)["kdt"]; r.Err != nil || r.New != 4 {
		t.Fatalf("poll: %+v", r)
	}
	for _, it := range itemsOf(t, store, "kdt") {
		if !it.Published.Equal(sitetest.BylineTime) || len(it.Authors) != 1 || it.Authors[0].Name != "Hồng Thái" ||
			!slices.Equal(it.Categories, []string{"Đại hội Đảng"}) || !strings.Contains(it.Content, sitetest.BodyOnly) ||
			strings.Contains(it.Content, "Chia sẻ") || !slices.Contains(it.Topics, "thanh-xuan-bac") {
			t.Errorf("%s: published %v, authors %v, categories %v, topics %v, content %q", it.Link, it.Published, it.Authors, it.Categories, it.Topics, it.Content)
		}
	}
	// A re-poll keeps what the article pages gave without fetching them again.
	if r := pollAll(t, p, true)["kdt"]; r.Err != nil || r.New+r.Updated != 0 {
		t.Errorf("re-poll: %+v", r)
	}
	if n := site.ArticleHits(); n != 4 {
		t.Errorf("article pages fetched %d times, want 4", n)
	}
}

// TestHTMLSourceFollowUnreadListingDate: a listing date the date parser
// cannot read ("2 giờ trước") is no date: follow: true takes the article
// page's, as for a listing without dates, and a re-poll changes nothing.
func TestHTMLSourceFollowUnreadListingDate(t *testing.T) {
	const meta = `<meta charset="utf-8">`
	relative := regexp.MustCompile(`<span class="time">[^<]*</span>`)
	mux := http.NewServeMux()
	mux.HandleFunc("/thoi-su", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, relative.ReplaceAllString(sitetest.ListingPage(2, "/tin/", true, meta), `<span class="time">2 giờ trước</span>`))
	})
	mux.HandleFunc("/tin/{n}", func(w http.ResponseWriter, r *http.Request) {
		i, _ := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".html"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, sitetest.Article(i, meta))
	})
	up := httptest.NewServer(mux)
	defer up.Close()
	p, store := testPoller(t, up.URL, `  - id: kdt
    type: html
    url: '{{URL}}/thoi-su'
    allow_private: true
    items: {each: "ul.list-news > li", title: "h3 a", link: "h3 a @href", date: ".time"}
    follow: true
    article: {content: ".detail-content", date: ".date-time"}
`)
	if r := pollAll(t, p, true)["kdt"]; r.Err != nil || r.New != 2 {
		t.Fatalf("poll: %+v", r)
	}
	for _, it := range itemsOf(t, store, "kdt") {
		if !it.Published.Equal(sitetest.BylineTime) {
			t.Errorf("%s: published %v, want the article page's %v", it.Link, it.Published, sitetest.BylineTime)
		}
	}
	if r := pollAll(t, p, true)["kdt"]; r.Err != nil || r.New+r.Updated != 0 {
		t.Errorf("re-poll: %+v, want nothing new or updated", r)
	}
}

// TestHTMLSourceFollowTakesArticleTitle: a listing item without a title
// (a linked photo) gets the one article.title selects on its page, not a
// name made up from its link ("2.html"), and keeps it on re-polls and
// when the listing changes the item.
func TestHTMLSourceFollowTakesArticleTitle(t *testing.T) {
	var mu sync.Mutex
	sapo := "Tóm tắt"
	mux := http.NewServeMux()
	mux.HandleFunc("/anh", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<ul><li><a href="/tin/1.html"><img src="/1.jpg"></a><p>%s 1</p></li>
<li><a href="/tin/2.html">Tiêu đề trên trang danh sách</a><p>%s 2</p></li></ul>`, sapo, sapo)
	})
	mux.HandleFunc("/tin/{n}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<h1>  Bài viết
 số %s  </h1><div class="body"><p>Nội dung.</p></div>`, strings.TrimSuffix(r.PathValue("n"), ".html"))
	})
	up := httptest.NewServer(mux)
	defer up.Close()
	p, store := testPoller(t, up.URL, `  - id: anh
    type: html
    url: '{{URL}}/anh'
    allow_private: true
    items: {each: "li", link: "a @href", title: "a", summary: "p"}
    follow: true
    article: {content: ".body", title: "h1"}
`)
	want := map[string]string{up.URL + "/tin/1.html": "Bài viết số 1", up.URL + "/tin/2.html": "Tiêu đề trên trang danh sách"}
	check := func(when string) {
		t.Helper()
		for _, it := range itemsOf(t, store, "anh") {
			if it.Title != want[it.Link] {
				t.Errorf("%s: %s: title %q, want %q", when, it.Link, it.Title, want[it.Link])
			}
		}
	}
	if r := pollAll(t, p, true)["anh"]; r.Err != nil || r.New != 2 {
		t.Fatalf("poll: %+v", r)
	}
	check("first poll")
	if r := pollAll(t, p, true)["anh"]; r.Err != nil || r.New+r.Updated != 0 {
		t.Errorf("re-poll: %+v, want nothing new or updated", r)
	}
	mu.Lock()
	sapo = "Tóm tắt mới"
	mu.Unlock()
	if r := pollAll(t, p, true)["anh"]; r.Err != nil || r.Updated != 2 {
		t.Errorf("poll of the changed listing: %+v, want 2 updated", r)
	}
	check("after the listing changed")
}

// TestHTMLSourceLinklessItemsReported: elements items.each matches that
// have no link (an ad, a teaser without a page) are not stored, and the
// poll says how many and why, as for items older than retention.
func TestHTMLSourceLinklessItemsReported(t *testing.T) {
	page := `<!doctype html><html><head><meta charset="utf-8"><title>Thời sự</title></head><body><ul class="list-news">
<li><h3><a href="/tin/1.html">Tin một</a></h3></li>
<li><h3>Quảng cáo: không có liên kết</h3></li>
<li><h3><a href="/tin/2.html">Tin hai</a></h3></li>
<li><h3><a href="javascript:void(0)">Tin ba, liên kết hỏng</a></h3></li>
</ul></body></html>`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer up.Close()
	p, store := testPoller(t, up.URL, `  - {id: kdt, type: html, url: '{{URL}}/thoi-su', items: {each: "ul.list-news > li", title: "h3", link: "h3 a @href"}}
`)
	r := pollAll(t, p, true)["kdt"]
	if r.Err != nil || r.New != 2 {
		t.Fatalf("poll: %+v", r)
	}
	const why = `without a link (items.link "h3 a @href" finds none)`
	if r.Skipped != 2 || r.SkipReason != why {
		t.Errorf("skipped %d %q, want 2 %q", r.Skipped, r.SkipReason, why)
	}
	if st := source(t, store, "kdt"); st.LastSkipped != 2 || st.LastSkipReason != why {
		t.Errorf("source records %d skipped for %q", st.LastSkipped, st.LastSkipReason)
	}
}

// TestHTMLSourceWithoutItems: a page where items.each matches nothing is
// an error naming the selector, not an empty source; what was stored
// stays.
func TestHTMLSourceWithoutItems(t *testing.T) {
	site := sitetest.New(2)
	defer site.Close()
	src := `  - {id: kdt, type: html, url: '{{URL}}/PAGE', items: {each: "ul.list-news > li"}}
`
	p, store := testPoller(t, site.URL, strings.ReplaceAll(src, "PAGE", "thoi-su"))
	if r := pollAll(t, p, true)["kdt"]; r.Err != nil || r.New != 2 {
		t.Fatalf("poll: %+v", r)
	}
	cfg, _ := p.snapshot()
	s, _ := cfg.Source("kdt")
	s.URL = site.URL + "/empty"
	if err := store.SyncSources(context.Background(), []db.SourceSpec{{ID: "kdt", URL: s.URL}}); err != nil {
		t.Fatal(err)
	}
	r := pollAll(t, p, true)["kdt"]
	if r.Err == nil || !strings.Contains(r.Err.Error(), `items.each "ul.list-news > li" matches nothing on `+site.URL+"/empty") {
		t.Fatalf("poll of a page without items: %v", r.Err)
	}
	if r.Rejected != "no_items" {
		t.Errorf("rejected as %q, want no_items", r.Rejected)
	}
	if n := len(itemsOf(t, store, "kdt")); n != 2 {
		t.Errorf("%d items left, want the 2 stored", n)
	}
}

// TestArticleNotAWebPage: an item whose link is a PDF or an image (no
// web page) keeps the feed's body under full_text: publish, and its
// failure names what was received: the bytes are never read as HTML and
// published.
func TestArticleNotAWebPage(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/doc.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n")
	})
	mux.HandleFunc("/photo", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")) // no Content-Type
	})
	up := httptest.NewServer(mux)
	defer up.Close()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>t</title>
<item><title>Báo cáo</title><link>%[1]s/doc.pdf</link><description>%[2]s</description></item>
<item><title>Ảnh</title><link>%[1]s/photo</link><description>%[2]s</description></item>
</channel></rss>`, up.URL, sitetest.Summary)
	})
	p, store := testPoller(t, up.URL, "  - {id: s, url: '{{URL}}/', full_text: publish}\n")
	if r := pollAll(t, p, true)["s"]; r.Err != nil || r.New != 2 {
		t.Fatalf("poll: %+v", r)
	}
	for _, it := range itemsOf(t, store, "s") {
		if it.FullText != "" || it.Content != "" || it.Summary != sitetest.Summary || it.Article.Tries != 1 ||
			!strings.Contains(it.Article.Err, "not a web page") {
			t.Errorf("%s: content %q, full text %q, summary %q, article state %+v", it.Link, it.Content, it.FullText, it.Summary, it.Article)
		}
	}
}

// TestArticleFailureKeepsFeedBody: an article page that never ends fails
// at the source's timeout; the item is stored with the feed's body, its
// page is not fetched again before the backoff is over, and then is.
func TestArticleFailureKeepsFeedBody(t *testing.T) {
	site := sitetest.New(1)
	defer site.Close()
	feed := strings.ReplaceAll(site.RSS(), site.URL+"/tin/1.html", site.URL+"/never")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, feed) }))
	defer up.Close()
	p, store := testPoller(t, up.URL, "  - {id: s, url: '{{URL}}/', full_text: match, timeout: 1s}\n", bodyTopic)
	clk := testenv.NewClock(time.Now())
	p.Now = clk.Now
	if r := pollAll(t, p, true)["s"]; r.Err != nil || r.New != 1 {
		t.Fatalf("poll: %+v", r)
	}
	it := itemsOf(t, store, "s")[0]
	if it.Summary != sitetest.Summary || it.FullText != "" || it.Article.Tries != 1 || !strings.Contains(it.Article.Err, "timeout") {
		t.Fatalf("item after a failed article fetch: summary %q, full text %q, state %+v", it.Summary, it.FullText, it.Article)
	}
	pollAll(t, p, true)
	if n := site.Hits("/never"); n != 1 {
		t.Errorf("article fetched %d times within its backoff, want 1", n)
	}
	clk.Add(it.Article.Next.Sub(clk.Now()) + time.Second)
	pollAll(t, p, true)
	if n := site.Hits("/never"); n != 2 {
		t.Errorf("article fetched %d times after its backoff, want 2", n)
	}
	if it := itemsOf(t, store, "s")[0]; it.Article.Tries != 2 {
		t.Errorf("tries = %d, want 2", it.Article.Tries)
	}
}

// TestArticleRedirectToPrivateRefused: an article page of a public site
// that redirects to a loopback address is refused by the fetcher's
// address policy; the item keeps its feed body.
func TestArticleRedirectToPrivateRefused(t *testing.T) {
	var secret int
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/rss", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel><title>T</title><item><title>Tin</title><link>http://news.example/tin/1.html</link><description>Nội dung tóm tắt.</description></item></channel></rss>`)
	})
	mux.HandleFunc("/tin/1.html", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srvURL+"/secret", http.StatusFound)
	})
	mux.HandleFunc("/secret", func(w http.ResponseWriter, r *http.Request) {
		secret++
		fmt.Fprint(w, "<html><body><article><p>"+strings.Repeat("Bí mật nội bộ. ", 50)+"</p></article></body></html>")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	p, store := testPoller(t, "http://news.example", "  - {id: s, url: '{{URL}}/rss', full_text: match}\n")
	// news.example is a public address whose connections reach the test
	// server; 127.0.0.1 stays what it is.
	addr := srv.Listener.Addr().String()
	p.Fetcher = &fetcher.Fetcher{
		LookupIP: func(ctx context.Context, host string) ([]net.IP, error) {
			if host == "news.example" {
				return []net.IP{net.ParseIP("203.0.113.10")}, nil
			}
			return net.DefaultResolver.LookupIP(ctx, "ip", host)
		},
		Client: &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}},
	}
	if r := pollAll(t, p, true)["s"]; r.Err != nil || r.New != 1 {
		t.Fatalf("poll: %+v", r)
	}
	it := itemsOf(t, store, "s")[0]
	if secret != 0 || it.FullText != "" || !strings.Contains(it.Article.Err, "refused: private or loopback address") {
		t.Errorf("redirect to a private address: secret fetched %d times, full text %q, state %+v", secret, it.FullText, it.Article)
	}
	if it.Summary != sitetest.Summary {
		t.Errorf("summary %q, want the feed's", it.Summary)
	}
}

// TestPushedItemsKeepFullText: a WebSub push of items whose article pages
// were read keeps their full text (no second fetch), and a pushed new
// item gets its page read.
func TestPushedItemsKeepFullText(t *testing.T) {
	site := sitetest.New(3)
	defer site.Close()
	p, store := testPoller(t, site.URL, "  - {id: s, url: '{{URL}}/rss', full_text: match}\n", bodyTopic)
	full := site.RSS()
	// The first poll sees two of the three items.
	two := strings.Replace(full, full[strings.Index(full, "<item><title>"+sitetest.Title(3)):strings.LastIndex(full, "</item>")+len("</item>")], "", 1)
	if _, err := p.Ingest(context.Background(), "s", []byte(two), "application/rss+xml"); err != nil {
		t.Fatal(err)
	}
	if n := site.ArticleHits(); n != 2 {
		t.Fatalf("article pages fetched %d times for 2 pushed items", n)
	}
	r, err := p.Ingest(context.Background(), "s", []byte(full), "application/rss+xml")
	if err != nil || r.New != 1 || r.Updated != 0 {
		t.Fatalf("second push: %+v, %v", r, err)
	}
	if n := site.ArticleHits(); n != 3 {
		t.Errorf("article pages fetched %d times, want 3 (each once)", n)
	}
	for _, it := range itemsOf(t, store, "s") {
		if !strings.Contains(it.FullText, sitetest.BodyOnly) || !slices.Contains(it.Topics, "thanh-xuan-bac") {
			t.Errorf("%s: topics %v, full text %d bytes", it.Link, it.Topics, len(it.FullText))
		}
	}
}

// TestHTMLSourceNeverEnds: a listing page that never ends fails at the
// source's timeout and names it.
func TestHTMLSourceNeverEnds(t *testing.T) {
	site := sitetest.New(1)
	defer site.Close()
	p, _ := testPoller(t, site.URL, "  - {id: s, type: html, url: '{{URL}}/never', timeout: 1s, items: {each: li}}\n")
	r := pollAll(t, p, true)["s"]
	if r.Err == nil || !strings.Contains(r.Err.Error(), "timeout") || !strings.Contains(r.Err.Error(), site.URL+"/never") {
		t.Errorf("poll of a page that never ends: %v", r.Err)
	}
}

// TestFullTextSwitchToPublish: a source switched from full_text: match to
// publish publishes the stored full text on its next poll, without
// fetching the article pages again.
func TestFullTextSwitchToPublish(t *testing.T) {
	site := sitetest.New(2)
	defer site.Close()
	p, store := testPoller(t, site.URL, "  - {id: s, url: '{{URL}}/rss', full_text: match}\n")
	pollAll(t, p, true)
	cfg, _ := p.snapshot()
	next := *cfg
	next.Sources = slices.Clone(cfg.Sources)
	next.Sources[0].FullText = "publish"
	if err := p.Reload(context.Background(), &next); err != nil {
		t.Fatal(err)
	}
	if r := pollAll(t, p, true)["s"]; r.Err != nil || r.Updated != 2 {
		t.Fatalf("poll after the switch: %+v, want 2 updated", r)
	}
	for _, it := range itemsOf(t, store, "s") {
		if it.Content != it.FullText || !strings.Contains(it.Content, sitetest.BodyOnly) {
			t.Errorf("%s: content %q", it.Link, it.Content)
		}
	}
	if n := site.ArticleHits(); n != 2 {
		t.Errorf("article pages fetched %d times, want 2", n)
	}
}

// TestArticleRetriedWhileFeedUnchanged: an article page that failed is
// read again once its backoff is over even though the feed answers 304,
// and the item then joins the topic its body matches.
func TestArticleRetriedWhileFeedUnchanged(t *testing.T) {
	site := sitetest.New(1)
	defer site.Close()
	feed := site.RSS()
	var articleCalls int
	mux := http.NewServeMux()
	mux.HandleFunc("/rss", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, feed)
	})
	mux.HandleFunc("/tin/1.html", func(w http.ResponseWriter, r *http.Request) {
		if articleCalls++; articleCalls == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, sitetest.Article(1, `<meta charset="utf-8">`))
	})
	up := httptest.NewServer(mux)
	defer up.Close()
	feed = strings.ReplaceAll(feed, site.URL, up.URL)
	p, store := testPoller(t, up.URL, "  - {id: s, url: '{{URL}}/rss', full_text: match}\n", bodyTopic)
	clk := testenv.NewClock(time.Now())
	p.Now = clk.Now
	pollAll(t, p, true)
	it := itemsOf(t, store, "s")[0]
	if it.Article.Tries != 1 || slices.Contains(it.Topics, "thanh-xuan-bac") {
		t.Fatalf("after a failed article fetch: state %+v, topics %v", it.Article, it.Topics)
	}
	clk.Add(it.Article.Next.Sub(clk.Now()) + time.Second)
	r := pollAll(t, p, true)["s"]
	if !r.NotModified || r.Err != nil || r.Updated != 1 {
		t.Errorf("poll after the backoff: %+v, want a 304 that updated the item", r)
	}
	it = itemsOf(t, store, "s")[0]
	if it.Article.Tries != 0 || !strings.Contains(it.FullText, sitetest.BodyOnly) || !slices.Contains(it.Topics, "thanh-xuan-bac") {
		t.Errorf("after the retry: state %+v, topics %v, full text %d bytes", it.Article, it.Topics, len(it.FullText))
	}
	if r := pollAll(t, p, true)["s"]; r.Updated != 0 || articleCalls != 2 {
		t.Errorf("poll after success: %+v, article fetched %d times", r, articleCalls)
	}
}

// TestBigArticlePage: an article page over 1 MiB is read while holding
// one of the big-page slots, which is free again afterwards.
func TestBigArticlePage(t *testing.T) {
	page := strings.Replace(sitetest.Article(1, `<meta charset="utf-8">`), `<div class="related">`,
		`<div class="related">`+strings.Repeat("<p>Quảng cáo.</p>", 200000), 1)
	site := sitetest.New(1)
	defer site.Close()
	feed := strings.ReplaceAll(site.RSS(), site.URL+"/tin/1.html", "{{SELF}}/big.html")
	var srvURL string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big.html" {
			fmt.Fprint(w, page)
			return
		}
		fmt.Fprint(w, strings.ReplaceAll(feed, "{{SELF}}", srvURL))
	}))
	defer up.Close()
	srvURL = up.URL
	if len(page) <= bigBody {
		t.Fatalf("page of %d bytes is not big", len(page))
	}
	p, store := testPoller(t, up.URL, "  - {id: s, url: '{{URL}}/rss', full_text: match, content_selector: '.detail-content'}\n", bodyTopic)
	if r := pollAll(t, p, true)["s"]; r.Err != nil || r.New != 1 {
		t.Fatalf("poll: %+v", r)
	}
	if it := itemsOf(t, store, "s")[0]; !slices.Contains(it.Topics, "thanh-xuan-bac") {
		t.Errorf("big page not read: %+v", it.Article)
	}
	if !p.bigPages.TryAcquire(bigSlots) {
		t.Error("a big-page slot is still held after the poll")
	}
}

// TestArticlePagesKeepPerHost: article pages count against per_host like
// feeds, on the feed's host and on another one (the same server reached
// as 127.0.0.1 and as localhost).
func TestArticlePagesKeepPerHost(t *testing.T) {
	var mu sync.Mutex
	cur, peak := map[string]int{}, map[string]int{}
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		mu.Lock()
		cur[host]++
		peak[host] = max(peak[host], cur[host])
		mu.Unlock()
		defer func() { mu.Lock(); cur[host]--; mu.Unlock() }()
		time.Sleep(10 * time.Millisecond) // a slow server, so that requests overlap if allowed
		if strings.HasPrefix(r.URL.Path, "/tin/") {
			i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/tin/"), ".html"))
			fmt.Fprint(w, sitetest.Article(i, `<meta charset="utf-8">`))
			return
		}
		// /a/N: a feed of 3 items whose pages are on the same host; /b/N:
		// on localhost.
		base := srvURL
		if strings.HasPrefix(r.URL.Path, "/b/") {
			base = strings.Replace(srvURL, "127.0.0.1", "localhost", 1)
		}
		fmt.Fprint(w, `<rss version="2.0"><channel><title>T</title>`)
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, `<item><title>%s %d</title><link>%s/tin/%d.html</link></item>`, r.URL.Path, i, base, i)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	defer srv.Close()
	srvURL = srv.URL
	var b strings.Builder
	for i := range 4 {
		fmt.Fprintf(&b, "  - {id: a%d, url: '{{URL}}/a/%d', full_text: match}\n  - {id: b%d, url: '{{URL}}/b/%d', full_text: match}\n", i, i, i, i)
	}
	p, store := testPoller(t, srv.URL, b.String(), "  per_host: 1\n  workers: 8\n")
	for id, r := range pollAll(t, p, true) {
		if r.Err != nil || r.New != 3 {
			t.Errorf("%s: %+v", id, r)
		}
	}
	if peak["127.0.0.1"] != 1 || peak["localhost"] != 1 {
		t.Errorf("peak concurrent requests per host: %v, want 1 each (per_host: 1)", peak)
	}
	n, err := store.ItemCount(context.Background())
	if err != nil || n != 24 {
		t.Fatalf("%d items, %v", n, err)
	}
	for _, it := range itemsOf(t, store, "b3") {
		if !strings.Contains(it.FullText, sitetest.BodyOnly) {
			t.Errorf("%s: no full text (%+v)", it.Link, it.Article)
		}
	}
}

// TestFirstImageURLSkipsDataURIs: the first image of an article page's
// text becomes the item's image only when it has a web address; a data:
// URI (a lazy-loading placeholder the page named no address for) does not.
func TestFirstImageURLSkipsDataURIs(t *testing.T) {
	for in, want := range map[string]string{
		`<p>x</p><img src="https://e.example/a.jpg" alt="a">`:    "https://e.example/a.jpg",
		`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`: "",
		`<img alt="no src">`:                              "",
		`<img src="https://e.example/a.jpg?w=1&amp;h=2">`: "https://e.example/a.jpg?w=1&h=2",
	} {
		if got := firstImageURL(in); got != want {
			t.Errorf("firstImageURL(%q) = %q, want %q", in, got, want)
		}
	}
}
