package interop

import (
	"context"
	"testing"
)

// TestPlainTextTitlesKeepAngleBrackets checks that titles the upstream
// marks as plain text keep characters that look like markup: a JSON Feed
// title is always plain text, and so is an Atom title with type="text".
// (An RSS title or an Atom type="html" title may carry markup, which the
// normaliser rightly strips: the fixture has those too.)
//
// This fails as of this commit: the normaliser strips "<canvas>" and
// "<b>" from these titles as if they were HTML, so readers get
// "Go 1.26 & the of modern backends".
func TestPlainTextTitlesKeepAngleBrackets(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	tests := []struct {
		name, link, want string
	}{
		{"json feed title", "https://techweekly.example.org/2026/11/rust-vs-go",
			"Go 1.26 & the <canvas> of modern backends"},
		{"atom type=text title", "https://world.example.com/tech/naive-parsers.html",
			`Why <b> tags & "quotes" trip up naïve feed parsers`},
		{"atom type=html title", "https://world.example.com/news/markets-rally.html",
			`Markets rally as Hanoi & Ho Chi Minh City report "record" exports`},
		{"rss title with escaped markup", "https://tinviet.example.vn/kinh-te/gia-vang-pha-dinh.html",
			`Giá vàng tăng vọt & "phá đỉnh" lịch sử`},
		{"rss title with a lone <", "https://tinviet.example.vn/kinh-te/lai-suat-tiet-kiem.html",
			`Lãi suất tiết kiệm < 5%/năm: gửi tiền "ở đâu" có lợi & an toàn?`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, err := s.Store.ItemByLink(ctx, tc.link)
			if err != nil {
				t.Fatalf("ItemByLink(%s): %v", tc.link, err)
			}
			if it.Title != tc.want {
				t.Errorf("stored title\n got: %q\nwant: %q", it.Title, tc.want)
			}
		})
	}
}
