package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"bantin/config"
	"bantin/opml"
)

// cmdImportOPML implements `bantin import-opml FILE [-write]`: the feeds of
// the OPML file become source entries (id, url, title, tags from the
// folders; opml.PlanImport). Without -write they are printed to stdout as
// YAML to paste under sources:; with -write they are inserted after the
// last item of the config's sources: list (or in a new sources: section),
// the rest of the file kept byte for byte, and the config reloaded to
// check it (config.AddSources). Feeds that the config or the list already
// has, and feeds bantin cannot poll, are skipped with one line each on
// stderr; a summary line ends the output.
func cmdImportOPML(ctx context.Context, a *app, args []string) error {
	fset := a.flags("import-opml", "FILE")
	write := fset.Bool("write", false, "append the sources to the config file (which is created if missing) instead of printing them")
	pos, err := a.parse(fset, args, 1, 1)
	if err != nil {
		return err
	}
	file := pos[0]
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	doc, err := opml.Parse(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if len(opml.Feeds(doc)) == 0 {
		if noURL := opml.FeedsWithoutURL(doc); len(noURL) > 0 {
			return fmt.Errorf("%s lists no feeds: %s", file, opml.NoURLSummary(noURL))
		}
		return fmt.Errorf("%s lists no feeds (no outline has an xmlUrl)", file)
	}

	data, err := os.ReadFile(a.configPath)
	exists := err == nil
	var existing []config.Source
	switch {
	case exists:
		cfg, err := config.Parse(data, a.configPath)
		switch {
		case err == nil:
			existing = cfg.Sources
		case isOnlyEmpty(err):
			// An empty config (or one with settings only) is where a
			// first import goes: it has no sources to compare with.
		default:
			return fmt.Errorf("the config must be valid before importing into it:\n%w", err)
		}
	case errors.Is(err, fs.ErrNotExist):
		if !*write {
			fmt.Fprintf(a.stderr, "note: no config at %s: not checking for sources it already has\n", a.configPath)
		}
	default:
		return err
	}

	plan := opml.PlanImport(doc, existing)
	for _, m := range plan.Messages {
		fmt.Fprintln(a.stderr, m)
	}
	summary := plan.Summary()
	if len(plan.Sources) == 0 {
		fmt.Fprintln(a.stderr, summary)
		return nil
	}
	if !*write {
		items, err := config.EncodeSources(plan.Sources, 2)
		if err != nil {
			return err
		}
		if _, err := a.stdout.Write(items); err != nil {
			return err
		}
		fmt.Fprintln(a.stderr, summary)
		return nil
	}
	if err := config.AddSources(a.configPath, data, exists, existing, plan.Sources); err != nil {
		var se *config.SpliceError
		if errors.As(err, &se) {
			//lint:ignore ST1005 it ends with the YAML key "sources:"
			return fmt.Errorf("%w; run without -write and paste the printed YAML under sources:", err)
		}
		return err
	}
	fmt.Fprintf(a.stdout, "%s; added to %s\n", summary, a.configPath)
	return nil
}

// isOnlyEmpty reports whether err is config.ErrEmpty and nothing else: the
// config is valid but has no sources and no topics yet.
func isOnlyEmpty(err error) bool {
	var list config.ErrorList
	return errors.Is(err, config.ErrEmpty) && errors.As(err, &list) && len(list) == 1
}
