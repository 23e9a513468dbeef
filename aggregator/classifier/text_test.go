package classifier

import (
	"slices"
	"testing"

	"golang.org/x/text/unicode/norm"

	"bantin/fold"
)

func TestTokenizeTextNormalises(t *testing.T) {
	inputs := []string{
		"Đại hội Đảng", norm.NFD.String("Đại hội Đảng"), "e\u0301 a\u0323\u0302", "\u1100\u1161 가\u11a8",
		"東京都の天気", "ガ\u3099ス", "Ελλάδα", norm.NFD.String("Ελλάδα"), "क़ि", "Å Å", "ﬁ ＡＢ",
	}
	for r := rune(0x80); r < 0x3000; r += 7 {
		inputs = append(inputs, "a"+string(r)+"\u0301b", string(r)+"x "+string(r+1))
	}
	for _, s := range inputs {
		text, toks, folded := tokenizeText(s, inTitle, nil, nil)
		if want := norm.NFC.String(s); text != want {
			t.Fatalf("tokenizeText(%q) text = %q, want NFC %q", s, text, want)
		}
		wantToks, wantFolded := tokenize(norm.NFC.String(s), inTitle, nil, nil)
		if !slices.Equal(toks, wantToks) || string(folded) != string(wantFolded) {
			t.Fatalf("tokenizeText(%q) = %v %q, want %v %q", s, toks, folded, wantToks, wantFolded)
		}
	}
}

func TestTokenizeFoldsLikeFold(t *testing.T) {
	for _, s := range []string{"Đại HỘI đảng", "Straße ÆØÅ", "ΑΘΗΝΑ Αθήνα", "Москва", "ﬁnance ＡＢ", "हिन्दी", "مُحَمَّد", "İstanbul"} {
		written, folded := words(s)
		for i := range written {
			if want := fold.Fold(written[i]); folded[i] != want {
				t.Errorf("word %q folded to %q, fold.Fold gives %q", written[i], folded[i], want)
			}
		}
	}
}

func TestAppendHTMLText(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":          {"Hà Nội", "Hà Nội"},
		"paragraphs":     {"<p>Hà</p><p>Nội</p>", " Hà  Nội "},
		"inline":         {"Đ<b>ảng</b>", "Đảng"},
		"entities":       {"H&agrave; N&#7897;i &amp; &lt;b&gt;", "Hà Nội & <b>"},
		"script":         {"a<script>if (a<b) {}</script>b", "a b"},
		"style":          {"a<STYLE>p{}</style>b", "a b"},
		"comment":        {"a<!-- hidden -->b", "a b"},
		"lone less-than": {"1 < 2", "1 < 2"},
		"attributes":     {`<a href="x" title="Hà Nội">y</a>`, "y"},
		"unclosed tag":   {"a <b", "a <b"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := string(appendHTMLText(nil, tt.in)); got != tt.want {
				t.Errorf("appendHTMLText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEqualLower(t *testing.T) {
	tests := map[string]struct {
		text, word string
		want       bool
	}{
		"same":         {"Đảng", "Đảng", true},
		"upper":        {"ĐẢNG", "Đảng", true},
		"lower":        {"đảng", "Đảng", true},
		"other tone":   {"đang", "Đảng", false},
		"no stroke":    {"Dảng", "Đảng", false},
		"longer":       {"Đảngg", "Đảng", false},
		"shorter":      {"Đản", "Đảng", false},
		"greek sigma":  {"ΛΌΓΟΣ", "λόγος", true},
		"german":       {"STRAßE", "Straße", true},
		"cyrillic":     {"ЁЛКА", "ёлка", true},
		"ascii case":   {"CAFÉ", "café", true},
		"beyond table": {"ＡＢ", "ａｂ", true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := equalLower(tt.text, lowerString(tt.word)); got != tt.want {
				t.Errorf("equalLower(%q, lowerString(%q)) = %v, want %v", tt.text, tt.word, got, tt.want)
			}
		})
	}
}
