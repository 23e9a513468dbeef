package publisher

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TestIndexTimesInDefaultZone: the index page shows item times in the
// config's defaults timezone with its UTC offset (and abbreviation); the
// machine-readable datetime stays RFC 3339 in UTC.
func TestIndexTimesInDefaultZone(t *testing.T) {
	published := time.Date(2020, 4, 26, 3, 11, 0, 0, time.UTC)
	tests := map[string]struct{ zone, want string }{
		"vietnam":       {"Asia/Ho_Chi_Minh", "2020-04-26 10:11 UTC+07:00"},
		"summer time":   {"Europe/Paris", "2020-04-26 05:11 CEST (UTC+02:00)"},
		"date line":     {"America/Los_Angeles", "2020-04-25 20:11 PDT (UTC-07:00)"},
		"utc":           {"UTC", "2020-04-26 03:11 UTC"},
		"no zone named": {"", "2020-04-26 03:11 UTC"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.cfg.Defaults.Timezone = tc.zone
			e.save("a", e.item("https://a.example.vn/1", "Giá xăng giảm", e.now.Sub(published), topicSlug))
			doc, err := html.Parse(bytes.NewReader(e.get("/").body))
			if err != nil {
				t.Fatal(err)
			}
			var shown, datetime []string
			htmlWalk(doc, func(n *html.Node) {
				if n.DataAtom != atom.Time {
					return
				}
				for _, a := range n.Attr {
					if a.Key == "datetime" {
						datetime = append(datetime, a.Val)
					}
				}
				if n.FirstChild != nil {
					shown = append(shown, n.FirstChild.Data)
				}
			})
			if len(shown) != 1 || shown[0] != tc.want {
				t.Errorf("index shows %q, want [%q]", shown, tc.want)
			}
			if want := "2020-04-26T03:11:00Z"; len(datetime) != 1 || datetime[0] != want {
				t.Errorf("datetime = %q, want [%q]", datetime, want)
			}
		})
	}
}
