package normaliser

import (
	"testing"
	"time"
)

// TestParseDateZoneNamesAndComments: zone abbreviations are read with
// their offsets wherever they stand (Java's Date.toString puts them before
// the year), and a comment after a zone ("+0700 (ICT)", RFC 2822) does
// not stop the date from being read.
func TestParseDateZoneNamesAndComments(t *testing.T) {
	loc := MustLocation(t, "Asia/Ho_Chi_Minh")
	want := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC) // 08:30 at +0700
	tests := map[string]struct {
		raw  string
		want time.Time
	}{
		"Java Date.toString":              {"Thu Nov 26 08:30:00 ICT 2026", want},
		"RFC 2822 comment":                {"Thu, 26 Nov 2026 08:30:00 +0700 (ICT)", want},
		"RFC 2822 comment, no weekday":    {"26 Nov 2026 08:30:00 +0700 (ICT)", want},
		"comment with spaces":             {"Thu, 26 Nov 2026 08:30:00 +0700 (Indochina Time)", want},
		"name after the offset":           {"Thu, 26 Nov 2026 08:30:00 +0700 ICT", want},
		"GMT offset and comment":          {"Thu, 26 Nov 2026 08:30:00 GMT+7 (ICT)", want},
		"JavaScript Date.toString":        {"Thu Nov 26 2026 08:30:00 GMT+0700 (Indochina Time)", want},
		"Twitter created_at":              {"Thu Nov 26 08:30:00 +0700 2026", want},
		"ctime, zone-less":                {"Thu Nov 26 08:30:00 2026", want},
		"Java with other zone":            {"Wed Nov 25 20:30:00 EST 2026", time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)},
		"Java with UTC":                   {"Thu Nov 26 01:30:00 UTC 2026", want},
		"Java with JST":                   {"Thu Nov 26 10:30:00 JST 2026", want},
		"ICT after RFC 3339-like time":    {"2026-11-26T08:30:00 ICT", want},
		"ICT after ISO date and time":     {"2026-11-26 08:30:00 ICT", want},
		"RFC 3339 with comment":           {"2026-11-26T08:30:00+07:00 (ICT)", want},
		"Z with comment":                  {"2026-11-26T01:30:00Z (UTC)", want},
		"EST comment on an offset":        {"Wed, 25 Nov 2026 20:30:00 -0500 (EST)", time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)},
		"numeric date with comment":       {"26/11/2026 08:30 +0700 (ICT)", want},
		"long month, 12-hour clock, ICT":  {"Thursday, November 26, 2026 8:30 AM ICT", want},
		"12-hour clock before a GMT note": {"26/11/2026 08:30 SA (GMT+7)", want},
		"zone name in parentheses only":   {"Thu, 26 Nov 2026 08:30:00 (ICT)", want},
		"lower-case comment":              {"Thu, 26 Nov 2026 08:30:00 +0700 (ict)", want},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := parseDate(tc.raw, nil, loc)
			if !ok || !got.Equal(tc.want) {
				t.Errorf("parseDate(%q) = %v, %v; want %v", tc.raw, got, ok, tc.want)
			}
		})
	}
}

// TestParseDateGofeedFallbackKeepsZoneNames: even when gofeed's parse is
// at hand (it reads unknown zone names as UTC), our own reading of the
// name wins.
func TestParseDateGofeedFallbackKeepsZoneNames(t *testing.T) {
	gofeedUTC := time.Date(2026, 11, 26, 8, 30, 0, 0, time.UTC)
	got, ok := parseDate("Thu Nov 26 08:30:00 ICT 2026", &gofeedUTC, MustLocation(t, "Asia/Ho_Chi_Minh"))
	if want := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("parseDate = %v, %v; want %v", got, ok, want)
	}
}
