package render

import (
	"strings"

	"bantin/htmltext"
)

// HTMLText renders an HTML fragment as plain text (htmltext.Text: tags
// dropped, script and style content left out, words separated at every
// block-level and line-breaking element, entities decoded once), runs of
// white space collapsed. JSON Feed's "summary" is plain text by the spec.
func HTMLText(s string) string { return plain.do(s, htmlText) }

func htmlText(s string) string {
	if strings.ContainsAny(s, "<&") {
		s = htmltext.Text(s)
	}
	return strings.Join(strings.Fields(s), " ")
}
