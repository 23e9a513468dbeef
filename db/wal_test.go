package db

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestCheckpointWAL: the WAL is checkpointed and truncated when no reader
// is in it; a reader holding a snapshot makes the checkpoint give up
// (Busy) after a short wait instead of stalling writers, and the next one
// succeeds once the reader is done.
func TestCheckpointWAL(t *testing.T) {
	sqliteOnly(t) // the -wal file
	ctx := context.Background()
	d, path := mustOpen(t)
	mustSync(t, d, "s")
	for i := range 30 {
		it := mkItem("s", fmt.Sprint("g", i), i, []string{"x"}, "t")
		for range 50 {
			it.Content += "<p>Nội dung dài để ghi nhiều trang vào nhật ký WAL.</p>"
		}
		mustSave(t, d, "s", it)
	}
	if fileSize(path+"-wal") == 0 {
		t.Fatal("no WAL written")
	}
	// A reader in the middle of a query holds its snapshot.
	rows, err := d.SQL().QueryContext(ctx, `SELECT id FROM items`)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no rows")
	}
	mustSave(t, d, "s", mkItem("s", "late", 99, nil, "t"))
	start := time.Now()
	info, err := d.CheckpointWAL(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Busy {
		t.Errorf("checkpoint with a reader in the WAL: %+v, want Busy", info)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("checkpoint waited %v for the reader", took)
	}
	rows.Close()
	info, err = d.CheckpointWAL(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Busy || info.After != 0 || info.Before == 0 {
		t.Errorf("checkpoint without readers: %+v, want the WAL truncated", info)
	}
	// Writes go on afterwards.
	mustSave(t, d, "s", mkItem("s", "after", 100, nil, "t"))
}
