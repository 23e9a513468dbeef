package testenv

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent writes and reads: a log
// destination that goroutines of the code under test write to while the
// test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// WellFormedXML reads every token of an XML document with encoding/xml and
// returns the first error.
func WellFormedXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
