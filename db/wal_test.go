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

// TestBackgroundCheckpoint: a write that leaves more than
// walCheckpointFrames pages in the WAL starts a checkpoint beside the
// writer, which empties the backlog without any further write (SQLite's
// own checkpoint, inside a commit, is a backstop at 10,000 pages); and the
// backlog read from the -shm file is SQLite's own count.
func TestBackgroundCheckpoint(t *testing.T) {
	sqliteOnly(t) // the -wal and -shm files
	ctx := context.Background()
	d, path := mustOpen(t)
	mustSync(t, d, "s")
	big := ""
	for range 200 {
		big += "<p>Nội dung dài để ghi nhiều trang vào nhật ký WAL.</p>"
	}
	save := func(from, n int) {
		t.Helper()
		items := make([]Item, n)
		for i := range items {
			items[i] = mkItem("s", fmt.Sprint("g", from+i), from+i, []string{"x"}, "t")
			items[i].Content = big
		}
		if _, err := d.SaveFetch(ctx, Source{ID: "s"}, items); err != nil {
			t.Fatal(err)
		}
	}
	save(0, 10)
	b := walBacklog(path + "-shm")
	if b == 0 {
		t.Fatal("walBacklog: 0 frames after a write")
	}
	var busy, logFrames, done int
	if err := d.SQL().QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done); err != nil {
		t.Fatal(err)
	}
	if int(b) > logFrames || busy != 0 || done != logFrames {
		t.Fatalf("walBacklog %d; SQLite: busy %d, %d frames in the log, %d checkpointed", b, busy, logFrames, done)
	}
	if b := walBacklog(path + "-shm"); b != 0 {
		t.Fatalf("walBacklog after a full checkpoint: %d, want 0", b)
	}
	// Fill the log past the threshold, below SQLite's backstop.
	n := 10
	for walBacklog(path+"-shm") < walCheckpointFrames+200 && !d.ckpt.running.Load() {
		save(n, 50)
		n += 50
		if n > 20000 {
			t.Fatalf("WAL backlog %d frames after %d items", walBacklog(path+"-shm"), n)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for walBacklog(path+"-shm") >= walCheckpointFrames {
		if time.Now().After(deadline) {
			t.Fatalf("WAL backlog still %d frames: no checkpoint ran", walBacklog(path+"-shm"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	var count int
	if err := d.SQL().QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&count); err != nil || count != n {
		t.Fatalf("items: %d, %v; want %d", count, err, n)
	}
}
