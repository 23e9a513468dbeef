package classifier

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"bantin/config"
	"bantin/fold"
)

// This file checks the compiled, trigger-gated classifier against a naive
// reference evaluator written directly on config.Rule, over random rules and
// random items.

var randWords = []string{
	"Hà", "Nội", "ha", "noi", "HÀ", "nổi", "Đảng", "đang", "dang", "ĐẢNG", "đại", "hội",
	"Dai", "hoi", "quảng", "cáo", "climate", "change", "Covid", "19", "Москва", "москва",
	"Hòa", "Hoà", "HOÀ", "hoa", "Hỏa", "thủy", "Thuỷ", "C++", "C#", "c", ".NET", "net",
	// Joined words and i/y syllables.
	"TP", "HCM", "TPHCM", "tphcm", "Tp", "VN", "Index", "VNINDEX", "Đắk", "ĐẮK", "dak", "Lắk", "daklak",
	"tỷ", "tỉ", "TỶ", "ty", "ti", "Mỹ", "Mĩ", "my", "mi", "quý", "quí", "hy", "hi", "khi", "tivi",
	"TP.HCM", "TP HCM", "Tp. HCM", "VN-Index", "Đắk-Lắk", "ti-vi", "UBND TP", "C++-dev", "2025", "20-25",
}

var randSeps = []string{" ", ", ", "-", ". ", " – ", "\n", ".", " ", "\u00a0", "\u2010"}

func randText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(randSeps[r.IntN(len(randSeps))])
		}
		b.WriteString(randWords[r.IntN(len(randWords))])
	}
	return b.String()
}

func randPhrases(r *rand.Rand) []string {
	out := make([]string, 1+r.IntN(3))
	for i := range out {
		out[i] = randText(r, 1+r.IntN(3))
	}
	return out
}

func pick[T any](r *rand.Rand, list ...T) T { return list[r.IntN(len(list))] }

func randRule(r *rand.Rand, depth int) *config.Rule {
	rule := &config.Rule{}
	keys := 1 + r.IntN(2)
	for k := 0; k < keys; k++ {
		choice := r.IntN(11)
		if depth >= 3 && choice >= 8 {
			choice = r.IntN(8)
		}
		switch choice {
		case 0, 1:
			rule.Keywords = randPhrases(r)
		case 2:
			rule.Title = randPhrases(r)
		case 3:
			rule.Tags = []string{pick(r, "ha-noi", "Thời sự", "x")}
		case 4:
			rule.Sources = []string{pick(r, "a", "b")}
		case 5:
			rule.Languages = []string{pick(r, "vi", "en")}
		case 6:
			rule.Categories = []string{pick(r, "Thời sự", "the-thao")}
		case 7:
			rule.MaxAge = config.Duration(time.Duration(1+r.IntN(48)) * time.Hour)
		default:
			subs := make([]*config.Rule, r.IntN(4))
			for i := range subs {
				subs[i] = randRule(r, depth+1)
			}
			switch choice {
			case 8:
				rule.Any = subs
			case 9:
				rule.All = subs
			default:
				rule.None = subs
			}
		}
	}
	return rule
}

func randDoc(r *rand.Rand) Doc {
	d := Doc{
		Title:     randText(r, r.IntN(6)),
		Summary:   randText(r, r.IntN(10)),
		Content:   randText(r, r.IntN(20)),
		Source:    pick(r, "a", "b", "c"),
		Language:  pick(r, "vi", "vi-VN", "en", ""),
		Published: now.Add(-time.Duration(r.IntN(72)) * time.Hour),
	}
	for i := r.IntN(3); i > 0; i-- {
		d.Tags = append(d.Tags, pick(r, "ha-noi", "thoi-su", "y"))
	}
	for i := r.IntN(2); i > 0; i-- {
		d.Categories = append(d.Categories, pick(r, "Thời Sự", "Thể thao"))
	}
	return d
}

// refWord is a word of the reference tokenizer with its name symbols.
type refWord struct {
	w    string
	dot  bool   // '.' right before, itself after a non-word rune other than '.'
	suf  string // run of '+'/'#' right after, not followed by a word rune
	soft bool   // softly joined to the next word
}

// refSplit splits s (made NFC) into runs of word runes with their symbols
// and soft joins.
func refSplit(s string) []refWord {
	rs := []rune(fold.NFC(s))
	isWord := func(i int) bool { return i >= 0 && i < len(rs) && fold.IsWordRune(rs[i]) }
	var out []refWord
	var bounds [][2]int
	for i := 0; i < len(rs); {
		if !isWord(i) {
			i++
			continue
		}
		j := i
		for isWord(j) {
			j++
		}
		w := refWord{w: string(rs[i:j])}
		w.dot = i > 0 && rs[i-1] == '.' && (i == 1 || !isWord(i-2) && rs[i-2] != '.')
		k := j
		for k < len(rs) && (rs[k] == '+' || rs[k] == '#') {
			k++
		}
		if !isWord(k) {
			w.suf = string(rs[j:k])
		}
		out = append(out, w)
		bounds = append(bounds, [2]int{i, j})
		i = j
	}
	for n := 0; n+1 < len(out); n++ {
		a, b := bounds[n], bounds[n+1]
		out[n].soft = refSoft(rs[a[0]:a[1]], rs[a[1]:b[0]], rs[b[0]:b[1]])
	}
	return out
}

// refSoft is the soft join rule, written out: one '.' or hyphen, or white
// space (after an optional '.') between abbreviations, or after a short
// capitalised word and its '.' before an abbreviation.
func refSoft(a, sep, b []rune) bool {
	digits := func(w []rune) bool { return strings.Trim(string(w), "0123456789") == "" }
	switch string(sep) {
	case ".":
		return true
	case "-", "\u2010", "\u2011":
		return !digits(a) || !digits(b)
	}
	dot := len(sep) > 0 && sep[0] == '.'
	if dot {
		sep = sep[1:]
	}
	if len(sep) == 0 || strings.Trim(string(sep), " \t\u00a0") != "" {
		return false
	}
	plain := func(r rune) bool {
		return unicode.IsLetter(r) && (r == 'đ' || r == 'Đ' || fold.Fold(string(r)) == refLower(string(r)))
	}
	upper := func(r rune) bool { return plain(r) && unicode.IsUpper(r) }
	abbrev := func(w []rune) bool {
		if len(w) < 2 || len(w) > 5 || !upper(w[0]) {
			return false
		}
		for _, r := range w {
			if !upper(r) && (r < '0' || r > '9') {
				return false
			}
		}
		return true
	}
	dotAbbrev := func(w []rune) bool {
		if len(w) > 3 || !upper(w[0]) {
			return false
		}
		for _, r := range w {
			if !plain(r) {
				return false
			}
		}
		return true
	}
	return abbrev(b) && (abbrev(a) || dot && dotAbbrev(a))
}

// refJoinings returns the ways of joining the softly joined words of ws,
// each as groups of words compared as one (all of them, or with more than
// maxJoins soft joins none and all).
func refJoinings(ws []refWord) [][][]refWord {
	var soft []int
	for i, w := range ws[:len(ws)-1] {
		if w.soft {
			soft = append(soft, i)
		}
	}
	var masks []int
	if len(soft) > maxJoins {
		masks = []int{0, 1<<len(soft) - 1}
	} else {
		for m := 0; m < 1<<len(soft); m++ {
			masks = append(masks, m)
		}
	}
	var out [][][]refWord
	for _, m := range masks {
		join := map[int]bool{}
		for k, i := range soft {
			join[i] = m&(1<<k) != 0
		}
		groups := [][]refWord{{ws[0]}}
		for i := 1; i < len(ws); i++ {
			if join[i-1] {
				groups[len(groups)-1] = append(groups[len(groups)-1], ws[i])
			} else {
				groups = append(groups, []refWord{ws[i]})
			}
		}
		out = append(out, groups)
	}
	return out
}

// refPhrase is a naive phrase search over plain text: split into words,
// try every way of joining the phrase's and the text's softly joined
// words, compare word by word. lang is the item's language.
func refPhrase(phrase, text, lang string) bool {
	pw, tw := refSplit(phrase), refSplit(text)
	if len(pw) == 0 {
		return false
	}
	l := strings.ToLower(lang)
	viet := l == "vi" || strings.HasPrefix(l, "vi-") || fold.HasVietnameseLetter(fold.NFC(phrase))
	for _, groups := range refJoinings(pw) {
		for i := range tw {
			if refMatchFrom(groups, tw, i, i, false, viet) {
				return true
			}
		}
	}
	return false
}

func refMatchFrom(groups [][]refWord, tw []refWord, first, pos int, variant, viet bool) bool {
	if len(groups) == 0 {
		if !variant || viet {
			return true
		}
		for _, t := range tw[first:pos] {
			if fold.HasVietnameseLetter(t.w) {
				return true
			}
		}
		return false
	}
	for q := pos; q < len(tw); q++ {
		if q > pos && !tw[q-1].soft {
			break
		}
		if ok, v := refWordMatch(groups[0], tw[pos:q+1]); ok && refMatchFrom(groups[1:], tw, first, q+1, variant || v, viet) {
			return true
		}
	}
	return false
}

// refWordMatch compares a phrase word joined from parts with text words
// joined from txt, and says whether it took an i/y variant.
func refWordMatch(parts, txt []refWord) (ok, variant bool) {
	concat := func(ws []refWord, f func(string) string) string {
		var b strings.Builder
		for _, w := range ws {
			b.WriteString(f(w.w))
		}
		return b.String()
	}
	exact := func(w string) string { return refLower(fold.Tones(w)) }
	kf, tf := concat(parts, fold.Fold), concat(txt, fold.Fold)
	if kf != tf {
		if !fold.IYSyllable(kf) || !fold.IYSyllable(tf) || fold.IY(kf) != fold.IY(tf) {
			return false, false
		}
		variant = true
	}
	marked := false
	for _, p := range parts {
		marked = marked || fold.HasDiacritics(p.w)
	}
	if marked {
		ke, te := concat(parts, exact), concat(txt, exact)
		if variant {
			ke, te = fold.IY(ke), fold.IY(te)
		}
		if ke != te {
			return false, false
		}
	}
	if parts[0].dot && !txt[0].dot {
		return false, false
	}
	if suf := parts[len(parts)-1].suf; suf != "" && txt[len(txt)-1].suf != suf {
		return false, false
	}
	return true, variant
}

// refLower is the case-insensitive form of words written with diacritics:
// lower case, final sigma as sigma.
func refLower(s string) string { return strings.ReplaceAll(strings.ToLower(s), "ς", "σ") }

func refAnyPhrase(phrases []string, lang string, texts ...string) bool {
	for _, p := range phrases {
		for _, t := range texts {
			if refPhrase(p, t, lang) {
				return true
			}
		}
	}
	return false
}

func refIn(want, have []string) bool {
	for _, w := range want {
		for _, h := range have {
			if fold.Slug(w) == fold.Slug(h) {
				return true
			}
		}
	}
	return false
}

func refEval(r *config.Rule, d *Doc) bool {
	ok := true
	if r.Keywords != nil {
		ok = ok && refAnyPhrase(r.Keywords, d.Language, d.Title, d.Summary, d.Content)
	}
	if r.Title != nil {
		ok = ok && refAnyPhrase(r.Title, d.Language, d.Title)
	}
	if r.Tags != nil {
		ok = ok && refIn(r.Tags, d.Tags)
	}
	if r.Sources != nil {
		ok = ok && slices.Contains(r.Sources, d.Source)
	}
	if r.Languages != nil {
		l := strings.ToLower(d.Language)
		found := false
		for _, w := range r.Languages {
			found = found || l == w || strings.HasPrefix(l, w+"-")
		}
		ok = ok && found
	}
	if r.Categories != nil {
		ok = ok && refIn(r.Categories, d.Categories)
	}
	if r.MaxAge != 0 {
		ok = ok && now.Sub(d.Published) <= r.MaxAge.D()
	}
	if r.Any != nil {
		found := false
		for _, s := range r.Any {
			found = found || refEval(s, d)
		}
		ok = ok && found
	}
	for _, s := range r.All {
		ok = ok && refEval(s, d)
	}
	for _, s := range r.None {
		ok = ok && !refEval(s, d)
	}
	return ok
}

func TestRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	matched, total := 0, 0
	rounds := 30
	if testing.Short() {
		rounds = 5
	}
	for round := 0; round < rounds; round++ {
		topics := make([]config.Topic, 40)
		for i := range topics {
			topics[i] = config.Topic{Slug: "t" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Match: randRule(r, 0)}
			if r.IntN(10) == 0 {
				topics[i].Match = nil
			}
		}
		c := mustCompile(t, topics...)
		for n := 0; n < 50; n++ {
			d := randDoc(r)
			var want []string
			for _, tp := range topics {
				if tp.Match != nil && refEval(tp.Match, &d) {
					want = append(want, tp.Slug)
				}
			}
			got := c.Classify(&d, now)
			matched += len(got)
			total += len(topics)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d doc %d: Classify = %q, reference = %q\ndoc: %+v", round, n, got, want, d)
			}
			for _, tp := range topics {
				e, err := c.Explain(tp.Slug, &d, now)
				if err != nil {
					t.Fatal(err)
				}
				if e.Match != slices.Contains(got, tp.Slug) {
					t.Fatalf("round %d doc %d: Explain(%s).Match = %v disagrees with Classify %q\n%s", round, n, tp.Slug, e.Match, got, e)
				}
			}
		}
	}
	// The generator must exercise both outcomes.
	if matched < total/20 || matched > total*19/20 {
		t.Errorf("%d of %d topic checks matched: random rules too one-sided", matched, total)
	}
	t.Logf("%d of %d topic checks matched", matched, total)
}

// FuzzClassify feeds random phrases and texts to the matcher: no panics,
// deterministic results, Explain agrees with Classify, and a phrase is
// always found in a text made of itself.
func FuzzClassify(f *testing.F) {
	f.Add("ha noi", "Tin Hà Nội hôm nay")
	f.Add("Đảng", "ĐẠI HỘI ĐẢNG đang")
	f.Add("東京", "東京都")
	f.Add("a\u0301", "<p>&aacute; <b>x</b></p>")
	f.Add("--", "")
	f.Fuzz(func(t *testing.T, phrase, text string) {
		c, err := Compile([]config.Topic{{Slug: "t", Match: kw(phrase)}, {Slug: "u", Match: &config.Rule{None: []*config.Rule{kw(phrase)}}}})
		if err != nil {
			return // a phrase without words
		}
		d := &Doc{Title: text, Summary: text, Content: text}
		got := c.Classify(d, now)
		if again := c.Classify(d, now); !slices.Equal(got, again) {
			t.Fatalf("Classify not deterministic: %q then %q", got, again)
		}
		if len(got) != 1 {
			t.Fatalf("Classify = %q, want exactly one of t (keywords) and u (none)", got)
		}
		e, err := c.Explain("t", d, now)
		if err != nil {
			t.Fatal(err)
		}
		if e.Match != (got[0] == "t") {
			t.Fatalf("Explain.Match = %v, Classify = %q", e.Match, got)
		}
		_ = e.String()
		if plainWords(phrase) && plainWords(text) {
			want := refPhrase(phrase, text, "")
			got := slices.Contains(c.Classify(&Doc{Title: text}, now), "t")
			if got != want {
				t.Fatalf("phrase %q in title %q: Classify = %v, reference = %v", phrase, text, got, want)
			}
		}
		self := &Doc{Title: "x " + phrase + " y"}
		if !slices.Contains(c.Classify(self, now), "t") {
			t.Fatalf("phrase %q not found in %q", phrase, self.Title)
		}
	})
}

// plainWords reports whether s is valid UTF-8 without marks or ideographs,
// where refPhrase's simple word split agrees with the tokenizer by design.
func plainWords(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range fold.NFC(s) {
		if unicode.IsMark(r) || isIdeographic(r) {
			return false
		}
	}
	return true
}
