// Package sitetest serves, on loopback, a small news site shaped like the
// article pages bantin reads (a breadcrumb, a byline with a day-first date,
// a body with images and captions, a share bar and a related-news list),
// its listing page and a summary-only RSS feed of it: the fixture of the
// full-text and type: html tests, of `bantin try` and of the benchmark.
package sitetest

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// BodyOnly is a phrase found only in the body of every article: not in
// the feed, the listing, the titles or the related news.
const BodyOnly = "Thanh Xuân Bắc"

// Summary is the whole description the feed gives each item.
const Summary = "Nội dung tóm tắt."

// Byline is the date every article page shows: 26 April 2020, 10:11
// (Asia/Ho_Chi_Minh, no zone written).
const Byline = "26-04-2020 10:11"

// BylineTime is Byline read in Asia/Ho_Chi_Minh.
var BylineTime = time.Date(2020, 4, 26, 3, 11, 0, 0, time.UTC)

// Site is the fixture server. Its paths:
//
//	/rss                   summary-only RSS 2.0 of N items linking to /tin/I.html
//	/thoi-su               listing page: ul.list-news > li (h3 a, .time, .sapo, img)
//	/thoi-su-nodate        the same without dates, authors or categories
//	/tin/I.html            article I, UTF-8
//	/cp1258/thoi-su        the listing, in windows-1258 (declared in a meta element)
//	/cp1258/tin/I.html     article I, in windows-1258
//	/empty                 a page without the list
//	/never                 a page that never ends (a byte every 50 ms)
//	/img/I.jpg             an image
type Site struct {
	*httptest.Server

	mu   sync.Mutex
	n    int // items listed
	hits map[string]int
}

// New starts a site of n items on 127.0.0.1; Close stops it.
func New(n int) *Site {
	s := &Site{n: n, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// N returns the number of items listed.
func (s *Site) N() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// SetN changes the number of items listed (the newest is item n).
func (s *Site) SetN(n int) {
	s.mu.Lock()
	s.n = n
	s.mu.Unlock()
}

// Hits returns how many times path was requested.
func (s *Site) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// ArticleHits returns how many article pages were requested in all.
func (s *Site) ArticleHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if strings.Contains(p, "/tin/") {
			n += c
		}
	}
	return n
}

// Title is the title of article i.
func Title(i int) string {
	return fmt.Sprintf("Bảo đảm tiến độ, thành công Đại hội Đảng các cấp (bài %d)", i)
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.mu.Unlock()
	p := r.URL.Path
	switch {
	case p == "/rss":
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, s.RSS())
	case p == "/thoi-su" || p == "/thoi-su-nodate":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, s.Listing("/tin/", p == "/thoi-su", `<meta charset="utf-8">`))
	case p == "/cp1258/thoi-su":
		w.Header().Set("Content-Type", "text/html")
		w.Write(Encode1258(s.Listing("/cp1258/tin/", true, `<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">`)))
	case strings.HasPrefix(p, "/tin/") || strings.HasPrefix(p, "/cp1258/tin/"):
		i, err := strconv.Atoi(strings.TrimSuffix(p[strings.LastIndexByte(p, '/')+1:], ".html"))
		if err != nil || i < 1 || i > s.N() {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(p, "/cp1258/") {
			w.Header().Set("Content-Type", "text/html")
			w.Write(Encode1258(Article(i, `<meta charset="windows-1258">`)))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, Article(i, `<meta charset="utf-8">`))
	case p == "/empty":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="vi"><head><title>Thời sự</title></head><body><p>Chuyên mục đang cập nhật.</p></body></html>`)
	case p == "/never":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html><body><p>")
		fl, _ := w.(http.Flusher)
		for {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	case strings.HasPrefix(p, "/img/"):
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write([]byte{0xff, 0xd8, 0xff, 0xd9})
	default:
		http.NotFound(w, r)
	}
}

// RSS is the summary-only feed: every description is Summary.
func (s *Site) RSS() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<rss version="2.0"><channel><title>Kinh tế &amp; Đô thị · Thời sự</title><link>` + s.URL + `/thoi-su</link>` + "\n")
	for i, n := 1, s.N(); i <= n; i++ {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s/tin/%d.html</link><guid>%s/tin/%d.html</guid>"+
			"<description>%s</description><pubDate>%s</pubDate></item>\n",
			html.EscapeString(Title(i)), s.URL, i, s.URL, i, Summary,
			BylineTime.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// Listing is the section page listing the site's articles under prefix;
// dated adds a date, an author and a category to each entry.
func (s *Site) Listing(prefix string, dated bool, meta string) string {
	return ListingPage(s.N(), prefix, dated, meta)
}

// ListingPage is a section page listing n articles under prefix (see
// Site.Listing).
func ListingPage(n int, prefix string, dated bool, meta string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="vi"><head>` + meta + `<title>Thời sự - Kinh tế &amp; Đô thị</title></head><body>
<nav class="breadcrumb"><a href="/">Trang chủ</a> / <a href="/thoi-su">Thời sự</a></nav>
<div class="hot"><a href="/tin/1.html">Tin nổi bật</a></div>
<ul class="list-news">
`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `<li><a class="thumb" href="%s%d.html"><img src="/img/%d.jpg" alt=""></a>
<h3><a href="%s%d.html">%s</a></h3>`, prefix, i, i, prefix, i, html.EscapeString(Title(i)))
		if dated {
			fmt.Fprintf(&b, `<span class="time">%02d-04-2020 10:%02d</span><span class="author">Hồng Thái</span><a class="cat" href="/thoi-su">Thời sự</a>`, 1+i%28, i%60)
		}
		fmt.Fprintf(&b, "<p class=\"sapo\">Tóm tắt bài %d: công tác chuẩn bị Đại hội.</p></li>\n", i)
	}
	b.WriteString(`</ul>
<footer>Tòa soạn: Số 9 Tô Hiến Thành</footer></body></html>`)
	return b.String()
}

// Article is article page i, shaped like the seed article.
func Article(i int, meta string) string {
	return fmt.Sprintf(`<!doctype html>
<html lang="vi"><head>%s<title>%s</title>
<meta property="og:image" content="/img/%d.jpg"></head>
<body>
<header><a href="/">Kinh tế &amp; Đô thị</a><nav><a href="/thoi-su">Thời sự</a> <a href="/kinh-te">Kinh tế</a></nav></header>
<div class="breadcrumb"><a href="/">Trang chủ</a> / <a href="/thoi-su">Thời sự</a> / <a href="/thoi-su/tin-tuc">Tin tức</a></div>
<article>
<h1 class="title">%s</h1>
<div class="byline"><span class="author">Hồng Thái</span> <span class="date-time">%s</span></div>
<a class="tag" href="/tag/dai-hoi">Đại hội Đảng</a>
<div class="detail-content">
<p class="sapo"><strong>Kinhtedothi - Thời gian qua, cùng với việc tập trung cho công tác phòng, chống dịch Covid-19, công tác tổ chức và chuẩn bị Đại hội Đảng các cấp đã được Quận ủy tiến hành khẩn trương, tích cực.</strong></p>
<p>Quận đã chuẩn bị chu đáo về văn kiện, nhân sự, nắm chắc tình hình, tập trung thực hiện để bảo đảm sự thành công Đại hội Đảng bộ quận lần thứ VI, nhiệm kỳ 2020-2025 (bài %d).</p>
<h2>Kinh nghiệm từ Đại hội điểm cấp cơ sở</h2>
<p>Đến nay, Đảng bộ quận có 368/400 chi bộ trực thuộc đảng bộ cơ sở đã tổ chức thành công Đại hội; 4/53 tổ chức cơ sở Đảng tổ chức Đại hội thành công. Do tình hình dịch bệnh, Ban Thường vụ Quận ủy thống nhất, một số chi bộ cơ sở trực thuộc Quận ủy có dưới 20 đảng viên được tổ chức Đại hội từ tuần tới.</p>
<figure class="image"><img src="../img/%d.jpg" alt="Bỏ phiếu"><figcaption>Các đại biểu bỏ phiếu bầu Ban Chấp hành Đảng bộ phường %s nhiệm kỳ 2020-2025</figcaption></figure>
<p>Trước đó, ghi nhận tại Đại hội đại biểu Đảng bộ phường %s lần thứ XI (nhiệm kỳ 2020-2025) cho thấy, đó là công tác chuẩn bị công phu, kỹ lưỡng từ các tiểu ban, trong từng khâu tổ chức. Bên cạnh làm tốt công tác phát triển đảng, Đảng bộ phường cũng lãnh đạo tốt nhiệm vụ phát triển kinh tế - xã hội.</p>
<p>Với tinh thần tập trung, dân chủ, Đại hội đã bầu 15 đồng chí vào Ban Chấp hành Đảng bộ phường khóa XI; cùng đó, thông qua Nghị quyết Đại hội và Chương trình hành động của Đảng bộ nhiệm kỳ 2020-2025.</p>
<figure class="image"><img src="/img/%d-2.jpg" alt=""><figcaption>Đại hội Đảng bộ Quân sự quận lần thứ VII</figcaption></figure>
<p>Trao đổi với báo Kinh tế &amp; Đô thị, Bí thư Quận ủy cho hay, một Đại hội được coi là thành công phải đáp ứng 5 tiêu chí.</p>
<div class="share">Chia sẻ: Facebook · Zalo · In bài</div>
</div>
</article>
<div class="related"><h3>Tin liên quan</h3><ul>
<li><a href="/tin/rel-1.html">Đại hội đại biểu Đảng bộ Khối Doanh nghiệp Hà Nội lần thứ III</a></li>
<li><a href="/tin/rel-2.html">Nguyên Tổng Bí thư Lê Khả Phiêu: Sáng mãi niềm tin cộng sản</a></li>
<li><a href="/tin/rel-3.html">Thông báo của Văn phòng Trung ương Đảng về công tác cán bộ</a></li>
</ul></div>
<footer>Tòa soạn: Số 9 Tô Hiến Thành, Hai Bà Trưng, Hà Nội</footer>
</body></html>`, meta, html.EscapeString(Title(i)), i, html.EscapeString(Title(i)), Byline, i, i, BodyOnly, BodyOnly, i)
}

// toneMarks are the combining tone marks windows-1258 writes after a
// base letter.
var toneMarks = map[rune]bool{0x300: true, 0x301: true, 0x303: true, 0x309: true, 0x323: true}

// Encode1258 encodes UTF-8 text in windows-1258: letters with a tone mark
// are written as the letter without it followed by the combining mark.
func Encode1258(s string) []byte {
	var b strings.Builder
	for _, r := range norm.NFC.String(s) {
		d := []rune(norm.NFD.String(string(r)))
		var base []rune
		var tone rune
		for _, c := range d {
			if toneMarks[c] {
				tone = c
			} else {
				base = append(base, c)
			}
		}
		b.WriteString(norm.NFC.String(string(base)))
		if tone != 0 {
			b.WriteRune(tone)
		}
	}
	out, err := charmap.Windows1258.NewEncoder().String(b.String())
	if err != nil {
		panic("sitetest: " + err.Error())
	}
	return []byte(out)
}
