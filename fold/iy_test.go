package fold

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestIY(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"ti hook":                {"tỉ đồng", "tỷ đồng"},
		"ty kept":                {"tỷ đồng", "tỷ đồng"},
		"ki tilde":               {"kĩ sư", "kỹ sư"},
		"my tilde capital":       {"Mĩ", "Mỹ"},
		"all caps":               {"KĨ SƯ", "KỸ SƯ"},
		"li acute":               {"lí do", "lý do"},
		"si tilde":               {"bác sĩ", "bác sỹ"},
		"qu":                     {"quí", "quý"},
		"qu no tone":             {"qui định", "quy định"},
		"no tone":                {"hi sinh", "hy sinh"},
		"d stroke":               {"đi", "đy"},
		"two-letter initial":     {"khí thì chỉ", "khý thỳ chỷ"},
		"nfd input":              {norm.NFD.String("tỉ"), "tỷ"},
		"final consonant":        {"tin tính", "tin tính"},
		"diphthong uy":           {"thuỷ thủy", "thuỷ thủy"},
		"diphthong ay":           {"tay ai", "tay ai"},
		"ye":                     {"yêu khuyến", "yêu khuyến"},
		"g initial":              {"gì ghi nghĩ", "gì ghi nghĩ"},
		"no initial":             {"ý í y i", "ý í y i"},
		"invalid initial":        {"ci ngi", "ci ngi"},
		"longer word":            {"tivi skii", "tivi skii"},
		"punctuation kept":       {"(tỉ)-kĩ,", "(tỷ)-kỹ,"},
		"other scripts":          {"Москва 東京", "Москва 東京"},
		"non-Vietnamese diacrit": {"tï", "tï"},
		"empty":                  {"", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := IY(tt.in)
			if got != tt.want {
				t.Errorf("IY(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := IY(got); again != got {
				t.Errorf("IY not idempotent: IY(%q) = %q", got, again)
			}
		})
	}
}

func TestIYSyllable(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"ti":       {"ti", true},
		"tỷ":       {"tỷ", true},
		"TỶ":       {"TỶ", true},
		"quý":      {"quý", true},
		"khi":      {"khi", true},
		"đi":       {"đi", true},
		"Đi":       {"Đi", true},
		"thuỷ":     {"thuỷ", false},
		"gì":       {"gì", false},
		"nghĩ":     {"nghĩ", false},
		"ý":        {"ý", false},
		"tin":      {"tin", false},
		"sky":      {"sky", false},
		"empty":    {"", false},
		"cyrillic": {"ти", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := IYSyllable(tt.in); got != tt.want {
				t.Errorf("IYSyllable(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestVietnameseLetter(t *testing.T) {
	tests := map[string]struct {
		in   rune
		want bool
	}{
		"a":        {'a', false},
		"à":        {'à', true},
		"ỷ":        {'ỷ', true},
		"Ỷ":        {'Ỷ', true},
		"đ":        {'đ', true},
		"ư":        {'ư', true},
		"Ơ":        {'Ơ', true},
		"ấ":        {'ấ', true},
		"ö":        {'ö', false},
		"ñ":        {'ñ', false},
		"cyrillic": {'й', false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := VietnameseLetter(tt.in); got != tt.want {
				t.Errorf("VietnameseLetter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	if n := len(vietLetters); n != 2*67 {
		t.Errorf("%d Vietnamese letters with diacritics, want 134", n)
	}
}
