package htmltext

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"bantin/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fragments are sanitiser outputs seen upstream and their well-formed
// forms.
var balanceCases = []struct{ in, want string }{
	// A line break written as an end tag.
	{`<p>Dòng một</br>Dòng hai</p>`, `<p>Dòng một<br>Dòng hai</p>`},
	// The "</p>" left behind when the sanitiser removed a <noscript>
	// that held the "<p>".
	{`<p>Ảnh</p></p><p>Tiếp</p>`, `<p>Ảnh</p><p></p><p>Tiếp</p>`},
	// Unclosed and misnested elements.
	{`<p>mở <b>đậm <i>nghiêng</b> hết`, `<p>mở <b>đậm <i>nghiêng</i></b><i> hết</i></p>`},
	{`<div><p>trong</div>sau`, `<div><p>trong</p></div>sau`},
	{`<ul><li>một<li>hai</ul>`, `<ul><li>một</li><li>hai</li></ul>`},
	{`<p>a<div>b</div>c</p>`, `<p>a</p><div>b</div>c<p></p>`},
	{`x</span>y`, `xy`},
	{`<a href="https://a.vn/">một <a href="https://b.vn/">hai</a></a>`, `<a href="https://a.vn/">một </a><a href="https://b.vn/">hai</a>`},
	{`AT&T & <3`, `AT&amp;T &amp; &lt;3`},
	{`<table><tr><td>ô</td></tr></table>`, `<table><tbody><tr><td>ô</td></tr></tbody></table>`},
	// Already well-formed: unchanged, byte for byte.
	{`<p>Sáng 25/11, <a href="https://tinviet.example.vn/ha-noi/?a=1&amp;b=2" rel="nofollow noreferrer">Hà Nội</a> &amp; <strong>đậm</strong>.</p><p><img src="https://tinviet.example.vn/anh.jpg" alt="Ảnh"></p>`, ""},
	{`<ul><li>một<ul><li>hai</li></ul></li></ul><dl><dt>a</dt><dd>b</dd></dl>`, ""},
	{`Chỉ có chữ, không thẻ`, ""},
	{`<figure><img src="https://a.vn/x.png" alt=""><figcaption>Chú thích<br>dòng 2</figcaption></figure>`, ""},
}

func TestBalance(t *testing.T) {
	for _, c := range balanceCases {
		want := c.want
		if want == "" {
			want = c.in
		}
		got := Balance(c.in)
		if got != want {
			t.Errorf("Balance(%q)\n got %q\nwant %q", c.in, got, want)
		}
		if again := Balance(got); again != got {
			t.Errorf("Balance is not a fixed point on %q: %q", got, again)
		}
		if c.want == "" && !WellFormed(c.in) {
			t.Errorf("WellFormed(%q) = false, want true (parsed for nothing)", c.in)
		}
		if c.want != "" && WellFormed(c.in) {
			t.Errorf("WellFormed(%q) = true for a fragment that is not", c.in)
		}
	}
}

// TestWellFormedRejects lists fragments the fast path must hand to the
// parser.
func TestWellFormedRejects(t *testing.T) {
	for _, s := range []string{
		`<p>a</br>`, `</p>`, `<p>a`, `<p><p>b</p></p>`, `<p><ul><li>x</li></ul></p>`,
		`<p><hr></p>`, `<li>a<li>b</li></li>`, `<dl><dd>a<dt>b</dt></dd></dl>`,
		`<a href="x"><a href="y">z</a></a>`, `<h2>a<h3>b</h3></h2>`, `<div/>`,
		`<b><i>x</b></i>`, `<!-- c -->`, `a < b`, `AT&T`, `&copy 2026`,
		`<img src="a" src="b">`, `<a href="?a=1&b=2">x</a>`, `<table></table>`,
		`<foo>x</foo>`, "a\r\nb", `<br></br>`,
	} {
		if WellFormed(s) {
			t.Errorf("WellFormed(%q) = true", s)
		}
	}
}

// TestBalanceHTML5lib parses every output of Balance with html5lib in
// strict mode (the parser the W3C feed validator uses to report
// "Invalid HTML"): none may have a parse error, and neither may any
// fragment WellFormed accepts. Skips when Debian's python3-html5lib is
// not installed.
func TestBalanceHTML5lib(t *testing.T) {
	py := testenv.Python(t, "html5lib")
	var frags []string
	for _, c := range balanceCases {
		frags = append(frags, Balance(c.in))
	}
	frags = append(frags, Balance(`<p>x</p></p>`), Balance(`<b><i>x</b></i><!-- c --><div/>`))
	in, err := json.Marshal(frags)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(t.TempDir(), "frags*.json")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(in)
	f.Close()
	const script = `
import json, sys, html5lib
from html5lib.html5parser import ParseError
bad = []
for s in json.load(open(sys.argv[1])):
    try:
        html5lib.HTMLParser(strict=True).parseFragment(s)
    except ParseError as e:
        bad.append("%r: %s" % (s, e))
print("\n".join(bad))
`
	out, err := exec.Command(py, "-c", script, f.Name()).CombinedOutput()
	if err != nil {
		t.Fatalf("html5lib: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("html5lib strict parse errors:\n%s", s)
	}
	// The control: html5lib must reject what Balance repairs.
	out, _ = exec.Command(py, "-c", `import html5lib; html5lib.HTMLParser(strict=True).parseFragment("<p>a</br>b</p></p>")`).CombinedOutput()
	if !strings.Contains(string(out), "ParseError") {
		t.Fatalf("html5lib accepted unbalanced HTML in strict mode: %s", out)
	}
}

// plainCases are fragments for wellFormedPlain: written as sanitisers
// write them, and near misses.
var plainCases = []string{
	`<p>Hà Nội &amp; TP.HCM</p>`, `<p class="a" title="b">x</p>`, `<a href="https://x.vn/?a=1&amp;b=2">x</a>`,
	`<p title="a=">x</p>`, `<p title="a" title="b">x</p>`, `<p>a &amp b</p>`, `<p>&#x1F600; &#128512; &#12345678;</p>`,
	`<p>a</p><hr><p>b</p>`, `<p><hr></p>`, `<ul><li>a</li><li>b</li></ul>`, `<ul><li>a<li>b</li></ul>`,
	`<p>x</br>`, `<br/>`, `<p >x</p>`, `<P>x</P>`, `<p CLASS="x">y</p>`, `<p class=x>y</p>`, `<p disabled>y</p>`,
	`<p>a < b</p>`, `<p>x</p >`, `<!-- c --><p>x</p>`, `<script>x</script>`, `<p title="a>b">c</p>`,
	`<img src="a.png" alt=""><br>`, `<p>x`, `x</p>`, `<a href="a"><a href="b">x</a></a>`, `<h1><h2>x</h2></h1>`,
	`<dl><dt>a</dt><dd>b</dd></dl>`, `<p><div>x</div></p>`, `<p a="1" b="2" c="3" d="4" e="5" f="6" g="7" h="8" i="9">x</p>`,
	`<p title="&quot;x&quot;">y</p>`, `<p title="&x;">y</p>`, `text only`, ``, `<`, `<p`, `<p title="x`, `</>`, `<>`,
}

// TestWellFormedPlain: WellFormed reads fragments written the usual way
// without a tokenizer, and gives the tokenizer's answer.
func TestWellFormedPlain(t *testing.T) {
	cases := append([]string{}, plainCases...)
	for _, c := range balanceCases {
		cases = append(cases, c.in)
	}
	sureOf := 0
	for _, s := range cases {
		ok, sure := wellFormedPlain(s)
		if !sure {
			continue
		}
		sureOf++
		if want := wellFormedTokens(s); ok != want {
			t.Errorf("wellFormedPlain(%q) = %v, the tokenizer says %v", s, ok, want)
		}
	}
	// Sanitised HTML is read without the tokenizer.
	for _, s := range []string{`<p>Hà Nội &amp; TP.HCM</p>`, `<p class="a" title="b">x</p><ul><li>a</li></ul><img src="a.png" alt="">`} {
		if ok, sure := wellFormedPlain(s); !ok || !sure {
			t.Errorf("wellFormedPlain(%q) = %v, %v; want true, sure", s, ok, sure)
		}
	}
	if sureOf < len(cases)/2 {
		t.Errorf("sure of only %d of %d cases", sureOf, len(cases))
	}
}

func BenchmarkWellFormed(b *testing.B) {
	s := strings.Repeat(`<p>Theo <a href="https://vnexpress.net/x?a=1&amp;b=2" title="Tin">VnExpress</a>, sáng nay Hà Nội có mưa &amp; gió.</p>`, 8)
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			wellFormedPlain(s)
		}
	})
	b.Run("tokens", func(b *testing.B) {
		for b.Loop() {
			wellFormedTokens(s)
		}
	})
}

// TestIsCharRef: the character references WellFormed accepts in text are
// those of the HTML standard's simple forms, no more.
func TestIsCharRef(t *testing.T) {
	for s, want := range map[string]bool{
		"&amp;": true, "&lt;x": true, "&nbsp;": true, "&apos;": true, "&#1;": true, "&#1234567;": true,
		"&#12345678;": false, "&#x1F600;": true, "&#X1f600;": true, "&#x123456;": true, "&#x1234567;": false,
		"&#;": false, "&#x;": false, "&#12a;": false, "&#xG;": false, "&amp": false, "&copy;": false,
		"&": false, "&#": false, "&#1": false, "& amp;": false, "&AMP;": false,
	} {
		if got := isCharRef(s); got != want {
			t.Errorf("isCharRef(%q) = %v, want %v", s, got, want)
		}
		if got := isCharRef([]byte(s)); got != want {
			t.Errorf("isCharRef([]byte(%q)) = %v, want %v", s, got, want)
		}
	}
}

// TestBalanceDeepNesting: a fragment nesting elements far deeper than any
// article (a hostile feed's) is kept as its text, escaped, instead of
// going to the parser, whose time grows with the square of the depth.
func TestBalanceDeepNesting(t *testing.T) {
	deep := strings.Repeat("<div>", 100000) + "Hà Nội <b>&amp;</b> \"x\" " + strings.Repeat("</p>", 3)
	got := Balance(deep)
	if want := "Hà Nội &amp; &#34;x&#34;"; got != want {
		t.Errorf("Balance(100,000 nested <div>s) = %.80q, want %q", got, want)
	}
	if Balance(got) != got {
		t.Errorf("not a fixed point: %q", got)
	}
	// Nesting within the bound is parsed as before.
	ok := strings.Repeat("<div>", maxDepth-1) + "x"
	if got := Balance(ok); got != strings.Repeat("<div>", maxDepth-1)+"x"+strings.Repeat("</div>", maxDepth-1) {
		t.Errorf("Balance(%d nested <div>s) = %.60q...", maxDepth-1, got)
	}
	// Void elements, closed elements and those whose end tag may be left
	// out (the next one closes them) do not count.
	flat := strings.Repeat("<p>a<br>b</p>", 2000) + "<p>x"
	if got := Balance(flat); !strings.HasSuffix(got, "<p>x</p>") || strings.Count(got, "<br>") != 2000 {
		t.Errorf("Balance of 2,000 closed paragraphs and an open one lost its markup: ...%q", got[len(got)-40:])
	}
	sloppy := strings.Repeat("<p>đoạn", 2000) + "<ul>" + strings.Repeat("<li>mục", 2000) + "</ul>"
	if got := Balance(sloppy); strings.Count(got, "</p>") != 2000 || strings.Count(got, "</li>") != 2000 {
		t.Errorf("Balance of 2,000 unclosed paragraphs and list items lost its markup: %.80q", got)
	}
	if !DeeperThan(strings.Repeat("<div><p>", 600), 512) || DeeperThan(strings.Repeat("<div></div><p><li><br>", 600), 512) {
		t.Error("DeeperThan counts the wrong elements")
	}
}

func BenchmarkBalanceDeep(b *testing.B) {
	deep := strings.Repeat("<div>", 100000) + "x"
	for b.Loop() {
		Balance(deep)
	}
}
