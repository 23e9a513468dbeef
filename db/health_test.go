package db

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenExistingNeverCreates: the read-only commands' open names the
// missing path and creates neither the file nor its directory.
func TestOpenExistingNeverCreates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "bantin.db")
	_, err := OpenExisting(ctx, path)
	var ne *NotExistError
	if !errors.As(err, &ne) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path+" does not exist") {
		t.Fatalf("OpenExisting(missing) = %v, want a NotExistError naming %s", err, path)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenExisting created the directory (%v)", err)
	}
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	mustSync(t, d, "s")
	d.Close()
	d, err = OpenExisting(ctx, path)
	if err != nil {
		t.Fatalf("OpenExisting(existing): %v", err)
	}
	defer d.Close()
	if srcs, err := d.Sources(ctx); err != nil || len(srcs) != 1 {
		t.Errorf("Sources = %v, %v", srcs, err)
	}
}

// TestDeletedOrReplacedFileStopsWrites: once the database file or its
// -wal is deleted or replaced, CheckFiles, Health and every write say so
// (ErrGone), nothing is written (no file appears at the path), and reads
// go on from what is open.
func TestDeletedOrReplacedFileStopsWrites(t *testing.T) {
	sqliteOnly(t) // the SQLite file and its storage
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		fault    func(path string) error
		file     string // suffix of the file named
		replaced bool
	}{
		{"database deleted", func(p string) error { return os.Remove(p) }, "", false},
		{"all files deleted (rm bantin.db*)", func(p string) error {
			for _, s := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(p + s); err != nil {
					return err
				}
			}
			return nil
		}, "", false},
		{"database replaced", func(p string) error {
			if err := os.WriteFile(p+".new", []byte("other"), 0o644); err != nil {
				return err
			}
			return os.Rename(p+".new", p)
		}, "", true},
		{"wal deleted", func(p string) error { return os.Remove(p + "-wal") }, "-wal", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, path := mustOpen(t)
			mustSync(t, d, "s")
			mustSave(t, d, "s", mkItem("s", "a", 1, nil))
			if err := d.Health(); err != nil {
				t.Fatalf("Health before the fault: %v", err)
			}
			if err := tc.fault(path); err != nil {
				t.Fatal(err)
			}
			_, werr := d.SaveFetch(ctx, Source{ID: "s"}, []Item{mkItem("s", "b", 2, nil)})
			var ge *GoneError
			if !errors.Is(werr, ErrGone) || !errors.As(werr, &ge) || ge.Path != path+tc.file || ge.Replaced != tc.replaced {
				t.Fatalf("SaveFetch after the fault: %v, want a GoneError for %s (replaced=%v)", werr, path+tc.file, tc.replaced)
			}
			for what, err := range map[string]error{"CheckFiles": d.CheckFiles(), "Health": d.Health(), "Probe": d.Probe(ctx),
				"SaveSourceState": d.SaveSourceState(ctx, Source{ID: "s"}), "Optimize": d.Optimize(ctx)} {
				if !errors.Is(err, ErrGone) {
					t.Errorf("%s after the fault: %v, want ErrGone", what, err)
				}
			}
			if !strings.Contains(werr.Error(), path+tc.file) || !strings.Contains(werr.Error(), "nothing more is written") {
				t.Errorf("error %q should name the file and say nothing more is written", werr)
			}
			if !tc.replaced {
				if _, err := os.Stat(path + tc.file); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s exists again after writes were tried (%v)", path+tc.file, err)
				}
			}
			// What was stored before is still readable from the open file.
			if n, err := d.ItemCount(ctx); err != nil || n != 1 {
				t.Errorf("ItemCount after the fault = %d, %v; want 1", n, err)
			}
		})
	}
}
