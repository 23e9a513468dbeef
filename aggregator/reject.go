package aggregator

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"bantin/aggregator/fetcher"
	"bantin/aggregator/normaliser"
	"bantin/aggregator/scrape"
	"bantin/config"
	"bantin/db"
)

// Why a 200 body was not stored (Result.Rejected, the reason label of
// bantin_feed_bodies_rejected_total).
const (
	rejectHTML      = "html"      // a web page where a feed was expected
	rejectTruncated = "truncated" // a feed cut before its end
	rejectEmpty     = "empty"     // no body, or only white space
	rejectNotFeed   = "not_feed"  // JSON, binary, text...: not RSS, Atom or JSON Feed
	rejectMalformed = "malformed" // a feed that does not parse
	rejectNoItems   = "no_items"  // a listing page (type: html) where items.each finds no item
)

// rejection names the reason for a parse error.
func rejection(err error) string {
	switch {
	case errors.Is(err, normaliser.ErrTruncated):
		return rejectTruncated
	case errors.Is(err, normaliser.ErrEmptyBody):
		return rejectEmpty
	case errors.Is(err, normaliser.ErrUnknownFormat):
		return rejectNotFeed
	case errors.Is(err, scrape.ErrNoItems):
		return rejectNoItems
	}
	return rejectMalformed
}

// reject records a 200 response whose body is not a feed to store: a
// failed poll (backoff, the error on the source) that keeps the status
// the server sent and stores nothing, so nothing stored is overwritten.
func (p *Poller) reject(st *db.Source, o *outcome, reason string, err error) {
	p.fail(st, o, err)
	o.rejected = reason
	st.LastStatus = o.status
}

// headBytes is how much of a rejected body its error quotes.
const headBytes = 64

// received describes a response body for an error message: its content
// type, its size and its first bytes (white space runs shown as one space,
// bytes that are not UTF-8 escaped), e.g.
// `received application/json, 24 bytes: "{\"error\":\"rate limited\"}"`.
func received(resp *fetcher.Response) string {
	ct := resp.ContentType
	if ct == "" {
		ct = "no Content-Type"
	}
	s := fmt.Sprintf("received %s, %d bytes", ct, len(resp.Body))
	head := resp.Body[:min(len(resp.Body), 4*headBytes)]
	if isText(head) {
		head = bytes.Join(bytes.Fields(head), []byte(" ")) // white space shown as one space
	}
	if len(head) == 0 {
		return s
	}
	more := len(head) > headBytes || len(resp.Body) > 4*headBytes
	if len(head) > headBytes {
		head = head[:headBytes]
		for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
			head = head[:len(head)-1] // no rune cut in two
		}
	}
	s += ": " + strconv.Quote(string(head))
	if more {
		s += "…"
	}
	return s
}

// isText reports whether b is UTF-8, but for a rune cut at its end.
func isText(b []byte) bool {
	for i := 0; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return true
		}
	}
	return false
}

// notFollowed says that the feed links of a page were not followed.
func notFollowed(links []string) string {
	if len(links) == 0 {
		return ""
	}
	return fmt.Sprintf("; its feed link %s is not followed: the source has given a feed before, and only a source that never has is searched for one", links[0])
}

// skips counts the items of a fetched feed that were not stored, by why.
type skips struct {
	expired      int // published before the retention window
	placeholders int // without title, link or enclosure among named items
	linkless     int // elements of a listing page (type: html) without a link
	tombstoned   int // pruned before and still listed upstream (counted as stored)
}

// record returns the count and the reason a source's state keeps (see
// SkipNote): "older than retention 90d", "without a title, link or
// enclosure (the feed's other items have one)", "without a link
// (items.link ... finds none)", or several with their counts.
func (s skips) record(src *config.Source) (int, string) {
	type reason struct {
		n   int
		why string
	}
	all := []reason{
		{s.expired, "older than retention " + src.Retention.String()},
		{s.placeholders, "without a title, link or enclosure (the feed's other items have one)"},
		{s.linkless, linklessWhy(src)},
		{s.tombstoned, "pruned earlier and still listed upstream (not stored again)"},
	}
	total, whys, only := 0, []string{}, ""
	for _, r := range all {
		if r.n > 0 {
			total += r.n
			only = r.why
			whys = append(whys, fmt.Sprintf("%s (%d)", r.why, r.n))
		}
	}
	if len(whys) == 1 {
		return total, only // the count says it
	}
	return total, strings.Join(whys, ", ")
}

// withTombstoned returns record for src with n tombstoned items, as
// db.Fetch.Skips wants it.
func (s skips) withTombstoned(src *config.Source) func(n int) (int, string) {
	return func(n int) (int, string) {
		s.tombstoned = n
		return s.record(src)
	}
}

// linklessWhy says why elements of src's listing page were left out.
func linklessWhy(src *config.Source) string {
	if src.Items == nil || src.Items.Link.Raw == "" {
		return "without a link"
	}
	return fmt.Sprintf("without a link (items.link %q finds none)", src.Items.Link.Raw)
}

// SkipNote is how skipped items are reported: "5 older than retention
// 90d"; "" when none were skipped.
func SkipNote(skipped int, reason string) string {
	if skipped == 0 {
		return ""
	}
	return strconv.Itoa(skipped) + " " + reason
}

// noteRepair records and logs that the items of a response were read from
// a document the parser had to repair.
func (p *Poller) noteRepair(o *outcome, resp *fetcher.Response) {
	const note = "not well-formed XML, read after repair (its items never replace stored ones with shorter text)"
	p.addNote(o, resp.URL, note)
}

// addNote records a note on o and logs it.
func (p *Poller) addNote(o *outcome, url, note string) {
	if o.note != "" {
		o.note += "; "
	}
	o.note += url + ": " + note
	p.Logger.Warn("malformed response recovered", slog.String("source", o.state.ID),
		slog.String("url", url), slog.String("note", note))
}

// logSkipped logs the items of a poll that were not stored, and why.
func (p *Poller) logSkipped(r Result) {
	if r.Skipped == 0 {
		return
	}
	p.Logger.Info("items skipped", slog.String("source", r.SourceID), slog.Int("skipped", r.Skipped),
		slog.String("reason", r.SkipReason))
}
