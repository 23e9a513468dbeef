package opml

import (
	"strings"
	"testing"
)

func TestSourceIDs(t *testing.T) {
	taken := map[string]bool{"vnexpress": true, "vnexpress-2": true}
	tests := []struct {
		title, url, want string
	}{
		{"VnExpress", "https://vnexpress.net/rss", "vnexpress-3"},
		{"VnExpress", "https://vnexpress.net/rss/2", "vnexpress-4"},
		{"Đài Tiếng nói Việt Nam (VOV)", "https://vov.vn/rss", "dai-tieng-noi-viet-nam-vov"},
		{"東京新聞", "https://www.tokyo-np.co.jp/rss/index.xml", "tokyo-np-co-jp-rss-index"},
		{"", "https://WWW.Example.com/feeds/all.atom.xml", "example-com-feeds-all-atom"},
		{"!!!", "https://example.org/", "example-org"},
		{"Báo điện tử của Đảng Cộng sản Việt Nam - Trang tin tổng hợp mới nhất", "https://x/", "bao-dien-tu-cua-dang-cong-san-viet-nam"},
		{strings.Repeat("x", 60), "https://y/", strings.Repeat("x", 40)},
		{"---", "http://[::1]/", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := newID(tt.title, tt.url, taken); got != tt.want {
				t.Errorf("newID(%q, %q) = %q, want %q", tt.title, tt.url, got, tt.want)
			}
		})
	}
}

func TestURLKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://Example.COM/feed/", "HTTPS://example.com/feed", true},
		{"https://example.com:443/feed", "https://example.com/feed", true},
		{"http://example.com:80/", "http://example.com", true},
		{"https://example.com/feed#top", "https://example.com/feed", true},
		{"https://example.com/Feed", "https://example.com/feed", false},
		{"http://example.com/feed", "https://example.com/feed", false},
		{"https://example.com/feed?a=1", "https://example.com/feed?a=2", false},
	}
	for _, tt := range tests {
		ka, okA := urlKey(tt.a)
		kb, okB := urlKey(tt.b)
		if !okA || !okB {
			t.Errorf("urlKey(%q)/urlKey(%q) not ok", tt.a, tt.b)
			continue
		}
		if (ka == kb) != tt.same {
			t.Errorf("urlKey(%q) = %q, urlKey(%q) = %q, same = %v, want %v", tt.a, ka, tt.b, kb, ka == kb, tt.same)
		}
	}
	for _, bad := range []string{"exec:~/x.sh", "file:///etc/feed.xml", "https:///nohost", "https://a.example/with space", "https://a.example/nel\u0085", "https://a.example/ls\u2028", "query:unread:flags # x", ""} {
		if k, ok := urlKey(bad); ok {
			t.Errorf("urlKey(%q) = %q, ok; want not ok", bad, k)
		}
	}
	for in, want := range map[string]string{"feed://a.example/rss": "http://a.example/rss", "feed:https://a.example/rss": "https://a.example/rss", " https://x/ ": "https://x/", "https://x/a b": "https://x/a%20b"} {
		if got := feedURL(in); got != want {
			t.Errorf("feedURL(%q) = %q, want %q", in, got, want)
		}
	}
}
