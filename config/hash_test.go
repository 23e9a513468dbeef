package config

import (
	"regexp"
	"testing"
)

func TestTopicsHash(t *testing.T) {
	const base = `topics:
  - slug: ha-noi
    title: "Hà Nội"
    limit: 20
    match:
      any:
        - keywords: ["ha noi", "Thủ đô"]
        - tags: [ha-noi]
      none:
        - keywords: ["quảng cáo"]
  - slug: kinh-te
    title: "Kinh tế"
    max_age: 7d
    match:
      keywords: ["kinh tế"]
`
	tests := []struct {
		name string
		src  string
		same bool
	}{
		{"identical", base, true},
		{"keys reordered", `topics:
  - match:
      none:
        - keywords: ["quảng cáo"]
      any:
        - tags: [ha-noi]
        - keywords: ["Thủ đô", "ha noi"]
    limit: 20
    title: "Hà Nội"
    slug: ha-noi
  - max_age: 7d
    slug: kinh-te
    match:
      keywords: ["kinh tế"]
    title: "Kinh tế"
`, true},
		{"topics reordered, flow style", `topics:
  - {slug: kinh-te, match: {keywords: ["kinh tế"]}, max_age: 168h}
  - slug: ha-noi
    match: {any: [{tags: [ha-noi]}, {keywords: ["ha noi", "Thủ đô"]}], none: [{keywords: ["quảng cáo"]}]}
`, true},
		{"publish-time settings changed", `topics:
  - slug: ha-noi
    title: "Thủ đô Hà Nội"
    description: "Tin Hà Nội"
    limit: 100
    max_per_source: 2
    dedupe: false
    pin: [https://example.vn/a]
    hide: [https://example.vn/b]
    match:
      any:
        - keywords: ["ha noi", "Thủ đô"]
        - tags: [ha-noi]
      none:
        - keywords: ["quảng cáo"]
  - slug: kinh-te
    max_age: 7d
    match:
      keywords: ["kinh tế"]
`, true},
		{"NFD keyword", "topics:\n  - slug: ha-noi\n    match:\n      any:\n        - keywords: [\"ha noi\", \"Thu\u0309 \u0111o\u0302\"]\n        - tags: [ha-noi]\n      none:\n        - keywords: [\"qua\u0309ng ca\u0301o\"]\n  - slug: kinh-te\n    max_age: 7d\n    match:\n      keywords: [\"kinh te\u0302\u0301\"]\n", true},
		{"keyword changed", replace(base, `"ha noi"`, `"hanoi"`), false},
		{"keyword added", replace(base, `"Thủ đô"]`, `"Thủ đô", "Hanoi"]`), false},
		{"diacritics matter", replace(base, `"kinh tế"`, `"kinh te"`), false},
		{"combinator changed", replace(base, "      none:", "      all:"), false},
		{"max_age changed", replace(base, "max_age: 7d", "max_age: 8d"), false},
		{"slug changed", replace(base, "slug: kinh-te", "slug: kinh-te-vn"), false},
		{"rule key changed", replace(base, "tags: [ha-noi]", "categories: [ha-noi]"), false},
		{"topic removed", base[:len(base)-len("  - slug: kinh-te\n    title: \"Kinh tế\"\n    max_age: 7d\n    match:\n      keywords: [\"kinh tế\"]\n")], false},
	}
	want := mustParse(t, base, "h.yaml").TopicsHash()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(want) {
		t.Fatalf("TopicsHash() = %q, want 64 hex digits", want)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustParse(t, tc.src, "h.yaml").TopicsHash()
			if (got == want) != tc.same {
				t.Errorf("TopicsHash() = %s, base %s; want same=%v", got, want, tc.same)
			}
		})
	}
	if h := (&Config{}).TopicsHash(); h == want || len(h) != 64 {
		t.Errorf("TopicsHash of no topics = %q, want a distinct 64-digit hash", h)
	}
}

func replace(s, old, new string) string {
	out := regexp.MustCompile(regexp.QuoteMeta(old)).ReplaceAllLiteralString(s, new)
	if out == s {
		panic("replace: " + old + " not found")
	}
	return out
}
