package config

import (
	"fmt"
	"strings"
	"testing"
)

// bigConfig builds a config with n sources and m topics of 20 phrases.
func bigConfig(n, m int) []byte {
	var b strings.Builder
	b.WriteString("sources:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - id: source-%d\n    url: https://feeds%d.example.vn/rss/tin-moi.rss\n    title: \"Nguồn %d\"\n    tags: [\"Kinh tế\", \"Hà Nội\"]\n", i, i%500, i)
	}
	b.WriteString("topics:\n")
	for i := 0; i < m; i++ {
		fmt.Fprintf(&b, "  - slug: topic-%d\n    title: \"Chủ đề %d\"\n    match:\n      any:\n        - keywords: [", i, i)
		for j := 0; j < 20; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "\"từ khóa %d %d\"", i, j)
		}
		fmt.Fprintf(&b, "]\n        - sources: [source-%d]\n      none:\n        - keywords: [\"quảng cáo\"]\n", i%n)
	}
	return []byte(b.String())
}

// BenchmarkParse10kSources: 10,000 sources and 1,000 topics.
func BenchmarkParse10kSources(b *testing.B) {
	data := bigConfig(10000, 1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data, "big.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}
