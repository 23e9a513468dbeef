package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bantin/aggregator/classifier"
	"bantin/aggregator/normaliser"
	"bantin/config"
	"bantin/internal/testenv"
)

// TestFeedTitleIsPlainText: a feed's own title (stored as the source title
// and republished in <source>, source_title and on the index page) is
// plain text like item titles. Found by TestSanitizerCorpus
// (feedparser/wellformed/sanitize/feed_title_*.xml).
func TestFeedTitleIsPlainText(t *testing.T) {
	tests := []struct {
		name, title, want string
	}{
		{"script", `safe&lt;script type="text/javascript"&gt;location.href='x';&lt;/script&gt; description`, "safe description"},
		{"img with handler", `&lt;img src="http://example.com/a.jpg" onload="alert(1)" /&gt;Tin`, "Tin"},
		{"entity escaped twice", `it&amp;apos;s correct`, "it's correct"},
		{"markup", `&lt;b&gt;Hà Nội&lt;/b&gt; &amp;amp; Sài Gòn`, "Hà Nội & Sài Gòn"},
		{"plain", `Tin tức`, "Tin tức"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `<rss version="2.0"><channel><title>` + tc.title + `</title><item><title>x</title><guid>1</guid></item></channel></rss>`
			p, err := normaliser.Parse([]byte(body), "application/rss+xml", "https://example.com/feed")
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Feed.Title; got != tc.want {
				t.Errorf("Feed.Title = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConfigRejectsWhatCompileRejects: phrases, tags and categories without
// a letter or digit are config errors with a position, not a config that
// `bantin check` passes and `bantin run` then refuses (classifier.Compile
// rejects them). Found by FuzzConfigCompile.
func TestConfigRejectsWhatCompileRejects(t *testing.T) {
	tests := []struct {
		name, match, want string
	}{
		{"title punctuation", `{title: ["!!"]}`, `t.yaml:3:21: title: "!!" has no letters or digits, so it can never match`},
		{"keyword combining mark", `{keywords: ["\u0301"]}`, "t.yaml:3:24: keywords: \"\u0301\" has no letters or digits, so it can never match"},
		{"tag dashes", `{tags: ["---"]}`, `t.yaml:3:20: tags: "---" has no letters or digits, so it can never match`},
		{"category symbols", `{categories: ["★"]}`, `t.yaml:3:26: categories: "★" has no letters or digits, so it can never match`},
		{"author dots", `{authors: ["..."]}`, `t.yaml:3:23: authors: "..." has no letters or digits, so it can never match`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "topics:\n  - slug: a\n    match: " + tc.match + "\n"
			_, err := config.Parse([]byte(src), "t.yaml")
			if err == nil {
				t.Fatalf("config.Parse accepted %s", tc.match)
			}
			if got := err.Error(); !strings.Contains(got, tc.want) {
				t.Errorf("error %q, want it to contain %q", got, tc.want)
			}
		})
	}
	ok := "topics:\n  - slug: a\n    match: {keywords: [\"Hà Nội\", \"C++\"], tags: [\"東京\"], categories: [\"Thời sự\"], authors: [\"An\"], title: [\"3\"]}\n"
	cfg, err := config.Parse([]byte(ok), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := classifier.Compile(cfg.Topics); err != nil {
		t.Errorf("Compile rejects a config Parse accepts: %v", err)
	}
}

// TestUndeclaredLegacyCharset: a feed in a legacy charset that declares
// none (no HTTP charset, no BOM, no XML declaration) still decodes to the
// right text. feedparser's illformed/chardet cases (Big5, EUC-JP, EUC-KR,
// GB2312, KOI8-R, Shift_JIS, TIS-620, windows-1255) expect this; bantin
// reads such bytes as windows-1252 (mojibake). The fixtures are our own.
func TestUndeclaredLegacyCharset(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"undeclared-koi8r.rss", "Как пережить новогоднюю ночь"},
		{"undeclared-euckr.rss", "에서 한글닉네임 표시하기"},
		{"undeclared-gb2312.rss", "不归移民漫画系列：专业工作"},
		{"undeclared-shiftjis.rss", "ゲーム三昧な正月"},
		{"undeclared-windows1255.rss", "שלום עולם וחדשות היום"},
		{"undeclared-tis620.rss", "ข่าววันนี้จากกรุงเทพ"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "testdata", "conformance", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := normaliser.Parse(body, "", "https://example.com/feed")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Feed.Items) == 0 {
				t.Fatal("no items")
			}
			if got := p.Feed.Items[0].Title; got != tc.want {
				t.Errorf("title %q (decoded as %s), want %q", got, p.Encoding, tc.want)
			}
		})
	}
}
