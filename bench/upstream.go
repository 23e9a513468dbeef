package bench

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"bantin/bench/synth"
)

// Words build synthetic articles, Vietnamese and English.
var Words = strings.Fields(`Hà Nội thành phố đại hội Đảng bộ kinh tế ngân hàng lãi suất chứng khoán
giá vàng bất động sản giao thông Vành đai quận huyện nhân dân chính phủ Quốc hội doanh nghiệp
xuất khẩu nông nghiệp giáo dục y tế bệnh viện học sinh thời tiết mưa bão miền Bắc miền Trung
the city council market bank interest rate stock exchange growth policy government report
week investors company export rice coffee tourism festival road bridge metro line project`)

// Feed returns the synthetic RSS feed number i with n items, about 1 KB
// of text per item. The same (i, n) always gives the same bytes.
func Feed(i, n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 1100)
	writeChannel(&b, i, "Synthetic feed")
	g := wordGen(i*7919 + 1)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for j := range n {
		writeItem(&b, &g, i, int64(j), "n", base.Add(time.Duration(i*n+j)*time.Minute))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// LiveFeed returns feed number i of the live benchmark at minute k: its
// n items numbered k-n+1 to k, item j published at minute j (plus i%60
// seconds), about 1 KB of text each, with one category from the word
// list. Consecutive minutes share n-1 items.
func LiveFeed(i, n int, k int64) []byte {
	var b bytes.Buffer
	b.Grow(n * 1100)
	writeChannel(&b, i, "Synthetic live feed")
	for j := k; j > k-int64(n); j-- {
		g := wordGen(uint32(j*7919+int64(i)*104729) | 1)
		writeItem(&b, &g, i, j, "l", time.Unix(j*60+int64(i%60), 0).UTC())
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// wordGen picks words (xorshift32).
type wordGen uint32

func (g *wordGen) word() string {
	*g ^= *g << 13
	*g ^= *g >> 17
	*g ^= *g << 5
	return Words[uint32(*g)%uint32(len(Words))]
}

func writeChannel(b *bytes.Buffer, i int, description string) {
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Nguồn tin %d</title><link>https://nguon%d.example/</link><description>%s</description><language>vi</language>
`, i, i, description)
}

// writeItem writes item j of feed i: a title of 10 words, one category,
// 120 words of text in paragraphs; its guid is guidPrefix+"i-j".
func writeItem(b *bytes.Buffer, g *wordGen, i int, j int64, guidPrefix string, published time.Time) {
	b.WriteString("<item><title>")
	for range 10 {
		b.WriteString(g.word())
		b.WriteByte(' ')
	}
	fmt.Fprintf(b, "%d</title><link>https://nguon%d.example/bai/%d.html</link><guid isPermaLink=\"false\">%s%d-%d</guid>", j, i, j, guidPrefix, i, j)
	fmt.Fprintf(b, "<pubDate>%s</pubDate><category>%s</category><description><![CDATA[<p>", published.Format(time.RFC1123Z), g.word())
	for k := range 120 {
		b.WriteString(g.word())
		if k%20 == 19 {
			b.WriteString(".</p><p>")
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString("</p>]]></description></item>\n")
}

// Serve serves synthetic feeds at /feed/{i}/{n}.xml with strong ETags and
// 304 answers, the live benchmark's changing feeds at /live/{i}/{n}.xml
// (LiveFeed), and the attacks, on a loopback port, printing its base URL
// first. It returns only on error.
func Serve(printURL func(string)) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	printURL("http://" + ln.Addr().String())
	var cache sync.Map // [2]int{i, n} -> []byte
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed/{i}/{n}", func(w http.ResponseWriter, r *http.Request) {
		i, err1 := strconv.Atoi(r.PathValue("i"))
		n, err2 := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".xml"))
		if err1 != nil || err2 != nil || n > 20000 {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"f%d-%d"`, i, n)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		// Generated once and kept, so the upstream costs the poller's
		// machine as little CPU as a static file server would.
		key := [2]int{i, n}
		body, ok := cache.Load(key)
		if !ok {
			body, _ = cache.LoadOrStore(key, Feed(i, n))
		}
		w.Write(body.([]byte))
	})
	// The ingest phase's news feeds (synth.FeedWords): dates is "spread" or
	// the unix time of the anchor of close-together dates; ?words= the
	// length of each item's text (synth.Words when absent).
	mux.HandleFunc("GET /news/{dates}/{i}/{n}", func(w http.ResponseWriter, r *http.Request) {
		d, ok := parseDates(r.PathValue("dates"))
		i, err1 := strconv.Atoi(r.PathValue("i"))
		n, err2 := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".xml"))
		words, err3 := strconv.Atoi(cmp.Or(r.URL.Query().Get("words"), strconv.Itoa(synth.Words)))
		if !ok || err1 != nil || err2 != nil || err3 != nil || n > 20000 || words < 1 || words > 100000 {
			http.NotFound(w, r)
			return
		}
		serveCached(w, r, &cache, r.URL.RequestURI(), func() []byte { return synth.FeedWords(i, n, words, d) })
	})
	mux.HandleFunc("GET /live/{i}/{n}", func(w http.ResponseWriter, r *http.Request) {
		i, err1 := strconv.Atoi(r.PathValue("i"))
		n, err2 := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".xml"))
		if err1 != nil || err2 != nil || n < 1 || n > 1000 {
			http.NotFound(w, r)
			return
		}
		// The feed moves on by one item a minute (each source at its
		// own second of the minute).
		k := (time.Now().Unix() - int64(i%60)) / 60
		etag := fmt.Sprintf(`"l%d-%d-%d"`, i, n, k)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(LiveFeed(i, n, k))
	})
	mux.HandleFunc("GET /laughs.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(BillionLaughs))
	})
	mux.HandleFunc("GET /bomb.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		zeros := make([]byte, 1<<20)
		for range 4096 { // 4 GiB inflated
			if _, err := gz.Write(zeros); err != nil {
				return
			}
		}
		gz.Close()
	})
	return http.Serve(ln, mux)
}

// BillionLaughs is the classic XML entity-expansion attack, as a feed.
const BillionLaughs = `<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://example.com/lol</link><description>&lol9;</description></item>
</channel></rss>`

// serveCached answers r with the body make returns, generated once per
// key and kept (so the upstream costs the poller's machine as little CPU
// as a static file server would), with a strong ETag and 304 answers.
func serveCached(w http.ResponseWriter, r *http.Request, cache *sync.Map, key string, make func() []byte) {
	etag := `"` + key + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	body, ok := cache.Load(key)
	if !ok {
		body, _ = cache.LoadOrStore(key, make())
	}
	w.Write(body.([]byte))
}

// datesPath and parseDates write and read synth.Dates in an upstream URL.
func datesPath(d synth.Dates) string {
	if d.Spread {
		return "spread"
	}
	return strconv.FormatInt(d.Anchor.Unix(), 10)
}

func parseDates(s string) (synth.Dates, bool) {
	if s == "spread" {
		return synth.Dates{Spread: true}, true
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	return synth.Dates{Anchor: time.Unix(sec, 0).UTC()}, err == nil
}
