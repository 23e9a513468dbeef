package config

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

// String formats the position as "file:line:col", dropping the parts that
// are unknown (zero): "file:line" or "file".
func (p Pos) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Column))
		}
	}
	return b.String()
}

// Error is one problem in a config file, located at Pos.
type Error struct {
	Pos Pos
	Msg string
	err error // a sentinel the problem is an instance of (ErrEmpty), or nil
}

// Error returns "file:line:col: msg" (see Pos.String for unknown parts).
func (e *Error) Error() string {
	return e.Pos.String() + ": " + e.Msg
}

// Unwrap returns the sentinel error the problem is an instance of, if any.
func (e *Error) Unwrap() error { return e.err }

// ErrEmpty is the problem of a config file that, with the files it
// includes, defines no source and no topic: an empty or truncated file,
// which must never replace a working config (bantin run keeps its running
// config when a reload fails). errors.Is(err, ErrEmpty) reports it.
var ErrEmpty = errors.New("no sources and no topics: is the file empty or truncated?")

// ErrorList is every problem found while loading a config, sorted by
// position (files in the order they were read, then line, then column).
// Load and Parse return it as *ErrorList; errors.As works with a target of
// type *ErrorList or ErrorList, and with *Error (the first problem).
type ErrorList []*Error

// Error returns one "file:line:col: msg" line per problem.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems as a slice of errors.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// As lets errors.As fill an ErrorList target from a *ErrorList error.
func (l *ErrorList) As(target any) bool {
	if t, ok := target.(*ErrorList); ok {
		*t = *l
		return true
	}
	return false
}

// sortErrors orders errs by file (in fileOrder, unknown files last, by
// name), line and column, and drops exact duplicates.
func sortErrors(errs ErrorList, fileOrder map[string]int) ErrorList {
	rank := func(f string) int {
		if r, ok := fileOrder[f]; ok {
			return r
		}
		return len(fileOrder)
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if ra, rb := rank(a.File), rank(b.File); ra != rb {
			return ra < rb
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	out := errs[:0]
	for _, e := range errs {
		if len(out) > 0 && *e == *out[len(out)-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}
