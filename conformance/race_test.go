//go:build race

package conformance

// raceEnabled reports whether the test binary runs under the race
// detector, which makes the corpus run several times slower.
const raceEnabled = true
