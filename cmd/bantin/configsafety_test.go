package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bantin/db"
	"bantin/internal/testenv"
)

// switchable serves one RSS feed per path, two items each, titled with the
// path; a path can be made to fail (500) and is counted.
type switchable struct {
	mu    sync.Mutex
	fail  map[string]bool
	hits  map[string]*atomic.Int64
	items map[string][]string
}

func newSwitchable(t *testing.T, items map[string][]string) (*switchable, string) {
	s := &switchable{fail: map[string]bool{}, hits: map[string]*atomic.Int64{}, items: items}
	for p := range items {
		s.hits[p] = new(atomic.Int64)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *switchable) setFail(path string, fail bool) {
	s.mu.Lock()
	s.fail[path] = fail
	s.mu.Unlock()
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	fail, titles, hits := s.fail[r.URL.Path], s.items[r.URL.Path], s.hits[r.URL.Path]
	s.mu.Unlock()
	if hits == nil {
		http.NotFound(w, r)
		return
	}
	hits.Add(1)
	if fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, `<rss version="2.0"><channel><title>Feed</title><link>https://feed.example/</link>`)
	for i, title := range titles {
		fmt.Fprintf(w, `<item><title>%s</title><link>https://feed.example%s/%d</link><guid>%s-%d</guid><category>Thời sự</category><pubDate>%s</pubDate></item>`,
			title, r.URL.Path, i, r.URL.Path, i, time.Now().Add(-time.Duration(i+1)*time.Hour).Format(time.RFC1123Z))
	}
	fmt.Fprint(w, `</channel></rss>`)
}

// TestReloadRefusesLargeRemoval: a config cut at a line boundary (valid
// YAML, no topics left) and one that drops most topics are refused on
// reload, logged with the counts, and every feed stays published; a small
// removal goes through, and so does a large one the file asks for.
// (The reloads are the daemon's ReloadFile, what SIGHUP calls.)
func TestReloadRefusesLargeRemoval(t *testing.T) {
	_, up := newSwitchable(t, map[string][]string{
		"/a.rss": {"Hà Nội đón mùa thu", "Giá vàng Hà Nội tăng"},
		"/b.rss": {"Thời tiết miền Bắc", "Kinh tế quý ba"},
	})
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "bantin.yaml")
	head := fmt.Sprintf("base_url: http://%s\ndatabase: d.db\ndefaults: {retention: 3650d}\nsources:\n  - {id: a, url: '%s/a.rss'}\n  - {id: b, url: '%s/b.rss'}\n", addr, up, up)
	topics := []string{
		"  - {slug: ha-noi, match: {keywords: [ha noi]}}\n",
		"  - {slug: thoi-tiet, match: {keywords: [thoi tiet]}}\n",
		"  - {slug: kinh-te, match: {keywords: [kinh te, gia vang]}}\n",
	}
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full := head + "topics:\n" + strings.Join(topics, "")
	write(full)
	d := runDaemon(t, mustLoad(t, cfgPath), DaemonOptions{Polling: true, Listen: addr})
	published := func(slug string) int { return feedCount(d.base, "/topics/"+slug+".json") }
	testenv.WaitFor(t, "topics published", 10*time.Second, func() bool {
		return published("ha-noi") == 2 && published("thoi-tiet") == 1 && published("kinh-te") == 2
	})

	// Cut after the sources: valid YAML, 0 topics.
	write(head)
	line := d.reload(t)
	for _, want := range []string{"reload refused", "removes 3 of 3 topics (ha-noi, kinh-te, thoi-tiet), leaving 0", "topics_before=3", "topics_after=0", "allow_large_removal"} {
		if !strings.Contains(line, want) {
			t.Errorf("refusal log line lacks %q:\n%s", want, line)
		}
	}
	// 2 of 3 topics and, separately, 2 of 2 sources: refused too.
	write(head + "topics:\n" + topics[0])
	if line := d.reload(t); !strings.Contains(line, "reload refused") || !strings.Contains(line, "removes 2 of 3 topics") {
		t.Errorf("removing 2 of 3 topics: %s", line)
	}
	write(fmt.Sprintf("base_url: http://%s\ndatabase: d.db\nsources:\n  - {id: c, url: '%s/a.rss'}\ntopics:\n%s", addr, up, strings.Join(topics, "")))
	if line := d.reload(t); !strings.Contains(line, "reload refused") || !strings.Contains(line, "removes 2 of 2 sources (a, b), leaving 1") {
		t.Errorf("replacing every source: %s", line)
	}
	for slug, n := range map[string]int{"ha-noi": 2, "thoi-tiet": 1, "kinh-te": 2} {
		if got := published(slug); got != n {
			t.Errorf("after refused reloads, %s has %d items, want %d (running config kept)", slug, got, n)
		}
	}

	// `bantin check` says what the cut file would do to the database.
	write(head)
	code, _, errOut := runCLI(t, context.Background(), "check", "-config", cfgPath)
	if code != 0 || !strings.Contains(errOut, "removes 3 of 3 topics") || !strings.Contains(errOut, "allow_large_removal") {
		t.Errorf("check of a cut config: exit %d\n%s", code, errOut)
	}

	// One topic of three: accepted.
	write(head + "topics:\n" + topics[0] + topics[1])
	if line := d.reload(t); !strings.Contains(line, "config reloaded") {
		t.Errorf("removing 1 of 3 topics: %s", line)
	}
	testenv.WaitFor(t, "kinh-te gone", 10*time.Second, func() bool { return published("kinh-te") == -404 })

	// Everything but one topic, said to be meant: accepted.
	write("allow_large_removal: true\n" + head + "topics:\n" + topics[1])
	if line := d.reload(t); !strings.Contains(line, "config reloaded") {
		t.Errorf("a large removal with allow_large_removal: %s", line)
	}
	testenv.WaitFor(t, "ha-noi gone", 10*time.Second, func() bool { return published("ha-noi") == -404 })
	if published("thoi-tiet") != 1 {
		t.Error("thoi-tiet lost")
	}
}

// TestRemovedSourceLeavesFeedsAndComesBack: after a reload without a source,
// its items leave the topic and tag feeds and the index, yet stay stored;
// with the source back they are published again while its upstream is
// down (no download needed). A daemon started on a config without the
// source does not publish them either.
func TestRemovedSourceLeavesFeedsAndComesBack(t *testing.T) {
	sw, up := newSwitchable(t, map[string][]string{
		"/a.rss": {"Hà Nội đón mùa thu", "Hà Nội mở phố đi bộ"},
		"/b.rss": {"Hà Nội cấm xe máy", "Hà Nội trồng cây xanh"},
	})
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "bantin.yaml")
	head := fmt.Sprintf("base_url: http://%s\ndatabase: d.db\ndefaults: {retention: 3650d}\n", addr)
	srcA := fmt.Sprintf("  - {id: a, url: '%s/a.rss'}\n", up)
	srcB := fmt.Sprintf("  - {id: b, url: '%s/b.rss', tags: [Nguồn B]}\n", up)
	topics := "topics:\n  - {slug: ha-noi, match: {keywords: [ha noi]}}\n"
	write := func(sources string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(head+"sources:\n"+sources+topics), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(srcA + srcB)
	d := runDaemon(t, mustLoad(t, cfgPath), DaemonOptions{Polling: true, Listen: addr})
	bTitles := []string{"Hà Nội cấm xe máy", "Hà Nội trồng cây xanh"}
	// where lists the published places that show b's items.
	where := func() []string {
		var out []string
		for _, p := range []string{"/topics/ha-noi.json", "/topics/ha-noi.rss", "/tags/thoi-su.atom", "/tags/nguon-b.json", "/"} {
			status, body := feedText(d.base, p)
			for _, title := range bTitles {
				if status == 200 && strings.Contains(body, title) {
					out = append(out, p)
					break
				}
			}
		}
		return out
	}
	testenv.WaitFor(t, "both sources published", 10*time.Second, func() bool {
		return feedCount(d.base, "/topics/ha-noi.json") == 4 && len(where()) == 5
	})

	write(srcA)
	if line := d.reload(t); !strings.Contains(line, "config reloaded") {
		t.Fatalf("removing 1 of 2 sources: %s", line)
	}
	sw.setFail("/b.rss", true)
	// Each feed shows the change once the background renderer has got to
	// it (within the 2 s contract), the index and the tag's own feed too.
	testenv.WaitFor(t, "b's items and tag gone from every feed and the index", 10*time.Second, func() bool {
		_, index := feedText(d.base, "/")
		return len(where()) == 0 && feedCount(d.base, "/tags/nguon-b.json") == -404 && !strings.Contains(index, "nguon-b")
	})
	if n := feedCount(d.base, "/topics/ha-noi.json"); n != 2 {
		t.Errorf("ha-noi without b: %d items, want 2", n)
	}
	if n := feedCount(d.base, "/tags/nguon-b.json"); n != -404 {
		t.Errorf("tag of b only: %d, want 404", n)
	}
	_, index := feedText(d.base, "/")
	if strings.Contains(index, "nguon-b") {
		t.Error("the index still lists tag nguon-b")
	}
	store, err := db.OpenReadOnly(context.Background(), filepath.Join(dir, "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.ScanSourceItems(context.Background(), "b", 0, 10)
	store.Close()
	if err != nil || len(stored) != 2 {
		t.Fatalf("b's items stored after removal: %d (%v), want 2", len(stored), err)
	}

	if out := mustRun(t, "explain", "ha-noi", "https://feed.example/b.rss/0", "-config", cfgPath); !strings.Contains(out, "published: no: source b is no longer in the config") {
		t.Errorf("explain of a removed source's item:\n%s", out)
	}

	// Back, with b's upstream failing: the stored items come back.
	hitsBefore := sw.hits["/b.rss"].Load()
	write(srcA + srcB)
	if line := d.reload(t); !strings.Contains(line, "config reloaded") {
		t.Fatalf("re-adding b: %s", line)
	}
	testenv.WaitFor(t, "b's items back in every feed", 10*time.Second, func() bool { return len(where()) == 5 })
	if n := feedCount(d.base, "/topics/ha-noi.json"); n != 4 {
		t.Errorf("ha-noi with b back: %d items, want 4", n)
	}
	if h := sw.hits["/b.rss"].Load(); h != hitsBefore {
		t.Logf("b's upstream was asked %d times (and failed) meanwhile", h-hitsBefore)
	}

	// A start on a config without b: not published either.
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	write(srcA)
	d = runDaemon(t, mustLoad(t, cfgPath), DaemonOptions{Polling: true, Listen: addr})
	testenv.WaitFor(t, "b's items unpublished at start", 10*time.Second, func() bool {
		return feedCount(d.base, "/topics/ha-noi.json") == 2 && len(where()) == 0
	})
}

// rawGet sends one plain GET on a new connection (the fast path's kind of
// request) and returns the status line and the Location header.
func rawGet(t *testing.T, addr, path string) (string, string) {
	t.Helper()
	c := testenv.Dial(t, addr)
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Status, resp.Header.Get("Location")
}

// TestTopicRenameKeepsCurationsAndSubscribers renames a topic on reload
// with its old slug as an alias: old feed URLs answer 301 to the new ones,
// a hidden item stays hidden and a pin stays; `check` and `curate list`
// point at curations whose topic is gone.
func TestTopicRenameKeepsCurationsAndSubscribers(t *testing.T) {
	_, up := newSwitchable(t, map[string][]string{
		"/a.rss": {"Hà Nội đón mùa thu", "Hà Nội mở phố đi bộ", "Hà Nội cấm xe máy"},
	})
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "bantin.yaml")
	head := fmt.Sprintf("base_url: http://%s\ndatabase: d.db\ndefaults: {retention: 3650d}\nsources:\n  - {id: a, url: '%s/a.rss'}\ntopics:\n  - {slug: other, match: {keywords: [mua thu]}}\n", addr, up)
	write := func(topic string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(head+topic), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("  - {slug: ha-noi, match: {keywords: [ha noi]}}\n")
	d := runDaemon(t, mustLoad(t, cfgPath), DaemonOptions{Polling: true, Listen: addr})
	testenv.WaitFor(t, "topic published", 10*time.Second, func() bool { return feedCount(d.base, "/topics/ha-noi.json") == 3 })
	ctx := context.Background()
	mustRun(t, "curate", "hide", "ha-noi", "https://feed.example/a.rss/0", "-config", cfgPath)
	mustRun(t, "curate", "pin", "ha-noi", "https://feed.example/a.rss/2", "-config", cfgPath)
	curated := []string{"Hà Nội cấm xe máy", "Hà Nội mở phố đi bộ"} // pinned first, hidden absent
	titlesOf := func(slug string) string { return strings.Join(publishedFrom(d.base, slug), "|") }
	testenv.WaitFor(t, "curation published", 10*time.Second, func() bool { return titlesOf("ha-noi") == strings.Join(curated, "|") })

	write("  - {slug: thu-do, title: Thủ đô, aliases: [ha-noi], match: {keywords: [ha noi]}}\n")
	if line := d.reload(t); !strings.Contains(line, "config reloaded") {
		t.Fatalf("rename: %s", line)
	}
	testenv.WaitFor(t, "renamed topic published with its curations", 10*time.Second, func() bool {
		return titlesOf("thu-do") == strings.Join(curated, "|")
	})
	for _, format := range []string{"rss", "atom", "json"} {
		status, loc := rawGet(t, addr, "/topics/ha-noi."+format)
		if want := d.base + "/topics/thu-do." + format; !strings.HasPrefix(status, "301") || loc != want {
			t.Errorf("old %s URL: %s Location %q, want 301 %q", format, status, loc, want)
		}
	}
	if out := mustRun(t, "explain", "ha-noi", "https://feed.example/a.rss/0", "-config", cfgPath); !strings.Contains(out, "curation: hide") || !strings.Contains(out, "published: no, hidden") {
		t.Errorf("explain OLD-SLUG ITEM:\n%s", out)
	}
	list := mustRun(t, "curate", "list", "-config", cfgPath)
	if strings.Count(list, "thu-do ") != 2 || strings.Contains(list, "ha-noi") {
		t.Errorf("curate list after the rename (curations moved to thu-do):\n%s", list)
	}
	if out := mustRun(t, "curate", "list", "ha-noi", "-config", cfgPath); strings.Count(out, "thu-do ") != 2 {
		t.Errorf("curate list OLD-SLUG lists the renamed topic:\n%s", out)
	}

	// Renamed again, without an alias: the curations are orphaned.
	write("  - {slug: ha-noi-moi, match: {keywords: [ha noi]}}\n")
	code, _, errOut := runCLI(t, ctx, "check", "-config", cfgPath)
	if code != 0 || !strings.Contains(errOut, `2 curation(s) of topic "thu-do", which the config no longer defines`) ||
		!strings.Contains(errOut, "aliases: [thu-do]") {
		t.Errorf("check with orphaned curations: exit %d\n%s", code, errOut)
	}
	if line := d.reload(t); !strings.Contains(line, "config reloaded") {
		t.Fatalf("second rename: %s", line)
	}
	testenv.WaitFor(t, "the daemon's warning about orphaned curations", 10*time.Second, func() bool {
		log := d.log.String()
		return strings.Contains(log, "stored curations of a topic the config no longer defines") && strings.Contains(log, "topic=thu-do curations=2")
	})
	list = mustRun(t, "curate", "list", "-config", cfgPath)
	if strings.Count(list, "thu-do (no such topic)") != 2 {
		t.Errorf("curate list does not mark the orphaned curations:\n%s", list)
	}
	// They can be taken back, not added to.
	mustRun(t, "curate", "unhide", "thu-do", "https://feed.example/a.rss/0", "-config", cfgPath)
	if code, _, _ := runCLI(t, ctx, "curate", "pin", "thu-do", "https://feed.example/a.rss/0", "-config", cfgPath); code == 0 {
		t.Error("curate pin on a topic gone from the config succeeded")
	}
	if list := mustRun(t, "curate", "list", "thu-do", "-config", cfgPath); strings.Count(list, "thu-do (no such topic)") != 1 {
		t.Errorf("curate list of an orphaned topic:\n%s", list)
	}
}

// publishedFrom returns the titles of a topic's JSON feed.
func publishedFrom(base, slug string) []string {
	status, body := feedText(base, "/topics/"+slug+".json")
	if status != 200 {
		return nil
	}
	var f struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if json.Unmarshal([]byte(body), &f) != nil {
		return nil
	}
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Title)
	}
	return out
}

// TestPollWarnsAboutLargeRemoval: a one-shot command that applies a
// config to the database (poll; run and serve at start do the same) says
// when the config removes most of what the database holds.
func TestPollWarnsAboutLargeRemoval(t *testing.T) {
	_, up := newSwitchable(t, map[string][]string{"/a.rss": {"Hà Nội đón mùa thu"}, "/b.rss": {"Thời tiết"}})
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bantin.yaml")
	head := fmt.Sprintf("database: d.db\ndefaults: {retention: 3650d}\nsources:\n  - {id: a, url: '%s/a.rss'}\n  - {id: b, url: '%s/b.rss'}\n", up, up)
	topics := "topics:\n  - {slug: ha-noi, match: {keywords: [ha noi]}}\n  - {slug: thoi-tiet, match: {keywords: [thoi tiet]}}\n"
	if err := os.WriteFile(cfgPath, []byte(head+topics), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if code, _, errOut := runCLI(t, ctx, "poll", "-config", cfgPath); code != 0 || strings.Contains(errOut, "removes") {
		t.Fatalf("first poll: exit %d\n%s", code, errOut)
	}
	if err := os.WriteFile(cfgPath, []byte(head), 0o644); err != nil { // cut before topics:
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, ctx, "poll", "-config", cfgPath)
	if code != 0 || !strings.Contains(errOut, "removes 2 of 2 topics (ha-noi, thoi-tiet), leaving 0") || !strings.Contains(errOut, "level=WARN") {
		t.Errorf("poll with a cut config: exit %d\n%s", code, errOut)
	}
	if err := os.WriteFile(cfgPath, []byte("allow_large_removal: true\n"+head), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, ctx, "poll", "-config", cfgPath); code != 0 || strings.Contains(errOut, "removes") {
		t.Errorf("poll with allow_large_removal: exit %d\n%s", code, errOut)
	}
}
