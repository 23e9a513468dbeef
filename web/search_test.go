package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"bantin/db"
	"bantin/publisher/render"
)

// searchFixture is the Vietnamese search suite's corpus.
var searchFixture = []db.Item{
	{Title: "Đại hội Đảng lần thứ XIV khai mạc tại Hà Nội", Summary: "<p>Đại biểu về dự đại hội.</p>"},
	{Title: "Giá vàng đang tăng mạnh", Summary: "Giá vàng miếng SJC lên đỉnh."},
	{Title: "TPHCM công bố quy hoạch mới", SourceID: "tn"},
	{Title: "TP.HCM: kẹt xe nghiêm trọng giờ cao điểm"},
	{Title: "Tp. HCM mưa lớn chiều nay", SourceID: "tn"},
	{Title: "Thủy điện Hòa Bình mở cửa xả đáy"},
	{Title: "Hanoi metro line opens its underground section", SourceID: "world", Language: "en"},
	{Title: "Tỉ giá USD hôm nay đứng yên"},
	{Title: "Chỉ số VN-Index giảm 20 điểm"},
	{Title: "Mưa lớn ở Hà Nam, nhiều tuyến đường ngập", Categories: []string{"Thời tiết"}},
	{Title: "Du lịch cuối tuần", Summary: "Lễ hội hoa <b>Đà Lạt</b> thu hút du khách."},
	{Title: "Khánh Hoà đón khách quốc tế"},
	{Title: "Thị trường chứng khoán hồi phục", SourceID: "tn"},
}

func titlesOf(items []db.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	slices.Sort(out)
	return out
}

// TestSearchVietnamese: queries with and without diacritics,
// abbreviations and phrases find exactly what `keywords` would.
func TestSearchVietnamese(t *testing.T) {
	e := newEnv(t, false, searchFixture...)
	ctx := context.Background()
	f := func(i int) string { return searchFixture[i].Title }
	cases := []struct {
		q    string
		want []string
	}{
		{"dai hoi dang", []string{f(0)}},
		{"Đảng", []string{f(0)}},               // with diacritics: not "đang"
		{"đang", []string{f(1)}},               // and the other way round
		{"dang", []string{f(0), f(1)}},         // without: both
		{"ĐẠI HỘI", []string{f(0)}},            // case
		{"TP.HCM", []string{f(2), f(3), f(4)}}, // abbreviations, joined or not
		{"TPHCM", []string{f(2), f(3), f(4)}},
		{"TP HCM", []string{f(2), f(3), f(4)}},
		{"Tp. HCM", []string{f(2), f(3), f(4)}},
		{"Hoà Bình", []string{f(5)}}, // tone placement
		{"thuỷ điện", []string{f(5)}},
		{"hoa binh", []string{f(5)}},
		{"ha noi", []string{f(0)}}, // not "Hanoi", not "Hà Nam"
		{"hanoi", []string{f(6)}},
		{"tỷ giá", []string{f(7)}}, // i/y
		{"ty gia", []string{f(7)}},
		{"vnindex", []string{f(8)}},
		{"VN-Index", []string{f(8)}},
		{"vn index", []string{f(8)}},
		{`"giá vàng"`, []string{f(1)}},  // a phrase
		{`vàng tăng`, nil},              // a phrase, as a keyword is
		{`"vàng" tăng`, []string{f(1)}}, // two phrases, anywhere
		{`"giá vàng" "tăng mạnh"`, []string{f(1)}},
		{"Đà Lạt", []string{f(10)}},    // in the summary, under markup
		{"Khánh Hòa", []string{f(11)}}, // Hoà written Hòa
		{"thị trường chứng khoán", []string{f(12)}},
		{"mưa lớn", []string{f(4), f(9)}},
		{"không có gì", nil},
		{"<b>", nil},
		{"", nil},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			q, err := parseQuery(url.Values{"q": {c.q}}, e.cfg)
			if err != nil {
				t.Fatal(err)
			}
			items, more, err := Search(ctx, e.store, q, false, e.now)
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(c.want)
			slices.Sort(want)
			if got := titlesOf(items); !slices.Equal(got, want) || more {
				t.Errorf("search %q = %q (more %t), want %q", c.q, got, more, want)
			}
		})
	}
}

// TestSearchFiltersAndRanking: source, topic, tag and date filters; a
// title match ranks above a summary match.
func TestSearchFiltersAndRanking(t *testing.T) {
	e := newEnv(t, false, searchFixture...)
	ctx := context.Background()
	run := func(v url.Values) []string {
		t.Helper()
		q, err := parseQuery(v, e.cfg)
		if err != nil {
			t.Fatal(err)
		}
		items, _, err := Search(ctx, e.store, q, false, e.now)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Title)
		}
		return out
	}
	if got := run(url.Values{"q": {"TPHCM"}, "source": {"tn"}}); !slices.Equal(titlesSorted(got), titlesSorted([]string{searchFixture[2].Title, searchFixture[4].Title})) {
		t.Errorf("source filter: %q", got)
	}
	if got := run(url.Values{"q": {"giá"}, "topic": {"kinh-te"}}); len(got) != 2 { // giá vàng, tỉ giá
		t.Errorf("topic filter: %q", got)
	}
	// Dates are days in defaults.timezone; item i was published i+1 hours
	// before 2026-12-01 10:00 UTC (17:00 in Hanoi): all on 2026-12-01.
	if got := run(url.Values{"q": {"mưa"}, "tag": {"thoi-tiet"}}); len(got) != 1 || got[0] != searchFixture[9].Title {
		t.Errorf("tag filter: %q", got)
	}
	if got := run(url.Values{"q": {"mưa"}, "from": {"2026-12-02"}}); len(got) != 0 {
		t.Errorf("from filter: %q", got)
	}
	if got := run(url.Values{"q": {"mưa"}, "from": {"2026-12-01"}, "to": {"2026-12-01"}}); len(got) != 2 {
		t.Errorf("from/to filter: %q", got)
	}
	if got := run(url.Values{"q": {"vàng"}}); len(got) != 1 {
		t.Errorf("vàng: %q", got)
	}
	// "hoa": Hòa Bình, Khánh Hoà (title) and hoa Đà Lạt (summary): the
	// summary match comes last.
	got := run(url.Values{"q": {"hoa"}})
	if len(got) != 3 || got[2] != searchFixture[10].Title {
		t.Errorf("ranking: %q, want the summary match last", got)
	}
	// Newest first on request.
	got = run(url.Values{"q": {"hoa"}, "sort": {"date"}})
	if want := []string{searchFixture[5].Title, searchFixture[10].Title, searchFixture[11].Title}; !slices.Equal(got, want) {
		t.Errorf("by date: %q, want %q", got, want)
	}
}

func titlesSorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// TestSearchPagesAndFeeds: /search shows results with subscribe links;
// /search.atom, .rss and .json are the same query as feeds.
func TestSearchPagesAndFeeds(t *testing.T) {
	e := newEnv(t, false, searchFixture...)
	r := e.do(nil, "GET", "/search?q=TP.HCM", nil)
	if r.status != 200 || !strings.Contains(r.body, "kẹt xe") || !strings.Contains(r.body, "Kết quả 1–3") {
		t.Fatalf("/search: %d\n%s", r.status, r.body)
	}
	if !strings.Contains(r.body, `<link rel="alternate" type="application/atom+xml"`) || !strings.Contains(r.body, "/search.atom?q=TP.HCM") {
		t.Errorf("no autodiscovery of the search feed:\n%s", r.body)
	}
	if !strings.Contains(r.body, `<html lang="vi">`) {
		t.Errorf("search page not lang=vi")
	}
	for _, f := range []string{"atom", "rss", "json"} {
		r := e.do(nil, "GET", "/search."+f+"?q=TPHCM", nil)
		if r.status != 200 || strings.Count(r.body, "HCM") < 3 {
			t.Errorf("/search.%s: %d\n%s", f, r.status, r.body)
		}
	}
	r = e.do(nil, "GET", "/search.json?q=ha+noi", nil)
	var jf struct {
		HomePage string `json:"home_page_url"`
		Items    []struct{ Title string }
	}
	if err := json.Unmarshal([]byte(r.body), &jf); err != nil {
		t.Fatal(err)
	}
	if len(jf.Items) != 1 || jf.Items[0].Title != searchFixture[0].Title || !strings.HasSuffix(jf.HomePage, "/search?q=ha+noi") {
		t.Errorf("search feed: %+v", jf)
	}
	if r := e.do(nil, "GET", "/search.atom", nil); r.status != 400 || !strings.Contains(r.body, "needs a query") {
		t.Errorf("/search.atom without q: %d %s", r.status, r.body)
	}
}

// TestSearchFeedIDEscapedOnce: a search feed's id carries its query as the
// URL does, escaped once (the W3C validator warned "not in canonical form"
// about the %2522 of a query in quotes or with diacritics).
func TestSearchFeedIDEscapedOnce(t *testing.T) {
	e := newEnv(t, false, searchFixture...)
	const q = "q=%22gi%C3%A1+v%C3%A0ng%22"
	r := e.do(nil, "GET", "/search.atom?"+q, nil)
	m := regexp.MustCompile(`<id>(tag:[^<]*:search/[^<]*)</id>`).FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("/search.atom: %d, no feed id\n%s", r.status, r.body)
	}
	if want := render.SearchFeedID(render.BaseURL(e.cfg), q); m[1] != want || !strings.HasSuffix(m[1], ":search/"+q) {
		t.Errorf("feed id %q, want %q", m[1], want)
	}
}

// TestSearchFeedConditionalGzip: a reader subscribed to a search feed
// revalidates it as it does a topic feed: ETag, 304 for If-None-Match
// (either representation's tag), gzip when accepted, HEAD like GET.
func TestSearchFeedConditionalGzip(t *testing.T) {
	e := newEnv(t, false, searchFixture...)
	tr := &http.Transport{DisableCompression: true} // Accept-Encoding as the test sets it
	defer tr.CloseIdleConnections()
	for _, f := range render.Formats {
		path := "/search." + f + "?q=TPHCM"
		get := func(method string, h ...string) *http.Response {
			t.Helper()
			req, err := http.NewRequest(method, e.ts.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+1 < len(h); i += 2 {
				req.Header.Set(h[i], h[i+1])
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp
		}
		plain := get("GET")
		etag := plain.Header.Get("ETag")
		if plain.StatusCode != 200 || etag == "" || plain.Header.Get("Last-Modified") == "" || plain.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: %d, headers %v; want 200 with ETag, Last-Modified, Vary", path, plain.StatusCode, plain.Header)
			continue
		}
		gz := get("GET", "Accept-Encoding", "gzip")
		if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == etag {
			t.Errorf("%s gzip: Content-Encoding %q, ETag %q; want gzip with a tag of its own", path, gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"))
		}
		for _, tag := range []string{etag, gz.Header.Get("ETag")} {
			if r := get("GET", "If-None-Match", tag, "Accept-Encoding", "gzip"); r.StatusCode != http.StatusNotModified {
				t.Errorf("%s If-None-Match %s: %d, want 304", path, tag, r.StatusCode)
			}
		}
		if h := get("HEAD"); h.StatusCode != 200 || h.Header.Get("ETag") != etag || h.Header.Get("Content-Length") != plain.Header.Get("Content-Length") {
			t.Errorf("%s HEAD: %d %v, want GET's headers %v", path, h.StatusCode, h.Header, plain.Header)
		}
	}
}

// TestSearchBadRequests: long queries, bad dates and pages get 400 with
// a message saying what is wrong.
func TestSearchBadRequests(t *testing.T) {
	e := newEnv(t, false, searchFixture...)
	cases := []struct{ path, want string }{
		{"/search?q=" + strings.Repeat("a", MaxQueryRunes+1), "tối đa 500"},
		{"/search?q=" + strings.Repeat("ả", MaxQueryRunes+1), "tối đa 500"},
		{"/search?q=" + strings.Repeat("%22a%22+", MaxPhrases+1), "cụm từ"},
		{"/search?q=x&from=hôm+qua", "YYYY-MM-DD"},
		{"/search?q=x&from=2026-12-02&to=2026-12-01", "sau ngày kết thúc"},
		{"/search?q=x&page=0", "Trang"},
		{"/search?q=x&page=100000", "Trang"},
		{"/search?q=x&sort=random", "sắp xếp"},
		{"/search?q=a&q=b", "nhiều lần"},
		{"/search.rss?q=" + strings.Repeat("a", MaxQueryRunes+1), "too long"},
	}
	for _, c := range cases {
		r := e.do(nil, "GET", c.path, nil)
		if r.status != 400 || !strings.Contains(r.body, c.want) {
			t.Errorf("%.60s: %d, want 400 saying %q:\n%.400s", c.path, r.status, c.want, r.body)
		}
	}
}
