package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"bantin/aggregator"
	"bantin/config"
	"bantin/db"
)

// app carries what every subcommand shares: its output streams and the
// common flags.
type app struct {
	stdin          io.Reader // nil: os.Stdin
	stdout, stderr io.Writer
	configPath     string
	logLevel       string
	logJSON        bool
	logger         *slog.Logger
}

var errHelp = errors.New("help requested")

// usageError marks an error in how a command was called (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// flags returns a FlagSet for a subcommand with the flags every command takes.
func (a *app) flags(name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	def := os.Getenv("BANTIN_CONFIG")
	if def == "" {
		def = "bantin.yaml"
	}
	fs.StringVar(&a.configPath, "config", def, "config `file`")
	fs.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&a.logJSON, "log-json", false, "log as JSON lines instead of text")
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: bantin %s [flags] %s\n\n", name, argsUsage)
		for _, c := range commands {
			if c.name == name {
				fmt.Fprintf(a.stderr, "%s\n\nFlags:\n", c.summary)
			}
		}
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, allowing flags before, between and after positional
// arguments, and checks the number of positional arguments (max < 0: any).
func (a *app) parse(fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		fs.Usage()
		return nil, &usageError{fmt.Sprintf("wrong number of arguments: %s", strings.Join(pos, " "))}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return nil, &usageError{fmt.Sprintf("bad -log-level %q", a.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.logJSON {
		a.logger = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.logger = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
	return pos, nil
}

// loadConfig reads and validates the config file.
func (a *app) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(a.configPath)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// open loads the config and opens its database, creating it if missing.
func (a *app) open(ctx context.Context) (*config.Config, *db.DB, error) {
	return a.openWith(ctx, db.Open)
}

// openExisting is open for the commands that only read (sources, explain,
// preview, curate): a missing database is an error naming its path, never
// created.
func (a *app) openExisting(ctx context.Context) (*config.Config, *db.DB, error) {
	return a.openWith(ctx, db.OpenExisting)
}

func (a *app) openWith(ctx context.Context, open func(context.Context, string) (*db.DB, error)) (*config.Config, *db.DB, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	store, err := open(ctx, cfg.Database)
	if err != nil {
		return nil, nil, err
	}
	return cfg, store, nil
}

// openPoller loads the config, opens the database and builds a poller.
func (a *app) openPoller(ctx context.Context) (*config.Config, *db.DB, *aggregator.Poller, error) {
	cfg, store, err := a.open(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	warnStoredRemoval(ctx, a.logger, store, cfg)
	aggregator.Version = version
	p, err := aggregator.New(ctx, cfg, store, a.logger)
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	return cfg, store, p, nil
}

// isTerminal reports whether w is a terminal (for progress output).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// errSilent reports failure (exit 1) after the command printed the reason itself.
var errSilent = errors.New("failed")
