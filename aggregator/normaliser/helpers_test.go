package normaliser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"bantin/db"
	"bantin/internal/testenv"

	"golang.org/x/text/unicode/norm"
)

// testdataDir is the repository's testdata/normaliser directory.
func testdataDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(testenv.ModuleRoot(tb), "testdata", "normaliser")
}

// MustReadFixture returns the bytes of testdata/normaliser/name.
func MustReadFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir(tb), name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustParse parses body or fails the test.
func MustParse(tb testing.TB, body []byte, contentType, baseURL string) *Parsed {
	tb.Helper()
	p, err := Parse(body, contentType, baseURL)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return p
}

// MustLocation loads a time zone or fails the test.
func MustLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// byGUID indexes items by GUID.
func byGUID(items []db.Item) map[string]db.Item {
	m := make(map[string]db.Item, len(items))
	for _, it := range items {
		m[it.GUID] = it
	}
	return m
}

// checkText fails when s is not valid UTF-8 in NFC.
func checkText(tb testing.TB, what, s string) {
	tb.Helper()
	if !utf8.ValidString(s) {
		tb.Errorf("%s is not valid UTF-8: %q", what, s)
	}
	if !norm.NFC.IsNormalString(s) {
		tb.Errorf("%s is not NFC: %q", what, s)
	}
}

// checkItemText checks every stored text field of it.
func checkItemText(tb testing.TB, it db.Item) {
	tb.Helper()
	fields := map[string]string{
		"GUID": it.GUID, "Link": it.Link, "CanonicalLink": it.CanonicalLink, "Title": it.Title,
		"Summary": it.Summary, "Content": it.Content, "ImageURL": it.ImageURL, "Language": it.Language,
	}
	for _, a := range it.Authors {
		fields["Author"] += a.Name + a.Email
	}
	fields["Categories"] = strings.Join(it.Categories, "|")
	for _, tg := range it.Tags {
		fields["Tags"] += tg.Name + tg.Slug
	}
	for _, e := range it.Enclosures {
		fields["Enclosures"] += e.URL + e.Type
	}
	for name, s := range fields {
		checkText(tb, name, s)
	}
}
