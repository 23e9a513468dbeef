package main

import (
	"context"
	"fmt"

	"bantin/db"
)

// cmdMigrateDB copies every stored row between the config's database and
// another one (SQLite file or PostgreSQL URL), into an empty destination,
// and prints the counts it verified.
func cmdMigrateDB(ctx context.Context, a *app, args []string) error {
	fs := a.flags("migrate-db", "")
	to := fs.String("to", "", "copy the config's database into this empty `database` (a postgres:// URL or a file path)")
	from := fs.String("from", "", "copy this `database` (a postgres:// URL or a file path) into the config's database, which must be empty")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if (*to == "") == (*from == "") {
		return &usageError{"migrate-db: give one of -to or -from"}
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	srcName, dstName := cfg.Database, *to
	if *from != "" {
		srcName, dstName = *from, cfg.Database
	}
	if srcName == dstName {
		return fmt.Errorf("migrate-db: the source and the destination are the same database")
	}
	src, err := db.OpenReadOnly(ctx, srcName)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := db.Open(ctx, dstName)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := db.Copy(ctx, dst, src)
	for _, c := range counts {
		fmt.Fprintf(a.stdout, "%-22s %8d rows copied, %8d in the source\n", c.Table, c.Dst, c.Src)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "copied %s to %s: every count matches\n", db.Redact(srcName), db.Redact(dstName))
	return nil
}
