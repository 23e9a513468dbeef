package interop

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
)

// chromium returns the path of a Chromium binary, skipping when none is
// installed.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (CI installs the Debian chromium package)")
	return ""
}

// dumpDOM loads url in headless Chromium and returns the serialised DOM
// after the page loaded. Chromium runs with a throw-away profile and
// without any of its own network traffic.
func dumpDOM(t *testing.T, bin, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
		"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-extensions",
		"--disable-features=Translate,MediaRouter,OptimizationHints",
		"--user-data-dir="+profile, "--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+profile, "XDG_CONFIG_HOME="+profile, "XDG_CACHE_HOME="+profile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\nstderr:\n%s", url, err, stderr.String())
	}
	if stdout.Len() == 0 {
		t.Fatalf("chromium dumped no DOM for %s\nstderr:\n%s", url, stderr.String())
	}
	return stdout.Bytes()
}

// pageLink is an <a> or <link> element of the dumped DOM.
type pageLink struct {
	Rel, Type, Href, Title, Text string
	InHead                       bool
}

// collect walks the DOM and returns its links, its text, the <html lang>
// and whether there is any script.
func collect(doc *html.Node) (links []pageLink, text, lang string, scripts int) {
	var sb strings.Builder
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		if n.Type == html.ElementNode {
			attr := func(k string) string {
				for _, a := range n.Attr {
					if a.Key == k {
						return a.Val
					}
				}
				return ""
			}
			switch n.DataAtom {
			case atom.Html:
				lang = attr("lang")
			case atom.Head:
				inHead = true
			case atom.Script:
				scripts++
			case atom.Link, atom.A:
				l := pageLink{Rel: attr("rel"), Type: attr("type"), Href: attr("href"), Title: attr("title"), InHead: inHead}
				if n.DataAtom == atom.A {
					l.Text = textOf(n)
				}
				links = append(links, l)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead)
		}
	}
	walk(doc, false)
	return links, sb.String(), lang, scripts
}

func textOf(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(sb.String())
}

var feedTypes = map[string]string{
	"rss":  "application/rss+xml",
	"atom": "application/atom+xml",
	"json": "application/feed+json",
}

// TestChromiumFindsSubscribeLinks loads / of a running bantin in headless
// Chromium and checks the DOM Chromium built: for every topic and every
// format a <link rel="alternate"> with the feed's type in <head> and a
// subscribe link in the page, a subscribe link for every tag feed, every
// link answering 200 with the advertised type, Vietnamese text intact
// (NFC, the topic titles and descriptions as configured, item titles as
// stored), markup characters in a topic title shown as text, and no
// script (the page works without JavaScript).
func TestChromiumFindsSubscribeLinks(t *testing.T) {
	bin := chromium(t)
	s := newSite(t)
	dom := dumpDOM(t, bin, s.Base+"/")
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatalf("parse Chromium's DOM: %v", err)
	}
	links, text, lang, scripts := collect(doc)
	if lang == "" {
		t.Errorf("<html> has no lang attribute")
	}
	if scripts > 0 {
		t.Errorf("page has %d <script> elements; it must work without JavaScript", scripts)
	}
	if !norm.NFC.IsNormalString(text) {
		t.Errorf("page text is not NFC")
	}

	alternates := map[string]pageLink{} // href -> <link rel=alternate> in head
	anchors := map[string]pageLink{}    // href -> <a>
	for _, l := range links {
		switch {
		case l.Rel == "alternate" && l.InHead:
			alternates[l.Href] = l
		case !l.InHead && l.Text != "":
			anchors[l.Href] = l
		}
	}
	for _, f := range s.Feeds() {
		u := s.Base + f.Path()
		want := feedTypes[f.Format]
		t.Run(f.Name(), func(t *testing.T) {
			if f.Kind == "topic" {
				alt, ok := alternates[u]
				if !ok {
					t.Errorf("no <link rel=\"alternate\" href=%q> in <head>", u)
				} else if alt.Type != want {
					t.Errorf("<link rel=alternate href=%q> type %q, want %q", u, alt.Type, want)
				}
			}
			a, ok := anchors[u]
			if !ok {
				t.Fatalf("no subscribe link <a href=%q>", u)
			}
			if a.Type != "" && a.Type != want {
				t.Errorf("<a href=%q> type %q, want %q", u, a.Type, want)
			}
		})
	}

	for _, tp := range s.Topics {
		for _, want := range []string{tp.Title, tp.Description} {
			if want != "" && !strings.Contains(text, want) {
				t.Errorf("page text lacks %q (topic %s)", want, tp.Slug)
			}
		}
	}
	// Item titles listed under the topics, Vietnamese and with markup
	// characters, are shown as stored.
	for _, key := range []string{"topic/ha-noi", "topic/kinh-te"} {
		for _, it := range s.Expected[key] {
			if !strings.Contains(text, it.Title) {
				t.Errorf("page text lacks the item title %q (%s)", it.Title, key)
			}
		}
	}

	// Every subscribe link answers with the advertised feed.
	for href, a := range anchors {
		if !strings.HasPrefix(href, s.Base+"/topics/") && !strings.HasPrefix(href, s.Base+"/tags/") {
			continue
		}
		if !strings.Contains(href[strings.LastIndexByte(href, '/'):], ".") {
			// A heading's link to the topic's or tag's HTML page.
			if resp, err := http.Get(href); err != nil || resp.StatusCode != 200 || mediaType(resp.Header.Get("Content-Type")) != "text/html" {
				t.Errorf("page link %q (%s): %v", href, a.Text, err)
			} else {
				resp.Body.Close()
			}
			continue
		}
		resp, err := http.Get(href)
		if err != nil {
			t.Errorf("GET %s: %v", href, err)
			continue
		}
		resp.Body.Close()
		ext := href[strings.LastIndexByte(href, '.')+1:]
		if resp.StatusCode != 200 || mediaType(resp.Header.Get("Content-Type")) != feedTypes[ext] {
			t.Errorf("subscribe link %q (%s): status %d, Content-Type %q", href, a.Text, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}
