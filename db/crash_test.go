package db

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bantin/db/pgtest"
)

// crashEnv names the database file for TestCrashChild; unset, that test
// does nothing.
const crashEnv = "BANTIN_DB_CRASH_CHILD"

const crashBatch = 50

// TestCrashChild is the child process of TestKillNineLosesNothingReported:
// it stores batches of crashBatch items as fast as it can, each with an
// update of an item of the previous batch, and prints "begin N" before
// and "stored N" after batch N is written. Every fourth batch it also
// prunes up to 30 old items, as retention does.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process for TestKillNineLosesNothingReported")
	}
	round := os.Getenv(crashEnv + "_ROUND")
	ctx := context.Background()
	d, err := Open(ctx, path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	if err := d.SyncSources(ctx, []SourceSpec{{ID: "s", URL: "http://s.test/"}}); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	s, err := d.Source(ctx, "s")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	for n := 0; ; n++ {
		items := make([]Item, 0, crashBatch+1)
		for i := range crashBatch {
			it := mkItem("s", fmt.Sprintf("r%s-b%d-i%d", round, n, i), n*crashBatch+i,
				[]string{"Hà Nội", fmt.Sprintf("tag %d", i%7)}, "t", fmt.Sprintf("u%d", i%3))
			it.Content = strings.Repeat("<p>Nội dung. </p>", 50)
			items = append(items, it)
		}
		if n > 0 { // also update an item stored by the previous batch
			upd := mkItem("s", fmt.Sprintf("r%s-b%d-i0", round, n-1), n, []string{"Sửa"}, "t")
			upd.Hash = fmt.Sprintf("updated-%d", n)
			items = append(items, upd)
		}
		s.LastAttempt = time.Now()
		fmt.Printf("begin %d\n", n)
		if _, err := d.SaveFetch(ctx, s, items); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Printf("stored %d\n", n) // os.Stdout is unbuffered
		if n%4 == 3 {                // retention runs between fetches, in small batches
			cut := t0.Add(time.Duration(n*crashBatch-120) * time.Minute)
			if _, err := d.Prune(ctx, "s", cut, 30); err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
		}
	}
}

// TestKillNineLosesNothingReported SIGKILLs a process that is storing
// fetches, at a random moment, several times over the same file, then
// checks the database: integrity ok, no duplicate identity, every batch
// reported stored present (or pruned, leaving tombstones), no batch
// half-stored, no item both stored and tombstoned, tag counts right.
func TestKillNineLosesNothingReported(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	path := t.TempDir() + "/crash.db"
	if testEngine == "postgres" {
		path = pgtest.URL(t)
	}
	reported := map[string]int{} // round -> batches reported stored
	kills := []int{3, 11, 25, 1}
	if raceEnabled {
		kills = []int{2, 6, 1}
	}
	for round, killAfter := range kills {
		r := strconv.Itoa(round)
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path, crashEnv+"_ROUND="+r)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		lines := 0
		for lines < killAfter && sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "stored "); ok {
				v, _ := strconv.Atoi(n)
				reported[r] = v + 1
				lines++
			} else if strings.HasPrefix(line, "error") {
				t.Fatalf("round %d child: %s", round, line)
			}
		}
		// Land the kill anywhere inside the next transaction.
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Lines written before the kill also count as reported.
		last := ""
		for sc.Scan() {
			last = sc.Text()
			if n, ok := strings.CutPrefix(last, "stored "); ok {
				v, _ := strconv.Atoi(n)
				reported[r] = v + 1
			}
		}
		if strings.HasPrefix(last, "begin ") {
			t.Logf("round %d: killed inside SaveFetch of batch %s", round, strings.TrimPrefix(last, "begin "))
		}
		cmd.Wait()
		if lines < killAfter {
			t.Fatalf("round %d: child exited after %d lines, before the kill", round, lines)
		}
		t.Logf("round %d: killed after %d reported batches", round, reported[r])
		checkAfterCrash(t, path, reported)
	}
}

func checkAfterCrash(t *testing.T, path string, reported map[string]int) {
	t.Helper()
	ctx := context.Background()
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer d.Close()
	instr := "strpos" // PostgreSQL checks its own integrity and foreign keys
	if !d.Postgres() {
		instr = "instr"
		var ok string
		if err := d.SQL().QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
			t.Fatalf("integrity_check = %q, %v; want ok", ok, err)
		}
		var fk int
		if err := d.SQL().QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil || fk != 0 {
			t.Errorf("foreign_key_check rows = %d, %v; want 0", fk, err)
		}
	}
	var dups int
	if err := d.SQL().QueryRow(`SELECT count(*) FROM (SELECT 1 FROM items
		GROUP BY source_id, guid HAVING count(*) > 1) AS d`).Scan(&dups); err != nil || dups != 0 {
		t.Errorf("duplicate identities = %d, %v; want 0", dups, err)
	}
	var both int
	if err := d.SQL().QueryRow(`SELECT count(*) FROM items i JOIN tombstones t
		ON t.source_id = i.source_id AND t.guid = i.guid`).Scan(&both); err != nil || both != 0 {
		t.Errorf("items that are also tombstoned = %d, %v; want 0", both, err)
	}
	// Items per batch, stored or pruned (tombstoned): crashBatch or none,
	// never in between.
	rows, err := d.SQL().Query(`SELECT substr(guid, 1, ` + instr + `(guid, '-i') - 1), count(*)
		FROM (SELECT guid FROM items UNION ALL SELECT guid FROM tombstones) AS g GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	present := map[string]int{}
	for rows.Next() {
		var batch string
		var n int
		if err := rows.Scan(&batch, &n); err != nil {
			t.Fatal(err)
		}
		if n != crashBatch {
			t.Errorf("batch %s has %d items stored or pruned, want %d (a fetch is all or nothing)", batch, n, crashBatch)
		}
		present[batch] = n
	}
	for r, n := range reported {
		for b := range n {
			if key := fmt.Sprintf("r%s-b%d", r, b); present[key] == 0 {
				t.Errorf("batch %s was reported stored but is neither stored nor pruned", key)
			}
		}
	}
	var nItems, nTombs int
	d.SQL().QueryRow(`SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM tombstones)`).Scan(&nItems, &nTombs)
	t.Logf("after the kill: %d items stored, %d pruned", nItems, nTombs)
	// Every stored item is queued for the search index (the child never
	// indexes).
	var unqueued int
	if err := d.SQL().QueryRow(`SELECT count(*) FROM items WHERE id NOT IN (SELECT item_id FROM search_queue)`).Scan(&unqueued); err != nil || unqueued != 0 {
		t.Errorf("items not queued for search = %d, %v; want 0", unqueued, err)
	}
	// Tag counts maintained by triggers agree with the rows.
	var bad int
	if err := d.SQL().QueryRow(`SELECT count(*) FROM tags t WHERE t.count !=
		(SELECT count(*) FROM item_tags it WHERE it.tag_slug = t.slug)`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("tags with a wrong count = %d, %v; want 0", bad, err)
	}
}
