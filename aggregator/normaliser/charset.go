package normaliser

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	icu "github.com/saintfish/chardet"
	"github.com/wlynxg/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// Encoding names reported in Parsed.Encoding for the Unicode encodings.
const (
	encUTF8    = "utf-8"
	encUTF16BE = "utf-16be"
	encUTF16LE = "utf-16le"
	encUTF32BE = "utf-32be"
	encUTF32LE = "utf-32le"
)

// xmlDeclRe matches an XML declaration at the start of a document (after
// optional white space) and captures its encoding pseudo-attribute value.
var (
	xmlDeclRe    = regexp.MustCompile(`^\s*<\?xml\s[^>]*?\?>`)
	xmlDeclEncRe = regexp.MustCompile(`(?i)\bencoding\s*=\s*["']\s*([^"'\s]*)\s*["']`)
	xmlDeclStdRe = regexp.MustCompile(`(?i)\bstandalone\s*=\s*["'](yes|no)["']`)
	// xmlDeclOKRe matches a declaration the XML decoder takes as it is.
	xmlDeclOKRe   = regexp.MustCompile(`^<\?xml\s+version\s*=\s*["']1\.0["'](\s+encoding\s*=\s*["'](?i:utf-?8)["'])?(\s+standalone\s*=\s*["'](yes|no)["'])?\s*\?>$`)
	unicodeLabels = map[string]string{
		"utf-8": encUTF8, "utf8": encUTF8, "unicode-1-1-utf-8": encUTF8,
		"utf-16be": encUTF16BE, "utf-16le": encUTF16LE, "utf-16": "", "utf16": "", "unicode": "", "ucs-2": "", "iso-10646-ucs-2": "",
		"utf-32be": encUTF32BE, "utf-32le": encUTF32LE, "utf-32": "", "utf32": "", "ucs-4": "", "iso-10646-ucs-4": "",
	}
)

// gzipMagic starts gzip data: Parse names such a body rather than calling
// it an unknown format.
var gzipMagic = []byte{0x1f, 0x8b}

// decoded is the outcome of charset detection: the document as UTF-8 and the
// name of the encoding it was decoded from.
type decoded struct {
	text     []byte
	encoding string
}

// decode detects the encoding of body and returns it transcoded to UTF-8.
//
// Order of precedence: UTF-16/32 recognised from a byte order mark or from
// the layout of "<?" (such bytes cannot be in any ASCII-compatible
// charset), the charset parameter of contentType, a UTF-8 byte order mark,
// the XML declaration's encoding, then sniffing (valid or mostly valid
// UTF-8, else windows-1258 when the bytes look Vietnamese, else a legacy
// charset detected with confidence, else windows-1252). Unknown labels are
// skipped. A declared legacy charset is overridden by UTF-8 when the bytes
// are valid UTF-8 and contain multi-byte sequences (mislabelled UTF-8:
// legacy text is practically never valid multi-byte UTF-8), or when its
// decoder rejects the bytes; a windows-1252 label by windows-1258 when the
// bytes are surely Vietnamese. A UTF-8 label is skipped when the bytes are
// mostly invalid UTF-8 (see notUTF8). Bytes invalid in UTF-8 inside an
// otherwise UTF-8 document are read as windows-1252, so the result is
// always valid UTF-8.
func decode(body []byte, contentType string) decoded {
	bomEnc, bomLen := sniffBOM(body)
	patEnc := sniffPattern(body)
	declLabel := declaredEncoding(body[bomLen:], firstNonEmpty(bomEnc, patEnc))

	var labels []string
	if wide := firstNonEmpty(bomEnc, patEnc); wide != "" && wide != encUTF8 {
		// Bytes laid out as UTF-16/32 cannot be in an ASCII-compatible
		// charset, whatever the header says.
		labels = append(labels, wide)
	}
	if l := httpCharset(contentType); l != "" {
		labels = append(labels, l)
	}
	if bomEnc != "" {
		labels = append(labels, bomEnc)
	}
	if declLabel != "" {
		labels = append(labels, declLabel)
	}
	for _, label := range labels {
		name, enc := lookupEncoding(label, bomEnc, patEnc)
		if name == "" {
			continue // unknown label: try the next source of truth
		}
		if d, ok := decodeWith(body, bomLen, name, enc); ok {
			return d
		}
	}
	return sniffDecode(body[bomLen:])
}

// sniffDecode decodes unlabelled bytes: UTF-8 when valid or mostly valid
// (stray bytes read as windows-1252), else windows-1258 when the bytes look
// like Vietnamese in that code page, else the charset detectLegacy finds
// with confidence (CJK, Cyrillic, Hebrew, Greek, Thai), else windows-1252.
func sniffDecode(b []byte) decoded {
	if utf8.Valid(b) {
		return decoded{text: b, encoding: encUTF8}
	}
	if valid, invalid := utf8Counts(b); valid >= invalid {
		return decoded{text: lenientUTF8(b), encoding: encUTF8}
	}
	if looksWindows1258(b) {
		if out, err := charmap.Windows1258.NewDecoder().Bytes(b); err == nil {
			return decoded{text: out, encoding: "windows-1258"}
		}
	}
	if d, ok := detectLegacy(b); ok {
		return d
	}
	return decoded{text: lenientUTF8(b), encoding: "windows-1252"}
}

// Limits of detectLegacy.
const (
	// detectMaxBytes is how much of a document the detector reads: enough
	// for its statistics, and a bound on its cost.
	detectMaxBytes = 32 << 10
	// detectMinConfidence is the confidence (0-1) below which the
	// detector's answer is ignored. Western text in windows-1252 scores at
	// most ~0.77 for a wrong single-byte charset (Turkish) and is not in
	// detectable anyway; real Cyrillic, CJK, Hebrew and Greek text scores
	// 0.95-0.99, short Thai text 0.8-0.9.
	detectMinConfidence = 0.7
)

// detectable maps the charsets detectLegacy may accept (the detector's
// names, lower-cased) to the labels looked up for their decoders. The
// Latin charsets (windows-1252, ISO-8859-1/2/9/15, MacRoman) are left
// out: their statistics overlap, and windows-1252 is the fallback anyway.
// So are DOS and Mac Cyrillic (no feed uses them; the detector confuses
// them with Western text) and charsets without a decoder (EUC-TW, Johab).
var detectable = map[string]string{
	"big5": "big5", "gb2312": "gbk", "gb18030": "gb18030",
	"euc-kr": "euc-kr", "cp949": "euc-kr",
	"euc-jp": "euc-jp", "shift_jis": "shift_jis", "cp932": "shift_jis",
	"koi8-r": "koi8-r", "windows-1251": "windows-1251", "iso-8859-5": "iso-8859-5",
	"windows-1255": "windows-1255", "iso-8859-8": "windows-1255",
	"windows-1253": "windows-1253", "iso-8859-7": "iso-8859-7",
	"tis-620": "windows-874",
}

// icuMultiByte maps the CJK multi-byte charsets of ICU's detector to the
// labels looked up for their decoders.
var icuMultiByte = map[string]string{
	"shift_jis": "shift_jis", "euc-jp": "euc-jp", "euc-kr": "euc-kr",
	"gb-18030": "gb18030", "big5": "big5",
}

// icuMinConfidence is the confidence (0-100) ICU's multi-byte detectors
// must reach: they score 100 for real CJK text and report none of these
// charsets for Western text.
const icuMinConfidence = 80

// detectLegacy guesses the charset of bytes that declare none and are not
// UTF-8. It asks Mozilla's universal charset detector (Python chardet's
// port to Go) first: it knows single-byte and multi-byte charsets. When
// that one is unsure (short, kanji-heavy Japanese text scores low), ICU's
// detector decides among the CJK multi-byte charsets only, where it is the
// stronger of the two. A guess is accepted when it is a detectable charset
// with enough confidence and its decoder reads the bytes with few
// replacement characters; else detectLegacy reports false.
func detectLegacy(b []byte) (d decoded, ok bool) {
	defer func() {
		// The detectors are third-party code fed hostile bytes: a panic in
		// them means "not detected", never a crash of the poller.
		if r := recover(); r != nil {
			d, ok = decoded{}, false
		}
	}()
	sample := b
	if len(sample) > detectMaxBytes {
		sample = sample[:detectMaxBytes]
	}
	if r := chardet.Detect(sample); r.Confidence >= detectMinConfidence {
		if label, ok := detectable[strings.ToLower(r.Encoding)]; ok {
			if d, ok := decodeGuess(b, label); ok {
				return d, true
			}
		}
	}
	results, err := icu.NewTextDetector().DetectAll(sample)
	if err != nil {
		return decoded{}, false
	}
	for _, r := range results {
		if r.Confidence < icuMinConfidence {
			break // results are sorted by confidence
		}
		if label, ok := icuMultiByte[strings.ToLower(r.Charset)]; ok {
			if d, ok := decodeGuess(b, label); ok {
				return d, true
			}
		}
	}
	return decoded{}, false
}

// decodeGuess decodes b in the charset a detector guessed. It reports
// false when the decoder fails or writes U+FFFD (for byte sequences the
// charset lacks) for more than one character in a hundred.
func decodeGuess(b []byte, label string) (decoded, bool) {
	name, enc := lookupEncoding(label, "", "")
	if enc == nil {
		return decoded{}, false
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return decoded{}, false
	}
	if bad := bytes.Count(out, []byte("\uFFFD")); bad > 0 && bad*100 > utf8.RuneCount(out) {
		return decoded{}, false
	}
	return decoded{text: lenientUTF8(out), encoding: name}, true
}

// utf8Counts counts the valid multi-byte sequences of b and the bytes
// that are not part of a valid sequence.
func utf8Counts(b []byte) (valid, invalid int) {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			invalid++
		case size > 1:
			valid++
		}
		i += size
	}
	return valid, invalid
}

// notUTF8 reports whether bytes labelled UTF-8 are plainly something else:
// invalid bytes far outnumber the valid multi-byte sequences (none at all
// in legacy text, a few by accident). UTF-8 with a few stray Latin-1
// bytes is still UTF-8 (lenientUTF8 reads those).
func notUTF8(b []byte) bool {
	if utf8.Valid(b) {
		return false
	}
	valid, invalid := utf8Counts(b)
	return invalid >= 3 && invalid > 3*valid
}

// vi1258Signs counts what makes bytes read as Vietnamese in windows-1258.
type vi1258Signs struct {
	nonASCII int
	// score counts its letters đ, Đ at the start of a word, ư, Ư (ð, Ð,
	// ý, Ý in windows-1252, rare in Western text; Icelandic ð never
	// starts a word) and its combining tone marks right after a vowel
	// (Ì, ì, Þ, Ò, ò in windows-1252).
	score int
	// strong counts the signs no Western text in windows-1252 shows: a
	// word-initial đ/Đ before a letter; a hook above, tilde or grave (Ò,
	// Þ, Ì) after a vowel; a dot below or acute (ò, ì) after a vowel,
	// unless it ends a word after u (Italian "può"). Icelandic ý is ư:
	// it counts in score only.
	strong int
}

func signs1258(b []byte) vi1258Signs {
	var s vi1258Signs
	prevVowel, prevHighVowel, prevU, prevLetter := false, false, false, false
	for i, c := range b {
		if c >= 0x80 {
			s.nonASCII++
		}
		switch c {
		case 0xF0, 0xD0:
			if !prevLetter {
				s.score++
				if i+1 < len(b) && isLetter1252(b[i+1]) {
					s.strong++
				}
			}
		case 0xFD, 0xDD:
			s.score++
		case 0xCC, 0xDE, 0xD2:
			if prevVowel {
				s.score++
				s.strong++
			}
		case 0xEC, 0xF2:
			if prevVowel {
				s.score++
				next := byte(' ')
				if i+1 < len(b) {
					next = b[i+1]
				}
				if prevHighVowel || !prevU || isLetter1252(next) {
					s.strong++
				}
			}
		}
		prevVowel = isVowel1258(c)
		prevHighVowel = prevVowel && c >= 0x80
		prevU = c == 'u' || c == 'U'
		prevLetter = isLetter1252(c)
	}
	return s
}

func isLetter1252(c byte) bool {
	return c >= 0xC0 || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// looksWindows1258 reports whether legacy bytes read as Vietnamese in
// windows-1258: its signs (see vi1258Signs) make up a good part of the
// non-ASCII bytes, one of them at least a strong one.
func looksWindows1258(b []byte) bool {
	s := signs1258(b)
	return s.score >= 3 && s.score*3 >= s.nonASCII && s.strong >= 1
}

// surelyWindows1258 reports whether bytes labelled windows-1252 (or
// ISO-8859-1) are Vietnamese in windows-1258 beyond doubt: they look it,
// with several signs that Western text never shows.
func surelyWindows1258(b []byte) bool {
	s := signs1258(b)
	return s.score >= 3 && s.score*3 >= s.nonASCII && s.strong >= 3 && s.strong*5 >= s.nonASCII
}

// isVowel1258 reports whether c is a vowel a tone mark may follow in
// windows-1258: ASCII vowels and â, ê, ô, ă, ơ, ư in either case.
func isVowel1258(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'A', 'E', 'I', 'O', 'U', 'Y',
		0xE2, 0xC2, 0xEA, 0xCA, 0xF4, 0xD4, 0xE3, 0xC3, 0xF5, 0xD5, 0xFD, 0xDD:
		return true
	}
	return false
}

// decodeWith decodes body (whose BOM is bomLen bytes long) as name/enc. It
// reports false when the encoding cannot apply: a UTF-16/32 label on bytes
// that are not, a UTF-8 label on bytes that are mostly invalid UTF-8 (a
// legacy charset, windows-1258 most often, behind a default "utf-8"
// header or declaration). A windows-1252 (ISO-8859-1) label on bytes that
// are surely Vietnamese in windows-1258 gives windows-1258.
func decodeWith(body []byte, bomLen int, name string, enc encoding.Encoding) (decoded, bool) {
	rest := body[bomLen:]
	switch name {
	case encUTF8:
		if utf8.Valid(rest) { // the rule: checked once
			return decoded{text: rest, encoding: encUTF8}, true
		}
		if notUTF8(rest) {
			return decoded{}, false
		}
		return decoded{text: lenientUTF8(rest), encoding: encUTF8}, true
	case encUTF16BE, encUTF16LE, encUTF32BE, encUTF32LE:
		if bomLen == 1 || bomLen == 3 { // a UTF-8 BOM contradicts the label
			return decoded{}, false
		}
		if bomLen == 0 && sniffPattern(rest) == "" && !looksWide(rest, name) {
			return decoded{}, false
		}
		out, err := enc.NewDecoder().Bytes(rest)
		if err != nil {
			return decoded{}, false
		}
		return decoded{text: lenientUTF8(out), encoding: name}, true
	}
	// A legacy charset. Mislabelled UTF-8 is far more common on the web
	// than legacy text that happens to be valid multi-byte UTF-8.
	if utf8.Valid(rest) && hasMultiByte(rest) {
		return decoded{text: rest, encoding: encUTF8}, true
	}
	if name == "windows-1252" && surelyWindows1258(rest) {
		name, enc = "windows-1258", charmap.Windows1258
	}
	out, err := enc.NewDecoder().Bytes(rest)
	if err != nil {
		return decoded{}, false
	}
	return decoded{text: lenientUTF8(out), encoding: name}, true
}

// looksWide reports whether b plausibly is text in the named UTF-16/32
// variant: some of its first characters are ASCII in that layout.
func looksWide(b []byte, name string) bool {
	if len(b) < 4 {
		return false
	}
	switch name {
	case encUTF16BE:
		return b[0] == 0 && b[1] != 0
	case encUTF16LE:
		return b[0] != 0 && b[1] == 0
	case encUTF32BE:
		return b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] != 0
	case encUTF32LE:
		return b[0] != 0 && b[1] == 0 && b[2] == 0 && b[3] == 0
	}
	return false
}

func hasMultiByte(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// lenientUTF8 returns b as valid UTF-8: valid sequences are kept, every byte
// that is not part of one is read as windows-1252 (documents mixing UTF-8 and
// Latin-1 are common in the wild).
func lenientUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b // never modified in place: no copy needed
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	dec := charmap.Windows1252
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, dec.DecodeByte(b[0]))
			b = b[1:]
			continue
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return out
}

// httpCharset returns the charset parameter of a Content-Type value, or "".
func httpCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err == nil {
		return cleanLabel(params["charset"])
	}
	// Lenient fallback for values mime rejects (e.g. charset='us-ascii').
	for _, part := range strings.Split(contentType, ";")[1:] {
		k, v, ok := strings.Cut(part, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "charset") {
			return cleanLabel(v)
		}
	}
	return ""
}

func cleanLabel(l string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(l), `"' `))
}

// sniffBOM returns the encoding named by a byte order mark and its length.
func sniffBOM(b []byte) (string, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return encUTF32BE, 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return encUTF32LE, 4
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return encUTF8, 3
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return encUTF16BE, 2
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return encUTF16LE, 2
	}
	return "", 0
}

// sniffPattern recognises UTF-16/32 without a BOM from how "<" (or "<?")
// is laid out in the first bytes (XML 1.0 appendix F).
func sniffPattern(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, 0x3C}):
		return encUTF32BE
	case bytes.HasPrefix(b, []byte{0x3C, 0x00, 0x00, 0x00}):
		return encUTF32LE
	case bytes.HasPrefix(b, []byte{0x00, 0x3C, 0x00, 0x3F}), bytes.HasPrefix(b, []byte{0x00, 0x3C, 0x00}):
		return encUTF16BE
	case bytes.HasPrefix(b, []byte{0x3C, 0x00, 0x3F, 0x00}), bytes.HasPrefix(b, []byte{0x3C, 0x00}) && len(b) > 2 && b[2] != 0:
		return encUTF16LE
	}
	return ""
}

// declaredEncoding returns the lower-cased encoding label of the XML
// declaration at the start of b, decoding the prefix first when the
// document is UTF-16/32 (wide is then its encoding name).
func declaredEncoding(b []byte, wide string) string {
	head := b
	if len(head) > 1024 {
		head = head[:1024]
	}
	if wide != "" && wide != encUTF8 {
		_, enc := lookupEncoding(wide, "", "")
		if enc == nil {
			return ""
		}
		out, err := enc.NewDecoder().Bytes(head[:len(head)&^3])
		if err != nil {
			return ""
		}
		head = out
	}
	decl := xmlDeclRe.Find(head)
	if decl == nil {
		return ""
	}
	m := xmlDeclEncRe.FindSubmatch(decl)
	if m == nil {
		return ""
	}
	return cleanLabel(string(m[1]))
}

// lookupEncoding maps a charset label to a canonical name and decoder. The
// generic "utf-16"/"utf-32" labels take their byte order from the BOM or
// the byte pattern (big-endian by default). It returns "" for unknown
// labels.
func lookupEncoding(label, bomEnc, patEnc string) (string, encoding.Encoding) {
	label = cleanLabel(label)
	if name, ok := unicodeLabels[label]; ok {
		if name == "" { // generic UTF-16 or UTF-32: byte order from the data
			wide := firstNonEmpty(bomEnc, patEnc)
			if strings.HasPrefix(label, "utf-32") || strings.HasPrefix(label, "utf32") || strings.HasPrefix(label, "ucs-4") || label == "iso-10646-ucs-4" {
				name = encUTF32BE
				if wide == encUTF32LE {
					name = encUTF32LE
				}
			} else {
				name = encUTF16BE
				if wide == encUTF16LE {
					name = encUTF16LE
				}
			}
		}
		return name, unicodeEncoding(name)
	}
	if enc, err := htmlindex.Get(label); err == nil {
		name, _ := htmlindex.Name(enc)
		if name == "" {
			name = label
		}
		if name == "utf-8" {
			return encUTF8, nil
		}
		if strings.HasPrefix(name, "utf-16") {
			return name, unicodeEncoding(name)
		}
		return name, enc
	}
	if enc, err := ianaindex.IANA.Encoding(label); err == nil && enc != nil {
		name, _ := ianaindex.IANA.Name(enc)
		if name == "" {
			name = label
		}
		return strings.ToLower(name), enc
	}
	return "", nil
}

func unicodeEncoding(name string) encoding.Encoding {
	switch name {
	case encUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case encUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case encUTF32BE:
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	case encUTF32LE:
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	}
	return nil
}

// rewriteDecl replaces the XML declaration of the UTF-8 text b (if any) by
// one that declares version 1.0 and UTF-8, so the XML decoder neither
// re-decodes the text nor rejects an unsupported version.
func rewriteDecl(b []byte) []byte {
	loc := xmlDeclRe.FindIndex(b)
	if loc == nil {
		return b
	}
	if loc[0] == 0 && xmlDeclOKRe.Match(b[:loc[1]]) {
		return b // already says 1.0 and UTF-8 (or nothing): avoid a copy
	}
	decl := `<?xml version="1.0" encoding="utf-8"`
	if m := xmlDeclStdRe.Find(b[loc[0]:loc[1]]); m != nil {
		decl += " " + string(m)
	}
	decl += "?>"
	out := make([]byte, 0, len(b)-(loc[1]-loc[0])+len(decl))
	out = append(out, decl...)
	return append(out, b[loc[1]:]...)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
