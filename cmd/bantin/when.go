package main

import "time"

// stampLayout is how commands print a time: in defaults.timezone, with its
// offset from UTC, never a bare clock time.
const stampLayout = "2006-01-02 15:04:05 -07:00"

// stamp shows t in loc with its UTC offset ("2026-11-02 11:00:00 +07:00");
// "-" for the zero time.
func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format(stampLayout)
}
