package htmltext

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzWellFormed checks the fast path of Balance: a fragment WellFormed
// accepts must parse as written, so parsing and rendering it gives the
// same elements, attributes and text in the same order. And whatever the
// input, Balance's output is a fixed point, and WellFormed's reading
// without a tokenizer, where it is sure, is the tokenizer's.
func FuzzWellFormed(f *testing.F) {
	for _, c := range balanceCases {
		f.Add(c.in)
	}
	for _, s := range []string{`<p>a</br>`, `<p><div>x</div></p>`, `<ul><li>a<li>b</ul>`, `<a href="x"><a>y</a></a>`,
		`<b><p>x</p></b>`, `<h1><h2>x</h2></h1>`, `<dl><dt>a<dd>b</dl>`, `<p>&amp;&lt;&#39;&#x41;</p>`, `<img src="a" alt=""><br>`} {
		f.Add(s)
	}
	for _, s := range plainCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.ContainsAny(s, "\r\x00") {
			if ok, sure := wellFormedPlain(s); sure && ok != wellFormedTokens(s) {
				t.Fatalf("wellFormedPlain(%q) = %v, the tokenizer's reading %v", s, ok, !ok)
			}
		}
		b := Balance(s)
		if again := Balance(b); again != b {
			t.Fatalf("Balance not a fixed point:\n in %q\nout %q\nagain %q", s, b, again)
		}
		if !WellFormed(s) {
			return
		}
		if want, got := tokens(s), tokens(reserialise(s)); !slices.Equal(want, got) {
			t.Fatalf("WellFormed(%q) but the parser changes it:\nwant %q\n got %q", s, want, got)
		}
	})
}

// tokens lists the start tags (with attributes), end tags and runs of
// text of s, text unescaped and adjacent runs merged. A tag's attributes
// are listed in name order: their order means nothing in HTML, and
// x/net/html's parser gives them back in another order in some cases
// (found by the fuzzer: `<p>0<A X=""A=""></A></p>0`, a and x swapped).
func tokens(s string) []string {
	z := html.NewTokenizer(strings.NewReader(s))
	var out []string
	text := ""
	flush := func() {
		if text != "" {
			out = append(out, "text:"+text)
			text = ""
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return out
		case html.TextToken:
			text += string(z.Text())
		default:
			flush()
			tok := z.Token()
			slices.SortStableFunc(tok.Attr, func(a, b html.Attribute) int { return strings.Compare(a.Key, b.Key) })
			out = append(out, fmt.Sprintf("%v:%s:%v", tt == html.EndTagToken, tok.Data, tok.Attr))
		}
	}
}
