package classifier

import (
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"bantin/config"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func kw(p ...string) *config.Rule { return &config.Rule{Keywords: p} }

// mustCompile compiles topics and fails the test on error.
func mustCompile(tb testing.TB, topics ...config.Topic) *Classifier {
	tb.Helper()
	c, err := Compile(topics)
	if err != nil {
		tb.Fatalf("Compile: %v", err)
	}
	return c
}

// check classifies d against a single topic with rule r and compares with
// want; Explain must agree with Classify.
func check(t *testing.T, r *config.Rule, d Doc, want bool) {
	t.Helper()
	c := mustCompile(t, config.Topic{Slug: "t", Match: r})
	got := slices.Contains(c.Classify(&d, now), "t")
	if got != want {
		e, _ := c.Explain("t", &d, now)
		t.Errorf("Classify = %v, want %v\n%s", got, want, e)
	}
	e, err := c.Explain("t", &d, now)
	if err != nil {
		t.Fatalf("Explain: %v", err)
	}
	if e.Match != got {
		t.Errorf("Explain.Match = %v, Classify = %v\n%s", e.Match, got, e)
	}
}

type ruleCase struct {
	rule *config.Rule
	doc  Doc
	want bool
}

func runCases(t *testing.T, tests map[string]ruleCase) {
	t.Helper()
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) { check(t, tt.rule, tt.doc, tt.want) })
	}
}

func TestKeywords(t *testing.T) {
	runCases(t, map[string]ruleCase{
		// Issue 2 acceptance: diacritic rules.
		"ha noi finds Hà Nội":             {kw("ha noi"), Doc{Title: "Tin Hà Nội hôm nay"}, true},
		"ha noi finds HÀ NỘI":             {kw("ha noi"), Doc{Title: "TIN HÀ NỘI"}, true},
		"ha noi not hanoi":                {kw("ha noi"), Doc{Title: "Tin Hanoi hôm nay"}, false},
		"hanoi not ha noi":                {kw("hanoi"), Doc{Title: "Tin Hà Nội"}, false},
		"dai hoi dang finds Đại hội Đảng": {kw("dai hoi dang"), Doc{Title: "Bảo đảm thành công Đại hội Đảng các cấp"}, true},
		"đ folds to d":                    {kw("duong sat"), Doc{Title: "Đường sắt Bắc Nam"}, true},
		"Đảng finds ĐẢNG":                 {kw("Đảng"), Doc{Title: "ĐẠI HỘI ĐẢNG"}, true},
		"Đảng finds đảng":                 {kw("Đảng"), Doc{Title: "đại hội đảng bộ"}, true},
		"Đảng not đang":                   {kw("Đảng"), Doc{Title: "Đang tiến hành"}, false},
		"Đảng not Dang":                   {kw("Đảng"), Doc{Title: "Dang tien hanh"}, false},
		"Hà Nội finds Hà Nội":             {kw("Hà Nội"), Doc{Title: "Hà Nội mùa thu"}, true},
		"Hà Nội not Hà Nổi":               {kw("Hà Nội"), Doc{Title: "Hà Nổi mùa thu"}, false},
		"Hà Nội not Ha Noi":               {kw("Hà Nội"), Doc{Title: "Ha Noi mua thu"}, false},
		"mixed Hà noi finds Hà Nổi":       {kw("Hà noi"), Doc{Title: "Hà Nổi"}, true},
		"mixed Hà noi not Ha Nội":         {kw("Hà noi"), Doc{Title: "Ha Nội"}, false},
		"nfd text":                        {kw("Đại hội"), Doc{Title: norm.NFD.String("Đại hội Đảng")}, true},
		"nfd keyword":                     {kw(norm.NFD.String("Đại hội")), Doc{Title: "Đại hội Đảng"}, true},
		"nfd both folded":                 {kw("dai hoi"), Doc{Title: norm.NFD.String("ĐẠI HỘI")}, true},
		"not prefix of longer word":       {kw("nội"), Doc{Title: "nộidung"}, false},
		"not suffix of longer word":       {kw("ha noi"), Doc{Title: "Sông Hà Nộian"}, false},
		"not inside word":                 {kw("hoi"), Doc{Title: "choi"}, false},
		"whole phrase needed":             {kw("ha noi moi"), Doc{Title: "Hà Nội"}, false},
		"punctuation flexible":            {kw("tp ho chi minh"), Doc{Title: "TP. Hồ Chí Minh mưa lớn"}, true},
		"hyphen flexible":                 {kw("covid 19"), Doc{Title: "Phòng chống dịch COVID-19"}, true},
		"hyphen in keyword":               {kw("COVID-19"), Doc{Title: "covid 19 news"}, true},
		"new lines between words":         {kw("ha noi"), Doc{Summary: "Hà\n\t  Nội"}, true},
		"case insensitive english":        {kw("Climate Change"), Doc{Title: "CLIMATE-CHANGE summit"}, true},
		"english plural is another word":  {kw("climate change"), Doc{Title: "climate changes"}, false},
		"summary html":                    {kw("dai hoi dang"), Doc{Summary: "<p>Tin <b>Đại</b> <i>hội</i> Đảng</p>"}, true},
		"inline tag inside word":          {kw("Đảng"), Doc{Summary: "Đ<b>ảng</b> bộ"}, true},
		"block tags separate words":       {kw("hanoi"), Doc{Summary: "<p>Ha</p><p>noi</p>"}, false},
		"entities decoded":                {kw("Hà Nội"), Doc{Summary: "H&agrave; N&#7897;i"}, true},
		"nbsp separates":                  {kw("ha noi"), Doc{Summary: "Hà&nbsp;Nội"}, true},
		"attributes are not text":         {kw("ha noi"), Doc{Content: `<a href="/ha noi" title="ha noi">x</a>`}, false},
		"script ignored":                  {kw("ha noi"), Doc{Content: `<script>var x="ha noi"</script><p>x</p>`}, false},
		"content":                         {kw("ha noi"), Doc{Content: "<div>Ở Hà Nội</div>"}, true},
		"not across fields":               {kw("ha noi"), Doc{Title: "Về Hà", Summary: "Nội thành"}, false},
		"any phrase":                      {kw("quảng cáo", "ha noi"), Doc{Title: "Hà Nội"}, true},
		"cyrillic":                        {kw("москва"), Doc{Title: "Новости: Москва"}, true},
		"greek accents":                   {kw("αθηνα"), Doc{Title: "Αθήνα"}, true},
		"chinese inside run":              {kw("東京"), Doc{Title: "東京都の天気"}, true},
		"chinese not split":               {kw("東都"), Doc{Title: "東京都"}, false},
		"german sharp s":                  {kw("strasse"), Doc{Title: "Die Straße"}, true},
		"empty doc":                       {kw("ha noi"), Doc{}, false},
	})
}

func TestTitleLeaf(t *testing.T) {
	runCases(t, map[string]ruleCase{
		"in title":        {&config.Rule{Title: []string{"ha noi"}}, Doc{Title: "Hà Nội"}, true},
		"only in summary": {&config.Rule{Title: []string{"ha noi"}}, Doc{Title: "Tin", Summary: "Hà Nội"}, false},
		"only in content": {&config.Rule{Title: []string{"ha noi"}}, Doc{Content: "Hà Nội"}, false},
		"diacritics":      {&config.Rule{Title: []string{"Đảng"}}, Doc{Title: "đang"}, false},
	})
}

func TestLeaves(t *testing.T) {
	hour := config.Duration(time.Hour)
	runCases(t, map[string]ruleCase{
		"tags slug":                {&config.Rule{Tags: []string{"dai-hoi-dang"}}, Doc{Tags: []string{"thoi-su", "dai-hoi-dang"}}, true},
		"tags rule written":        {&config.Rule{Tags: []string{"Hà Nội"}}, Doc{Tags: []string{"ha-noi"}}, true},
		"tags doc written":         {&config.Rule{Tags: []string{"ha-noi"}}, Doc{Tags: []string{"Hà Nội"}}, true},
		"tags miss":                {&config.Rule{Tags: []string{"ha-noi"}}, Doc{Tags: []string{"ha-nam"}}, false},
		"tags none":                {&config.Rule{Tags: []string{"ha-noi"}}, Doc{}, false},
		"tags not keywords":        {&config.Rule{Tags: []string{"ha-noi"}}, Doc{Title: "Hà Nội"}, false},
		"sources":                  {&config.Rule{Sources: []string{"a", "kinhtedothi"}}, Doc{Source: "kinhtedothi"}, true},
		"sources miss":             {&config.Rule{Sources: []string{"a"}}, Doc{Source: "b"}, false},
		"regex title":              {&config.Rule{Regex: []string{`Covid-\d+`}}, Doc{Title: "Covid-19 news"}, true},
		"regex summary text":       {&config.Rule{Regex: []string{`Covid-\d+`}}, Doc{Summary: "<p>Covid-<b>19</b></p>"}, true},
		"regex not content":        {&config.Rule{Regex: []string{`Covid`}}, Doc{Content: "Covid"}, false},
		"regex case sensitive":     {&config.Rule{Regex: []string{`covid`}}, Doc{Title: "Covid"}, false},
		"regex flag":               {&config.Rule{Regex: []string{`(?i)covid`}}, Doc{Title: "COVID"}, true},
		"regex any":                {&config.Rule{Regex: []string{`x^`, `Hà Nội`}}, Doc{Title: norm.NFD.String("Hà Nội")}, true},
		"authors folded":           {&config.Rule{Authors: []string{"Hong Thai"}}, Doc{Authors: []string{"Hồng Thái"}}, true},
		"authors words inside":     {&config.Rule{Authors: []string{"Thái"}}, Doc{Authors: []string{"X", "Nguyễn Hồng Thái (Kinhtedothi)"}}, true},
		"authors order matters":    {&config.Rule{Authors: []string{"Thai Hong"}}, Doc{Authors: []string{"Hồng Thái"}}, false},
		"authors not part of word": {&config.Rule{Authors: []string{"Thai"}}, Doc{Authors: []string{"Thaison"}}, false},
		"authors none":             {&config.Rule{Authors: []string{"Thai"}}, Doc{}, false},
		"domains equal":            {&config.Rule{Domains: []string{"vnexpress.net"}}, Doc{Link: "https://vnexpress.net/a"}, true},
		"domains subdomain":        {&config.Rule{Domains: []string{"vnexpress.net"}}, Doc{Link: "https://e.vnexpress.net/a"}, true},
		"domains case and port":    {&config.Rule{Domains: []string{"VnExpress.net"}}, Doc{Link: "HTTPS://E.VNEXPRESS.NET:443/a"}, true},
		"domains not suffix":       {&config.Rule{Domains: []string{"vnexpress.net"}}, Doc{Link: "https://notvnexpress.net/a"}, false},
		"domains not prefix":       {&config.Rule{Domains: []string{"vnexpress.net"}}, Doc{Link: "https://vnexpress.net.evil.com/a"}, false},
		"domains parent only":      {&config.Rule{Domains: []string{"e.vnexpress.net"}}, Doc{Link: "https://vnexpress.net/a"}, false},
		"domains url in rule":      {&config.Rule{Domains: []string{"https://www.bbc.co.uk/news"}}, Doc{Link: "http://www.bbc.co.uk/x"}, true},
		"domains idn":              {&config.Rule{Domains: []string{"bücher.de"}}, Doc{Link: "https://www.xn--bcher-kva.de/"}, true},
		"domains no link":          {&config.Rule{Domains: []string{"vnexpress.net"}}, Doc{}, false},
		"languages primary":        {&config.Rule{Languages: []string{"vi"}}, Doc{Language: "vi-VN"}, true},
		"languages underscore":     {&config.Rule{Languages: []string{"vi"}}, Doc{Language: "VI_vn"}, true},
		"languages exact":          {&config.Rule{Languages: []string{"en", "vi"}}, Doc{Language: "vi"}, true},
		"languages other":          {&config.Rule{Languages: []string{"vi"}}, Doc{Language: "en-US"}, false},
		"languages not prefix":     {&config.Rule{Languages: []string{"v"}}, Doc{Language: "vi"}, false},
		"languages with region":    {&config.Rule{Languages: []string{"zh-Hant"}}, Doc{Language: "zh-hant-TW"}, true},
		"languages empty":          {&config.Rule{Languages: []string{"vi"}}, Doc{}, false},
		"max_age fresh":            {&config.Rule{MaxAge: 48 * hour}, Doc{Published: now.Add(-time.Hour)}, true},
		"max_age boundary":         {&config.Rule{MaxAge: 48 * hour}, Doc{Published: now.Add(-48 * time.Hour)}, true},
		"max_age old":              {&config.Rule{MaxAge: 48 * hour}, Doc{Published: now.Add(-49 * time.Hour)}, false},
		"max_age future":           {&config.Rule{MaxAge: hour}, Doc{Published: now.Add(time.Hour)}, true},
		"max_age no date":          {&config.Rule{MaxAge: hour}, Doc{}, false},
		"categories slug":          {&config.Rule{Categories: []string{"Thời sự"}}, Doc{Categories: []string{"THỜI SỰ"}}, true},
		"categories miss":          {&config.Rule{Categories: []string{"Thời sự"}}, Doc{Categories: []string{"Thể thao"}}, false},
		"categories not tags":      {&config.Rule{Categories: []string{"thoi-su"}}, Doc{Tags: []string{"thoi-su"}}, false},
	})
}

func TestCombinators(t *testing.T) {
	hn, dang := kw("ha noi"), kw("Đảng")
	ad := kw("quảng cáo")
	runCases(t, map[string]ruleCase{
		"keys are anded":       {&config.Rule{Keywords: []string{"ha noi"}, Sources: []string{"a"}}, Doc{Title: "Hà Nội", Source: "a"}, true},
		"keys are anded miss":  {&config.Rule{Keywords: []string{"ha noi"}, Sources: []string{"a"}}, Doc{Title: "Hà Nội", Source: "b"}, false},
		"any first":            {&config.Rule{Any: []*config.Rule{hn, dang}}, Doc{Title: "Hà Nội"}, true},
		"any second":           {&config.Rule{Any: []*config.Rule{hn, dang}}, Doc{Title: "ĐẢNG"}, true},
		"any none":             {&config.Rule{Any: []*config.Rule{hn, dang}}, Doc{Title: "đang"}, false},
		"any empty":            {&config.Rule{Any: []*config.Rule{}}, Doc{Title: "x"}, false},
		"all both":             {&config.Rule{All: []*config.Rule{hn, dang}}, Doc{Title: "Đảng bộ Hà Nội"}, true},
		"all one":              {&config.Rule{All: []*config.Rule{hn, dang}}, Doc{Title: "Hà Nội"}, false},
		"all empty":            {&config.Rule{All: []*config.Rule{}}, Doc{}, true},
		"none holds":           {&config.Rule{None: []*config.Rule{ad}}, Doc{Title: "Hà Nội"}, true},
		"none fails":           {&config.Rule{None: []*config.Rule{ad}}, Doc{Title: "Quảng cáo"}, false},
		"none folded keyword":  {&config.Rule{None: []*config.Rule{kw("quang cao")}}, Doc{Content: "QUẢNG CÁO"}, false},
		"any with none ok":     {&config.Rule{Any: []*config.Rule{hn}, None: []*config.Rule{ad}}, Doc{Title: "Hà Nội"}, true},
		"any with none vetoed": {&config.Rule{Any: []*config.Rule{hn}, None: []*config.Rule{ad}}, Doc{Title: "Hà Nội", Summary: "quảng cáo"}, false},
		"nested none in any":   {&config.Rule{Any: []*config.Rule{{None: []*config.Rule{hn}}}}, Doc{Title: "x"}, true},
		"nested none in all":   {&config.Rule{All: []*config.Rule{{Tags: []string{"a"}}, {None: []*config.Rule{hn}}}}, Doc{Tags: []string{"a"}}, true},
		"empty rule matches":   {&config.Rule{}, Doc{}, true},
		"nil rule never":       {nil, Doc{Title: "Hà Nội"}, false},
		"deep": {&config.Rule{All: []*config.Rule{
			{Any: []*config.Rule{{Tags: []string{"x"}}, {All: []*config.Rule{hn, {Languages: []string{"vi"}}}}}},
			{None: []*config.Rule{{Domains: []string{"ads.example"}}}},
		}}, Doc{Title: "Hà Nội", Language: "vi", Link: "https://news.example/"}, true},
	})
}

func TestTopicMaxAge(t *testing.T) {
	c := mustCompile(t, config.Topic{Slug: "t", Match: kw("ha noi"), MaxAge: config.Duration(24 * time.Hour)})
	tests := map[string]struct {
		age  time.Duration
		want []string
	}{
		"fresh": {time.Hour, []string{"t"}},
		"old":   {25 * time.Hour, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			d := &Doc{Title: "Hà Nội", Published: now.Add(-tt.age)}
			if got := c.Classify(d, now); !slices.Equal(got, tt.want) {
				t.Errorf("Classify = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassifyOrderAndSharing(t *testing.T) {
	c := mustCompile(t,
		config.Topic{Slug: "z-last", Match: kw("ha noi")},
		config.Topic{Slug: "a-tags", Match: &config.Rule{Tags: []string{"thoi-su"}}},
		config.Topic{Slug: "m-none", Match: &config.Rule{None: []*config.Rule{kw("quảng cáo")}}},
		config.Topic{Slug: "b-same-phrase", Match: kw("Hà Nội")},
		config.Topic{Slug: "c-other", Match: kw("sai gon")},
		config.Topic{Slug: "d-lang", Match: &config.Rule{Languages: []string{"vi"}}},
	)
	d := &Doc{Title: "Hà Nội", Tags: []string{"thoi-su"}, Language: "vi"}
	want := []string{"z-last", "a-tags", "m-none", "b-same-phrase", "d-lang"}
	for i := 0; i < 3; i++ { // pooled state must be reset between items
		if got := c.Classify(d, now); !slices.Equal(got, want) {
			t.Fatalf("run %d: Classify = %q, want %q", i, got, want)
		}
		if got := c.Classify(&Doc{Title: "quảng cáo"}, now); len(got) != 0 {
			t.Fatalf("run %d: Classify(ad) = %q, want none", i, got)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := map[string]struct {
		topics []config.Topic
		want   string
	}{
		"bad regex":       {[]config.Topic{{Slug: "t", Match: &config.Rule{Regex: []string{"("}}}}, `classifier: topic t: regex "("`},
		"empty phrase":    {[]config.Topic{{Slug: "t", Match: kw("ok", "!!!")}}, `classifier: topic t: keywords phrase "!!!" has no letters or digits`},
		"empty tag":       {[]config.Topic{{Slug: "t", Match: &config.Rule{Tags: []string{"--"}}}}, `tag "--" has no letters`},
		"duplicate slug":  {[]config.Topic{{Slug: "t"}, {Slug: "t"}}, `duplicate topic slug "t"`},
		"nil sub-rule":    {[]config.Topic{{Slug: "t", Match: &config.Rule{Any: []*config.Rule{nil}}}}, "empty sub-rule in any"},
		"empty domain":    {[]config.Topic{{Slug: "t", Match: &config.Rule{Domains: []string{" "}}}}, "bad domain"},
		"two topics both": {[]config.Topic{{Slug: "a", Match: kw("?")}, {Slug: "b", Match: &config.Rule{Regex: []string{"["}}}}, "topic b: regex"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Compile(tt.topics)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile error = %v, want containing %q", err, tt.want)
			}
		})
	}
}

func TestExplainUnknownTopic(t *testing.T) {
	c := mustCompile(t, config.Topic{Slug: "t", Match: kw("x")})
	if _, err := c.Explain("nope", &Doc{}, now); err == nil {
		t.Error("Explain(unknown) error = nil, want an error")
	}
}
