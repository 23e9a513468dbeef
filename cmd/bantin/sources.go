package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"bantin/aggregator"
	"bantin/db"
)

// sourceView is one source as `bantin sources` shows it.
type sourceView struct {
	ID             string    `json:"id"`
	State          string    `json:"state"` // ok, failing, disabled, removed, new
	ConfigURL      string    `json:"config_url"`
	URL            string    `json:"url"`
	Moved          bool      `json:"moved"`
	DiscoveredFrom string    `json:"discovered_from,omitempty"`
	Title          string    `json:"title"`
	LastAttempt    time.Time `json:"last_attempt"`
	LastSuccess    time.Time `json:"last_success"`
	Status         int       `json:"status"`
	Error          string    `json:"error,omitempty"`
	New            int       `json:"new"`
	Updated        int       `json:"updated"`
	DurationMS     int64     `json:"duration_ms"`
	Failures       int       `json:"consecutive_failures"`
	NextDue        time.Time `json:"next_due"`
	RetryAfter     time.Time `json:"retry_after"`
	Hub            string    `json:"websub_hub,omitempty"`
	HubLeaseEnd    time.Time `json:"websub_lease_end"`
	// Items is the number of stored items, NewestItem the publication
	// time of the newest one (zero without items).
	Items      int       `json:"items"`
	NewestItem time.Time `json:"newest_item"`
	// Items of the last feed read that were not stored, and why.
	Skipped    int    `json:"skipped"`
	SkipReason string `json:"skip_reason,omitempty"`
}

func viewOf(s db.Source) sourceView {
	v := sourceView{
		ID: s.ID, ConfigURL: s.ConfigURL, URL: s.URL, DiscoveredFrom: s.DiscoveredFrom,
		Title: s.Title, LastAttempt: s.LastAttempt, LastSuccess: s.LastSuccess,
		Status: s.LastStatus, Error: s.LastError, New: s.LastNew, Updated: s.LastUpdated,
		DurationMS: s.LastDuration.Milliseconds(), Failures: s.Failures, NextDue: s.NextDue,
		RetryAfter: s.RetryAfter, Hub: s.HubURL, HubLeaseEnd: s.HubLeaseEnd,
	}
	if v.URL == "" {
		v.URL = v.ConfigURL
	}
	v.Skipped, v.SkipReason = s.LastSkipped, s.LastSkipReason
	v.Moved = v.URL != v.ConfigURL && s.DiscoveredFrom == ""
	switch {
	case s.Removed:
		v.State = "removed"
	case s.Disabled:
		v.State = "disabled"
	case s.Failures > 0:
		v.State = "failing"
	case s.LastAttempt.IsZero():
		v.State = "new"
	default:
		v.State = "ok"
	}
	return v
}

func cmdSources(ctx context.Context, a *app, args []string) error {
	fs := a.flags("sources", "")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, store, err := a.openExisting(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	sources, err := store.Sources(ctx)
	if err != nil {
		return err
	}
	stats, err := store.SourceStats(ctx)
	if err != nil {
		return err
	}
	views := make([]sourceView, len(sources))
	for i, s := range sources {
		views[i] = viewOf(s)
		views[i].Items, views[i].NewestItem = stats[s.ID].Items, stats[s.ID].Newest
	}
	loc := cfg.Location()
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSTATUS\tLAST SUCCESS\tNEW\tUPD\tITEMS\tNEWEST ITEM\tFAILS\tNEXT DUE\tNOTE")
	now := time.Now()
	for _, v := range views {
		status := "-"
		if v.Status != 0 {
			status = fmt.Sprint(v.Status)
		}
		var notes []string
		if v.Moved {
			notes = append(notes, "moved to "+v.URL)
		}
		if v.DiscoveredFrom != "" {
			notes = append(notes, "feed discovered at "+v.URL)
		}
		if v.RetryAfter.After(now) {
			notes = append(notes, "retry after "+stamp(v.RetryAfter, loc))
		}
		if v.HubLeaseEnd.After(now) {
			notes = append(notes, "WebSub push via "+v.Hub+" until "+stamp(v.HubLeaseEnd, loc))
		}
		if v.Error != "" {
			notes = append(notes, v.Error)
		}
		if v.Skipped > 0 {
			notes = append(notes, "skipped "+aggregator.SkipNote(v.Skipped, v.SkipReason))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%s\t%s\n", v.ID, v.State, status, ago(now, v.LastSuccess),
			v.New, v.Updated, v.Items, stamp(v.NewestItem, loc), v.Failures, until(now, v.NextDue, v.State), strings.Join(notes, "; "))
	}
	return tw.Flush()
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}

func until(now, t time.Time, state string) string {
	switch {
	case state == "disabled" || state == "removed":
		return "-"
	case !t.After(now):
		return "now"
	}
	return "in " + t.Sub(now).Round(time.Second).String()
}
