package normaliser

import (
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// encode1258Decomposed encodes NFC Vietnamese text the way Windows'
// converter writes windows-1258: every tone mark as a combining character
// after its letter, even where the code page has the composed letter
// ("Hà" is H a U+0300, which reads "HaÌ" in windows-1252).
func encode1258Decomposed(tb testing.TB, s string) []byte {
	tb.Helper()
	tones := map[rune]bool{0x300: true, 0x301: true, 0x303: true, 0x309: true, 0x323: true}
	var base, tone []rune
	var out []byte
	flush := func() {
		if len(base) == 0 {
			return
		}
		b, err := charmap.Windows1258.NewEncoder().Bytes([]byte(norm.NFC.String(string(base)) + string(tone)))
		if err != nil {
			tb.Fatalf("cannot encode %q in windows-1258: %v", string(base)+string(tone), err)
		}
		out = append(out, b...)
		base, tone = base[:0], tone[:0]
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case tones[r]:
			tone = append(tone, r)
		case norm.NFD.PropertiesString(string(r)).CCC() != 0:
			base = append(base, r)
		default:
			flush()
			base = append(base, r)
		}
	}
	flush()
	return out
}

// TestMislabelledWindows1258 covers windows-1258 bytes behind a wrong
// label: "utf-8" (a server's or a template's default) or windows-1252 /
// ISO-8859-1. They decode as unlabelled windows-1258 bytes do.
func TestMislabelledWindows1258(t *testing.T) {
	const vi = "Hà Nội: Thủ tướng chỉ đạo đẩy mạnh giải ngân vốn đầu tư công"
	decl := func(label string) string { return `<?xml version="1.0" encoding="` + label + `"?>` }
	bodies := map[string]func(string) []byte{
		"precomposed": func(s string) []byte { return encode1258(t, s) },
		"decomposed":  func(s string) []byte { return encode1258Decomposed(t, s) },
	}
	labels := map[string]struct{ decl, contentType string }{
		"HTTP utf-8":                   {contentType: "application/rss+xml; charset=utf-8"},
		"declared UTF-8":               {decl: decl("UTF-8")},
		"HTTP and declaration utf-8":   {decl: decl("utf-8"), contentType: "text/xml; charset=UTF-8"},
		"HTTP utf-8, declared 1258":    {decl: decl("windows-1258"), contentType: "text/xml; charset=utf-8"},
		"HTTP iso-8859-1":              {contentType: "application/rss+xml; charset=iso-8859-1"},
		"declared windows-1252":        {decl: decl("windows-1252")},
		"HTTP utf-8, declared latin-1": {decl: decl("ISO-8859-1"), contentType: "text/xml; charset=utf-8"},
		"unlabelled":                   {},
	}
	for bname, enc := range bodies {
		for lname, l := range labels {
			t.Run(bname+"/"+lname, func(t *testing.T) {
				body := append([]byte(l.decl), enc(rssDoc("", vi))...)
				p := MustParse(t, body, l.contentType, "https://enc.example/feed")
				if p.Encoding != "windows-1258" {
					t.Errorf("Encoding = %q, want windows-1258", p.Encoding)
				}
				if p.Feed.Title != vi {
					t.Errorf("title = %q, want %q", p.Feed.Title, vi)
				}
			})
		}
	}
	t.Run("the audit's title", func(t *testing.T) {
		body := append([]byte(decl("UTF-8")), encode1258Decomposed(t, rssDoc("", "Hà Nội: Thủ tướng"))...)
		if got := MustParse(t, body, "text/xml; charset=utf-8", "").Feed.Title; got != "Hà Nội: Thủ tướng" {
			t.Errorf("title = %q, want %q", got, "Hà Nội: Thủ tướng")
		}
	})
}

// TestWesternTextKeepsItsLabel: Western European text in windows-1252 is
// never taken for windows-1258, labelled or not, and UTF-8 with a few
// stray Latin-1 bytes stays UTF-8.
func TestWesternTextKeepsItsLabel(t *testing.T) {
	texts := map[string]string{
		"French":     "L'été à Genève, ça va ? Les élèves étudient où le maître enseigne : Noël, naïve, Château, hôtel, forêt, déjà, très.",
		"German":     "Über die Brücke gehen Mädchen und Jungen: Größe, Straße, schön, müde, Bär, Öl, Äpfel, für, Grüße aus München und Köln.",
		"Spanish":    "El niño comió en el año pasado. ¿Qué está pasando? ¡Olé! España, mañana, corazón, información, también, árbol, útil.",
		"Italian":    "Così può essere: perché è così? Più tardi, città, università, però può, lunedì, martedì, giù, già, può, può.",
		"Portuguese": "São Paulo, ação, coração, não, você, avô, avó, português, três, é, à, ônibus, pão, irmã, lição, função, põe.",
		"Icelandic":  "Þetta er íslenska: það, þú, við, fólkið, ég, sýna, ýmis, Þórður, Reykjavík, nýtt, bý, lýsa, sýn, dýr, kýr, þýða.",
		"Catalan":    "Això és una prova: però, què, sòl, col·lecció, València, així, dòlar, pòsit, òpera.",
	}
	labels := map[string]struct {
		decl, contentType string
	}{
		"HTTP iso-8859-1":        {contentType: "text/xml; charset=iso-8859-1"},
		"declared windows-1252":  {decl: `<?xml version="1.0" encoding="windows-1252"?>`},
		"unlabelled":             {},
		"wrongly declared UTF-8": {decl: `<?xml version="1.0" encoding="UTF-8"?>`},
	}
	for lang, text := range texts {
		for lname, l := range labels {
			t.Run(lang+"/"+lname, func(t *testing.T) {
				body := append([]byte(l.decl), mustEncode(t, charmap.Windows1252, rssDoc("", text))...)
				p := MustParse(t, body, l.contentType, "")
				if p.Feed.Title != text {
					t.Errorf("title = %q, want %q", p.Feed.Title, text)
				}
				if p.Encoding != "windows-1252" {
					t.Errorf("Encoding = %q, want windows-1252", p.Encoding)
				}
			})
		}
	}
	t.Run("UTF-8 with stray Latin-1 bytes", func(t *testing.T) {
		const want = "Hà Nội, Đà Nẵng, Sài Gòn: café crème à Genève"
		body := []byte(rssDoc(`<?xml version="1.0" encoding="utf-8"?>`, "Hà Nội, Đà Nẵng, Sài Gòn: caf\xe9 cr\xe8me \xe0 Gen\xe8ve"))
		p := MustParse(t, body, "text/xml; charset=utf-8", "")
		if p.Feed.Title != want || p.Encoding != "utf-8" {
			t.Errorf("title %q (%s), want %q (utf-8)", p.Feed.Title, p.Encoding, want)
		}
	})
}
