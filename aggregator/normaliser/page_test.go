package normaliser

import (
	"strings"
	"testing"
	"time"
)

// TestParseDatePageForms: the dates news pages write in bylines, read in
// the source's zone when they carry none.
func TestParseDatePageForms(t *testing.T) {
	loc := MustLocation(t, "Asia/Ho_Chi_Minh")
	want := time.Date(2020, 4, 26, 3, 11, 0, 0, time.UTC) // 10:11 at +07:00
	for _, raw := range []string{
		"26-04-2020 10:11",
		"26/4/2020 10:11",
		"Chủ nhật, 26/4/2020, 10:11 (GMT+7)",
		"Chủ nhật, 26/04/2020 10:11 (GMT+7)",
		"10:11 26/04/2020",
		"10:11 ngày 26/04/2020",
		"  Thứ hai, 26-04-2020 10:11  ",
		"2020-04-26T10:11:00+07:00",
	} {
		got, ok := ParseDate(raw, loc)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", raw, got, ok, want)
		}
	}
	if _, ok := ParseDate("Tin mới nhất", loc); ok {
		t.Error("ParseDate read a date in text without one")
	}
}

// TestDecodePageLegacyCharset: a windows-1258 page declared in a meta
// element (or not declared at all) comes out as the same NFC text.
func TestDecodePageLegacyCharset(t *testing.T) {
	text := "<p>Thủ tướng chỉ đạo về giải phóng mặt bằng</p>"
	enc := string(encode1258(t, text))
	for name, page := range map[string]string{
		"meta charset":    `<html><head><meta charset="windows-1258"></head><body>` + enc + `</body></html>`,
		"meta http-equiv": `<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1258"></head><body>` + enc + `</body></html>`,
		"undeclared":      `<html><body>` + enc + `</body></html>`,
	} {
		got, encoding := DecodePage([]byte(page), "text/html")
		if clean := CleanHTML(got, "http://x/"); !strings.Contains(clean, "Thủ tướng chỉ đạo về giải phóng mặt bằng") {
			t.Errorf("%s: decoded as %s to %q", name, encoding, clean)
		}
	}
}
