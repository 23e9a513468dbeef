package db

import (
	"context"
	"testing"
	"time"
)

func TestLeasesSplitSourcesAndPerHostAcrossInstances(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	a, dsn := openFresh(t)
	b, err := Open(ctx, dsn) // a second instance on the same database
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
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
