package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// ParseDuration parses a Go duration ("15m", "1h30m", "500ms") extended with
// the units d (24h) and w (7d), which may be mixed with the others: "90d",
// "2w", "1d12h", "1.5d". A bare "0" is zero. Negative values parse; callers
// reject them where they make no sense.
func ParseDuration(s string) (Duration, error) {
	orig := s
	// Spaces between terms are allowed: "1h 30m", "90 d".
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return 0, fmt.Errorf("invalid duration %q: empty", orig)
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("invalid duration %q", orig)
	}
	// Split into number+unit terms; d and w are handled here, every other
	// term goes to time.ParseDuration so its units and errors stay Go's.
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || s[i] >= '0' && s[i] <= '9') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("invalid duration %q: expected a number (e.g. 15m, 1h30m, 90d)", orig)
		}
		j := i
		for j < len(s) && s[j] != '.' && (s[j] < '0' || s[j] > '9') {
			j++
		}
		num, unit := s[:i], s[i:j]
		s = s[j:]
		if unit == "" {
			return 0, fmt.Errorf("invalid duration %q: missing unit (e.g. 15m, 1h30m, 90d)", orig)
		}
		switch unit {
		case "d", "w":
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", orig)
			}
			if unit == "d" {
				total += f * float64(day)
			} else {
				total += f * float64(week)
			}
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				if !goDurationUnits[unit] {
					return 0, fmt.Errorf("invalid duration %q: unknown unit %q (use ns, us, ms, s, m, h, d, w)", orig, unit)
				}
				if _, ferr := strconv.ParseFloat(num, 64); ferr != nil {
					return 0, fmt.Errorf("invalid duration %q: %q is not a number", orig, num)
				}
				return 0, errDurationRange(orig) // the only other reason Go refuses it
			}
			total += float64(d)
		}
		if total >= math.MaxInt64 {
			return 0, errDurationRange(orig)
		}
	}
	if neg {
		total = -total
	}
	return Duration(total), nil
}

// goDurationUnits are the units time.ParseDuration knows.
var goDurationUnits = map[string]bool{"ns": true, "us": true, "µs": true, "μs": true, "ms": true, "s": true, "m": true, "h": true}

// ErrDurationRange is wrapped by ParseDuration's error for a duration
// longer than a time.Duration holds (about 292 years).
var ErrDurationRange = errors.New("out of range (the longest duration is about 292 years: 106751d or 2562047h)")

func errDurationRange(orig string) error {
	return fmt.Errorf("invalid duration %q: %w", orig, ErrDurationRange)
}

// String formats the duration the way it is written in the config: whole
// days as "90d", everything else as time.Duration does ("15m0s").
func (d Duration) String() string {
	td := time.Duration(d)
	if td != 0 && td%day == 0 {
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	str := td.String()
	// "1h30m0s" -> "1h30m", "2h0m0s" -> "2h": as an editor writes it.
	if strings.HasSuffix(str, "m0s") {
		str = strings.TrimSuffix(str, "0s")
		if strings.HasSuffix(str, "h0m") {
			str = strings.TrimSuffix(str, "0m")
		}
	}
	return str
}

// MarshalText implements encoding.TextMarshaler using String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler using ParseDuration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	*d = v
	return nil
}

var byteUnits = map[string]float64{
	"":    1,
	"b":   1,
	"k":   1 << 10,
	"kb":  1e3,
	"kib": 1 << 10,
	"m":   1 << 20,
	"mb":  1e6,
	"mib": 1 << 20,
	"g":   1 << 30,
	"gb":  1e9,
	"gib": 1 << 30,
	"t":   1 << 40,
	"tb":  1e12,
	"tib": 1 << 40,
}

// ParseByteSize parses a size: a plain number of bytes ("10485760"), or a
// number with a unit, optionally separated by a space: SI units KB, MB, GB,
// TB (powers of 1000), binary units KiB, MiB, GiB, TiB and the short K, M,
// G, T (powers of 1024), B for bytes. Units are case-insensitive; fractions
// are allowed ("1.5MiB"). Negative sizes are errors.
func ParseByteSize(s string) (ByteSize, error) {
	orig := s
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] == '.' || s[i] == '-' || s[i] == '+' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	if num == "" {
		return 0, fmt.Errorf("invalid size %q: expected a number (e.g. 10MiB, 512KB, 1048576)", orig)
	}
	mult, ok := byteUnits[unit]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KB, MB, GB, KiB, MiB, GiB)", orig, strings.TrimSpace(s[i:]))
	}
	if unit == "" {
		n, err := strconv.ParseInt(num, 10, 64)
		if err == nil {
			if n < 0 {
				return 0, fmt.Errorf("invalid size %q: negative", orig)
			}
			return ByteSize(n), nil
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: expected a number (e.g. 10MiB, 512KB, 1048576)", orig)
	}
	if f < 0 {
		return 0, fmt.Errorf("invalid size %q: negative", orig)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", orig)
	}
	return ByteSize(v), nil
}

// String formats the size with the largest binary unit that divides it
// exactly ("10MiB"), else in bytes ("1000").
func (b ByteSize) String() string {
	for _, u := range []struct {
		name string
		n    ByteSize
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b != 0 && b%u.n == 0 {
			return strconv.FormatInt(int64(b/u.n), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalText implements encoding.TextMarshaler using String.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler using ParseByteSize.
func (b *ByteSize) UnmarshalText(data []byte) error {
	v, err := ParseByteSize(string(data))
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	*b = v
	return nil
}
