package interop

import (
	"os"
	"testing"
)

func TestZZDump(t *testing.T) {
	s := newSite(t)
	os.MkdirAll("/tmp/bdump", 0o755)
	s.SaveAll(t, "/tmp/bdump", s.Feeds())
	b, _ := s.Fetch(t, "/opml.xml")
	os.WriteFile("/tmp/bdump/opml.xml", b, 0o644)
}
