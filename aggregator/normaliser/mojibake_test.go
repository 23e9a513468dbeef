package normaliser

import (
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// mojibake returns s's UTF-8 bytes read as windows-1252, the five bytes it
// leaves undefined read as ISO-8859-1 (as browsers and PHP do).
func mojibake(tb testing.TB, s string) string {
	tb.Helper()
	var out []rune
	for _, b := range []byte(s) {
		r := charmap.Windows1252.DecodeByte(b)
		if r == utf8.RuneError {
			r = rune(b)
		}
		out = append(out, r)
	}
	return string(out)
}

func TestFixMojibake(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"vietnamese":           {mojibake(t, "Hà Nội mùa thu, người ở lại"), "Hà Nội mùa thu, người ở lại"},
		"ellipsis":             {"â€¦", "…"},
		"curly quotes":         {mojibake(t, "“quoted” don’t"), "“quoted” don’t"},
		"twice over":           {mojibake(t, mojibake(t, "Đà Nẵng")), "Đà Nẵng"},
		"latin-1 text kept":    {"café crème, naïve façade", "café crème, naïve façade"},
		"real vietnamese kept": {"Hà Nội", "Hà Nội"},
		"ascii kept":           {"plain text", "plain text"},
		"mixed kept":           {"Hà Nội " + mojibake(t, "Hà Nội"), "Hà Nội " + mojibake(t, "Hà Nội")},
		"empty":                {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fixMojibake(tc.in); got != tc.want {
				t.Errorf("fixMojibake(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseRepairsEncodingDamage(t *testing.T) {
	tests := map[string]struct {
		title, desc       string
		wantTitle, wantDs string
	}{
		"mojibake vietnamese title": {
			title: mojibake(t, "Người Hà Nội"), desc: "x", wantTitle: "Người Hà Nội", wantDs: "x",
		},
		"raw C1 quote (demoronize)": {
			title: "don\u0092t", desc: "a\u0085", wantTitle: "don’t", wantDs: "a…",
		},
		"double-encoded references": {
			title: "t", desc: "&#226;&#128;&#166;", wantTitle: "t", wantDs: "…",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			body := `<rss version="2.0"><channel><title>c</title><item><guid>1</guid><title>` + tc.title +
				`</title><description>` + tc.desc + `</description></item></channel></rss>`
			items := Normalise(MustParse(t, []byte(body), "", ""), Options{Now: time.Now()})
			if len(items) != 1 {
				t.Fatalf("got %d items", len(items))
			}
			if items[0].Title != tc.wantTitle || items[0].Summary != tc.wantDs {
				t.Errorf("Title, Summary = %q, %q; want %q, %q", items[0].Title, items[0].Summary, tc.wantTitle, tc.wantDs)
			}
		})
	}
}
