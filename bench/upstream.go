package bench

import (
	"bytes"
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

// words to build synthetic articles from, Vietnamese and English.
var words = strings.Fields(`Hà Nội thành phố đại hội Đảng bộ kinh tế ngân hàng lãi suất chứng khoán
giá vàng bất động sản giao thông Vành đai quận huyện nhân dân chính phủ Quốc hội doanh nghiệp
xuất khẩu nông nghiệp giáo dục y tế bệnh viện học sinh thời tiết mưa bão miền Bắc miền Trung
the city council market bank interest rate stock exchange growth policy government report
week investors company export rice coffee tourism festival road bridge metro line project`)

// Feed returns the synthetic RSS feed number i with n items, about 1 KB
// of text per item. The same (i, n) always gives the same bytes.
func Feed(i, n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 1100)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Nguồn tin %d</title><link>https://nguon%d.example/</link><description>Synthetic feed</description><language>vi</language>
`, i, i)
	seed := uint32(i*7919 + 1)
	next := func() int {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		return int(seed % uint32(len(words)))
	}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for j := range n {
		b.WriteString("<item><title>")
		for range 10 {
			b.WriteString(words[next()])
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d</title><link>https://nguon%d.example/bai/%d.html</link><guid isPermaLink=\"false\">n%d-%d</guid>", j, i, j, i, j)
		fmt.Fprintf(&b, "<pubDate>%s</pubDate><category>%s</category><description><![CDATA[<p>", base.Add(time.Duration(i*n+j)*time.Minute).Format(time.RFC1123Z), words[next()])
		for k := range 120 {
			b.WriteString(words[next()])
			if k%20 == 19 {
				b.WriteString(".</p><p>")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString("</p>]]></description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// Serve serves synthetic feeds at /feed/{i}/{n}.xml with strong ETags and
// 304 answers, on a loopback port, printing its base URL first. It returns
// only on error.
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
	// The ingest phase's news feeds (synth.Feed): dates is "spread" or
	// the unix time of the anchor of close-together dates.
	mux.HandleFunc("GET /news/{dates}/{i}/{n}", func(w http.ResponseWriter, r *http.Request) {
		d, ok := parseDates(r.PathValue("dates"))
		i, err1 := strconv.Atoi(r.PathValue("i"))
		n, err2 := strconv.Atoi(strings.TrimSuffix(r.PathValue("n"), ".xml"))
		if !ok || err1 != nil || err2 != nil || n > 20000 {
			http.NotFound(w, r)
			return
		}
		serveCached(w, r, &cache, r.URL.Path, func() []byte { return synth.Feed(i, n, d) })
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
