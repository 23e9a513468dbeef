package main

import (
	"crypto/sha256"
	"os"
	"time"
)

// configWatchInterval is how often the daemon looks at its config file.
const configWatchInterval = 2 * time.Second

// configWatch tells when the config file has new content to reload: an
// editor saves the YAML and the daemon takes it up, as on SIGHUP. A
// change is acted on once the file's size and modification time have
// stayed the same for one interval, so a file still being written is not
// read half way; content equal to what was last loaded (a touch, a save
// without edits, a change SIGHUP already applied) is no change.
type configWatch struct {
	path    string
	size    int64
	mod     time.Time
	pending bool // size or time moved at the last look
	sum     [32]byte
}

// watchConfig starts watching path from its current content.
func watchConfig(path string) *configWatch {
	w := &configWatch{path: path}
	w.loaded()
	return w
}

// loaded records the file as it is now as the content loaded (SIGHUP
// reloads it).
func (w *configWatch) loaded() {
	w.pending = false
	if fi, err := os.Stat(w.path); err == nil {
		w.size, w.mod = fi.Size(), fi.ModTime()
	}
	if b, err := os.ReadFile(w.path); err == nil {
		w.sum = sha256.Sum256(b)
	}
}

// changed reports whether the file holds content other than what was
// loaded last and has settled since the previous call. A missing file
// (between the steps of a save that renames) is no change.
func (w *configWatch) changed() bool {
	fi, err := os.Stat(w.path)
	if err != nil {
		return false
	}
	if fi.Size() != w.size || !fi.ModTime().Equal(w.mod) {
		w.size, w.mod, w.pending = fi.Size(), fi.ModTime(), true
		return false // still moving, perhaps: look again next time
	}
	if !w.pending {
		return false
	}
	w.pending = false
	b, err := os.ReadFile(w.path)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(b)
	if sum == w.sum {
		return false
	}
	w.sum = sum
	return true
}
