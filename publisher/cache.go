package publisher

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// cacheKey names one cached response.
type cacheKey struct {
	kind   string // "topic", "tag", "index", "opml"
	slug   string
	format string
	cursor string // paging cursor, "" for the first page
}

// rendered is a response body ready to serve, with its gzip copy and
// validators precomputed so that serving it allocates little.
type rendered struct {
	body, gz     []byte
	contentType  string
	etag         string // strong: quoted sha256 prefix of body
	etagGz       string // the gzip representation's strong ETag
	lastMod      time.Time
	lastModStr   string
	cacheControl string
	bodyLen      string
	gzLen        string
	gzOnce       sync.Once    // gz, gzLen and hdr.gzLen are set by gzipped
	gzSize       atomic.Int64 // cap(gz) once set, for CacheBytes
	gzLevel      int          // 0: gzipLevel of the body's size
	rendered     time.Time    // when it was rendered
	link         string       // Link header: rel="self" and rel="hub" (WebSub discovery); "" for none
	expires      time.Time    // zero: until the next invalidation
	// sameSecond: Last-Modified is that of the version r replaced (both
	// in one second), so If-Modified-Since cannot show the reader has r.
	sameSecond bool
	// stale is the unix nanos since which a newer version is due (its
	// feed changed), 0 while current.
	stale atomic.Int64
	// served is the unix second it was last served (or rendered).
	served     atomic.Int64
	fastOnce   sync.Once
	fast       *fastHeads // built by fastHeads
	fastGzOnce sync.Once
	fastGz     fastHead    // built by fastHeadGz
	files      [2]struct { // identity and gzip bodies for sendfile
		once sync.Once
		f    atomic.Pointer[bodyFile]
	}
	// retired is set when the response leaves the cache (replaced,
	// dropped, evicted): its memfds close once no send uses them, and
	// no new ones are made for it.
	retired atomic.Bool
	hdr     struct {
		cacheControl, lastModified, etag, etagGz, contentType, gzLen, bodyLen, link []string
	}
}

var (
	varyAE  = []string{"Accept-Encoding"}
	gzipEnc = []string{"gzip"}
)

func newRendered(body []byte, contentType string, now time.Time, maxAge int) *rendered {
	body = compact(body)
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	r := &rendered{
		body:         body,
		contentType:  contentType,
		etag:         `"` + tag + `"`,
		etagGz:       `"` + tag + `-gz"`,
		cacheControl: "public, max-age=" + strconv.Itoa(maxAge),
		bodyLen:      strconv.Itoa(len(body)),
		rendered:     now,
	}
	if maxAge <= 0 {
		// Pages people read in a browser: revalidated on every view
		// (a 304 is cheap), so a curation shows at once.
		r.cacheControl = "public, no-cache"
	}
	r.hdr.cacheControl = []string{r.cacheControl}
	r.hdr.etag, r.hdr.etagGz = []string{r.etag}, []string{r.etagGz}
	r.hdr.contentType = []string{contentType}
	r.hdr.bodyLen = []string{r.bodyLen}
	r.setLastModified(now)
	r.served.Store(now.Unix())
	return r
}

// touch records that r is served at now.
func (r *rendered) touch(now time.Time) {
	if sec := now.Unix(); r.served.Load() != sec {
		r.served.Store(sec)
	}
}

// idle reports whether r has not been served for idleRender at now.
func (r *rendered) idle(now time.Time) bool {
	return now.Unix()-r.served.Load() >= int64(idleRender/time.Second)
}

// gzipLevel is the compression level for a body of n bytes. Bodies are
// compressed once per version, at the first request that accepts gzip;
// level 6 comes within 1% of level 9's size on feed text at half the
// time, and a large body (which changes as often as any of its many
// items) is worth less: level 4 costs a third of level 9 for 3% more.
// A feed re-rendered within a minute of its previous version gets level 1
// (a fifth of level 6's time for 10% more bytes): its bytes will not
// live long.
func gzipLevel(n int) int {
	if n > 512<<10 {
		return 4
	}
	return gzip.DefaultCompression
}

// compact returns b in an allocation of its own size when b's spare
// capacity is more than an eighth of it: a body grown by appending
// (bytes.Buffer doubles) holds up to twice its size for as long as it
// is cached.
func compact(b []byte) []byte {
	if cap(b)-len(b) <= len(b)/8 {
		return b
	}
	return bytes.Clone(b)
}

// gzipWriters pools gzip writers by level (index: level, 0 unused): a
// writer's compressor state is hundreds of kilobytes at levels 2-9, and
// every version of every feed is compressed once.
var gzipWriters [gzip.BestCompression + 1]sync.Pool

// gzipBufs pools the buffers bodies are compressed into (the result is
// copied out at its exact size).
var gzipBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// gzipBytes returns body compressed at level.
func gzipBytes(body []byte, level int) []byte {
	if level < gzip.BestSpeed || level > gzip.BestCompression {
		level = 6 // gzip.DefaultCompression
	}
	buf := gzipBufs.Get().(*bytes.Buffer)
	buf.Reset()
	zw, _ := gzipWriters[level].Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(buf, level)
	} else {
		zw.Reset(buf)
	}
	zw.Write(body)
	zw.Close()
	gzipWriters[level].Put(zw)
	out := bytes.Clone(buf.Bytes())
	if buf.Cap() <= 4<<20 {
		gzipBufs.Put(buf)
	}
	return out
}

// gzipped compresses r's body the first time it is called.
func (r *rendered) gzipped() {
	r.gzOnce.Do(func() {
		level := r.gzLevel
		if level == 0 {
			level = gzipLevel(len(r.body))
		}
		r.gz = gzipBytes(r.body, level)
		r.gzSize.Store(int64(cap(r.gz)))
		r.gzLen = strconv.Itoa(len(r.gz))
		r.hdr.gzLen = []string{r.gzLen}
	})
}

// fresh reports whether r is current at now: not stale, not expired.
func (r *rendered) fresh(now time.Time) bool {
	return r.stale.Load() == 0 && (r.expires.IsZero() || now.Before(r.expires))
}

// markStale records that r's feed changed at now (the first time counts).
func (r *rendered) markStale(now time.Time) {
	n := now.UnixNano()
	if n == 0 {
		n = 1
	}
	r.stale.CompareAndSwap(0, n)
}

func (r *rendered) isStale() bool { return r.stale.Load() != 0 }

// staleSince is when r became stale (the zero time when it is not).
func (r *rendered) staleSince() time.Time {
	n := r.stale.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// setLink sets the Link header of a feed (before r is shared): its own
// URL as rel="self" and each WebSub hub as rel="hub", so that subscribers
// discover the hubs of every format, JSON Feed included (WebSub 4).
func (r *rendered) setLink(self string, hubs []string) {
	if self == "" || len(hubs) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("<" + self + `>; rel="self"`)
	for _, h := range hubs {
		b.WriteString(", <" + h + `>; rel="hub"`)
	}
	r.link = b.String()
	r.hdr.link = []string{r.link}
}

// setLastModified sets Last-Modified (before r is shared).
func (r *rendered) setLastModified(t time.Time) {
	r.lastMod = t.UTC().Truncate(time.Second)
	r.lastModStr = r.lastMod.Format(http.TimeFormat)
	r.hdr.lastModified = []string{r.lastModStr}
}

// write serves r: 304 when the request's validators match, else the body
// (gzip when accepted), nothing after the headers for HEAD.
func (r *rendered) write(w http.ResponseWriter, req *http.Request) {
	gz := acceptsGzip(headerList(req.Header, "Accept-Encoding"))
	h := w.Header()
	// The value slices are shared by every response of r and never
	// modified after newRendered.
	h["Vary"] = varyAE
	h["Cache-Control"] = r.hdr.cacheControl
	h["Last-Modified"] = r.hdr.lastModified
	if r.hdr.link != nil {
		h["Link"] = r.hdr.link
	}
	if gz {
		h["Etag"] = r.hdr.etagGz
	} else {
		h["Etag"] = r.hdr.etag
	}
	if r.preconditionFailed(req) {
		h["Content-Type"] = []string{"text/plain; charset=utf-8"}
		w.WriteHeader(http.StatusPreconditionFailed)
		if req.Method != http.MethodHead {
			io.WriteString(w, "412 precondition failed\n")
		}
		return
	}
	if r.notModified(req) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = r.hdr.contentType
	body := r.body
	if gz {
		r.gzipped()
		h["Content-Encoding"] = gzipEnc
		h["Content-Length"] = r.hdr.gzLen
		body = r.gz
	} else {
		h["Content-Length"] = r.hdr.bodyLen
	}
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}

// ServeFeedBytes answers req with body, a feed rendered for this request
// that no cache holds (a search feed), as cached feeds are answered: ETag
// (and the gzip copy's), Last-Modified now, Cache-Control max-age, 304
// and 412 for the request's validators, gzip when accepted, no body for
// HEAD.
func ServeFeedBytes(w http.ResponseWriter, req *http.Request, body []byte, contentType string, maxAge int, now time.Time) {
	newRendered(body, contentType, now, maxAge).write(w, req)
}

// headerList is the value of a list header sent as one line or several
// (RFC 9110 5.3: the lines are one comma-separated list).
func headerList(h http.Header, name string) string {
	vs := h.Values(name)
	if len(vs) == 1 {
		return vs[0]
	}
	return strings.Join(vs, ", ")
}

// preconditionFailed evaluates If-Match (strong comparison, lists, "*",
// either representation's tag) and, only when absent, If-Unmodified-Since
// (RFC 9110 13.2.2): true means 412.
func (r *rendered) preconditionFailed(req *http.Request) bool {
	if im := headerList(req.Header, "If-Match"); im != "" {
		for list := im; list != ""; {
			var t string
			t, list, _ = strings.Cut(list, ",")
			t = strings.TrimSpace(t)
			if t == "*" || t == r.etag || t == r.etagGz {
				return false
			}
		}
		return true
	}
	if ius := req.Header.Get("If-Unmodified-Since"); ius != "" {
		t, err := http.ParseTime(ius)
		return err == nil && r.lastMod.After(t)
	}
	return false
}

// notModified evaluates If-None-Match (weak comparison, lists, "*",
// either representation's tag) and, only when absent, If-Modified-Since.
func (r *rendered) notModified(req *http.Request) bool {
	if inm := headerList(req.Header, "If-None-Match"); inm != "" {
		return etagMatch(inm, r.etag)
	}
	if ims := req.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !r.lastMod.After(t) && !r.sameSecond
	}
	return false
}

// etagMatch reports whether the If-None-Match header value list matches
// etag (a quoted strong tag) by weak comparison; the "-gz" variant of the
// same tag matches too.
func etagMatch(list, etag string) bool {
	for list != "" {
		var t string
		t, list, _ = strings.Cut(list, ",")
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if t == etag {
			return true
		}
		// The gzip variant: etag with -gz before the closing quote.
		if len(t) == len(etag)+3 && strings.HasSuffix(t, `-gz"`) && t[:len(etag)-1] == etag[:len(etag)-1] {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value accepts gzip (q > 0).
func acceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	star := false
	for _, part := range strings.Split(ae, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if coding != "*" {
			return q > 0 // an explicit gzip entry decides
		}
		star = q > 0
	}
	return star
}
