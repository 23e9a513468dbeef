package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"bantin/aggregator"
	"bantin/aggregator/classifier"
	"bantin/config"
	"bantin/db"
	"bantin/publisher"
	"bantin/publisher/render"
)

// Cookies and form limits of the desk.
const (
	sessionCookie = "bantin_desk"
	loginCookie   = "bantin_login"
	// MaxFormBytes bounds a desk form (sign-in, curation); MaxRuleBytes
	// the "try a rule" form.
	MaxFormBytes = 8 << 10
	MaxRuleBytes = 32 << 10
	// maxDeskTopics: with more topics, /desk shows one topic at a time.
	maxDeskTopics = 12
	// tryScan is how many of the newest stored items "try a rule" checks.
	tryScan = 5000
)

// loginSlots bounds concurrent password checks (argon2id takes 19 MiB).
var loginSlots = make(chan struct{}, 2)

func (w *Web) secure() bool { return strings.HasPrefix(w.st().cfg.BaseURL, "https://") }

func (w *Web) setCookie(rw http.ResponseWriter, name, value, path string, maxAge int) {
	http.SetCookie(rw, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: w.secure(), SameSite: http.SameSiteStrictMode})
}

// session returns the signed-in editor's session, nil when none.
func (w *Web) session(r *http.Request) (string, *session) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", nil
	}
	return c.Value, w.sessions.get(c.Value, w.now())
}

// remoteAddr is the client's address, without port (no proxy header is
// trusted).
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// parseForm reads a POST form of at most limit bytes; false when it
// answered with an error.
func (w *Web) parseForm(rw http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(rw, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(rw, w.st().cfg, http.StatusRequestEntityTooLarge, "Biểu mẫu quá lớn",
				fmt.Sprintf("Biểu mẫu gửi lên lớn hơn %d KiB (the form is larger than %d KiB).", limit>>10, limit>>10))
			return false
		}
		fail(rw, w.st().cfg, http.StatusBadRequest, "Biểu mẫu không hợp lệ", "Không đọc được biểu mẫu (the form could not be read): "+err.Error())
		return false
	}
	return true
}

// sameOrigin reports whether a POST comes from this site: its Origin
// header, when sent, names the request's host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// guard checks a state-changing desk request: a session and its CSRF
// token. It answers 403 and returns nil otherwise.
func (w *Web) guard(rw http.ResponseWriter, r *http.Request, limit int64) (string, *session) {
	id, ss := w.session(r)
	if ss == nil {
		fail(rw, w.st().cfg, http.StatusForbidden, "Chưa đăng nhập", "Cần đăng nhập để làm việc này; không có gì thay đổi (sign in first; nothing was changed).")
		return "", nil
	}
	if !w.parseForm(rw, r, limit) {
		return "", nil
	}
	tok := r.PostForm.Get("csrf")
	if !sameOrigin(r) || tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(ss.csrf)) != 1 {
		fail(rw, w.st().cfg, http.StatusForbidden, "Yêu cầu bị từ chối", "Thiếu hoặc sai mã chống giả mạo (CSRF); không có gì thay đổi. Hãy tải lại trang và thử lại (missing or wrong CSRF token; nothing was changed).")
		return "", nil
	}
	return id, ss
}

var loginTmpl = pageTemplate("login.html")

type loginBody struct {
	CSRF, Name, Error string
}

func (w *Web) handleLoginPage(rw http.ResponseWriter, r *http.Request) {
	if _, ss := w.session(r); ss != nil {
		http.Redirect(rw, r, w.deskURL(""), http.StatusSeeOther)
		return
	}
	w.loginPage(rw, http.StatusOK, "", "")
}

func (w *Web) loginPage(rw http.ResponseWriter, status int, name, msg string) {
	tok := randomToken()
	w.setCookie(rw, loginCookie, tok, "/desk/login", 3600)
	d := render.NewPageData(w.st().cfg, "vi", "Đăng nhập")
	d.Body = loginBody{CSRF: tok, Name: name, Error: msg}
	loginTmpl.render(rw, status, d, true)
}

func (w *Web) handleLogin(rw http.ResponseWriter, r *http.Request) {
	st := w.st()
	now := w.now()
	addr := remoteAddr(r)
	if until, blocked := w.limiter.blocked(addr, now); blocked {
		secs := int(until.Sub(now)/time.Second) + 1
		rw.Header().Set("Retry-After", strconv.Itoa(secs))
		fail(rw, st.cfg, http.StatusTooManyRequests, "Thử lại sau",
			fmt.Sprintf("Đăng nhập sai quá %d lần; thử lại sau %d phút (too many failed sign-ins from this address; try again in %d minutes).",
				LoginFailures, (secs+59)/60, (secs+59)/60))
		return
	}
	if !w.parseForm(rw, r, MaxFormBytes) {
		return
	}
	c, err := r.Cookie(loginCookie)
	tok := r.PostForm.Get("csrf")
	if err != nil || tok == "" || !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(tok), []byte(c.Value)) != 1 {
		fail(rw, st.cfg, http.StatusForbidden, "Yêu cầu bị từ chối", "Thiếu hoặc sai mã chống giả mạo (CSRF). Hãy mở lại trang đăng nhập (missing or wrong CSRF token: open the sign-in page again).")
		return
	}
	name, password := r.PostForm.Get("name"), r.PostForm.Get("password")
	if len(password) > MaxPasswordBytes || len(name) > 200 {
		w.limiter.fail(addr, now)
		w.loginPage(rw, http.StatusBadRequest, "", fmt.Sprintf("Tên hoặc mật khẩu quá dài (tối đa %d byte) (name or password too long).", MaxPasswordBytes))
		return
	}
	var editor *config.Editor
	for i := range st.cfg.Editors {
		if st.cfg.Editors[i].Name == name {
			editor = &st.cfg.Editors[i]
		}
	}
	loginSlots <- struct{}{}
	ok := false
	if editor != nil {
		ok = CheckPassword(editor.Password, password)
	} else {
		CheckPassword(dummyHash(), password)
	}
	<-loginSlots
	if !ok {
		w.limiter.fail(addr, now)
		w.log.Warn("desk sign-in failed", "name", name, "addr", addr)
		w.loginPage(rw, http.StatusUnauthorized, name, "Sai tên hoặc mật khẩu (wrong name or password).")
		return
	}
	id, _ := w.sessions.create(*editor, now)
	w.setCookie(rw, sessionCookie, id, "/", int(SessionTTL/time.Second))
	w.setCookie(rw, loginCookie, "", "/desk/login", -1)
	w.log.Info("desk sign-in", "editor", editor.Name, "addr", addr)
	http.Redirect(rw, r, w.deskURL(""), http.StatusSeeOther)
}

func (w *Web) handleLogout(rw http.ResponseWriter, r *http.Request) {
	id, ss := w.guard(rw, r, MaxFormBytes)
	if ss == nil {
		return
	}
	w.sessions.end(id)
	w.setCookie(rw, sessionCookie, "", "/", -1)
	http.Redirect(rw, r, w.deskURL("login"), http.StatusSeeOther)
}

// deskURL is the path of a desk page (redirects stay on the host the
// browser used).
func (w *Web) deskURL(rest string) string {
	u := "/desk"
	if b, err := url.Parse(render.BaseURL(w.st().cfg)); err == nil {
		u = strings.TrimRight(b.Path, "/") + u
	}
	if rest != "" {
		u += "/" + rest
	}
	return u
}

// Curation actions of POST /desk/topics/{slug}/{action}.
var curateActions = map[string]struct {
	action string
	on     bool
}{"pin": {db.Pin, true}, "unpin": {db.Pin, false}, "hide": {db.Hide, true}, "unhide": {db.Hide, false}}

func (w *Web) handleCurate(rw http.ResponseWriter, r *http.Request) {
	st := w.st()
	act, ok := curateActions[r.PathValue("action")]
	if !ok {
		fail(rw, st.cfg, http.StatusNotFound, "Không có thao tác này", "Thao tác phải là pin, unpin, hide hoặc unhide (the action must be pin, unpin, hide or unhide).")
		return
	}
	slug := r.PathValue("slug")
	topic, found := st.cfg.Topic(slug)
	_, ss := w.guard(rw, r, MaxFormBytes)
	if ss == nil {
		return
	}
	if !found {
		fail(rw, st.cfg, http.StatusNotFound, "Không có chủ đề này", fmt.Sprintf("Không có chủ đề %q trong cấu hình (no topic %q).", slug, slug))
		return
	}
	ref := strings.TrimSpace(r.PostForm.Get("item"))
	if ref == "" {
		ref = strings.TrimSpace(r.PostForm.Get("link"))
	}
	if ref == "" {
		fail(rw, st.cfg, http.StatusBadRequest, "Thiếu bài", "Cần trường link hoặc item để biết bài nào (give the item's link or item).")
		return
	}
	ctx := r.Context()
	it, err := FindItem(ctx, st.cfg, w.store, ref)
	if err != nil {
		status := http.StatusNotFound
		if !strings.Contains(err.Error(), "no stored item") {
			status = http.StatusBadRequest
		}
		fail(rw, st.cfg, status, "Không tìm thấy bài", "Không tìm thấy bài (no such item): "+err.Error())
		return
	}
	items, err := SameLink(ctx, w.store, it)
	if err != nil {
		w.log.Error("desk curate", "err", err)
		fail(rw, st.cfg, http.StatusInternalServerError, "Lỗi", "Không đọc được cơ sở dữ liệu (database error).")
		return
	}
	ids := make([]int64, 0, len(items))
	for _, o := range items {
		ids = append(ids, o.ID)
	}
	if err := w.store.SetCurationsBy(ctx, topic.Slug, ids, act.action, act.on, ss.editor); err != nil {
		w.log.Error("desk curate", "err", err)
		fail(rw, st.cfg, http.StatusInternalServerError, "Lỗi", "Không lưu được (could not save): "+err.Error())
		return
	}
	w.log.Info("desk curation", "editor", ss.editor, "topic", topic.Slug, "action", r.PathValue("action"), "item", it.ID)
	http.Redirect(rw, r, w.deskURL("")+"?topic="+url.QueryEscape(topic.Slug)+"#topic-"+url.PathEscape(topic.Slug), http.StatusSeeOther)
}

var deskTmpl = pageTemplate("desk.html")

type button struct {
	Label, URL, Item string
	Quiet            bool
}

type actions struct {
	CSRF    string
	Buttons []button
	Explain string
}

type leftOut struct {
	render.EntryView
	Reason string
}

type curationView struct {
	Action, Title, Link, Editor, When string
}

type deskTopic struct {
	Slug, Title, Page string
	Entries           []render.EntryView
	LeftOut           []leftOut
	Curations         []curationView
	Stale             bool
}

type nearRule struct {
	Topic, Rule string
}

type unmatchedView struct {
	render.EntryView
	Near []nearRule
}

type deskBody struct {
	Editor, CSRF string
	Choose       []option
	AllTopics    []option
	Topics       []deskTopic
	Unmatched    []unmatchedView
	Rule         string
	TryError     string
	Tried        bool
	TryCount     int
	TryScanned   int
	TryEntries   []render.EntryView
}

func (w *Web) handleDesk(rw http.ResponseWriter, r *http.Request) {
	_, ss := w.session(r)
	if ss == nil {
		http.Redirect(rw, r, w.deskURL("login"), http.StatusSeeOther)
		return
	}
	d, err := w.deskPage(r.Context(), ss, r.URL.Query().Get("topic"))
	if err != nil {
		w.log.Error("desk page", "err", err)
		fail(rw, w.st().cfg, http.StatusInternalServerError, "Lỗi", "Không dựng được trang biên tập (the desk page failed).")
		return
	}
	deskTmpl.render(rw, http.StatusOK, d, true)
}

// deskPage builds /desk: the chosen topic(s) and what no topic took.
func (w *Web) deskPage(ctx context.Context, ss *session, chosen string) (render.PageData, error) {
	st := w.st()
	now := w.now()
	d := render.NewPageData(st.cfg, "vi", "Bàn biên tập")
	body := deskBody{Editor: ss.editor, CSRF: ss.csrf}
	topics := st.cfg.Topics
	for _, t := range topics {
		body.AllTopics = append(body.AllTopics, option{Value: t.Slug, Label: firstNonEmpty(t.Title, t.Slug)})
	}
	if len(topics) > maxDeskTopics {
		if chosen == "" {
			chosen = topics[0].Slug
		}
		for _, t := range topics {
			body.Choose = append(body.Choose, option{Value: t.Slug, Label: firstNonEmpty(t.Title, t.Slug), Selected: t.Slug == chosen})
		}
		t, ok := st.cfg.Topic(chosen)
		if !ok {
			t = &topics[0]
		}
		topics = []config.Topic{*t}
	}
	for i := range topics {
		dt, err := w.deskTopic(ctx, st, &topics[i], ss.csrf, now)
		if err != nil {
			return d, err
		}
		body.Topics = append(body.Topics, dt)
	}
	un, err := w.unmatched(ctx, st, now)
	if err != nil {
		return d, err
	}
	body.Unmatched = un
	body.Rule = "any:\n  - keywords: [\"Hà Nội\"]\n"
	d.Body = body
	return d, nil
}

// fateReason says in Vietnamese (and the config key) why a candidate is
// not an entry of its own.
func fateReason(f render.Fate, t *config.Topic) string {
	switch f.Kind {
	case render.FateHidden:
		return "Đã ẩn (hidden)"
	case render.FateTooOld:
		return "Cũ hơn max_age " + t.MaxAge.String()
	case render.FatePerSource:
		return fmt.Sprintf("Nguồn đã có %d bài (max_per_source)", t.MaxPerSource)
	case render.FateFull:
		return "Ngoài giới hạn số bài (limit)"
	case render.FateFolded:
		return fmt.Sprintf("Gộp vào bài #%d (cùng câu chuyện)", f.Index)
	case render.FateNoSource:
		return "Nguồn không còn trong cấu hình (source removed)"
	case render.FateUnseen:
		return "Sau trang đầu (trang đã đủ)"
	}
	return string(f.Kind)
}

func (w *Web) deskTopic(ctx context.Context, st *state, t *config.Topic, csrf string, now time.Time) (deskTopic, error) {
	base := render.BaseURL(st.cfg)
	dt := deskTopic{Slug: t.Slug, Title: firstNonEmpty(t.Title, t.Slug), Page: base + render.PagePath(render.KindTopic, t.Slug)}
	p, members, err := w.preview(ctx, st, t, now)
	if err != nil {
		return dt, err
	}
	dt.Stale = members != nil
	act := func(slug string, v *render.EntryView, hidden bool) {
		item := strconv.FormatInt(v.ID, 10)
		u := base + "/desk/topics/" + url.PathEscape(slug) + "/"
		a := actions{CSRF: csrf, Explain: base + "/desk/explain?topic=" + url.QueryEscape(slug) + "&item=" + item}
		switch {
		case hidden:
			a.Buttons = append(a.Buttons, button{Label: "Bỏ ẩn", URL: u + "unhide", Item: item})
		case v.Pinned:
			a.Buttons = append(a.Buttons, button{Label: "Bỏ ghim", URL: u + "unpin", Item: item}, button{Label: "Ẩn", URL: u + "hide", Item: item, Quiet: true})
		default:
			a.Buttons = append(a.Buttons, button{Label: "Ghim", URL: u + "pin", Item: item}, button{Label: "Ẩn", URL: u + "hide", Item: item, Quiet: true})
		}
		v.Actions = a
	}
	views := render.EntryViews(st.cfg, p.Entries, "vi")
	limit := min(len(views), 10)
	for i := range views[:limit] {
		act(t.Slug, &views[i], false)
	}
	dt.Entries = views[:limit]
	// Left out: the newest members that are not entries of the page.
	var cands []db.Item
	if members != nil {
		cands = members[:min(len(members), 60)]
	} else if cands, err = w.store.TopicItems(ctx, t.Slug, db.ItemQuery{Limit: 60}); err != nil {
		return dt, err
	}
	for _, it := range cands {
		f := p.Fate(it)
		if f.Kind == render.FateEntry || f.Kind == render.FateFolded {
			continue
		}
		v := render.EntryViews(st.cfg, []render.Entry{{Item: it}}, "vi")[0]
		act(t.Slug, &v, f.Kind == render.FateHidden)
		dt.LeftOut = append(dt.LeftOut, leftOut{EntryView: v, Reason: fateReason(f, t)})
		if len(dt.LeftOut) == 15 {
			break
		}
	}
	cur, err := w.store.Curations(ctx, t.Slug)
	if err != nil {
		return dt, err
	}
	zone := zone(st.cfg)
	for _, c := range cur {
		who := c.Editor
		if who == "" {
			who = "dòng lệnh (bantin curate)"
		}
		dt.Curations = append(dt.Curations, curationView{Action: c.Action, Title: firstNonEmpty(c.Title, c.Link),
			Link: c.Link, Editor: who, When: c.At.In(zone).Format("2006-01-02 15:04 -07:00")})
	}
	return dt, nil
}

// unmatched lists recent items no topic took, each with the topics whose
// rules came nearest (most leaf rules matched).
func (w *Web) unmatched(ctx context.Context, st *state, now time.Time) ([]unmatchedView, error) {
	items, err := w.store.LatestItems(ctx, 15, true)
	if err != nil {
		return nil, err
	}
	var out []unmatchedView
	for i := range items {
		it := &items[i]
		v := unmatchedView{EntryView: render.EntryViews(st.cfg, []render.Entry{{Item: *it}}, "vi")[0]}
		aggregator.Reclassify(st.cfg, st.cl, it, now)
		v.Near = nearest(st, it, now, 3)
		out = append(out, v)
	}
	return out, nil
}

// nearest returns up to n topics whose rules matched most leaves for it,
// with what matched.
func nearest(st *state, it *db.Item, now time.Time, n int) []nearRule {
	type scored struct {
		score int
		near  nearRule
	}
	var all []scored
	doc := aggregator.DocOf(it)
	for i, t := range st.cfg.Topics {
		if i == 300 {
			break
		}
		ex, err := st.cl.Explain(t.Slug, doc, now)
		if err != nil || ex.Match {
			continue
		}
		var hits []string
		var walk func(s *classifier.Step, negated bool)
		walk = func(s *classifier.Step, negated bool) {
			if len(s.Steps) == 0 {
				if s.Matched && !negated && !strings.HasPrefix(s.Rule, "max_age") {
					hits = append(hits, s.Rule+": "+s.Detail)
				}
				return
			}
			for _, k := range s.Steps {
				walk(k, negated || s.Rule == "none")
			}
		}
		walk(ex.Root, false)
		if len(hits) > 0 {
			all = append(all, scored{len(hits), nearRule{Topic: firstNonEmpty(t.Title, t.Slug), Rule: strings.Join(hits, "; ")}})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score > all[j].score })
	var out []nearRule
	for _, s := range all[:min(len(all), n)] {
		out = append(out, s.near)
	}
	return out
}

func (w *Web) handleTry(rw http.ResponseWriter, r *http.Request) {
	_, ss := w.guard(rw, r, MaxRuleBytes)
	if ss == nil {
		return
	}
	st := w.st()
	ctx := r.Context()
	now := w.now()
	d, err := w.deskPage(ctx, ss, r.PostForm.Get("topic"))
	if err != nil {
		w.log.Error("desk page", "err", err)
		fail(rw, st.cfg, http.StatusInternalServerError, "Lỗi", "Không dựng được trang biên tập (the desk page failed).")
		return
	}
	body := d.Body.(deskBody)
	body.Rule = r.PostForm.Get("rule")
	body.Tried = true
	status := http.StatusOK
	entries, count, scanned, err := w.tryRule(ctx, st, body.Rule, now)
	if err != nil {
		body.TryError = err.Error()
		status = http.StatusBadRequest
	} else {
		body.TryCount, body.TryScanned = count, scanned
		body.TryEntries = render.EntryViews(st.cfg, entries, "vi")
	}
	d.Body = body
	deskTmpl.render(rw, status, d, true)
}

// tryRule returns the page a topic with rule would publish from the
// newest stored items, how many of them matched and how many were read.
func (w *Web) tryRule(ctx context.Context, st *state, text string, now time.Time) ([]render.Entry, int, int, error) {
	if strings.TrimSpace(text) == "" {
		return nil, 0, 0, errors.New("Quy tắc trống (the rule is empty).")
	}
	rule, err := config.ParseRule([]byte(text), "rule")
	if err != nil {
		return nil, 0, 0, fmt.Errorf("Quy tắc không hợp lệ (invalid rule): %w", err)
	}
	t := config.Topic{Slug: "thu-quy-tac", Title: "Thử quy tắc", Match: rule}
	cl, err := classifier.Compile([]config.Topic{t})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("Quy tắc không hợp lệ (invalid rule): %w", err)
	}
	items, err := w.store.LatestItems(ctx, tryScan, false)
	if err != nil {
		return nil, 0, 0, err
	}
	var matched []db.Item
	for i := range items {
		it := &items[i]
		if len(cl.Classify(aggregator.DocOf(it), now)) > 0 {
			matched = append(matched, *it)
		}
	}
	return render.Compose(t, matched, nil, now), len(matched), len(items), nil
}

var explainTmpl = pageTemplate("explain.html")

type explainBody struct {
	Topic, TopicTitle, Item, Text, Fate, Back string
}

func (w *Web) handleExplain(rw http.ResponseWriter, r *http.Request) {
	_, ss := w.session(r)
	if ss == nil {
		http.Redirect(rw, r, w.deskURL("login"), http.StatusSeeOther)
		return
	}
	st := w.st()
	q := r.URL.Query()
	t, ok := st.cfg.Topic(q.Get("topic"))
	if !ok {
		fail(rw, st.cfg, http.StatusNotFound, "Không có chủ đề này", fmt.Sprintf("Không có chủ đề %q (no such topic).", q.Get("topic")))
		return
	}
	ref := q.Get("item")
	if ref == "" || len(ref) > 2000 {
		fail(rw, st.cfg, http.StatusBadRequest, "Thiếu bài", "Cần tham số item (give item).")
		return
	}
	ctx := r.Context()
	now := w.now()
	it, err := FindItem(ctx, st.cfg, w.store, ref)
	if err != nil {
		fail(rw, st.cfg, http.StatusNotFound, "Không tìm thấy bài", "Không tìm thấy bài (no such item): "+err.Error())
		return
	}
	dt, _, err := w.preview(ctx, st, t, now)
	if err != nil {
		w.log.Error("desk explain", "err", err)
		fail(rw, st.cfg, http.StatusInternalServerError, "Lỗi", "Không giải thích được (explain failed).")
		return
	}
	aggregator.Reclassify(st.cfg, st.cl, &it, now)
	ex, err := st.cl.Explain(t.Slug, aggregator.DocOf(&it), now)
	if err != nil {
		fail(rw, st.cfg, http.StatusInternalServerError, "Lỗi", err.Error())
		return
	}
	f := dt.Fate(it)
	fate := "Đăng: bài #" + strconv.Itoa(f.Index)
	if f.Kind != render.FateEntry {
		fate = "Không đăng riêng: " + fateReason(f, t)
	}
	if !ex.Match && f.Kind == render.FateUnseen {
		fate = "Không thuộc chủ đề (no rule matched)"
	}
	d := render.NewPageData(st.cfg, "vi", "Giải thích: "+firstNonEmpty(it.Title, it.Link))
	d.Body = explainBody{Topic: t.Slug, TopicTitle: firstNonEmpty(t.Title, t.Slug), Item: it.Link, Text: ex.String(), Fate: fate,
		Back: render.BaseURL(st.cfg) + "/desk?topic=" + url.QueryEscape(t.Slug)}
	explainTmpl.render(rw, http.StatusOK, d, true)
}

// preview composes topic t's first page as it is published under the
// running config. When the stored membership was computed under another
// config (a reload not yet recomputed), it is computed in memory and
// returned as members (nil otherwise), as `bantin preview` does.
func (w *Web) preview(ctx context.Context, st *state, t *config.Topic, now time.Time) (*publisher.Preview, []db.Item, error) {
	current, err := aggregator.MembershipCurrent(ctx, w.store, st.cfg)
	if err != nil {
		return nil, nil, err
	}
	var members []db.Item
	if !current {
		if members, err = aggregator.TopicMembers(ctx, w.store, st.cfg, st.cl, t.Slug, now); err != nil {
			return nil, nil, err
		}
		if members == nil {
			members = []db.Item{}
		}
	}
	p, err := publisher.PreviewTopic(ctx, w.store, st.cfg, t, members, now)
	return p, members, err
}
