// Package htmltext renders HTML fragments as the plain text a reader sees:
// markup dropped, the content of elements that are never shown (script,
// style...) left out, a space wherever an element breaks the line or the
// block (so "tặng<dl><dt>Làng</dt>" reads "tặng Làng", not "tặngLàng"),
// character references decoded once. It is a leaf package: the
// normaliser (titles, excerpts) and the publisher (JSON Feed summaries,
// fallback titles) share its element lists.
package htmltext

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// breaks are the elements that separate the words around them: every
// element the HTML Living Standard renders as a block, list item, table
// part or line break (15.3 "Non-replaced elements": address, article,
// aside, blockquote, body, center, dialog, div, figure, figcaption,
// footer, form, header, hr, legend, listing, main, p, plaintext, pre,
// search, xmp; dd, dir, dl, dt, menu, ol, ul, li; h1-h6, hgroup, nav,
// section; table, caption, colgroup, col, thead, tbody, tfoot, tr, td,
// th; fieldset, details, summary; br), the legacy frame elements and the
// form controls that stand apart (option, optgroup, select, textarea,
// button), and the embedded content that takes the place of text (img,
// picture, video, audio, iframe, embed, object, canvas, svg, math). A
// <wbr> is a break opportunity inside a word, not a separator, and inline
// elements (a, b, em, span...) join their words.
var breaks = set(
	atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body, atom.Br,
	atom.Caption, atom.Center, atom.Col, atom.Colgroup, atom.Dd, atom.Details,
	atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Fieldset,
	atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.Frame, atom.Frameset,
	atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Header,
	atom.Hgroup, atom.Hr, atom.Html, atom.Legend, atom.Li, atom.Listing, atom.Main,
	atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Plaintext, atom.Pre, atom.Search,
	atom.Section, atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Tfoot,
	atom.Th, atom.Thead, atom.Tr, atom.Ul, atom.Xmp,
	atom.Option, atom.Optgroup, atom.Select, atom.Textarea, atom.Button,
	atom.Img, atom.Picture, atom.Video, atom.Audio, atom.Iframe, atom.Embed,
	atom.Object, atom.Canvas, atom.Svg, atom.Math,
)

// hidden are the elements whose content is never shown as text: scripts,
// styles, templates, and the fallbacks of scripting, embeds and frames
// (which the HTML tokenizer reads as raw text, markup and all).
var hidden = set(
	atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Noembed,
	atom.Noframes, atom.Iframe,
)

func set(as ...atom.Atom) map[atom.Atom]bool {
	m := make(map[atom.Atom]bool, len(as))
	for _, a := range as {
		m[a] = true
	}
	return m
}

// BreakElements returns the names of the elements that Breaks, sorted.
func BreakElements() []string {
	names := make([]string, 0, len(breaks))
	for a := range breaks {
		names = append(names, a.String())
	}
	slices.Sort(names)
	return names
}

// Breaks reports whether the element named name (lower case) separates
// the words before and after it (and its start and end from its content).
func Breaks(name string) bool { return breaks[atom.Lookup([]byte(name))] }

// Hidden reports whether the content of the element named name (lower
// case) is never shown to a reader.
func Hidden(name string) bool { return hidden[atom.Lookup([]byte(name))] }

// Text returns the text of the HTML fragment s: tags dropped, the content
// of Hidden elements left out, one space written at the start and end tag
// of every element that Breaks, character references decoded exactly
// once. White space is not collapsed: callers collapse it their way.
func Text(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	skip := 0 // depth inside hidden elements
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden[a] {
				// HTML ignores "/>" on these: <script/> starts a
				// script like <script> does.
				if tt != html.EndTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
			}
			if breaks[a] && skip == 0 {
				b.WriteByte(' ')
			}
		}
	}
}
