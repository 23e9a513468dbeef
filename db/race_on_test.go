//go:build race

package db

// raceEnabled: the race detector slows modernc's SQLite down about tenfold,
// so the heavier tests shrink their data under it.
const raceEnabled = true
