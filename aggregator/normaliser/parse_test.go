package normaliser

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/unicode/norm"
)

// rssDoc is a one-item RSS document whose channel and item titles are title.
func rssDoc(decl, title string) string {
	return decl + `<rss version="2.0"><channel><title>` + title + `</title><link>https://enc.example/</link>` +
		`<description>d</description><item><guid>1</guid><title>` + title + `</title></item></channel></rss>`
}

// encode1258 encodes NFC Vietnamese text the way windows-1258 writes it:
// base letters (with circumflex, breve or horn) precomposed where the code
// page has them, tone marks as separate combining characters when it does
// not have the composed letter.
func encode1258(tb testing.TB, s string) []byte {
	tb.Helper()
	enc := charmap.Windows1258.NewEncoder()
	tones := map[rune]bool{0x300: true, 0x301: true, 0x303: true, 0x309: true, 0x323: true}
	var out []byte
	runes := []rune(norm.NFD.String(s))
	for i := 0; i < len(runes); {
		j := i + 1
		for j < len(runes) && norm.NFD.PropertiesString(string(runes[j])).CCC() != 0 {
			j++
		}
		var base, tone []rune
		base = append(base, runes[i])
		for _, r := range runes[i+1 : j] {
			if tones[r] {
				tone = append(tone, r)
			} else {
				base = append(base, r)
			}
		}
		if b, err := enc.Bytes([]byte(norm.NFC.String(string(runes[i:j])))); err == nil {
			out = append(out, b...) // the code page has the composed letter
		} else {
			b, err := enc.Bytes([]byte(norm.NFC.String(string(base)) + string(tone)))
			if err != nil {
				tb.Fatalf("cannot encode %q in windows-1258: %v", string(runes[i:j]), err)
			}
			out = append(out, b...)
		}
		i = j
	}
	return out
}

func mustEncode(tb testing.TB, e encoding.Encoding, s string) []byte {
	tb.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestParseEncodings(t *testing.T) {
	const vi = "Hà Nội: Đại hội Đảng bộ lần thứ XVII, người dân phấn khởi"
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	utf16beBOM := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	utf16leBOM := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	utf32be := utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	utf32leBOM := utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)
	declFor := func(label string) string { return `<?xml version="1.0" encoding="` + label + `"?>` }

	tests := map[string]struct {
		body        []byte
		contentType string
		wantTitle   string
		wantEnc     string
	}{
		"utf-8 plain": {
			body: []byte(rssDoc(declFor("utf-8"), vi)), wantTitle: vi, wantEnc: "utf-8",
		},
		"utf-8 BOM": {
			body: append([]byte{0xEF, 0xBB, 0xBF}, rssDoc(declFor("utf-8"), vi)...), wantTitle: vi, wantEnc: "utf-8",
		},
		"windows-1258 declared": {
			body:      append([]byte(declFor("windows-1258")), encode1258(t, rssDoc("", vi))...),
			wantTitle: vi, wantEnc: "windows-1258",
		},
		"windows-1258 from HTTP charset, no declaration": {
			body: encode1258(t, rssDoc("", vi)), contentType: "application/rss+xml; charset=windows-1258",
			wantTitle: vi, wantEnc: "windows-1258",
		},
		"utf-16le with BOM": {
			body: mustEncode(t, utf16leBOM, rssDoc(declFor("utf-16"), vi)), wantTitle: vi, wantEnc: "utf-16le",
		},
		"utf-16be with BOM": {
			body: mustEncode(t, utf16beBOM, rssDoc(declFor("utf-16"), vi)), wantTitle: vi, wantEnc: "utf-16be",
		},
		"utf-16le without BOM": {
			body: mustEncode(t, utf16le, rssDoc(declFor("utf-16"), vi)), wantTitle: vi, wantEnc: "utf-16le",
		},
		"utf-16le BOM beats a utf-8 HTTP charset": {
			body:        mustEncode(t, utf16leBOM, rssDoc(declFor("utf-16"), vi)),
			contentType: "application/rss+xml; charset=utf-8", wantTitle: vi, wantEnc: "utf-16le",
		},
		"utf-16 HTTP charset on UTF-8 bytes is ignored": {
			body: []byte(rssDoc("", vi)), contentType: "text/xml; charset=utf-16", wantTitle: vi, wantEnc: "utf-8",
		},
		"utf-16be without BOM and without declaration": {
			body: mustEncode(t, utf16be, rssDoc("", vi)), wantTitle: vi, wantEnc: "utf-16be",
		},
		"utf-32be without BOM": {
			body: mustEncode(t, utf32be, rssDoc(declFor("utf-32"), vi)), wantTitle: vi, wantEnc: "utf-32be",
		},
		"utf-32le with BOM": {
			body: mustEncode(t, utf32leBOM, rssDoc(declFor("utf-32"), vi)), wantTitle: vi, wantEnc: "utf-32le",
		},
		"iso-8859-1 declared": {
			body:      mustEncode(t, charmap.ISO8859_1, rssDoc(declFor("iso-8859-1"), "Café crème à Genève")),
			wantTitle: "Café crème à Genève", wantEnc: "windows-1252",
		},
		"iso-8859-1 from HTTP charset overrides UTF-8 declaration": {
			body:        mustEncode(t, charmap.ISO8859_1, rssDoc(declFor("utf-8"), "Café")),
			contentType: `text/xml; charset="ISO-8859-1"`, wantTitle: "Café", wantEnc: "windows-1252",
		},
		"HTTP charset overrides a wrong declaration": {
			body:        mustEncode(t, charmap.Windows1251, rssDoc(declFor("iso-8859-1"), "Привет, мир")),
			contentType: "application/xml;charset=windows-1251", wantTitle: "Привет, мир", wantEnc: "windows-1251",
		},
		"mislabelled UTF-8 declared iso-8859-1": {
			body: []byte(rssDoc(declFor("iso-8859-1"), vi)), wantTitle: vi, wantEnc: "utf-8",
		},
		"mislabelled UTF-8 with HTTP windows-1258": {
			body: []byte(rssDoc("", vi)), contentType: "text/xml; charset=windows-1258", wantTitle: vi, wantEnc: "utf-8",
		},
		"mislabelled UTF-8 declared shift_jis": {
			body: []byte(rssDoc(declFor("shift_jis"), vi)), wantTitle: vi, wantEnc: "utf-8",
		},
		"latin-1 bytes without any label": {
			body: mustEncode(t, charmap.ISO8859_1, rssDoc("", "Café")), wantTitle: "Café", wantEnc: "windows-1252",
		},
		"stray latin-1 byte in UTF-8": {
			body: []byte(rssDoc(declFor("utf-8"), "Hà Nội \xe9t\xe9")), wantTitle: "Hà Nội été", wantEnc: "utf-8",
		},
		"unlabelled windows-1258 sniffed": {
			body: encode1258(t, rssDoc("", vi)), wantTitle: vi, wantEnc: "windows-1258",
		},
		"unlabelled windows-1258 short title sniffed": {
			body: encode1258(t, rssDoc("", "Đà Nẵng")), wantTitle: "Đà Nẵng", wantEnc: "windows-1258",
		},
		"unlabelled latin-1 French and Italian stay windows-1252": {
			body:      mustEncode(t, charmap.ISO8859_1, rssDoc("", "Così può essere: l'été à Genève, ça va")),
			wantTitle: "Così può essere: l'été à Genève, ça va", wantEnc: "windows-1252",
		},
		"unlabelled NFD UTF-8 with a stray byte stays UTF-8": {
			body: []byte(rssDoc("", "Hà Nội é")), wantTitle: "Hà Nội é", wantEnc: "utf-8",
		},
		"unknown label falls back to sniffing": {
			body: []byte(rssDoc(declFor("x-no-such-charset"), vi)), wantTitle: vi, wantEnc: "utf-8",
		},
		"koi8-r": {
			body: mustEncode(t, charmap.KOI8R, rssDoc(declFor("koi8-r"), "Новости")), wantTitle: "Новости", wantEnc: "koi8-r",
		},
		"shift_jis": {
			body: mustEncode(t, japanese.ShiftJIS, rssDoc(declFor("shift_jis"), "東京のニュース")), wantTitle: "東京のニュース", wantEnc: "shift_jis",
		},
		"euc-jp": {
			body: mustEncode(t, japanese.EUCJP, rssDoc(declFor("euc-jp"), "東京のニュース")), wantTitle: "東京のニュース", wantEnc: "euc-jp",
		},
		"big5": {
			body: mustEncode(t, traditionalchinese.Big5, rssDoc(declFor("big5"), "臺灣新聞")), wantTitle: "臺灣新聞", wantEnc: "big5",
		},
		"gb2312 label decodes as gbk": {
			body: mustEncode(t, simplifiedchinese.GBK, rssDoc(declFor("gb2312"), "中文新闻")), wantTitle: "中文新闻", wantEnc: "gbk",
		},
		"euc-kr": {
			body: mustEncode(t, korean.EUCKR, rssDoc(declFor("euc-kr"), "한국 뉴스")), wantTitle: "한국 뉴스", wantEnc: "euc-kr",
		},
		"tis-620": {
			body: mustEncode(t, charmap.Windows874, rssDoc(declFor("tis-620"), "ข่าวไทย")), wantTitle: "ข่าวไทย", wantEnc: "windows-874",
		},
		"windows-1255": {
			body: mustEncode(t, charmap.Windows1255, rssDoc(declFor("windows-1255"), "חדשות")), wantTitle: "חדשות", wantEnc: "windows-1255",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := MustParse(t, tc.body, tc.contentType, "https://enc.example/feed")
			if p.Encoding != tc.wantEnc {
				t.Errorf("Encoding = %q, want %q", p.Encoding, tc.wantEnc)
			}
			if p.Feed.Title != tc.wantTitle {
				t.Errorf("feed title = %q, want %q", p.Feed.Title, tc.wantTitle)
			}
			if len(p.Feed.Items) != 1 || p.Feed.Items[0].Title != tc.wantTitle {
				t.Fatalf("items = %+v, want one titled %q", p.Feed.Items, tc.wantTitle)
			}
			checkText(t, "title", p.Feed.Items[0].Title)
		})
	}
}

// TestParseWindows1258IsDecomposed makes sure the windows-1258 case really
// exercises composition: the encoded bytes hold combining tone marks.
func TestParseWindows1258IsDecomposed(t *testing.T) {
	b := encode1258(t, "Nội")
	if !bytes.Contains(b, []byte{0xF2}) { // 0xF2 = COMBINING DOT BELOW in windows-1258
		t.Fatalf("encode1258(Nội) = % x, want a combining dot below (f2)", b)
	}
	p := MustParse(t, append([]byte(`<?xml version="1.0" encoding="windows-1258"?>`), encode1258(t, rssDoc("", "Nội"))...), "", "")
	if got := p.Feed.Title; got != "Nội" || !norm.NFC.IsNormalString(got) {
		t.Errorf("title = %q (% x), want NFC %q", got, got, "Nội")
	}
}

func TestParseNFD(t *testing.T) {
	body := MustReadFixture(t, "nfd.rss")
	if norm.NFC.IsNormal(body) {
		t.Fatal("fixture nfd.rss is already NFC")
	}
	p := MustParse(t, body, "application/rss+xml", "https://nfd.example/rss")
	tests := map[string]struct{ got, want string }{
		"feed title":  {p.Feed.Title, "Tin tức Hà Nội"},
		"item title":  {p.Feed.Items[0].Title, "Đại hội Đảng bộ thành phố Hà Nội lần thứ XVII"},
		"description": {p.Feed.Items[0].Description, "Khai mạc trọng thể Đại hội đại biểu Đảng bộ"},
		"category":    {p.Feed.Items[0].Categories[0], "Thời sự"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestParseFormats(t *testing.T) {
	tests := map[string]struct {
		body     []byte
		wantType string
		wantN    int
	}{
		"rss":  {MustReadFixture(t, "guids.rss"), "rss", 8},
		"atom": {MustReadFixture(t, "atom.xml"), "atom", 2},
		"json": {MustReadFixture(t, "feed.json"), "json", 1},
		"rdf": {[]byte(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">` +
			`<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>` +
			`<item rdf:about="https://rdf.example/1"><title>One</title><link>https://rdf.example/1</link></item></rdf:RDF>`), "rss", 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := MustParse(t, tc.body, "", "https://x.example/")
			if p.Feed.FeedType != tc.wantType {
				t.Errorf("FeedType = %q, want %q", p.Feed.FeedType, tc.wantType)
			}
			if len(p.Feed.Items) != tc.wantN {
				t.Errorf("items = %d, want %d", len(p.Feed.Items), tc.wantN)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	gz := []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff}
	tests := map[string]struct {
		body    string
		unknown bool
		msg     string // the error's text starts with it
	}{
		"html page":   {"<!DOCTYPE html><html><body>hi</body></html>", true, "normaliser: unknown feed format"},
		"plain text":  {"just some text", true, "normaliser: unknown feed format"},
		"empty":       {"", true, "normaliser: empty response body"},
		"white space": {" \r\n\t", true, "normaliser: empty response body (4 bytes, only white space)"},
		"UTF-8 BOM":   {"\ufeff", true, "normaliser: empty response body"},
		"gzip data":   {string(gz), true, "normaliser: body is gzip-compressed but Content-Encoding does not say so"},
		"truncated rss": {`<rss version="2.0"><channel><title>x</title><item><title>unterminated`, false,
			`normaliser: truncated document: it ends inside <rss><channel><item><title> after 69 bytes, with "…title>x</title><item><title>unterminated"`},
		"cut mid-item": {strings.Replace(rssDoc("", "Một"), "</item></channel></rss>", "<description>Nội d", 1), false,
			"normaliser: truncated document: it ends inside <rss><channel><item><description>"},
		"cut in the channel title": {`<rss version="2.0"><channel><title>Tin t`, false,
			"normaliser: truncated document: it ends inside <rss><channel><title>"},
		"JSON error": {`{"error":"rate limited"}`, true, `normaliser: JSON document is not a JSON Feed (no "version", no "items")`},
		"empty JSON": {`{}`, true, `normaliser: JSON document is not a JSON Feed`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := Parse([]byte(tc.body), "", "")
			if err == nil {
				t.Fatalf("Parse = %+v, want error", p.Feed)
			}
			if !strings.HasPrefix(err.Error(), "normaliser: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			if got := errors.Is(err, ErrUnknownFormat); got != tc.unknown {
				t.Errorf("errors.Is(err, ErrUnknownFormat) = %v, want %v (err %v)", got, tc.unknown, err)
			}
			if !strings.HasPrefix(err.Error(), tc.msg) {
				t.Errorf("error %q, want it to start with %q", err, tc.msg)
			}
		})
	}
}

func TestParseRepairsAlmostXML(t *testing.T) {
	tests := map[string]struct {
		body      string
		wantTitle string
	}{
		"noncharacter U+FFFE": {
			body: rssDoc("", "Tin\uFFFE mới"), wantTitle: "Tin mới",
		},
		"reference to a control character": {
			body: rssDoc("", "Tom &amp; Jerry&#x1;&#2;"), wantTitle: "Tom & Jerry",
		},
		"html entities with a bad reference": {
			body: rssDoc("", "A&nbsp;B &eacute;t&eacute;&#xFFFF;"), wantTitle: "A\u00a0B été",
		},
		"XML 1.1 declaration": {
			body: rssDoc(`<?xml version="1.1" encoding="utf-8"?>`, "Một"), wantTitle: "Một",
		},
		"truncated end tag": {
			body: strings.TrimSuffix(rssDoc("", "Một"), "s>"), wantTitle: "Một",
		},
		"end tags of the channel and root missing": {
			body: strings.TrimSuffix(rssDoc("", "Một"), "</channel></rss>"), wantTitle: "Một",
		},
		"browser banner before the root": {
			body:      "This XML file does not appear to have any style information associated with it.\n" + rssDoc("", "Một"),
			wantTitle: "Một",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := MustParse(t, []byte(tc.body), "", "")
			if got := p.Feed.Items[0].Title; got != tc.wantTitle {
				t.Errorf("title = %q, want %q", got, tc.wantTitle)
			}
		})
	}
}

// TestParseBillionLaughs checks that DTD entities are not expanded: the
// parse is quick, allocates little and the title holds no expansion.
func TestParseBillionLaughs(t *testing.T) {
	var dtd strings.Builder
	dtd.WriteString(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&dtd, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	dtd.WriteString(`]>`)
	body := strings.Replace(dtd.String(), "&lol0;", "&lol;", -1) +
		`<rss version="2.0"><channel><title>&lol9;</title><link>https://bomb.example/</link><description>&lol9;</description>` +
		`<item><title>Bomb &lol9;</title><description>&lol9;&lol9;</description></item></channel></rss>`

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	p, err := Parse([]byte(body), "application/rss+xml", "https://bomb.example/")
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Logf("Parse error (acceptable): %v", err)
	}
	if elapsed > 10*time.Second {
		t.Errorf("Parse took %v, want < 10s (no entity expansion)", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("Parse allocated %d bytes, want < 32 MiB", alloc)
	}
	if p != nil {
		items := Normalise(p, Options{Now: time.Now()})
		for _, it := range items {
			if strings.Count(it.Title, "lol") > 10 || len(it.Summary) > 10000 {
				t.Errorf("entity expanded: title %d bytes, summary %d bytes", len(it.Title), len(it.Summary))
			}
		}
	}
}

func TestParseHints(t *testing.T) {
	p := MustParse(t, MustReadFixture(t, "hints.rss"), "application/rss+xml", "https://hints.example/feed.rss")
	if p.TTL != 45*time.Minute {
		t.Errorf("TTL = %v, want 45m", p.TTL)
	}
	if p.UpdatePeriod != 6*time.Hour {
		t.Errorf("UpdatePeriod = %v, want 6h (daily / 4)", p.UpdatePeriod)
	}
	if want := []int{0, 1, 23}; !slices.Equal(p.SkipHours, want) {
		t.Errorf("SkipHours = %v, want %v", p.SkipHours, want)
	}
	if want := []time.Weekday{time.Sunday, time.Saturday}; !slices.Equal(p.SkipDays, want) {
		t.Errorf("SkipDays = %v, want %v", p.SkipDays, want)
	}
	if p.HubURL != "https://pubsubhubbub.appspot.com/" {
		t.Errorf("HubURL = %q", p.HubURL)
	}
	if p.SelfURL != "https://hints.example/feed.rss" {
		t.Errorf("SelfURL = %q, want the resolved atom:link self", p.SelfURL)
	}

	a := MustParse(t, MustReadFixture(t, "atom.xml"), "application/atom+xml", "https://atom.example/blog/atom.xml")
	if a.HubURL != "https://hub.example/" || a.SelfURL != "https://atom.example/blog/atom.xml" {
		t.Errorf("atom HubURL, SelfURL = %q, %q", a.HubURL, a.SelfURL)
	}
	if a.TTL != 0 || a.UpdatePeriod != 0 || a.SkipHours != nil {
		t.Errorf("atom hints = %v %v %v, want none", a.TTL, a.UpdatePeriod, a.SkipHours)
	}
	j := MustParse(t, MustReadFixture(t, "feed.json"), "application/feed+json", "https://json.example/feed.json")
	if j.SelfURL != "https://json.example/feed.json" {
		t.Errorf("json SelfURL = %q", j.SelfURL)
	}
}

func TestUpdatePeriodValues(t *testing.T) {
	tests := map[string]struct {
		period, freq string
		want         time.Duration
	}{
		"hourly":          {"hourly", "", time.Hour},
		"hourly x2":       {"hourly", "2", 30 * time.Minute},
		"weekly":          {"weekly", "1", 7 * 24 * time.Hour},
		"monthly":         {"monthly", "", 30 * 24 * time.Hour},
		"yearly":          {"yearly", "", 365 * 24 * time.Hour},
		"frequency only":  {"", "2", 12 * time.Hour},
		"bad frequency":   {"daily", "zero", 24 * time.Hour},
		"unknown period":  {"fortnightly", "", 0},
		"neither present": {"", "", 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var sy string
			if tc.period != "" {
				sy += "<sy:updatePeriod>" + tc.period + "</sy:updatePeriod>"
			}
			if tc.freq != "" {
				sy += "<sy:updateFrequency>" + tc.freq + "</sy:updateFrequency>"
			}
			body := `<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>t</title>` + sy +
				`<item><title>x</title></item></channel></rss>`
			p := MustParse(t, []byte(body), "", "")
			if p.UpdatePeriod != tc.want {
				t.Errorf("UpdatePeriod = %v, want %v", p.UpdatePeriod, tc.want)
			}
		})
	}
}

func utf16LEWithBOM() encoding.Encoding {
	return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
}

// TestParseUndeclaredLegacyCharsets: a feed in a legacy charset that no
// HTTP header, BOM or XML declaration names is recognised by the
// statistical detector, while unlabelled Western and Vietnamese text keeps
// being read as windows-1252 and windows-1258.
func TestParseUndeclaredLegacyCharsets(t *testing.T) {
	doc := func(title, desc string) string {
		return `<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>` + title +
			`</title><description>` + desc + `</description></item></channel></rss>`
	}
	tests := []struct {
		name, title, desc string
		enc               encoding.Encoding
		wantEnc           string
	}{
		{"koi8-r", "Как пережить новогоднюю ночь", "Москва готовится к празднику: на улицах города установлены ёлки и работают ярмарки.",
			charmap.KOI8R, "koi8-r"},
		{"windows-1251", "Новости дня", "Правительство обсудило бюджет на следующий год и новые социальные программы.",
			charmap.Windows1251, "windows-1251"},
		{"euc-kr", "서울 날씨 소식", "오늘 서울은 대체로 맑겠으며 낮 최고 기온은 영상 오도로 예상됩니다.",
			korean.EUCKR, "euc-kr"},
		{"gbk", "中国经济新闻", "今年前十个月，全国规模以上工业增加值同比增长百分之五点八，经济运行总体平稳。",
			simplifiedchinese.GBK, "gbk"},
		{"big5", "臺灣新聞摘要", "行政院今日召開會議，討論明年度總預算案與各項重大建設計畫的執行進度。",
			traditionalchinese.Big5, "big5"},
		{"shift_jis", "東京の天気予報", "今日の東京は晴れのち曇り、最高気温は十八度の予想です。週末は雨が降るでしょう。",
			japanese.ShiftJIS, "shift_jis"},
		{"euc-jp", "大阪のニュース", "大阪市は来年の万博に向けて交通機関の整備を進めています。多くの観光客が見込まれます。",
			japanese.EUCJP, "euc-jp"},
		{"windows-1255", "שלום עולם וחדשות היום", "הממשלה אישרה היום את התקציב לשנה הבאה לאחר דיון ארוך בכנסת.",
			charmap.Windows1255, "windows-1255"},
		{"tis-620", "ข่าววันนี้จากกรุงเทพ", "นายกรัฐมนตรีประชุมคณะรัฐมนตรีเพื่อพิจารณางบประมาณประจำปีและโครงการพัฒนาประเทศ",
			charmap.Windows874, "windows-874"},
		{"german stays windows-1252", "Zürich – „Grüße“ aus der Schweiz — 20 €", "Über die Brücke gehen Mädchen und Jungen schön früh.",
			charmap.Windows1252, "windows-1252"},
		{"icelandic stays windows-1252", "Þórður og Guðrún", "Þórður og Guðrún fóru í ferðalag til Ísafjarðar.",
			charmap.Windows1252, "windows-1252"},
		{"spanish and portuguese stay windows-1252", "España: el niño", "São Paulo: não há ações de emergência após a eleição.",
			charmap.Windows1252, "windows-1252"},
		{"short french stays windows-1252", "Café", "d", charmap.ISO8859_1, "windows-1252"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := MustParse(t, mustEncode(t, tc.enc, doc(tc.title, tc.desc)), "", "https://enc.example/feed")
			if p.Encoding != tc.wantEnc {
				t.Errorf("Encoding = %q, want %q", p.Encoding, tc.wantEnc)
			}
			if len(p.Feed.Items) != 1 {
				t.Fatalf("got %d items, want 1", len(p.Feed.Items))
			}
			if got := p.Feed.Items[0].Title; got != tc.title {
				t.Errorf("title = %q, want %q", got, tc.title)
			}
		})
	}
	t.Run("vietnamese stays windows-1258", func(t *testing.T) {
		const vi = "Thủ tướng yêu cầu đẩy nhanh tiến độ các dự án giao thông trọng điểm"
		p := MustParse(t, encode1258(t, doc(vi, vi)), "", "https://enc.example/feed")
		if p.Encoding != "windows-1258" || p.Feed.Items[0].Title != vi {
			t.Errorf("got %q as %s, want %q as windows-1258", p.Feed.Items[0].Title, p.Encoding, vi)
		}
	})
	t.Run("declared charset is not second-guessed", func(t *testing.T) {
		// KOI8-R bytes under a windows-1251 header: the header wins.
		body := mustEncode(t, charmap.KOI8R, doc("Новости дня", "Правительство обсудило бюджет на следующий год."))
		p := MustParse(t, body, "text/xml; charset=windows-1251", "https://enc.example/feed")
		if p.Encoding != "windows-1251" {
			t.Errorf("Encoding = %q, want windows-1251", p.Encoding)
		}
	})
}
