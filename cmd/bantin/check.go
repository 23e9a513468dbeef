package main

import (
	"context"
	"fmt"
)

func cmdCheck(ctx context.Context, a *app, args []string) error {
	fs := a.flags("check", "")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, err := a.loadConfig()
	if err != nil {
		// The config package formats each problem as FILE:LINE:COL: message.
		fmt.Fprintln(a.stderr, err)
		return errSilent
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(a.stderr, "%s (warning)\n", w)
	}
	checkDatabase(ctx, a, cfg)
	fmt.Fprintf(a.stdout, "%s: ok (%d sources, %d topics)\n", cfg.Path, len(cfg.Sources), len(cfg.Topics))
	return nil
}
