// Package interop holds bantin's interoperability tests: a realistic
// fixture (testdata/interop) is polled into SQLite and served by the
// publisher, and every published feed is checked with the real validators
// and readers that subscribers use (jing with the RFC 4287 RELAX NG
// schema, xmllint, the JSON Feed 1.1 JSON Schema, Python feedparser,
// newsboat) and the index page with headless Chromium. Each check skips
// when its tool is missing; CI (.ci/run) installs them all.
//
// The package has no non-test code besides this comment.
package interop
