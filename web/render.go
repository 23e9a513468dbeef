package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"

	"bantin/config"
	"bantin/publisher"
	"bantin/publisher/render"
)

type pageTmpl struct{ t *template.Template }

// csp is the publisher's page policy, with forms posting to this site
// only.
const csp = publisher.PageCSP + "; form-action 'self'"

// render writes page d with status; private pages are never cached.
func (p *pageTmpl) render(rw http.ResponseWriter, status int, d render.PageData, private bool) {
	var buf bytes.Buffer
	if err := render.RenderPage(&buf, p.t, d); err != nil {
		http.Error(rw, "web: internal error", http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if private {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "public, max-age=60")
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}

var errorTmpl = pageTemplate("error.html")

type errorBody struct {
	Message string
	Back    string
	BackTo  string
}

// fail answers with an error page in Vietnamese and English: message
// says what was wrong with the request.
func fail(rw http.ResponseWriter, cfg *config.Config, status int, title, message string) {
	d := render.NewPageData(cfg, "vi", title)
	d.Body = errorBody{Message: message, Back: "Về trang chủ", BackTo: d.Home}
	errorTmpl.render(rw, status, d, true)
}
