package conformance

import (
	"context"
	"html"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/unicode/norm"

	"bantin/db"
)

// encodingScope are the feedparser folders whose title, description and
// encoding expectations are encoding tests: a mismatch there fails the
// corpus test. Elsewhere title differences are logged only (bantin renders
// HTML titles to plain text where feedparser keeps markup).
var encodingScope = []string{"feedparser/encoding/", "feedparser/illformed/chardet/", "feedparser/entities/"}

// encodingExceptions are expectations of the feedparser suite that bantin
// deliberately does not meet, with the reason.
var encodingExceptions = map[string]string{
	"feedparser/entities/lang.xml": "HTML5 maps &lang; to U+27E8; feedparser keeps HTML 4's U+2329 (NFC: U+3008)",
	"feedparser/entities/rang.xml": "HTML5 maps &rang; to U+27E9; feedparser keeps HTML 4's U+232A (NFC: U+3009)",
}

func inEncodingScope(rel string) bool {
	for _, p := range encodingScope {
		if strings.HasPrefix(rel, p) {
			return true
		}
	}
	return false
}

// canonEncoding maps an encoding label to a canonical name; GB2312, GBK
// and GB18030 are one family (each a superset of the one before).
func canonEncoding(label string) string {
	label = strings.ToLower(strings.TrimSpace(label))
	if e, err := htmlindex.Get(label); err == nil {
		if n, err := htmlindex.Name(e); err == nil {
			label = n
		}
	}
	switch label {
	case "gbk", "gb2312", "gb18030":
		return "gb18030"
	case "utf-32", "utf-32be":
		return "utf-32be"
	case "utf-16":
		return "utf-16be"
	}
	return label
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// sameEncoding reports whether bantin's got decodes the file as the
// expected want would: the same encoding, or, for a pure-ASCII file that
// feedparser calls us-ascii, any ASCII-compatible one.
func sameEncoding(want, got string, raw []byte) bool {
	w, g := canonEncoding(want), canonEncoding(got)
	if w == g {
		return true
	}
	if strings.EqualFold(strings.TrimSpace(want), "us-ascii") && isASCII(raw) {
		return g == "utf-8" || g == "windows-1252"
	}
	return false
}

// plain collapses white space and applies NFC: the form bantin stores
// titles in.
func plain(s string) string {
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

var firstItemTitle = regexp.MustCompile(`(?s)<item[\s>].*?<title>(.*?)</title>`)

// oracleTitle decodes raw with the expected encoding (independently of
// bantin) and returns the first item's title, or "" when there is none.
func oracleTitle(raw []byte, enc string) string {
	e, err := htmlindex.Get(enc)
	if err != nil {
		return ""
	}
	b, err := e.NewDecoder().Bytes(raw)
	if err != nil {
		return ""
	}
	m := firstItemTitle.FindSubmatch(b)
	if m == nil {
		return ""
	}
	return plain(html.UnescapeString(string(m[1])))
}

// firstItems returns each source's first stored item (lowest ID: the first
// in feed order).
func firstItems(t *testing.T, store *db.DB) map[string]db.Item {
	t.Helper()
	ctx := context.Background()
	first := map[string]db.Item{}
	var ids []int64
	for after := int64(0); ; {
		page, err := store.ScanItems(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, it := range page {
			if _, ok := first[it.SourceID]; !ok {
				first[it.SourceID] = it
				ids = append(ids, it.ID)
			}
		}
		after = page[len(page)-1].ID
	}
	full, err := store.Items(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range full {
		first[it.SourceID] = it
	}
	return first
}

// checkEncodings compares what bantin stored (pass B, headers replayed)
// and the encoding it detected (direct pass) with the INDEX.tsv
// expectations that can be checked: encoding == X, feed title, first entry
// title and description values.
func checkEncodings(t *testing.T, st *corpusStats, store *db.DB, sources []sourceDef, direct map[string]directResult) {
	t.Helper()
	ctx := context.Background()
	first := firstItems(t, store)
	for _, s := range sources {
		f := s.File
		if f.Index == nil {
			continue
		}
		if strings.HasPrefix(f.Index.Expect, "bozo") && !strings.HasPrefix(f.Rel, "feedparser/illformed/chardet/") {
			continue // values feedparser salvages from a broken document
		}
		if why, ok := encodingExceptions[f.Rel]; ok {
			st.add(&st.excused, "%s: %s", f.Rel, why)
			continue
		}
		exps := parseExpect(f.Index.Expect)
		if len(exps) == 0 {
			continue
		}
		scoped := inEncodingScope(f.Rel)
		raw, err := os.ReadFile(f.Abs)
		if err != nil {
			t.Fatal(err)
		}
		src, err := store.Source(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		it, hasItem := first[s.ID]
		report := func(format string, args ...any) {
			if scoped {
				st.add(&st.encodingMismatch, f.Rel+": "+format, args...)
			} else {
				st.add(&st.titleInfoMismatch, f.Rel+": "+format, args...)
			}
		}
		for _, e := range exps {
			switch e.Field {
			case "encoding":
				if !scoped {
					continue
				}
				st.encodingChecked++
				d := direct[f.Rel]
				if d.ParseErr != nil {
					report("encoding: want %s, Parse failed: %v", e.Want, d.ParseErr)
					continue
				}
				if !sameEncoding(e.Want, d.Encoding, raw) {
					report("encoding: got %s, want %s", d.Encoding, e.Want)
				}
				if want := oracleTitle(raw, e.Want); want != "" {
					st.encodingChecked++
					if !hasItem {
						report("first item title: no item stored, want %q", want)
					} else if it.Title != want {
						report("first item title: got %q, want %q (decoded as %s)", it.Title, want, e.Want)
					}
				}
			case "feed.title":
				if scoped {
					st.encodingChecked++
				}
				if got, want := plain(src.Title), plain(e.Want); got != want {
					report("feed title: got %q, want %q", got, want)
				}
			case "entry.title":
				if scoped {
					st.encodingChecked++
				}
				want := plain(e.Want)
				if !hasItem {
					report("first item title: no item stored, want %q (%s)", want, src.LastError)
				} else if it.Title != want {
					report("first item title: got %q, want %q", it.Title, want)
				}
			case "entry.description":
				want := plain(htmlText(e.Want))
				if want == "" || !scoped {
					continue
				}
				st.encodingChecked++
				if !hasItem {
					report("first item description: no item stored, want %q (%s)", want, src.LastError)
					continue
				}
				body := it.Summary
				if body == "" {
					body = it.Content
				}
				if got := plain(htmlText(body)); got != want {
					report("first item description text: got %q, want %q", got, want)
				}
			}
		}
	}
}
