package render

import (
	"encoding/xml"
	"hash/maphash"
	"strings"
	"sync"

	"bantin/htmltext"
)

// textMemo remembers the results of a pure function of a string (the
// HTML balancing and plain text of item bodies): a feed is rendered again
// at every change of any of its items, in every format, and the items it
// shows are mostly the same each time. Keys are two 64-bit hashes of the
// input and its length; the results of the last two generations of limit
// inputs are kept (a generation is dropped whole when the next fills).
type textMemo struct {
	mu        sync.Mutex
	cur, prev map[memoKey]string
	limit     int
}

type memoKey struct {
	h1, h2 uint64
	n      int
}

var memoSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// memoMin is the shortest input worth remembering.
const memoMin = 64

// do returns f(s), from the memo when s was seen lately.
func (m *textMemo) do(s string, f func(string) string) string {
	if len(s) < memoMin {
		return f(s)
	}
	k := memoKey{maphash.String(memoSeeds[0], s), maphash.String(memoSeeds[1], s), len(s)}
	m.mu.Lock()
	v, ok := m.cur[k]
	if !ok {
		if v, ok = m.prev[k]; ok {
			m.putLocked(k, v)
		}
	}
	m.mu.Unlock()
	if ok {
		return v
	}
	v = f(s)
	m.mu.Lock()
	m.putLocked(k, v)
	m.mu.Unlock()
	return v
}

func (m *textMemo) putLocked(k memoKey, v string) {
	if m.cur == nil || len(m.cur) >= m.limit {
		m.prev, m.cur = m.cur, make(map[memoKey]string, m.limit)
	}
	m.cur[k] = v
}

// memoLimit is a generation's size: the items of a few hundred feeds.
const memoLimit = 4096

var (
	balanced = textMemo{limit: memoLimit} // htmltext.Balance
	plain    = textMemo{limit: memoLimit} // HTMLText
	escaped  = textMemo{limit: memoLimit} // escapedXML
)

// escapedXML is s as encoding/xml writes character data (xml.EscapeText).
func escapedXML(s string) string {
	return escaped.do(s, func(s string) string {
		var b strings.Builder
		b.Grow(len(s) + len(s)/8)
		xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
		return b.String()
	})
}

// publishedHTML is stored HTML as published: balanced (htmltext.Balance),
// so that every tag parses as written. The normaliser stores balanced
// HTML; rows stored before it did are balanced here, and a fragment that
// is already well-formed costs one scan (once: the result is remembered).
func publishedHTML(s string) string { return balanced.do(s, htmltext.Balance) }
