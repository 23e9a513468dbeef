package classifier

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"bantin/config"
)

// TestKeywordToneVariants: the two accepted placements of a Vietnamese tone
// mark in oa, oe and uy (hòa/hoà, khỏe/khoẻ, thủy/thuỷ) are one spelling
// for keywords written with diacritics; other tones and words stay apart.
func TestKeywordToneVariants(t *testing.T) {
	runCases(t, map[string]ruleCase{
		"Hòa Bình finds Hoà Bình":        {kw("Hòa Bình"), Doc{Title: "Tỉnh Hoà Bình mưa lớn"}, true},
		"Hoà Bình finds Hòa Bình":        {kw("Hoà Bình"), Doc{Title: "Tỉnh Hòa Bình mưa lớn"}, true},
		"thủy điện finds Thuỷ điện":      {kw("thủy điện"), Doc{Title: "Thuỷ điện xả lũ"}, true},
		"thuỷ điện finds THỦY ĐIỆN":      {kw("thuỷ điện"), Doc{Title: "THỦY ĐIỆN XẢ LŨ"}, true},
		"sức khỏe finds sức khoẻ":        {kw("sức khỏe"), Doc{Summary: "<p>Chăm sóc sức khoẻ</p>"}, true},
		"hóa finds hoá":                  {kw("hóa học"), Doc{Content: "Giải Nobel hoá học"}, true},
		"Ủy ban finds Uỷ ban":            {kw("Ủy ban"), Doc{Title: "Uỷ ban nhân dân"}, true},
		"nfd text placement":             {kw("Hòa Bình"), Doc{Title: norm.NFD.String("Hoà Bình")}, true},
		"other tone is another word":     {kw("Hòa Bình"), Doc{Title: "Hỏa Bình"}, false},
		"other tone moved still differs": {kw("Hòa Bình"), Doc{Title: "Hoả Bình"}, false},
		"no tone is another word":        {kw("Hòa Bình"), Doc{Title: "Hoa Bình"}, false},
		"qu keeps its rule":              {kw("quý"), Doc{Title: "qúy"}, false},
		"final consonant keeps its rule": {kw("hoàng"), Doc{Title: "hòang"}, false},
		"Đảng still not đang":            {kw("Đảng"), Doc{Title: "Đang họp"}, false},
		"without diacritics any":         {kw("hoa binh"), Doc{Title: "Hoà Bình"}, true},
		"without diacritics any placing": {kw("thuy dien"), Doc{Title: "Thủy điện"}, true},
	})
}

// TestKeywordNameSymbols: "+" and "#" after a word and "." before one are
// part of names (C++, C#, .NET) where the keyword writes them.
func TestKeywordNameSymbols(t *testing.T) {
	runCases(t, map[string]ruleCase{
		"c++ finds C++":                 {kw("c++"), Doc{Title: "Learning C++ in 2026"}, true},
		"c++ not C":                     {kw("c++"), Doc{Title: "Vitamin C supplements"}, false},
		"c++ not C#":                    {kw("c++"), Doc{Title: "C# is nice"}, false},
		"c# not C++":                    {kw("c#"), Doc{Title: "Learning C++"}, false},
		"c# finds C#":                   {kw("c#"), Doc{Title: "C# is nice"}, true},
		"c# not C":                      {kw("c#"), Doc{Title: "Vitamin C"}, false},
		"f# finds F# at end":            {kw("F#"), Doc{Title: "Why we like F#"}, true},
		"c++ before punctuation":        {kw("c++"), Doc{Title: "(C++), Rust"}, true},
		"c++ glued to a number differs": {kw("c++"), Doc{Title: "C++20 modules"}, false},
		"c++ not c+++":                  {kw("c++"), Doc{Title: "C+++ joke"}, false},
		"c++ in a phrase":               {kw("C++ developers"), Doc{Summary: "<p>Hiring C++ developers</p>"}, true},
		"c++ in a phrase not C":         {kw("C++ developers"), Doc{Summary: "Hiring C developers"}, false},
		"c without symbols finds C++":   {kw("c"), Doc{Title: "Learning C++"}, true},
		"notepad++":                     {kw("notepad++"), Doc{Title: "Notepad++ 9 released"}, true},
		"plus between words separates":  {kw("a"), Doc{Title: "a+b"}, true},
		"a+ not in a+b":                 {kw("a+"), Doc{Title: "a+b"}, false},
		".NET finds .NET":               {kw(".NET"), Doc{Title: "Microsoft ships .NET 10"}, true},
		".NET not Net":                  {kw(".NET"), Doc{Title: "Net profit rose"}, false},
		".NET not a domain":             {kw(".net"), Doc{Title: "vnexpress.net reports"}, false},
		".NET not an ellipsis":          {kw(".net"), Doc{Title: "and so..net"}, false},
		"net finds .NET":                {kw("net"), Doc{Title: "Microsoft ships .NET 10"}, true},
		"symbols with diacritics":       {kw("Đảng#"), Doc{Title: "ĐẢNG# x"}, true},
		"hashtag is not a suffix":       {kw("c#"), Doc{Title: "#c news"}, false},
		"entity-encoded symbols":        {kw("c++"), Doc{Summary: "C&#43;&#43; news"}, true},
	})
}

// TestExplainShowsNameSymbols: the words explain reports include the
// symbols that the keyword required, and the words joined or spelt
// differently as the item writes them.
func TestExplainShowsNameSymbols(t *testing.T) {
	tests := map[string]struct {
		keyword, title, want string
	}{
		"suffix":         {"c++", "Learning C++ fast", `"C++"`},
		"prefix":         {".net", "Ship .NET now", `".NET"`},
		"tones":          {"Hòa Bình", "Tỉnh Hoà Bình", `"Hoà Bình"`},
		"keyword joined": {"TPHCM", "Giá nhà ở TP. HCM tăng", `"TP. HCM"`},
		"text joined":    {"TP.HCM", "Giá nhà ở TPHCM tăng", `"TPHCM"`},
		"i/y":            {"tỷ đồng", "Lãi 100 tỉ đồng", `"tỉ đồng"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := mustCompile(t, config.Topic{Slug: "t", Match: kw(tt.keyword)})
			e, err := c.Explain("t", &Doc{Title: tt.title}, now)
			if err != nil {
				t.Fatalf("Explain: %v", err)
			}
			if got := e.String(); !strings.Contains(got, tt.want) {
				t.Errorf("Explain = %s\nwant it to show %s", got, tt.want)
			}
		})
	}
}
