// Package publisher serves the feeds that package publisher/render
// composes and renders: it reads topic and tag pages from the database,
// caches each rendered version in memory (ETag, Last-Modified, gzip),
// re-renders in the background what a write changed, and answers HTTP,
// through one route table (routes.go), with net/http or the HTTP/1.1 fast
// path (Front). It also renders the index page and the OPML lists.
package publisher
