package publisher

import (
	"slices"
	"testing"
	"time"
)

// Tests of features that each worked alone but not together.

// TestPinHideLinksWithTrackingParameters: a pin: or hide: link copied from
// a shared page carries trackers the normaliser strips from stored links
// (Zalo's zarsrc and gidzl, Google's srsltid, utm_*): it names the same
// story as the stored link, as the published feed's own link does.
func TestPinHideLinksWithTrackingParameters(t *testing.T) {
	e := newEnv(t)
	h := time.Hour
	e.save("a",
		e.item("https://a.example.vn/moi", "Tin mới", 1*h, topicSlug),
		e.item("https://a.example.vn/an", "Tin bị ẩn", 2*h, topicSlug),
		e.item("https://a.example.vn/ghim?id=7", "Tin cũ được ghim", 30*h, topicSlug))
	cfg := *e.cfg
	cfg.Topics = slices.Clone(e.cfg.Topics)
	cfg.Topics[0].Pin = []string{"https://a.example.vn/ghim?zarsrc=30&id=7&utm_source=zalo&gidzl=AbC"}
	cfg.Topics[0].Hide = []string{"https://a.example.vn/an?srsltid=AfmBOo&gbraid=0A"}
	e.srv.Reload(&cfg)
	want := []string{"Tin cũ được ghim", "Tin mới"}
	if got := jsonTitles(t, e.get("/topics/"+topicSlug+".json").body); !slices.Equal(got, want) {
		t.Errorf("feed with a pin and a hide given with trackers: %q, want %q", got, want)
	}
	for _, link := range []string{cfg.Topics[0].Pin[0], "https://a.example.vn/ghim?id=7&_gl=1*abc"} {
		if got, want := LinkKey(link), LinkKey("https://a.example.vn/ghim?id=7"); got != want {
			t.Errorf("LinkKey(%q) = %q, want %q (as the stored link)", link, got, want)
		}
	}
}
