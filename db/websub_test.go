package db

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestWebSubSubscriptions(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const topA, topB = "http://x/topics/a.atom", "http://x/tags/b.rss"
	subs := []WebSubSubscription{
		{Topic: topA, Callback: "http://s1/cb", Secret: "k1", LeaseEnd: now.Add(time.Hour), Created: now},
		{Topic: topA, Callback: "http://s2/cb", LeaseEnd: now.Add(-time.Second), Created: now},
		{Topic: topB, Callback: "http://s1/cb", Secret: "k2", LeaseEnd: now.Add(2 * time.Hour), Created: now},
	}
	for _, s := range subs {
		if err := d.SaveWebSubSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// Renewal replaces secret and lease, keeps Created.
	renew := WebSubSubscription{Topic: topA, Callback: "http://s1/cb", Secret: "k1b", LeaseEnd: now.Add(3 * time.Hour), Created: now.Add(time.Minute)}
	if err := d.SaveWebSubSubscription(ctx, renew); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, topic string
		want        []string // callback|secret
	}{
		{"one topic, expired left out", topA, []string{"http://s1/cb|k1b"}},
		{"other topic", topB, []string{"http://s1/cb|k2"}},
		{"all topics, by topic", "", []string{"http://s1/cb|k2", "http://s1/cb|k1b"}},
		{"unknown topic", "http://x/topics/none.atom", nil},
	}
	for _, c := range cases {
		got, err := d.WebSubSubscriptions(ctx, c.topic, now)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var gs []string
		for _, s := range got {
			gs = append(gs, s.Callback+"|"+s.Secret)
			if !s.Created.Equal(now) {
				t.Errorf("%s: Created = %v, want %v", c.name, s.Created, now)
			}
		}
		if len(gs) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, gs, c.want)
			continue
		}
		for i := range gs {
			if gs[i] != c.want[i] {
				t.Errorf("%s: got %v, want %v", c.name, gs, c.want)
			}
		}
	}

	if n, err := d.PruneWebSubSubscriptions(ctx, now); err != nil || n != 1 {
		t.Errorf("prune = %d, %v; want 1, nil", n, err)
	}
	if ok, err := d.DeleteWebSubSubscription(ctx, topA, "http://s1/cb"); err != nil || !ok {
		t.Errorf("delete = %v, %v; want true, nil", ok, err)
	}
	if ok, err := d.DeleteWebSubSubscription(ctx, topA, "http://s1/cb"); err != nil || ok {
		t.Errorf("second delete = %v, %v; want false, nil", ok, err)
	}
	if err := d.SaveWebSubSubscription(ctx, WebSubSubscription{Topic: topA}); err == nil {
		t.Error("save without callback: want error")
	}
}

func TestSetSourceHub(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SyncSources(ctx, []SourceSpec{{ID: "a", URL: "http://a/feed"}}); err != nil {
		t.Fatal(err)
	}
	s, _ := d.Source(ctx, "a")
	s.HubURL, s.HubTopic, s.Title = "http://hub/", "http://a/feed", "A"
	if err := d.SaveSourceState(ctx, s); err != nil {
		t.Fatal(err)
	}
	seq0, _ := d.ChangeSeq(ctx)
	lease := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := d.SetSourceHub(ctx, "a", "cafe", lease); err != nil {
		t.Fatal(err)
	}
	got, _ := d.Source(ctx, "a")
	if got.HubSecret != "cafe" || !got.HubLeaseEnd.Equal(lease) || got.HubURL != "http://hub/" || got.Title != "A" {
		t.Errorf("source = secret %q lease %v hub %q title %q; want cafe %v http://hub/ A", got.HubSecret, got.HubLeaseEnd, got.HubURL, got.Title, lease)
	}
	if seq, _ := d.ChangeSeq(ctx); seq != seq0 {
		t.Errorf("change seq moved %d -> %d", seq0, seq)
	}
	if err := d.SetSourceHub(ctx, "nope", "", time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown source: err = %v, want ErrNotFound", err)
	}
}

func TestEndSourceRelaxation(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	base := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name         string
		next, normal time.Time
		wantNext     time.Time
		wantChanged  bool
	}{
		{"relaxed", base.Add(24 * time.Hour), base.Add(10 * time.Minute), base.Add(10 * time.Minute), true},
		{"due earlier than normal", base.Add(5 * time.Minute), base.Add(10 * time.Minute), base.Add(5 * time.Minute), true},
		{"not relaxed", base.Add(24 * time.Hour), time.Time{}, base.Add(24 * time.Hour), false},
	}
	for _, c := range cases {
		if err := d.SyncSources(ctx, []SourceSpec{{ID: "a", URL: "http://a/feed"}}); err != nil {
			t.Fatal(err)
		}
		s, _ := d.Source(ctx, "a")
		s.NextDue, s.NormalDue, s.ETag, s.HubSecret = c.next, c.normal, `"e1"`, "cafe"
		if err := d.SaveSourceState(ctx, s); err != nil {
			t.Fatal(err)
		}
		changed, err := d.EndSourceRelaxation(ctx, "a")
		if err != nil || changed != c.wantChanged {
			t.Errorf("%s: EndSourceRelaxation = %v, %v; want %v, nil", c.name, changed, err, c.wantChanged)
		}
		got, _ := d.Source(ctx, "a")
		if !got.NextDue.Equal(c.wantNext) || !got.NormalDue.IsZero() || got.ETag != `"e1"` || got.HubSecret != "cafe" {
			t.Errorf("%s: next %v normal %v etag %q secret %q; want next %v, normal zero, other fields kept",
				c.name, got.NextDue, got.NormalDue, got.ETag, got.HubSecret, c.wantNext)
		}
	}
	if changed, err := d.EndSourceRelaxation(ctx, "nope"); err != nil || changed {
		t.Errorf("unknown source: %v, %v; want false, nil", changed, err)
	}
}

func TestWebSubDeliveryClaimedOnce(t *testing.T) {
	ctx := context.Background()
	d, dsn := mustOpen(t)
	now := time.Now()
	if err := d.SaveWebSubSubscription(ctx, WebSubSubscription{Topic: "t", Callback: "http://cb.test/", LeaseEnd: now.Add(time.Hour), SentETag: `"v0"`}); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.ClaimWebSubDelivery(ctx, "t", "http://cb.test/", `"v1"`, now, now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("first claim = %v, %v; want true", ok, err)
	}
	if !d.Postgres() {
		return // one instance: every delivery is its own
	}
	other, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if ok, _ := other.ClaimWebSubDelivery(ctx, "t", "http://cb.test/", `"v1"`, now, now.Add(time.Minute)); ok {
		t.Error("a second replica claimed the same delivery")
	}
	if ok, _ := other.ClaimWebSubDelivery(ctx, "t", "http://cb.test/", `"v1"`, now.Add(2*time.Minute), now.Add(3*time.Minute)); !ok {
		t.Error("the claim of a replica that died did not expire")
	}
	if ok, _ := other.ClaimWebSubDelivery(ctx, "t", "http://cb.test/", `"v2"`, now, now.Add(time.Minute)); !ok {
		t.Error("a new version could not be claimed")
	}
}

// TestMoveWebSubSubscriptions: subscriptions to a renamed feed's old URL
// move to the new one with their secret, lease and sent version; a
// subscriber already subscribed to the new URL keeps that subscription
// only.
func TestMoveWebSubSubscriptions(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t) // both engines
	now := time.Now().Truncate(time.Second)
	const from, to = "http://x/topics/cu.atom", "http://x/topics/moi.atom"
	for _, s := range []WebSubSubscription{
		{Topic: from, Callback: "http://s1/cb", Secret: "k1", LeaseEnd: now.Add(time.Hour), SentETag: `"v1"`},
		{Topic: from, Callback: "http://s2/cb", Secret: "old", LeaseEnd: now.Add(time.Hour)},
		{Topic: to, Callback: "http://s2/cb", Secret: "new", LeaseEnd: now.Add(2 * time.Hour)},
	} {
		if err := d.SaveWebSubSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	n, err := d.MoveWebSubSubscriptions(ctx, from, to)
	if err != nil || n != 1 {
		t.Fatalf("moved %d, %v; want 1", n, err)
	}
	if old, _ := d.WebSubSubscriptions(ctx, from, now); len(old) != 0 {
		t.Errorf("left under the old URL: %+v", old)
	}
	got, err := d.WebSubSubscriptions(ctx, to, now)
	if err != nil || len(got) != 2 {
		t.Fatalf("under the new URL: %+v, %v", got, err)
	}
	if got[0].Callback != "http://s1/cb" || got[0].Secret != "k1" || got[0].SentETag != `"v1"` || !got[0].LeaseEnd.Equal(now.Add(time.Hour)) {
		t.Errorf("moved subscription: %+v", got[0])
	}
	if got[1].Secret != "new" {
		t.Errorf("subscriber of both URLs: %+v, want its subscription to the new URL", got[1])
	}
}

// TestCopyCarriesWebSubState: migrate-db moves the WebSub subscriber's
// subscriptions, and the announcement records of an older SQLite desk
// (NUL-separated keys, which PostgreSQL refuses) arrive tab-separated.
func TestCopyCarriesWebSubState(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	mustSync(t, lite, "a")
	up := UpstreamSubscription{SourceID: "a", Hub: "http://hub.test/", Topic: "http://a.test/feed", Secret: "cafe",
		Verified: t0, LeaseEnd: t0.Add(time.Hour)}
	if err := lite.SaveUpstreamSubscription(ctx, up); err != nil {
		t.Fatal(err)
	}
	if err := lite.SetFeedVersion(ctx, "announce\x00http://hub.test/\x00topic/news", `"v1"`, t0); err != nil {
		t.Fatal(err)
	}
	pg, _ := openFresh(t)
	if counts, err := Copy(ctx, pg, lite); err != nil {
		t.Fatalf("Copy to PostgreSQL: %v (%v)", err, counts)
	}
	if got, err := pg.UpstreamSubscriptions(ctx); err != nil || !reflect.DeepEqual(got["a"], up) {
		t.Errorf("upstream subscriptions on PostgreSQL = %+v, %v; want %+v", got, err, up)
	}
	if etag, _, err := pg.FeedVersion(ctx, "announce\thttp://hub.test/\ttopic/news"); err != nil || etag != `"v1"` {
		t.Errorf("announcement record on PostgreSQL = %q, %v; want \"v1\" under the tab-separated key", etag, err)
	}
}

// TestWebSubRequestClaimedOnce: a subscription request is claimed by one
// sender while open, its verification taken once and within its window;
// a failed one is not claimed again before its retry time, an abandoned
// one (its sender stopped) 10 minutes after its window.
func TestWebSubRequestClaimedOnce(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	mustSync(t, d, "a")
	req := func(token string, since time.Time) WebSubRequest {
		return WebSubRequest{SourceID: "a", Mode: "subscribe", Topic: "http://a/feed", Hub: "http://hub/", Secret: "s-" + token,
			Lease: time.Hour, Since: since, Deadline: since.Add(5 * time.Minute), Token: token}
	}
	claim := func(name, token string, at time.Time, want bool) {
		t.Helper()
		if got, err := d.ClaimWebSubRequest(ctx, req(token, at), at); err != nil || got != want {
			t.Errorf("%s: claimed %v, %v; want %v", name, got, err, want)
		}
	}
	claim("first", "1", t0, true)
	claim("while open", "2", t0.Add(time.Minute), false)
	if s, err := d.WebSubSecrets(ctx, "a", t0); err != nil || len(s) != 1 || s[0] != "s-1" {
		t.Errorf("secrets while pending = %q, %v; want the pending request's", s, err)
	}
	if _, ok, _ := d.TakeWebSubRequest(ctx, "a", "subscribe", "http://a/feed", t0.Add(6*time.Minute), time.Time{}); ok {
		t.Error("verification after the window taken")
	}
	// Released by its sender after a failure: not before the retry time.
	if err := d.ReleaseWebSubRequest(ctx, "a", "subscribe", "http://a/feed", "1", t0.Add(8*time.Minute)); err != nil {
		t.Fatal(err)
	}
	claim("before the retry time", "3", t0.Add(7*time.Minute), false)
	claim("at the retry time", "4", t0.Add(8*time.Minute), true)
	r, ok, err := d.TakeWebSubRequest(ctx, "a", "subscribe", "http://a/feed", t0.Add(9*time.Minute), t0.Add(50*time.Minute))
	if err != nil || !ok || r.Secret != "s-4" || r.Lease != time.Hour || r.Token != "4" {
		t.Fatalf("take = %+v, %v, %v; want request 4", r, ok, err)
	}
	if _, ok, _ := d.TakeWebSubRequest(ctx, "a", "subscribe", "http://a/feed", t0.Add(9*time.Minute), time.Time{}); ok {
		t.Error("the same verification taken twice")
	}
	if err := d.ReleaseWebSubRequest(ctx, "a", "subscribe", "http://a/feed", "4", t0); err != nil {
		t.Fatal(err)
	}
	claim("verified: before its renewal time (a late release changes nothing)", "5", t0.Add(49*time.Minute), false)
	claim("renewal", "6", t0.Add(50*time.Minute), true)
	claim("abandoned, 9 min after its window", "7", t0.Add(64*time.Minute), false)
	claim("abandoned, 10 min after its window", "8", t0.Add(65*time.Minute), true)
}

// TestSwapFeedVersion: of two instances announcing one change, the one
// that moves the recorded version first claims it.
func TestSwapFeedVersion(t *testing.T) {
	ctx := context.Background()
	d, _ := mustOpen(t)
	key := "announce\thttp://hub/\ttopic/news"
	if err := d.SetFeedVersion(ctx, key, `"v1"`, t0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, old, etag string
		want            bool
	}{{"first", `"v1"`, `"v2"`, true}, {"second, from the same version", `"v1"`, `"v2"`, false}, {"back (a hub refused)", `"v2"`, `"v1"`, true}} {
		if got, err := d.SwapFeedVersion(ctx, key, c.old, c.etag, t0); err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if etag, _, _ := d.FeedVersion(ctx, key); etag != `"v1"` {
		t.Errorf("recorded %q, want \"v1\"", etag)
	}
}
