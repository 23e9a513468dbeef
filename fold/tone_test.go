package fold

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestTones(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"hoa tone on a":             {"Tỉnh Hoà Bình mưa lớn", "Tỉnh Hòa Bình mưa lớn"},
		"hoa tone on o kept":        {"Hòa Bình", "Hòa Bình"},
		"thuy dien":                 {"Thuỷ điện", "Thủy điện"},
		"khoe":                      {"sức khoẻ", "sức khỏe"},
		"hoa acute":                 {"hoá học", "hóa học"},
		"thuy acute":                {"thuý", "thúy"},
		"uy ban capital":            {"Uỷ ban", "Ủy ban"},
		"all caps":                  {"HOÀ BÌNH", "HÒA BÌNH"},
		"tilde":                     {"luỹ", "lũy"},
		"dot below":                 {"tuỵ", "tụy"},
		"ngh initial":               {"nguỵ", "ngụy"},
		"d stroke initial":          {"Đoà", "Đòa"},
		"nfd input":                 {norm.NFD.String("Hoà"), "Hòa"},
		"qu not a variant":          {"quý quỳ", "quý quỳ"},
		"qu misspelling untouched":  {"qùy", "qùy"},
		"final consonant untouched": {"hoàng khuyết hoạch", "hoàng khuyết hoạch"},
		"three vowels untouched":    {"ngoài khuỷu xoáy", "ngoài khuỷu xoáy"},
		"gi untouched":              {"giá", "giá"},
		"no tone":                   {"hoa thuy", "hoa thuy"},
		"other rhymes untouched":    {"của mùa kìa", "của mùa kìa"},
		"punctuation between":       {"(Hoà)-Thuỷ,", "(Hòa)-Thủy,"},
		"empty":                     {"", ""},
		"french untouched":          {"élève", "élève"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := Tones(tt.in)
			if got != tt.want {
				t.Errorf("Tones(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Tones(got); again != got {
				t.Errorf("Tones not idempotent: Tones(%q) = %q", got, again)
			}
			for _, w := range strings.FieldsFunc(norm.NFC.String(tt.in), func(r rune) bool { return !IsWordRune(r) }) {
				if !ToneMovable(w) && Tones(w) != w {
					t.Errorf("Tones changed word %q but ToneMovable says it cannot", w)
				}
			}
			if Fold(got) != Fold(tt.in) {
				t.Errorf("Fold(Tones(%q)) = %q, want Fold unchanged %q", tt.in, Fold(got), Fold(tt.in))
			}
		})
	}
}

func TestToneMovable(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"hoà":                             {"hoà", true},
		"HOÀ":                             {"HOÀ", true},
		"thuỷ":                            {"thuỷ", true},
		"khoẻ":                            {"khoẻ", true},
		"hòa":                             {"hòa", false},
		"đang":                            {"đang", false},
		"quý (a filter: Tones leaves it)": {"quý", true},
		"ascii":                           {"hoa", false},
		"empty":                           {"", false},
		"lone vowel":                      {"á", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ToneMovable(tt.in); got != tt.want {
				t.Errorf("ToneMovable(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if !ToneMovable(tt.in) && Tones(tt.in) != tt.in {
				t.Errorf("Tones(%q) = %q changed a word ToneMovable calls unmovable", tt.in, Tones(tt.in))
			}
		})
	}
}
