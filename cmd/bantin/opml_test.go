package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"bantin/config"
)

// yamlSource is an entry of import-opml's output, decoded strictly.
type yamlSource struct {
	ID       string   `yaml:"id"`
	URL      string   `yaml:"url"`
	Title    string   `yaml:"title"`
	Tags     []string `yaml:"tags"`
	Language string   `yaml:"language"`
}

func opmlFixture(name string) string { return filepath.Join("..", "..", "testdata", "opml", name) }

// runOPML runs `bantin import-opml args...` and returns exit code, stdout
// and stderr.
func runOPML(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"import-opml"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// decodeItems parses the printed YAML (a block sequence) strictly.
func decodeItems(t *testing.T, out string) []yamlSource {
	t.Helper()
	var got []yamlSource
	dec := yaml.NewDecoder(strings.NewReader(out))
	dec.KnownFields(true)
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output is not a YAML list of sources: %v\n%s", err, out)
	}
	return got
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImportOPMLReaderExports(t *testing.T) {
	tests := []struct {
		file    string
		want    []yamlSource
		skipped []string // stderr lines
		summary string
	}{
		{
			file: "feedly.opml",
			want: []yamlSource{
				{ID: "vnexpress-tin-moi-nhat", URL: "https://vnexpress.net/rss/tin-moi-nhat.rss", Title: "VnExpress - Tin mới nhất", Tags: []string{"Thời sự"}},
				{ID: "tuoi-tre-online-thoi-su", URL: "https://tuoitre.vn/rss/thoi-su.rss", Title: "Tuổi Trẻ Online: Thời sự", Tags: []string{"Thời sự"}},
				{ID: "bao-nhan-dan-1", URL: "https://nhandan.vn/rss/home.rss", Title: `Báo "Nhân Dân" #1`, Tags: []string{"Thời sự"}},
				{ID: "the-verge", URL: "https://www.theverge.com/rss/index.xml", Title: "The Verge", Tags: []string{"Tech", "Kinh tế"}},
				{ID: "ars-technica-all-content", URL: "https://feeds.arstechnica.com/arstechnica/index", Title: "Ars Technica - All content", Tags: []string{"Tech"}},
				{ID: "vnexpress-kinh-doanh", URL: "https://vnexpress.net/rss/kinh-doanh.rss", Title: "VnExpress - Kinh doanh", Tags: []string{"Kinh tế"}},
			},
			skipped: []string{"skipped duplicate: https://www.theverge.com/rss/index.xml (listed before as the-verge); its folders were added to the tags"},
			summary: "imported 6 sources, skipped 1 duplicate",
		},
		{
			file: "inoreader.xml",
			want: []yamlSource{
				{ID: "hacker-news", URL: "https://news.ycombinator.com/rss", Title: "Hacker News", Tags: []string{"Tech"}},
				{ID: "go-blog", URL: "https://go.dev/blog/feed.atom", Title: "Go Blog", Tags: []string{"Tech"}},
				{ID: "thanh-nien-thoi-su", URL: "https://thanhnien.vn/rss/thoi-su.rss", Title: "Thanh Niên - Thời sự", Tags: []string{"Việt Nam"}},
				{ID: "dan-tri", URL: "HTTPS://DANTRI.COM.VN/rss/home.rss", Title: "Dân trí", Tags: []string{"Việt Nam"}},
				{ID: "xkcd-com", URL: "https://xkcd.com/atom.xml", Title: "xkcd.com"},
			},
			summary: "imported 5 sources, skipped 0 duplicates",
		},
		{
			file: "miniflux.opml",
			want: []yamlSource{
				{ID: "miniflux", URL: "https://miniflux.app/feed.xml", Title: "Miniflux", Tags: []string{"All"}},
				{ID: "nguoi-lao-dong-kinh-te", URL: "https://nld.com.vn/kinh-te.rss", Title: "Người Lao Động: Kinh tế", Tags: []string{"Báo chí"}},
				{ID: "vietnamplus", URL: "https://www.vietnamplus.vn/rss/home.rss", Title: "VietnamPlus", Tags: []string{"Báo chí"}},
				{ID: "tokyo-np-co-jp-rss-index", URL: "https://www.tokyo-np.co.jp/rss/index.xml", Title: "東京新聞", Tags: []string{"Báo chí"}},
			},
			summary: "imported 4 sources, skipped 0 duplicates",
		},
		{
			file: "freshrss.opml.xml",
			want: []yamlSource{
				{ID: "freshrss-releases", URL: "https://github.com/FreshRSS/FreshRSS/releases.atom", Title: "FreshRSS releases", Tags: []string{"Chưa phân loại"}},
				{ID: "bong-da-v-league-aff-cup", URL: "https://bongdaplus.vn/rss/trang-chu.rss", Title: "Bóng đá: V-League & AFF Cup", Tags: []string{"Thể thao"}},
				{ID: "the-thao-247", URL: "https://thethao247.vn/trang-chu.rss/", Title: "Thể Thao 247", Tags: []string{"Thể thao"}},
			},
			skipped: []string{`skipped unsupported: https://thethao.example.vn/ (type "HTML+XPath" is a web page scraper, not a feed)`},
			summary: "imported 3 sources, skipped 0 duplicates and 1 unsupported",
		},
		{
			file: "newsboat.opml",
			want: []yamlSource{
				{ID: "lwn-net", URL: "https://lwn.net/headlines/rss", Title: "LWN.net"},
				{ID: "vnexpress-the-gioi", URL: "https://vnexpress.net/rss/the-gioi.rss", Title: "VnExpress - Thế giới"},
				{ID: "blog-example-org-feed", URL: "https://blog.example.org/feed/"},
				{ID: "the-verge", URL: "https://www.theverge.com/rss/index.xml/", Title: "The Verge"},
			},
			skipped: []string{"skipped unsupported: exec:~/bin/weather-feed.sh (only http and https feed URLs can be imported)"},
			summary: "imported 4 sources, skipped 0 duplicates and 1 unsupported",
		},
		{
			file: "windows-1258.opml",
			want: []yamlSource{
				{ID: "bao-cu-thoi-su", URL: "https://baocu.example.vn/rss/thoi-su", Title: "Báo Cũ – Thời sự", Tags: []string{"Tin tức cũ"}},
			},
			summary: "imported 1 source, skipped 0 duplicates",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "bantin.yaml")
			writeFile(t, cfgPath, "# empty config\n")
			code, out, errOut := runOPML(t, opmlFixture(tt.file), "-config", cfgPath)
			if code != 0 {
				t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
			}
			if got := decodeItems(t, out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sources:\n got %+v\nwant %+v\nYAML:\n%s", got, tt.want, out)
			}
			wantErr := strings.Join(append(tt.skipped, tt.summary), "\n") + "\n"
			if errOut != wantErr {
				t.Errorf("stderr:\n got %q\nwant %q", errOut, wantErr)
			}
			// The output is meant to be pasted under "sources:".
			cfg, err := config.Parse([]byte("sources:\n"+out), cfgPath)
			if err != nil {
				t.Fatalf("pasted under sources: the output does not load: %v\n%s", err, out)
			}
			if len(cfg.Sources) != len(tt.want) {
				t.Errorf("pasted config has %d sources, want %d", len(cfg.Sources), len(tt.want))
			}
		})
	}
}

func TestImportOPMLDuplicatesOfConfigSources(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bantin.yaml")
	writeFile(t, cfgPath, `sources:
  - id: verge
    url: HTTPS://WWW.THEVERGE.COM/rss/index.xml/
  - id: vnexpress-tin-moi-nhat   # same id as a feed in the OPML, other URL
    url: https://vnexpress.net/rss/thoi-su.rss
include: ["more/*.yaml"]
`)
	if err := os.Mkdir(filepath.Join(dir, "more"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "more", "tech.yaml"), "sources:\n  - id: ars\n    url: https://feeds.arstechnica.com/arstechnica/index#x\n")

	code, out, errOut := runOPML(t, "-config", cfgPath, opmlFixture("feedly.opml"))
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	wantErr := `skipped duplicate: https://www.theverge.com/rss/index.xml (already source verge)
skipped duplicate: https://feeds.arstechnica.com/arstechnica/index (already source ars)
skipped duplicate: https://www.theverge.com/rss/index.xml (already source verge)
imported 4 sources, skipped 3 duplicates
`
	if errOut != wantErr {
		t.Errorf("stderr:\n got %q\nwant %q", errOut, wantErr)
	}
	var ids []string
	for _, s := range decodeItems(t, out) {
		ids = append(ids, s.ID)
	}
	wantIDs := []string{"vnexpress-tin-moi-nhat-2", "tuoi-tre-online-thoi-su", "bao-nhan-dan-1", "vnexpress-kinh-doanh"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("ids = %q, want %q", ids, wantIDs)
	}

	// Importing the same list twice: everything the first run wrote is a
	// duplicate the second time.
	if code, _, errOut := runOPML(t, opmlFixture("feedly.opml"), "-write", "-config", cfgPath); code != 0 {
		t.Fatalf("-write: exit code %d, stderr:\n%s", code, errOut)
	}
	code, out, errOut = runOPML(t, opmlFixture("feedly.opml"), "-config", cfgPath)
	if code != 0 || out != "" || !strings.HasSuffix(errOut, "imported 0 sources, skipped 7 duplicates\n") {
		t.Errorf("second import: code %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "skipped duplicate: https://vnexpress.net/rss/kinh-doanh.rss (already source vnexpress-kinh-doanh)") {
		t.Errorf("second import does not report the written source as a duplicate:\n%s", errOut)
	}
}

// TestImportOPMLWrite checks that -write inserts the entries right after
// the last item of sources: and leaves every other byte of the file alone.
// Each config is written as before+after; the result must be
// before+INSERTED+after with INSERTED a YAML list of the new sources.
func TestImportOPMLWrite(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		indent        int // of the inserted dashes
		header        bool
	}{
		{
			name: "block list with comments, topics after",
			before: `# bantin config: Vietnamese news
listen: 127.0.0.1:8080   # loopback only

sources:
  # Newspapers
  - id: kinhtedothi
    url: https://kinhtedothi.vn/rss/thoi-su.rss
    title: "Kinh tế & Đô thị"   # quoted on purpose
    tags: ["Hà Nội"]
  - id: baocu
    url: https://baocu.example.vn/rss
    # url: https://old.baocu.example.vn/rss (moved)
`,
			after: `  # - id: disabled
  #   url: https://disabled.example/

# Topics below
topics:
  - slug: ha-noi
    title: "Hà Nội"
    match:
      keywords: ["ha noi"]
`,
			indent: 2,
		},
		{
			name:   "dashes at the margin, last key of the file, no final newline",
			before: "database: x.db\nsources:\n- id: a\n  url: https://a.example/feed\n  tags:\n  - x\n  - y",
			after:  "",
			indent: 0,
		},
		{
			name: "last item ends in a block scalar with a line starting with #",
			before: `sources:
    -   id: a
        url: https://a.example/
        title: >-
          First line
          # still the title
`,
			after:  "\n# end\n",
			indent: 4,
		},
		{
			name:   "no sources section",
			before: "# only settings\nlisten: 127.0.0.1:9090\ndefaults:\n  interval: 30m\n",
			after:  "",
			indent: 2,
			header: true,
		},
		{
			name:   "no sources section, no final newline",
			before: "listen: 127.0.0.1:9090",
			indent: 2,
			header: true,
		},
		{
			name:   "byte order mark",
			before: "\uFEFF# with BOM\nsources:\n  - id: a\n    url: https://a.example/\n",
			indent: 2,
		},
		{
			name:   "empty file",
			before: "",
			indent: 2,
			header: true,
		},
		{
			name:   "CRLF line ends",
			before: "# windows\r\nsources:\r\n  - id: a\r\n    url: https://a.example/\r\n",
			after:  "topics: []\r\n",
			indent: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "bantin.yaml")
			writeFile(t, cfgPath, tt.before+tt.after)
			// A config with no sources and no topics is refused by Load
			// (config.ErrEmpty), but import-opml fills it.
			old, err := config.Load(cfgPath)
			if errors.Is(err, config.ErrEmpty) {
				old, err = &config.Config{}, nil
			}
			if err != nil {
				t.Fatalf("fixture config does not load: %v", err)
			}
			code, out, errOut := runOPML(t, "-write", opmlFixture("inoreader.xml"), "-config", cfgPath)
			if code != 0 {
				t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
			}
			if want := "imported 5 sources, skipped 0 duplicates; added to " + cfgPath + "\n"; out != want {
				t.Errorf("stdout = %q, want %q", out, want)
			}
			b, err := os.ReadFile(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			got := string(b)
			before := tt.before
			if before != "" && !strings.HasSuffix(before, "\n") {
				before += "\n"
			}
			if !strings.HasPrefix(got, before) || !strings.HasSuffix(got, tt.after) || len(got) < len(before)+len(tt.after) {
				t.Fatalf("the rest of the file changed:\n%s", got)
			}
			inserted := got[len(before) : len(got)-len(tt.after)]
			eol := "\n"
			if strings.Contains(tt.before, "\r\n") {
				eol = "\r\n"
				if strings.Contains(strings.ReplaceAll(inserted, "\r\n", ""), "\n") {
					t.Errorf("inserted lines end in LF in a CRLF file: %q", inserted)
				}
			}
			if tt.header {
				head := "sources:" + eol
				if before != "" {
					head = eol + head
				}
				if !strings.HasPrefix(inserted, head) {
					t.Fatalf("inserted text %q does not start with %q", inserted, head)
				}
				inserted = inserted[len(head):]
			}
			if pad := strings.Repeat(" ", tt.indent) + "- id: "; !strings.HasPrefix(inserted, pad) {
				t.Errorf("inserted text does not start with %q:\n%s", pad, inserted)
			}
			items := decodeItems(t, inserted)
			if len(items) != 5 || items[0].ID != "hacker-news" || items[4].ID != "xkcd-com" {
				t.Errorf("inserted sources = %+v", items)
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatalf("written config does not load: %v\n%s", err, got)
			}
			if len(cfg.Sources) != len(old.Sources)+5 {
				t.Errorf("%d sources after -write, want %d", len(cfg.Sources), len(old.Sources)+5)
			}
			if s, ok := cfg.Source("thanh-nien-thoi-su"); !ok || s.Title != "Thanh Niên - Thời sự" || !reflect.DeepEqual(s.Tags, []string{"Việt Nam"}) {
				t.Errorf("thanh-nien-thoi-su = %+v, %v", s, ok)
			}
			if len(cfg.Topics) != len(old.Topics) {
				t.Errorf("topics changed: %d, want %d", len(cfg.Topics), len(old.Topics))
			}
		})
	}
}

func TestImportOPMLWriteEmptySources(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{
			name:   "bare key followed by a comment and another key",
			config: "sources:\n  # none yet\ntopics: []\n",
			want:   "sources:\n  - id: lwn-net\n", // then the rest, checked below
		},
		{
			name:   "empty flow list with a comment",
			config: "sources: []   # to do\ntopics: []\n",
			want:   "sources:   # to do\n  - id: lwn-net\n",
		},
		{
			name:   "empty flow list on the first line after a byte order mark",
			config: "\uFEFFsources: []\n",
			want:   "\uFEFFsources:\n  - id: lwn-net\n",
		},
		{
			name:   "tilde",
			config: "listen: 127.0.0.1:8080\nsources: ~\n",
			want:   "listen: 127.0.0.1:8080\nsources:\n  - id: lwn-net\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "c.yaml")
			writeFile(t, cfgPath, tt.config)
			code, _, errOut := runOPML(t, opmlFixture("newsboat.opml"), "-config", cfgPath, "-write")
			if code != 0 {
				t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
			}
			b, _ := os.ReadFile(cfgPath)
			if !strings.HasPrefix(string(b), tt.want) {
				t.Errorf("file:\n%s\nwant it to start with:\n%s", b, tt.want)
			}
			if strings.Contains(tt.config, "# none yet") && !strings.Contains(string(b), "  # none yet\ntopics: []\n") {
				t.Errorf("comment or topics lost:\n%s", b)
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatalf("written config does not load: %v\n%s", err, b)
			}
			if len(cfg.Sources) != 4 {
				t.Errorf("%d sources, want 4", len(cfg.Sources))
			}
		})
	}
}

func TestImportOPMLWriteCreatesMissingConfig(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "new.yaml")
	code, _, errOut := runOPML(t, opmlFixture("miniflux.opml"), "-write", "-config", cfgPath)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("created config does not load: %v", err)
	}
	if len(cfg.Sources) != 4 || cfg.Sources[3].Title != "東京新聞" {
		t.Errorf("sources = %+v", cfg.Sources)
	}
}

func TestImportOPMLWriteRefused(t *testing.T) {
	tests := []struct {
		name, config, wantErr string
	}{
		{"flow list", "sources: [{id: a, url: 'https://a.example/'}]\n", "sources: is not a block list"},
		{"invalid config", "sources:\n  - id: Bad_ID\n    url: https://a.example/\n", "the config must be valid before importing into it"},
		{"several documents", "listen: 127.0.0.1:8080\n---\nother: 1\n", "holds one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "c.yaml")
			writeFile(t, cfgPath, tt.config)
			code, _, errOut := runOPML(t, opmlFixture("newsboat.opml"), "-write", "-config", cfgPath)
			if code != 1 || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("code %d, stderr:\n%s\nwant code 1 and %q", code, errOut, tt.wantErr)
			}
			if b, _ := os.ReadFile(cfgPath); string(b) != tt.config {
				t.Errorf("file changed:\n%s", b)
			}
		})
	}
}

// TestImportOPMLYAMLQuoting feeds titles and folder names that break
// hand-written YAML and checks that they come back exactly.
func TestImportOPMLYAMLQuoting(t *testing.T) {
	titles := []string{
		`Tin nóng: "Đại hội" #1`,
		`it's 'quoted'`,
		`- starts with a dash`,
		`yes`, `no`, `null`, `~`, `123`, `0x1F`, `1e3`, `2026-11-26`,
		`@handle`, "`backtick`", `%percent`, `*star`, `&anchor`, `!tag`, `|pipe`, `>folded`,
		`[brackets]`, `{braces}`, `key: value`, `trailing colon:`, `a #not comment`, `? question`,
		`Thời sự – Chính trị · Xã hội`, `Ελλάδα`, `東京新聞`, `back\slash`,
		strings.Repeat("Rất dài ", 40) + "end",
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><body><outline text="Folder: &quot;A&quot;, #B">` + "\n")
	for i, title := range titles {
		esc := strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;").Replace(title)
		b.WriteString(`<outline type="rss" text="` + esc + `" xmlUrl="https://q.example/` + strings.Repeat("x", i+1) + `"/>` + "\n")
	}
	b.WriteString("</outline></body></opml>\n")
	dir := t.TempDir()
	file := filepath.Join(dir, "q.opml")
	writeFile(t, file, b.String())
	cfgPath := filepath.Join(dir, "bantin.yaml")
	writeFile(t, cfgPath, "sources:\n  - id: keep\n    url: https://keep.example/\n")

	code, out, errOut := runOPML(t, file, "-config", cfgPath)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	items := decodeItems(t, out)
	if len(items) != len(titles) {
		t.Fatalf("got %d sources, want %d", len(items), len(titles))
	}
	for i, it := range items {
		if it.Title != titles[i] {
			t.Errorf("title %d = %q, want %q", i, it.Title, titles[i])
		}
		if want := []string{`Folder: "A", #B`}; !reflect.DeepEqual(it.Tags, want) {
			t.Errorf("tags %d = %q, want %q", i, it.Tags, want)
		}
	}
	if !strings.Contains(out, "Thời sự – Chính trị · Xã hội") || !strings.Contains(out, "東京新聞") {
		t.Errorf("non-ASCII text was escaped:\n%s", out)
	}

	if code, _, errOut := runOPML(t, file, "-config", cfgPath, "-write"); code != 0 {
		t.Fatalf("-write: exit code %d, stderr:\n%s", code, errOut)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatalf("written config does not load: %v", err)
	}
	if len(cfg.Sources) != len(titles)+1 {
		t.Fatalf("%d sources, want %d", len(cfg.Sources), len(titles)+1)
	}
	for i, s := range cfg.Sources[1:] {
		if s.Title != titles[i] {
			t.Errorf("loaded title %d = %q, want %q", i, s.Title, titles[i])
		}
	}
}

func TestImportOPMLUsageAndErrors(t *testing.T) {
	dir := t.TempDir()
	notOPML := filepath.Join(dir, "feed.xml")
	writeFile(t, notOPML, `<rss version="2.0"><channel><title>x</title></channel></rss>`)
	noFeeds := filepath.Join(dir, "empty.opml")
	writeFile(t, noFeeds, `<opml version="2.0"><body><outline text="Empty folder"/></body></opml>`)
	cfgPath := filepath.Join(dir, "none.yaml")
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"no file", []string{"-config", cfgPath}, 2, "wrong number of arguments"},
		{"two files", []string{noFeeds, noFeeds}, 2, "wrong number of arguments"},
		{"unknown flag", []string{noFeeds, "-frobnicate"}, 2, "flag provided but not defined"},
		{"missing file", []string{filepath.Join(dir, "nope.opml"), "-config", cfgPath}, 1, "no such file"},
		{"not OPML", []string{notOPML, "-config", cfgPath}, 1, "opml: not an OPML document (root element <rss>)"},
		{"no feeds", []string{noFeeds, "-config", cfgPath}, 1, "lists no feeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runOPML(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("code %d, stderr:\n%s\nwant code %d and %q", code, errOut, tt.code, tt.wantErr)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
	if _, err := os.Stat(cfgPath); err == nil {
		t.Errorf("a failed import created %s", cfgPath)
	}

	// Without a config file there is nothing to compare with: a note, and
	// the sources all the same.
	code, out, errOut := runOPML(t, opmlFixture("newsboat.opml"), "-config", cfgPath)
	if code != 0 || !strings.Contains(errOut, "note: no config at "+cfgPath) || len(decodeItems(t, out)) != 4 {
		t.Errorf("without config: code %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestImportOPMLWriteThroughSymlinkKeepsMode(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(target, []byte("sources:\n  - id: a\n    url: https://a.example/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "bantin.yaml")
	if err := os.Symlink("real.yaml", link); err != nil {
		t.Skipf("no symlinks: %v", err)
	}
	if code, _, errOut := runOPML(t, opmlFixture("windows-1258.opml"), "-write", "-config", link); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", fi, err)
	}
	fi, err := os.Stat(target)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of the config = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	cfg, err := config.Load(link)
	if err != nil || len(cfg.Sources) != 2 || cfg.Sources[1].ID != "bao-cu-thoi-su" {
		t.Errorf("after -write: %v, %+v", err, cfg)
	}
}

func TestImportOPMLLanguageAndCategories(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "l.opml")
	writeFile(t, file, `<?xml version="1.0"?>
<opml version="2.0"><body><outline title="News" text="News">
<outline type="rss" text="VOV" xmlUrl="https://vov.vn/rss" language="VI" category="/Việt Nam/Thời sự,news"/>
<outline type="rss" text="Unknown" xmlUrl="https://u.example/rss" language="unknown"/>
<outline type="rss" text="No host" xmlUrl="https:///rss"/>
</outline></body></opml>`)
	code, out, errOut := runOPML(t, file, "-config", filepath.Join(dir, "none.yaml"))
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	want := []yamlSource{
		{ID: "vov", URL: "https://vov.vn/rss", Title: "VOV", Tags: []string{"News", "Việt Nam", "Thời sự"}, Language: "vi"},
		{ID: "unknown", URL: "https://u.example/rss", Title: "Unknown", Tags: []string{"News"}},
	}
	if got := decodeItems(t, out); !reflect.DeepEqual(got, want) {
		t.Errorf("sources:\n got %+v\nwant %+v", got, want)
	}
	if wantErr := "skipped unsupported: https:///rss (not a valid URL)\nimported 2 sources, skipped 0 duplicates and 1 unsupported\n"; !strings.HasSuffix(errOut, wantErr) {
		t.Errorf("stderr:\n got %q\nwant suffix %q", errOut, wantErr)
	}
}
