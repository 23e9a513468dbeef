package aggregator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"bantin/db"
)

// fixedSubs is a subscriber whose view of every source is one secret and
// lease end.
type fixedSubs struct {
	secret   string
	leaseEnd time.Time
}

func (f fixedSubs) Merge(st *db.Source) { st.HubSecret, st.HubLeaseEnd = f.secret, f.leaseEnd }
func (f fixedSubs) ActiveFor(st *db.Source, now time.Time) bool {
	return f.leaseEnd.After(now)
}

// TestWriteMergesSubscriberState: the daemon's poller keeps source states
// in memory across polls; whatever it writes (a poll's state with or
// without items, a push) carries the subscriber's view of the hub
// subscription, not the stale copy's (websub's subscriber tests check
// that view).
func TestWriteMergesSubscriberState(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<rss version="2.0"><channel><title>t</title><item><title>Tin</title><link>https://x.example/1</link></item></channel></rss>`)
	}))
	defer up.Close()
	p, store := testPoller(t, up.URL, "  - {id: s, url: '{{URL}}/feed.xml'}\n")
	ctx := context.Background()
	pollAll(t, p, true)
	stale := source(t, store, "s")
	src := p.sourceConfig("s")
	for _, view := range []fixedSubs{{"bí-mật", time.Now().Add(time.Hour).Round(0)}, {"", time.Time{}}} {
		p.WebSub = view
		for _, items := range [][]db.Item{nil, {}} {
			stale.HubSecret, stale.HubLeaseEnd = "cũ", time.Now().Add(-time.Hour)
			p.write(ctx, outcome{job: job{state: stale, src: src}, items: items})
			if got := source(t, store, "s"); got.HubSecret != view.secret || !got.HubLeaseEnd.Equal(view.leaseEnd) {
				t.Errorf("write of a stale state (items %v): secret %q lease %v; want the subscriber's %q %v", items != nil, got.HubSecret, got.HubLeaseEnd, view.secret, view.leaseEnd)
			}
		}
		if err := store.SetSourceHub(ctx, "s", "cũ", time.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Ingest(ctx, "s", []byte(`<rss version="2.0"><channel><title>t</title><item><title>Tin đẩy</title><link>https://x.example/2</link></item></channel></rss>`), "application/rss+xml"); err != nil {
			t.Fatal(err)
		}
		if got := source(t, store, "s"); got.HubSecret != view.secret || !got.HubLeaseEnd.Equal(view.leaseEnd) {
			t.Errorf("push: secret %q lease %v; want the subscriber's %q %v", got.HubSecret, got.HubLeaseEnd, view.secret, view.leaseEnd)
		}
	}
}
