package classifier

import (
	"testing"
	"time"

	"bantin/config"
	"bantin/internal/testenv"
)

func goldenTopics() []config.Topic {
	return []config.Topic{
		{
			Slug: "dai-hoi-dang",
			Match: &config.Rule{
				Any:  []*config.Rule{{Keywords: []string{"Đại hội Đảng", "đại hội đại biểu"}}, {Tags: []string{"dai-hoi-dang"}}},
				None: []*config.Rule{{Keywords: []string{"quảng cáo"}}},
			},
		},
		{
			Slug:   "every-key",
			MaxAge: config.Duration(7 * 24 * time.Hour),
			Match: &config.Rule{
				Keywords:   []string{"ha noi", "Thanh Xuân"},
				Title:      []string{"Đảng", "dai hoi"},
				Tags:       []string{"Hà Nội", "thoi-su"},
				Sources:    []string{"kinhtedothi-thoi-su", "vnexpress"},
				Regex:      []string{`nhiệm kỳ \d{4}-\d{4}`, `(?i)covid`},
				Authors:    []string{"Hong Thai"},
				Domains:    []string{"kinhtedothi.vn"},
				Languages:  []string{"vi"},
				Categories: []string{"Thời sự"},
				MaxAge:     config.Duration(48 * time.Hour),
			},
		},
		{
			Slug: "english-nested",
			Match: &config.Rule{
				All: []*config.Rule{
					{Any: []*config.Rule{{Keywords: []string{"climate change"}}, {Title: []string{"COP30"}}}},
					{None: []*config.Rule{{Keywords: []string{"sponsored"}}, {Domains: []string{"ads.example.com"}}}},
					{Languages: []string{"en"}},
				},
			},
		},
		{Slug: "curated-only"},
		{
			Slug:   "fresh-hanoi",
			MaxAge: config.Duration(24 * time.Hour),
			Match: &config.Rule{
				Title: []string{"ha noi", "Hà Nội"},
				None:  []*config.Rule{{Any: []*config.Rule{{Regex: []string{`(?i)quảng cáo`}}, {None: []*config.Rule{{Languages: []string{"vi"}}}}}}},
			},
		},
	}
}

var (
	docThanhXuan = Doc{
		Title:      "Bảo đảm tiến độ, thành công Đại hội Đảng các cấp tại Thanh Xuân",
		Summary:    "<p>Quận ủy Thanh Xuân (<b>Hà Nội</b>) chuẩn bị Đại hội Đảng bộ quận lần thứ VI, nhiệm kỳ 2020-2025.</p>",
		Content:    "<p>Các đại biểu bỏ phiếu bầu Ban Chấp hành Đảng bộ phường Thanh Xuân Bắc.</p><p>Phòng, chống dịch Covid-19.</p>",
		Tags:       []string{"ha-noi", "thoi-su"},
		Categories: []string{"Thời sự"},
		Source:     "kinhtedothi-thoi-su",
		Authors:    []string{"Hồng Thái"},
		Link:       "https://kinhtedothi.vn/bao-dam-tien-do-thanh-cong-dai-hoi-dang.html",
		Language:   "vi-VN",
		Published:  now.Add(-5 * time.Hour),
	}
	docAd = Doc{
		Title:     "Đại hội đại biểu cổ đông: ưu đãi lớn",
		Content:   "<p>Bài viết QUẢNG CÁO</p>",
		Source:    "vnexpress",
		Link:      "https://e.vnexpress.net/x",
		Language:  "vi",
		Published: now.Add(-72 * time.Hour),
	}
	docEnglish = Doc{
		Title:     "COP30 opens in Belém",
		Summary:   "Delegates meet to talk about <em>climate</em>-change finance.",
		Link:      "https://news.example.com/cop30",
		Language:  "en-GB",
		Published: now.Add(-30 * time.Minute),
	}
)

func TestExplainGolden(t *testing.T) {
	c := mustCompile(t, goldenTopics()...)
	tests := map[string]struct {
		topic string
		doc   Doc
	}{
		"dai-hoi-dang-match":   {"dai-hoi-dang", docThanhXuan},
		"dai-hoi-dang-vetoed":  {"dai-hoi-dang", docAd},
		"every-key-match":      {"every-key", docThanhXuan},
		"every-key-miss":       {"every-key", docAd},
		"english-nested-match": {"english-nested", docEnglish},
		"english-nested-miss":  {"english-nested", docThanhXuan},
		"curated-only":         {"curated-only", docThanhXuan},
		"fresh-hanoi-old":      {"fresh-hanoi", docAd},
		"fresh-hanoi-english":  {"fresh-hanoi", docEnglish},
		"fresh-hanoi-match":    {"fresh-hanoi", Doc{Title: "HÀ NỘI: mưa lớn, ngập nhiều tuyến phố", Language: "vi", Published: now.Add(-2 * time.Hour)}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := c.Explain(tt.topic, &tt.doc, now)
			if err != nil {
				t.Fatalf("Explain: %v", err)
			}
			inClassify := false
			for _, s := range c.Classify(&tt.doc, now) {
				inClassify = inClassify || s == tt.topic
			}
			if e.Match != inClassify {
				t.Errorf("Explain.Match = %v, Classify lists topic = %v", e.Match, inClassify)
			}
			got := e.String()
			testenv.Golden(t, "testdata/classifier/"+name+".golden", []byte(got))
		})
	}
}
