package normaliser

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	// weekdayPrefix matches a leading day name ("Mon, ", "Thứ hai, ",
	// "Chủ nhật, ") that carries no information.
	weekdayPrefix = regexp.MustCompile(`(?i)^\s*(?:[a-z]{2,9}\.?|th[ứư]\s+\p{L}+|ch[ủu]\s+nh[ậa]t|t\d)\s*,\s*`)
	// gmtOffset matches "GMT+7", "(GMT+07:00)", "UTC-5", "+07", "+07:00"
	// after a time, to be rewritten as a numeric offset.
	gmtOffset = regexp.MustCompile(`(?i)\(?\s*(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?\s*$`)
	// shortOffset matches a trailing "+07" (hours only).
	shortOffset = regexp.MustCompile(`([+-])(\d{2})$`)
	// dmyRe matches numeric dates: "26/04/2020 10:11", "26-04-2020 10:11:12",
	// "9/14/2026 6:44:00 PM", "26/04/2020", with an optional zone after.
	dmyRe = regexp.MustCompile(`(?i)^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s*(?:-|,|\|)?\s*(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*(am|pm|sa|ch)?)?\s*(.*)$`)
	// dateLabel matches a label before a date on a page: "Cập nhật: ",
	// "Ngày đăng: ", "Published: ", "Ngày " (group 1 is the date's first
	// digit).
	dateLabel = regexp.MustCompile(`(?i)^(?:\p{L}[\p{L} ]{0,24}:|ngày)\s*(\d)`)
	// vnLongDate matches the Vietnamese long form "20 tháng 11 năm 2026"
	// (also "20 tháng 11, 2026"), rewritten as "20/11/2026".
	vnLongDate = regexp.MustCompile(`(?i)\b(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*,\s*|\s+năm\s+)(\d{4})\b`)
	// timeFirstRe matches "10:11 - 26/04/2020" and "10:11 ngày 26/04/2020",
	// which are rewritten date first.
	timeFirstRe = regexp.MustCompile(`^(\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*(?i:am|pm|sa|ch)\b)?)\s*[-,|]?\s*(?:(?i:ngày)\s+)?(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})(.*)$`)
	// timeRe finds a clock time, after which a zone may follow.
	timeRe = regexp.MustCompile(`\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?`)
	// zoneAfterTime recognises a zone designator in what follows the time.
	zoneAfterTime = regexp.MustCompile(`^(?:Z|[+-]\d{1,2}(?::?\d{2})?\b|\(?(?i:GMT|UTC|UT)|\(?[A-Z]{2,5}\b)`)
	ampmPrefix    = regexp.MustCompile(`^(?i:am|pm|sa|ch)\b`)
	// zoneNames maps zone abbreviations Go cannot resolve to offsets.
	zoneNames = map[string]string{
		"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
		"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
		"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
		"ICT": "+0700", "JST": "+0900", "KST": "+0900", "HKT": "+0800",
		"SGT": "+0800", "AEST": "+1000", "AEDT": "+1100", "CET": "+0100",
		"CEST": "+0200", "BST": "+0100", "IST": "+0530", "WIB": "+0700",
		"WITA": "+0800", "WIT": "+0900", "PHT": "+0800", "MYT": "+0800",
		"AWST": "+0800", "ACST": "+0930", "ACDT": "+1030", "NZST": "+1200",
		"NZDT": "+1300", "WET": "+0000", "WEST": "+0100", "EET": "+0200",
		"EEST": "+0300", "MSK": "+0300", "MEZ": "+0100", "MESZ": "+0200",
		"SAST": "+0200", "CAT": "+0200", "EAT": "+0300", "WAT": "+0100",
		"PKT": "+0500", "NPT": "+0545", "AKST": "-0900", "AKDT": "-0800",
		"HST": "-1000", "AST": "-0400", "ADT": "-0300", "NST": "-0330",
		"NDT": "-0230", "BRT": "-0300", "ART": "-0300",
	}
	trailingZoneName = regexp.MustCompile(`\s\(?([A-Za-z]{1,5})\)?$`)
	// bareWeekday matches a leading English day name without a comma
	// ("Thu Nov 26 ...", as C, Java and JavaScript write dates).
	bareWeekday = regexp.MustCompile(`(?i)^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?\s+`)
	// zoneComment matches a zone followed by a comment that names it
	// again: "+0700 (ICT)", "GMT+7 (Indochina Time)", "-0500 EST"; the
	// zone before the comment is group 2 (a name there is taken only if
	// known, so "10:11 PM (GMT+7)" keeps its zone).
	zoneComment = regexp.MustCompile(`^(.*\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*` +
		`(Z|[+-]\d{2}:?\d{2}|(?i:GMT|UTC|UT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z]{2,5}))` +
		`(?:\s*\([^()]*\)|\s+[A-Za-z]{2,5})$`)
	// unixDate matches the month-first form with the year last, which C's
	// ctime, Java's Date.toString and Twitter write: "Nov 26 08:30:00 ICT
	// 2026", "Nov 26 08:30:00 +0700 2026", "Nov 26 08:30:00 2026" (day
	// name already stripped).
	unixDate = regexp.MustCompile(`^([A-Za-z]{3,9})\.?\s+(\d{1,2})\s+(\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)` +
		`(\s+(?:[A-Za-z]{1,5}|[+-]\d{2}:?\d{2}|(?i:GMT|UTC)[+-]\d{1,2}(?::?\d{2})?))?\s+(\d{4})$`)
)

// zonedLayouts are tried after the weekday is stripped and the zone made
// numeric.
var zonedLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -07:00",
	"2 Jan 2006 15:04:05.999999999 -0700",
	time.RFC3339Nano,
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05 -0700",
	"2006-01-02T15:04:05.999999999 -0700",
	"2006-01-02T15:04-07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05-07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04 -0700",
	"Jan 2, 2006 15:04:05 -0700",
	"Jan 2, 2006 3:04:05 PM -0700",
	"Jan 2, 2006 3:04 PM -0700",
	"Jan 2 2006 15:04:05 -0700",
	"January 2, 2006 15:04:05 -0700",
	"January 2, 2006 3:04:05 PM -0700",
	"January 2, 2006 3:04 PM -0700",
	"Jan _2 15:04:05 -0700 2006",
	"Jan _2 15:04:05 2006 -0700",
}

// localLayouts carry no zone: the source's time zone applies.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
	"2006/01/02",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"2 January 2006 15:04:05",
	"2 January 2006",
	"2 Jan 2006",
	"Jan 2, 2006 15:04:05",
	"Jan 2, 2006 3:04:05 PM",
	"Jan 2, 2006 3:04 PM",
	"Jan 2, 2006",
	"January 2, 2006 15:04:05",
	"January 2, 2006 3:04 PM",
	"January 2, 2006",
	"Jan _2 15:04:05 2006",
	"20060102T150405",
	"20060102",
}

// parseDate parses a date as feeds write it. A date without a zone is read
// in loc. fallback is what gofeed parsed (it knows more exotic formats but
// reads zone-less dates as UTC): it is used when no layout here matches,
// re-read in loc when raw carries no zone. ok is false when there is no
// date at all or it lies before 1900 (placeholders such as 0001-01-01).
func parseDate(raw string, fallback *time.Time, loc *time.Location) (time.Time, bool) {
	t, ok := parseDateAny(raw, fallback, loc)
	if !ok || t.Year() < minYear {
		return time.Time{}, false // no date, or a placeholder like 0001-01-01
	}
	return t, true
}

// minYear is the earliest year taken as a real publication date.
const minYear = 1900

func parseDateAny(raw string, fallback *time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	// NFC: a day name written with combining tone marks (windows-1258,
	// NFD text) is still one the weekday prefix knows.
	s := strings.Join(strings.Fields(nfc(raw)), " ")
	if s == "" {
		if fallback != nil && !fallback.IsZero() {
			return fallback.UTC(), true
		}
		return time.Time{}, false
	}
	if t, ok := parseDateString(s, loc); ok {
		return t.UTC(), true
	}
	if fallback == nil || fallback.IsZero() {
		return time.Time{}, false
	}
	if !hasZone(s) {
		f := fallback.UTC()
		return time.Date(f.Year(), f.Month(), f.Day(), f.Hour(), f.Minute(), f.Second(), f.Nanosecond(), loc).UTC(), true
	}
	return fallback.UTC(), true
}

// fastLayouts are the layouts nearly every feed uses, tried on the raw
// string before any rewriting.
var fastLayouts = []string{time.RFC1123Z, time.RFC3339Nano, "Mon, 2 Jan 2006 15:04:05 -0700"}

func parseDateString(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range fastLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	s = weekdayPrefix.ReplaceAllString(s, "")
	s = bareWeekday.ReplaceAllString(s, "")
	s = strings.TrimSpace(stripZoneComment(s))
	if strings.Contains(s, "háng") || strings.Contains(s, "HÁNG") {
		s = vnLongDate.ReplaceAllString(s, "$1/$2/$3")
	}
	s = dateLabel.ReplaceAllString(s, "$1")
	if m := unixDate.FindStringSubmatch(s); m != nil {
		// "Nov 26 08:30:00 ICT 2026" -> "26 Nov 2026 08:30:00 ICT"
		s = m[2] + " " + m[1] + " " + m[5] + " " + m[3] + m[4]
	}
	if m := timeFirstRe.FindStringSubmatch(s); m != nil {
		s = m[2] + " " + m[1] + m[3]
	}
	if m := dmyRe.FindStringSubmatch(s); m != nil {
		if t, ok := parseNumericDate(m, loc); ok {
			return t, true
		}
	}
	z := normaliseZone(s)
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, z); err == nil {
			return t, true
		}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// stripZoneComment drops what follows a zone and only names it again:
// the RFC 2822 comment of "08:30:00 +0700 (ICT)", the JavaScript
// "GMT+0700 (Indochina Time)", the name in "+0700 ICT". The zone before
// it wins; a word there that is not a known zone name ("10:11 PM
// (GMT+7)") leaves s as it is.
func stripZoneComment(s string) string {
	m := zoneComment.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	z := strings.ToUpper(m[2])
	if c := z[0]; c >= 'A' && c <= 'Z' && !strings.HasPrefix(z, "GMT") && !strings.HasPrefix(z, "UT") {
		if _, ok := zoneNames[z]; !ok {
			return s
		}
	}
	return m[1]
}

// normaliseZone rewrites "GMT+7", "+07", "(ICT)" and friends at the end of
// s as a numeric "-0700" style offset.
func normaliseZone(s string) string {
	if m := gmtOffset.FindStringSubmatchIndex(s); m != nil && timeRe.MatchString(s[:m[0]]) {
		sign, hh, mm := s[m[2]:m[3]], s[m[4]:m[5]], "00"
		if m[6] >= 0 {
			mm = s[m[6]:m[7]]
		}
		if len(hh) == 1 {
			hh = "0" + hh
		}
		return strings.TrimSpace(s[:m[0]]) + " " + sign + hh + mm
	}
	if m := trailingZoneName.FindStringSubmatchIndex(s); m != nil {
		if off, ok := zoneNames[strings.ToUpper(s[m[2]:m[3]])]; ok {
			return s[:m[0]] + " " + off
		}
	}
	if strings.HasSuffix(s, "Z") && timeRe.MatchString(s) && !strings.Contains(s, "T") {
		return strings.TrimSuffix(s, "Z") + " +0000"
	}
	if m := shortOffset.FindStringSubmatchIndex(s); m != nil && timeRe.MatchString(s[:m[0]]) {
		return s[:m[0]] + s[m[2]:m[3]] + s[m[4]:m[5]] + "00"
	}
	return s
}

// parseNumericDate interprets a dmyRe match: day first (Vietnamese and
// most of the world), month first when a 12-hour clock says US style or the
// day would be out of range.
func parseNumericDate(m []string, loc *time.Location) (time.Time, bool) {
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	year, _ := strconv.Atoi(m[3])
	ampm := strings.ToLower(m[7])
	day, month := a, b
	if (ampm == "am" || ampm == "pm") && a <= 12 || b > 12 {
		day, month = b, a
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	hour, minute, sec := 0, 0, 0
	if m[4] != "" {
		hour, _ = strconv.Atoi(m[4])
		minute, _ = strconv.Atoi(m[5])
		if m[6] != "" {
			sec, _ = strconv.Atoi(m[6])
		}
		switch ampm {
		case "pm", "ch": // "CH" = chiều (afternoon) in Vietnamese
			if hour < 12 {
				hour += 12
			}
		case "am", "sa": // "SA" = sáng (morning)
			if hour == 12 {
				hour = 0
			}
		}
		if hour > 23 || minute > 59 || sec > 60 {
			return time.Time{}, false
		}
	}
	zone := loc
	if rest := strings.TrimSpace(m[8]); rest != "" {
		rest = strings.Trim(rest, "()")
		z := normaliseZone("00:00 " + rest)
		if t, err := time.Parse("15:04 -0700", z); err == nil {
			zone = t.Location()
		} else {
			return time.Time{}, false
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, zone)
	if t.Day() != day { // 31 February and friends
		return time.Time{}, false
	}
	return t, true
}

// hasZone reports whether the date string s names a zone after its clock
// time. Dates without a time are zone-less.
func hasZone(s string) bool {
	locs := timeRe.FindAllStringIndex(s, -1)
	if locs == nil {
		return false
	}
	rest := strings.TrimSpace(s[locs[len(locs)-1][1]:])
	rest = strings.TrimSpace(ampmPrefix.ReplaceAllString(rest, ""))
	return zoneAfterTime.MatchString(rest)
}
