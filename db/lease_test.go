package db

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLeasesSplitSourcesAndPerHostAcrossInstances(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, b := openTwo(t)
	mustSync(t, a, "s1", "s2", "s3")
	now := time.Now()
	until := now.Add(time.Minute)

	if _, c, err := a.ClaimSource(ctx, "s1", "A", "h", 1, now, until, false); err != nil || !c.OK {
		t.Fatalf("A claims s1: %+v, %v", c, err)
	}
	_, c, err := b.ClaimSource(ctx, "s1", "B", "h", 5, now, until, false)
	if err != nil || c.OK || !c.Until.Equal(fromNanos(toNanos(until))) {
		t.Errorf("B claims s1 leased by A: %+v, %v; want refused until A's lease ends", c, err)
	}
	if _, c, _ := b.ClaimSource(ctx, "s2", "B", "h", 1, now, until, false); c.OK || !c.HostBusy {
		t.Errorf("B claims s2 of a host with per_host 1 already leased: %+v, want HostBusy", c)
	}
	if _, c, _ := b.ClaimSource(ctx, "s3", "B", "other", 1, now, until, false); !c.OK {
		t.Errorf("B claims s3 of another host: %+v, want OK", c)
	}
	// A dies: once its lease has ended, B takes s1 over.
	later := until.Add(time.Second)
	if _, c, _ := b.ClaimSource(ctx, "s1", "B", "h", 1, later, later.Add(time.Minute), false); !c.OK {
		t.Errorf("B claims s1 after A's lease ended: %+v, want OK", c)
	}
	// Stored state written by A's poll is seen by B's claim: not due.
	s, _ := a.Source(ctx, "s2")
	s.NextDue = now.Add(time.Hour)
	if err := a.SaveSourceState(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, c, _ := b.ClaimSource(ctx, "s2", "B", "h2", 1, now, until, false)
	if c.OK || !got.NextDue.Equal(fromNanos(toNanos(s.NextDue))) {
		t.Errorf("B claims s2 not due: %+v, next due %v; want refused with the stored next due", c, got.NextDue)
	}
	if _, c, _ := b.ClaimSource(ctx, "s2", "B", "h2", 1, now, until, true); !c.OK {
		t.Errorf("B claims s2 with all: %+v, want OK", c)
	}
	if err := b.ReleaseSource(ctx, "s2", "B"); err != nil {
		t.Fatal(err)
	}
	if _, c, _ := a.ClaimSource(ctx, "s2", "A", "h2", 1, now, until, true); !c.OK {
		t.Errorf("A claims s2 released by B: %+v, want OK", c)
	}
}

// TestClaimSourcesInOneBatch: one call examines the candidates in order,
// claims at most max, counts its own claims against per_host, reports
// the sources another instance leases or that are not due with their
// stored state, and leaves the candidates after the max unexamined.
func TestClaimSourcesInOneBatch(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, b := openTwo(t)
	mustSync(t, a, "s1", "s2", "s3", "s4", "s5", "s6")
	now := time.Now()
	until := now.Add(time.Minute)
	s4, _ := a.Source(ctx, "s4")
	s4.NextDue = now.Add(time.Hour)
	if err := a.SaveSourceState(ctx, s4); err != nil {
		t.Fatal(err)
	}
	if _, c, err := b.ClaimSource(ctx, "s2", "B", "", 5, now, until, false); err != nil || !c.OK {
		t.Fatalf("B claims s2: %+v, %v", c, err)
	}
	cands := []Candidate{{"s1", "h"}, {"s2", "h"}, {"s3", "h"}, {"s4", "h"}, {"s5", ""}, {"s6", ""}}
	got, err := a.ClaimSources(ctx, "A", cands, 2, 3, now, until, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, c := range got {
		if c.Source.ID != cands[i].ID {
			t.Fatalf("outcome %d is of %s, want %s", i, c.Source.ID, cands[i].ID)
		}
		switch {
		case c.OK:
			out = append(out, c.Source.ID+":ok")
		case c.HostBusy:
			out = append(out, c.Source.ID+":busy")
		case !c.Until.IsZero():
			out = append(out, c.Source.ID+":leased")
		default:
			out = append(out, c.Source.ID+":no")
		}
	}
	// s1 and s3 fill h (per_host 2), s4 is busy for its host, s5 is the
	// third claim, s6 is not examined.
	if want := "s1:ok s2:leased s3:ok s4:busy s5:ok"; strings.Join(out, " ") != want {
		t.Errorf("outcomes %q, want %q", strings.Join(out, " "), want)
	}
	// The not-due source comes back with its stored next due time.
	got, err = a.ClaimSources(ctx, "A", []Candidate{{"s4", "x"}}, 2, 3, now, until, false)
	if err != nil || len(got) != 1 || got[0].OK || !got[0].Source.NextDue.Equal(fromNanos(toNanos(s4.NextDue))) {
		t.Errorf("claim of s4, not due: %+v, %v", got, err)
	}
	// A batch write ends the leases it names, in its transaction.
	s1, _ := a.Source(ctx, "s1")
	s1.LastStatus, s1.NextDue = 304, now.Add(time.Hour)
	s3, _ := a.Source(ctx, "s3")
	_, errs, err := a.SaveFetches(ctx, []Fetch{{Source: s1, Lease: "A"}, {Source: s3, Items: []Item{mkItem("s3", "g", 1, nil)}, Lease: "A"},
		{Source: Source{ID: "gone"}, Lease: "A"}})
	if err != nil || errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], ErrNotFound) {
		t.Fatalf("SaveFetches: %v %v", errs, err)
	}
	if st, _ := a.Source(ctx, "s1"); st.LastStatus != 304 || !st.NextDue.Equal(fromNanos(toNanos(s1.NextDue))) {
		t.Errorf("s1 after the batch write: status %d, next due %v", st.LastStatus, st.NextDue)
	}
	var held int
	if err := a.SQL().QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE lease_owner = 'A'`).Scan(&held); err != nil || held != 1 {
		t.Errorf("leases of A after the write: %d (%v), want 1 (s5)", held, err)
	}
	// A's lease of s5 ended and B took s5 over: A's late write is dropped.
	if _, err := a.SQL().ExecContext(ctx, `UPDATE sources SET lease_owner = 'B' WHERE id = 's5'`); err != nil {
		t.Fatal(err)
	}
	s5, _ := a.Source(ctx, "s5")
	s5.LastStatus = 599
	_, errs, err = a.SaveFetches(ctx, []Fetch{{Source: s5, Lease: "A"}, {Source: s5, Items: []Item{mkItem("s5", "late", 1, nil)}, Lease: "A"}})
	if err != nil || !errors.Is(errs[0], ErrLeaseLost) || !errors.Is(errs[1], ErrLeaseLost) {
		t.Errorf("late writes of a lease lost: %v, %v; want ErrLeaseLost for both", errs, err)
	}
	if st, _ := a.Source(ctx, "s5"); st.LastStatus == 599 {
		t.Error("the state of a lease lost was written")
	}
	// per_host freed: B may claim a source of h now that s1 and s3 are released.
	if got, err := b.ClaimSources(ctx, "B", []Candidate{{"s6", "h"}}, 2, 1, now, until, false); err != nil || len(got) != 1 || !got[0].OK {
		t.Errorf("B claims s6 of h after A's release: %+v, %v", got, err)
	}
}

// TestRetiredPollerLeavesItsShare: two live pollers share a host's
// per_host slots (2 each of 4); once one retires (it stopped polling),
// the other may claim all 4 at once, not after pollerLive.
func TestRetiredPollerLeavesItsShare(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, _ := openFresh(t)
	mustSync(t, a, "s1", "s2", "s3", "s4", "s5", "s6")
	now := time.Now()
	until := now.Add(time.Minute)
	claim := func(owner string, ids ...string) int {
		var cands []Candidate
		for _, id := range ids {
			cands = append(cands, Candidate{id, "h"})
		}
		got, err := a.ClaimSources(ctx, owner, cands, 4, len(cands), now, until, false)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range got {
			if c.OK {
				n++
			}
		}
		return n
	}
	if n := claim("B", "s1"); n != 1 {
		t.Fatalf("B claimed %d of 1", n)
	}
	if n := claim("A", "s2", "s3", "s4"); n != 2 {
		t.Fatalf("A claimed %d beside live B, want its share 2 of per_host 4", n)
	}
	if err := a.ReleaseSource(ctx, "s1", "B"); err != nil {
		t.Fatal(err)
	}
	if err := a.RetirePoller(ctx, "B"); err != nil {
		t.Fatal(err)
	}
	if n := claim("A", "s4", "s5", "s6"); n != 2 {
		t.Errorf("A claimed %d more after B retired, want 2 (all 4 of per_host)", n)
	}
}

// TestRenewLease: a poller renews a lease it holds, also once it has
// ended while no other instance claimed the source; not once another
// instance has claimed it. A batch claim gives the lease's end.
func TestRenewLease(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, b := openTwo(t)
	mustSync(t, a, "s1")
	now := time.Now()
	until := now.Add(time.Second)
	got, err := a.ClaimSources(ctx, "A", []Candidate{{ID: "s1", Host: "h"}}, 2, 1, now, until, false)
	if err != nil || len(got) != 1 || !got[0].OK || !got[0].Until.Equal(until) {
		t.Fatalf("A claims s1: %+v, %v; want OK until %v", got, err, until)
	}
	if ok, err := a.RenewLease(ctx, "s1", "A", now.Add(time.Minute)); err != nil || !ok {
		t.Errorf("A renews its lease: %v, %v; want true", ok, err)
	}
	if _, c, _ := b.ClaimSource(ctx, "s1", "B", "h", 2, until.Add(time.Second), until.Add(time.Minute), false); c.OK {
		t.Errorf("B claims s1 within A's renewed lease: %+v, want refused", c)
	}
	// A's lease ends; B claims the source: A's renewal fails.
	later := now.Add(2 * time.Minute)
	if _, c, _ := b.ClaimSource(ctx, "s1", "B", "h", 2, later, later.Add(time.Minute), false); !c.OK {
		t.Fatalf("B claims s1 after A's lease ended: %+v, want OK", c)
	}
	if ok, err := a.RenewLease(ctx, "s1", "A", later.Add(time.Minute)); err != nil || ok {
		t.Errorf("A renews a lease B took over: %v, %v; want false", ok, err)
	}
}
