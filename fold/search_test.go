package fold

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSearchIndexText(t *testing.T) {
	cases := []struct{ in, folded, exact, joined string }{
		{"Đại hội Đảng tại TP.HCM", "dai hoi dang tai tp hcm", "đại hội đảng tại", "tphcm"},
		{"Thuỷ điện Hoà Bình", "thuy dien hoa binh", "thủy điện hòa bình", ""},
		{"tỉ đồng, tỷ lệ", "ty dong ty le", "tỷ đồng lệ", ""},
		{"UBND TP HCM và Tp. HCM", "ubnd tp hcm va tp hcm", "và", "ubndtp tphcm ubndtphcm"},
		{"VN-Index giảm 20-25 điểm", "vn index giam 20 25 diem", "giảm điểm", "vnindex 2025"},
		{"東京都 <b>x</b>", "東 京 都 b x b", "", ""},
	}
	for _, c := range cases {
		got := SearchIndexText(c.in)
		if got.Folded != c.folded || got.Exact != c.exact || got.Joined != c.joined {
			t.Errorf("SearchIndexText(%q) = %+v, want {%q %q %q}", c.in, got, c.folded, c.exact, c.joined)
		}
	}
	got := SearchIndexText("Giá vàng USD, Hà Nội hà nội")
	if want := "gia·vang vang·usd usd·ha ha·noi noi·ha"; got.Pairs != want {
		t.Errorf("Pairs = %q, want %q", got.Pairs, want)
	}
	if want := "giá·vàng vàng·usd usd·hà hà·nội nội·hà"; got.ExactPairs != want {
		t.Errorf("ExactPairs = %q, want %q", got.ExactPairs, want)
	}
}

// searchWord computes each form once; it must give what the definitions
// give: Folded = Fold(IY(w)), Exact = lower(IY(Tones(w))) when
// HasDiacritics(w). Checked on every syllable of some initials, rhymes
// and tone marks on each vowel, in three letter cases, and on the words
// of the Vietnamese corpus when ../shared is there.
func TestSearchWordMatchesTheDefinitions(t *testing.T) {
	var words []string
	tones := []string{"", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
	for _, ini := range []string{"", "h", "kh", "th", "q", "t", "ng", "đ", "gi", "x"} {
		for _, rhyme := range []string{"oa", "oe", "uy", "i", "y", "a", "ươ", "uyê", "oai", "ươi", "anh", "iêu", "uân"} {
			rs := []rune(rhyme)
			for v := range rs {
				for _, tone := range tones {
					w := ini + string(rs[:v+1]) + tone + string(rs[v+1:])
					first, n := utf8.DecodeRuneInString(NFC(w))
					title := string(unicode.ToUpper(first)) + NFC(w)[n:]
					words = append(words, NFC(w), strings.ToUpper(NFC(w)), title, w)
				}
			}
		}
	}
	files, _ := filepath.Glob("../../shared/corpus/vietnam/*.rss")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		words = append(words, strings.FieldsFunc(NFC(string(b)), func(r rune) bool { return !isWordRune(r) })...)
	}
	t.Logf("%d words, %d corpus files", len(words), len(files))
	for _, w := range words {
		w = NFC(w)
		want := SearchToken{Folded: Fold(IY(w))}
		if HasDiacritics(w) {
			want.Exact = lower(IY(Tones(w)))
		}
		if got := searchWord(w); got != want {
			t.Fatalf("searchWord(%q) = %+v, want %+v", w, got, want)
		}
	}
	if len(words) < 1000 {
		t.Fatalf("only %d words checked", len(words))
	}
}

// BenchmarkSearchIndexText: the search index forms of an item's text of
// about 1 KB of Vietnamese news (what the daemon's indexer folds per item).
func BenchmarkSearchIndexText(b *testing.B) {
	text := strings.Repeat("Thủ tướng Chính phủ yêu cầu Hà Nội và TP.HCM đẩy nhanh giải ngân vốn đầu tư công, "+
		"bảo đảm hoà bình, ổn định; giá vàng SJC tăng 1,2 triệu đồng mỗi lượng, tỉ giá USD giảm nhẹ. ", 4)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		SearchIndexText(text)
	}
}
