package testenv

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files the tests compare with (check the difference first)")

// Golden compares got with the golden file at rel (slash-separated,
// relative to the module root, e.g. "testdata/golden/topic.rss"); with
// go test -update it writes got there instead.
func Golden(tb testing.TB, rel string, got []byte) {
	tb.Helper()
	path := Path(tb, rel)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from its golden file (go test -update rewrites it, after checking):\n--- got\n%s\n--- want\n%s", rel, got, want)
	}
}
