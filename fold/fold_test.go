package fold

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"ascii lower":            {"hanoi", "hanoi"},
		"ascii upper":            {"HaNoi 2025", "hanoi 2025"},
		"empty":                  {"", ""},
		"vietnamese nfc":         {"Đại hội Đảng", "dai hoi dang"},
		"vietnamese nfd":         {norm.NFD.String("Đại hội Đảng"), "dai hoi dang"},
		"vietnamese upper":       {"ĐẠI HỘI ĐẢNG", "dai hoi dang"},
		"ha noi":                 {"Hà Nội", "ha noi"},
		"thoi su":                {"Thời sự", "thoi su"},
		"all tones":              {"a à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ", "a a a a a a a a a a a a a a a a a a"},
		"horn letters":           {"Ơ ơ Ư ư ở ữ", "o o u u o u"},
		"y tones":                {"Ỳ Ý Ỷ Ỹ Ỵ", "y y y y y"},
		"d stroke lower":         {"đường", "duong"},
		"tp hcm":                 {"TP. Hồ Chí Minh", "tp. ho chi minh"},
		"french":                 {"Élève à l'école, garçon", "eleve a l'ecole, garcon"},
		"german":                 {"Straße Übermäßig", "strasse ubermassig"},
		"danish":                 {"Ærø Søren", "aero soren"},
		"polish":                 {"Łódź", "lodz"},
		"icelandic":              {"Þórður", "thordur"},
		"french oe":              {"Œuvre", "oeuvre"},
		"turkish dotted I":       {"İstanbul", "istanbul"},
		"turkish dotless i":      {"Işık", "isik"},
		"spanish":                {"Año Niño", "ano nino"},
		"greek":                  {"Ελλάδα Αθήνα", "ελλαδα αθηνα"},
		"greek final sigma":      {"λόγος ΛΟΓΟΣ", "λογοσ λογοσ"},
		"cyrillic":               {"Москва Ёлка", "москва елка"},
		"chinese kept":           {"東京 北京", "東京 北京"},
		"japanese voicing kept":  {"ガス", "ガス"},
		"korean kept":            {"서울", "서울"},
		"thai marks kept":        {"กรุงเทพ", "กรุงเทพ"},
		"hindi marks kept":       {"हिन्दी", "हिन्दी"},
		"arabic harakat dropped": {"مُحَمَّد", "محمد"},
		"ligature":               {"ﬁnance", "finance"},
		"fullwidth":              {"ＨＡＮＯＩ", "hanoi"},
		"mixed scripts":          {"Hà Nội 東京 Đà", "ha noi 東京 da"},
		"lone mark":              {"\u0301a", "a"},
		"punctuation kept":       {"“Hà Nội” – 2025…", "“ha noi” – 2025..."},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := foldSlow(tt.in); got != tt.want {
				t.Errorf("foldSlow(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"dai hoi dang":         {"Đại hội đảng", "dai-hoi-dang"},
		"dai hoi dang capital": {"Đại hội Đảng", "dai-hoi-dang"},
		"ha noi":               {"Hà Nội", "ha-noi"},
		"ha noi nfd":           {norm.NFD.String("Hà Nội"), "ha-noi"},
		"thoi su":              {"Thời sự", "thoi-su"},
		"thoi su nfd":          {norm.NFD.String("Thời sự"), "thoi-su"},
		"tp hcm":               {"TP. Hồ Chí Minh", "tp-ho-chi-minh"},
		"kinh te do thi":       {"Kinh tế & Đô thị", "kinh-te-do-thi"},
		"quoc te":              {"Quốc tế", "quoc-te"},
		"phap luat":            {"Pháp luật", "phap-luat"},
		"giao duc":             {"Giáo dục", "giao-duc"},
		"suc khoe":             {"Sức khỏe", "suc-khoe"},
		"suc khoe old tone":    {"Sức khoẻ", "suc-khoe"},
		"nguoi viet":           {"Người Việt", "nguoi-viet"},
		"bong da":              {"Bóng đá", "bong-da"},
		"duong":                {"Đường sắt Bắc – Nam", "duong-sat-bac-nam"},
		"covid":                {"COVID-19", "covid-19"},
		"years":                {"Nhiệm kỳ 2020-2025", "nhiem-ky-2020-2025"},
		"already slug":         {"dai-hoi-dang", "dai-hoi-dang"},
		"leading trailing":     {"  --Hà Nội!! ", "ha-noi"},
		"punctuation only":     {"!!! --- ...", ""},
		"empty":                {"", ""},
		"english":              {"World News: Today's Top Stories", "world-news-today-s-top-stories"},
		"french":               {"Économie & Société", "economie-societe"},
		"german":               {"Außenpolitik", "aussenpolitik"},
		"cyrillic":             {"Москва", "москва"},
		"cyrillic mixed":       {"Новости Москвы 2025", "новости-москвы-2025"},
		"chinese":              {"東京", "東京"},
		"chinese spaced":       {"北京 新闻", "北京-新闻"},
		"thai":                 {"ข่าว กรุงเทพ", "ข่าว-กรุงเทพ"},
		"greek":                {"Ελληνικά Νέα", "ελληνικα-νεα"},
		"emoji":                {"🔥 Hot news 🔥", "hot-news"},
		"underscore":           {"snake_case_tag", "snake-case-tag"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Slug(tt.in); got != tt.want {
				t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHasDiacritics(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"plain":            {"dang", false},
		"plain upper":      {"DANG", false},
		"vietnamese":       {"Đảng", true},
		"d stroke only":    {"đang", true},
		"upper diacritics": {"ĐẢNG", true},
		"nfd":              {norm.NFD.String("Nội"), true},
		"german sharp s":   {"straße", true},
		"cyrillic plain":   {"Москва", false},
		"chinese":          {"東京", false},
		"greek tonos":      {"Αθήνα", true},
		"greek plain":      {"ΑΘΗΝΑ", false},
		"greek final":      {"λογος", false},
		"digits":           {"2025", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := HasDiacritics(tt.in); got != tt.want {
				t.Errorf("HasDiacritics(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNFC(t *testing.T) {
	nfd := norm.NFD.String("Đại hội Đảng")
	if got, want := NFC(nfd), "Đại hội Đảng"; got != want {
		t.Errorf("NFC(%q) = %q, want %q", nfd, got, want)
	}
}

// TestFastTableMatchesSlow checks the table-driven fast path against the
// authoritative slow definition for every rune in the fast ranges, alone and
// in context.
func TestFastTableMatchesSlow(t *testing.T) {
	for _, rng := range [][2]rune{{fastLo1, fastHi1}, {fastLo2, fastHi2}} {
		for r := rng[0]; r < rng[1]; r++ {
			for _, s := range []string{string(r), "A" + string(r) + "b", "é" + string(r), string(r) + "\u0301"} {
				if got, want := Fold(s), foldSlow(s); got != want {
					t.Errorf("Fold(%q) = %q, foldSlow = %q", s, got, want)
				}
			}
		}
	}
}

func checkFold(t *testing.T, s string) {
	t.Helper()
	f := Fold(s)
	if !utf8.ValidString(f) {
		t.Fatalf("Fold(%q) = %q: invalid UTF-8", s, f)
	}
	if ff := Fold(f); ff != f {
		t.Fatalf("Fold not idempotent: Fold(%q) = %q, Fold of that = %q", s, f, ff)
	}
	if utf8.ValidString(s) {
		if slow := foldSlow(s); slow != f {
			t.Fatalf("Fold(%q) = %q, foldSlow = %q", s, f, slow)
		}
		tn := Tones(s)
		if again := Tones(tn); again != tn {
			t.Fatalf("Tones not idempotent: Tones(%q) = %q, Tones of that = %q", s, tn, again)
		}
		if ft := Fold(tn); ft != f {
			t.Fatalf("Fold(Tones(%q)) = %q, want Fold = %q", s, ft, f)
		}
		checkIY(t, s)
	}
}

// checkIY: IY is idempotent, keeps NFC and the number of runes, and i/y
// twins fold to the same IY: folding and IY commute up to IY.
func checkIY(t *testing.T, s string) {
	t.Helper()
	y := IY(s)
	if again := IY(y); again != y {
		t.Fatalf("IY not idempotent: IY(%q) = %q, IY of that = %q", s, y, again)
	}
	if n := NFC(s); utf8.RuneCountInString(y) != utf8.RuneCountInString(n) || !norm.NFC.IsNormalString(y) {
		t.Fatalf("IY(%q) = %q: not NFC or not rune for rune", s, y)
	}
	if a, b := IY(Fold(y)), IY(Fold(s)); a != b {
		t.Fatalf("IY(Fold(IY(%q))) = %q, IY(Fold) = %q", s, a, b)
	}
}

func checkSlug(t *testing.T, s string) {
	t.Helper()
	g := Slug(s)
	if !utf8.ValidString(g) {
		t.Fatalf("Slug(%q) = %q: invalid UTF-8", s, g)
	}
	if gg := Slug(g); gg != g {
		t.Fatalf("Slug not idempotent: Slug(%q) = %q, Slug of that = %q", s, g, gg)
	}
	if strings.HasPrefix(g, "-") || strings.HasSuffix(g, "-") || strings.Contains(g, "--") {
		t.Fatalf("Slug(%q) = %q: bad dashes", s, g)
	}
	for _, r := range g {
		switch {
		case r == '-', 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		case r < utf8.RuneSelf:
			t.Fatalf("Slug(%q) = %q: ASCII %q outside [a-z0-9-]", s, g, r)
		case r == utf8.RuneError:
			t.Fatalf("Slug(%q) = %q: replacement character", s, g)
		case !IsWordRune(r) || unicode.IsUpper(r):
			t.Fatalf("Slug(%q) = %q: rune %q not a lower case word rune", s, g, r)
		}
	}
}

var fuzzSeeds = []string{
	"Đại hội Đảng", "Hà Nội", "TP. Hồ Chí Minh", "Thời sự", "Straße", "Москва", "東京",
	"ガス", "हिन्दी", "مُحَمَّد", "\u0301a", "ﬁ", "İ", "ΛΟΓΟΣ", "", "---", "a\xffb",
	"ǅ ǈ", "\u1e9e", "½ ² ⑴", "ᄀ\u1161", "क़", "\u0b47\u0b3e",
	"Hoà Bình, Thuỷ điện, quỳ, UỶ", "o\u0061\u0323\u0302",
	"tỉ tỷ TỈ kĩ Mĩ quí hi đi gì thuỷ", "T" + "\u0069\u0309",
}

func FuzzFold(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFold(t, s)
		if got, want := NFC(s), norm.NFC.String(s); got != want {
			t.Fatalf("NFC(%q) = %q, want %q", s, got, want)
		}
	})
}

func FuzzSlug(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkSlug(t, s) })
}

func TestInvariantsOnSeeds(t *testing.T) {
	for _, s := range fuzzSeeds {
		checkFold(t, s)
		checkSlug(t, s)
	}
}

func TestNFCQuickAgreesWithNorm(t *testing.T) {
	for r := rune(0); r < nfcSafeLimit; r++ {
		for _, s := range []string{string(r), "a" + string(r), "e" + string(r) + "\u0301", string(r) + "\u0323\u0302", "\u1100" + string(r), "가" + string(r), "\u0b47" + string(r)} {
			if got, want := NFC(s), norm.NFC.String(s); got != want {
				t.Errorf("NFC(%q) = %q, want %q", s, got, want)
			}
		}
	}
}

func TestFoldRune(t *testing.T) {
	for r := rune(0); r < 0x3000; r++ {
		f, ok := FoldRune(r)
		if !ok {
			continue
		}
		for _, s := range []string{string(r), "Ab" + string(r) + "Đ"} {
			var b strings.Builder
			for _, x := range s {
				fx, ok := FoldRune(x)
				if !ok {
					t.Fatalf("FoldRune(%q) not ok", x)
				}
				b.WriteString(fx)
			}
			if got, want := b.String(), Fold(s); got != want {
				t.Errorf("FoldRune concatenation of %q = %q, Fold = %q (FoldRune(%q) = %q)", s, got, want, r, f)
			}
		}
	}
}
