package htmltext

import (
	"slices"
	"strings"
	"testing"
)

// collapse joins the words of s with single spaces, as callers do.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestText(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"description list":      {"xây tặng<dl><dt>Làng</dt><dd>Rồng</dd></dl>Người dân", "xây tặng Làng Rồng Người dân"},
		"details and summary":   {"Xem<details><summary>Chi tiết</summary>Nội dung</details>hết", "Xem Chi tiết Nội dung hết"},
		"sections":              {"<header>Đầu</header><main>Giữa</main><footer>Cuối</footer>", "Đầu Giữa Cuối"},
		"aside nav address":     {"a<aside>b</aside><nav>c</nav><address>d</address>e", "a b c d e"},
		"table parts":           {"<table><caption>Bảng</caption><thead><tr><th>Tên</th><th>Tuổi</th></tr></thead><tbody><tr><td>An</td><td>30</td></tr></tbody><tfoot><tr><td>Hết</td></tr></tfoot></table>", "Bảng Tên Tuổi An 30 Hết"},
		"fieldset legend":       {"<fieldset><legend>Nhóm</legend>Mục</fieldset>", "Nhóm Mục"},
		"figure caption":        {"Ảnh<figure><img src=x><figcaption>Chú thích</figcaption></figure>tiếp", "Ảnh Chú thích tiếp"},
		"hgroup headings":       {"<hgroup><h1>Tít</h1><p>Sapo</p></hgroup>Thân", "Tít Sapo Thân"},
		"line break":            {"một<br>hai<br/>ba", "một hai ba"},
		"horizontal rule":       {"trên<hr>dưới", "trên dưới"},
		"dialog pre blockquote": {"a<dialog>b</dialog><pre>c</pre><blockquote>d</blockquote>e", "a b c d e"},
		"lists":                 {"<ul><li>một</li><li>hai</li></ul><ol><li>ba</li></ol>", "một hai ba"},
		"image between words":   {"chữ<img src=x>chữ", "chữ chữ"},
		"inline joins":          {"Đại <b>hội</b> Đ<span>ảng</span> <a href=x>XIV</a><em>!</em>", "Đại hội Đảng XIV!"},
		"wbr joins":             {"siêu<wbr>dài", "siêudài"},
		"script hidden":         {"a<script>var x = '<p>';</script>b", "ab"},
		"self-closing script":   {"a<script/>alert(1)</script>b", "ab"},
		"style hidden":          {"<style>p{color:red}</style>chữ", "chữ"},
		"template hidden":       {"a<template><p>x</p></template>b", "ab"},
		"noscript hidden":       {"a<noscript><img src=x></noscript>b", "ab"},
		"iframe hidden breaks":  {"a<iframe>fallback</iframe>b", "a b"},
		"references once":       {"AT&amp;T &amp;lt;b&amp;gt; &#7889;", "AT&T &lt;b&gt; ố"},
		"unclosed tags":         {"<p>một<div>hai", "một hai"},
		"upper-case tags":       {"một<DT>hai</DT>ba", "một hai ba"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := collapse(Text(tc.in)); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBreaksAndHidden(t *testing.T) {
	tests := map[string]struct{ breaks, hidden bool }{
		"address": {true, false}, "article": {true, false}, "aside": {true, false},
		"blockquote": {true, false}, "br": {true, false}, "caption": {true, false},
		"dd": {true, false}, "details": {true, false}, "dialog": {true, false},
		"div": {true, false}, "dl": {true, false}, "dt": {true, false},
		"fieldset": {true, false}, "figcaption": {true, false}, "figure": {true, false},
		"footer": {true, false}, "form": {true, false}, "h1": {true, false},
		"h6": {true, false}, "header": {true, false}, "hgroup": {true, false},
		"hr": {true, false}, "li": {true, false}, "main": {true, false},
		"nav": {true, false}, "ol": {true, false}, "p": {true, false},
		"pre": {true, false}, "section": {true, false}, "summary": {true, false},
		"table": {true, false}, "tbody": {true, false}, "thead": {true, false},
		"tfoot": {true, false}, "tr": {true, false}, "td": {true, false},
		"th": {true, false}, "ul": {true, false}, "menu": {true, false},
		"search": {true, false}, "legend": {true, false},
		"a": {false, false}, "b": {false, false}, "span": {false, false},
		"em": {false, false}, "wbr": {false, false}, "unknown-element": {false, false},
		"script": {false, true}, "style": {false, true}, "template": {false, true},
		"noscript": {false, true}, "iframe": {true, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Breaks(name); got != tc.breaks {
				t.Errorf("Breaks(%q) = %v, want %v", name, got, tc.breaks)
			}
			if got := Hidden(name); got != tc.hidden {
				t.Errorf("Hidden(%q) = %v, want %v", name, got, tc.hidden)
			}
		})
	}
}

func TestBreakElements(t *testing.T) {
	names := BreakElements()
	for _, n := range names {
		if !Breaks(n) {
			t.Errorf("BreakElements lists %q, which does not break", n)
		}
	}
	for _, n := range []string{"dl", "dt", "dd", "address", "footer", "br", "img"} {
		if !slices.Contains(names, n) {
			t.Errorf("BreakElements() lacks %q", n)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("BreakElements() = %q, not sorted", names)
	}
}
