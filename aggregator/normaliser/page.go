package normaliser

import (
	"regexp"
	"time"
)

// This file exports the normaliser's text handling for web pages (article
// pages and listing pages): the same charset detection, sanitiser,
// absolute links, NFC and date parser as feeds get.

// metaCharsetRe finds the charset an HTML page declares in a meta element:
// <meta charset="windows-1258"> or <meta http-equiv="Content-Type"
// content="text/html; charset=windows-1258">.
var metaCharsetRe = regexp.MustCompile(`(?i)<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)`)

// DecodePage returns an HTML page as UTF-8 and the name of the encoding
// it was decoded from. The order of precedence is that of feeds (see
// Parse), with the page's <meta charset> (in its first 2 KiB) standing
// where a feed's XML declaration does: the HTTP charset wins over it,
// and sniffing (windows-1258 for Vietnamese bytes) takes over when
// neither names a known charset.
func DecodePage(body []byte, contentType string) (string, string) {
	if httpCharset(contentType) == "" {
		head := body
		if len(head) > 2048 {
			head = head[:2048]
		}
		if m := metaCharsetRe.FindSubmatch(head); m != nil {
			contentType = "text/html; charset=" + string(m[1])
		}
	}
	d := decode(body, contentType)
	return string(d.text), d.encoding
}

// CleanHTML returns an HTML fragment of a page at base as feed content is
// stored: sanitised, URLs made absolute against base, words kept apart
// where the sanitiser strips block elements, NFC.
func CleanHTML(fragment, base string) string {
	return sanitise(fragment, base)
}

// PlainText returns the text of an HTML fragment: tags removed, references
// decoded once, white space collapsed, NFC.
func PlainText(fragment string) string {
	return plainText(fragment)
}

// ParseDate reads a date as written on a page or in a feed (RFC 822 and
// 3339, day-first "26-04-2020 10:11", "Chủ nhật, 26/4/2020, 10:11
// (GMT+7)", "10:11 ngày 26/04/2020", ...); a date without a zone is read in
// loc (UTC when nil). ok is false when raw holds no date.
func ParseDate(raw string, loc *time.Location) (time.Time, bool) {
	return parseDate(raw, nil, loc)
}
