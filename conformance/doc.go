// Package conformance holds bantin's hardening tests: the wild-feed corpus
// run through the whole pipeline (fetch, parse, normalise, store, publish),
// the HTML sanitizer cases, and fuzz targets that cross package boundaries.
// It has no API; everything lives in its test files.
package conformance
