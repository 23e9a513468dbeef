package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Duration
		err      string // substring of the error; "" means success
	}{
		{"minutes", "15m", 15 * time.Minute, ""},
		{"compound", "1h30m", 90 * time.Minute, ""},
		{"milliseconds", "500ms", 500 * time.Millisecond, ""},
		{"days", "90d", 90 * 24 * time.Hour, ""},
		{"weeks", "2w", 14 * 24 * time.Hour, ""},
		{"days and hours", "1d12h", 36 * time.Hour, ""},
		{"fractional days", "1.5d", 36 * time.Hour, ""},
		{"week day hour", "1w1d1h", (8*24 + 1) * time.Hour, ""},
		{"spaces between terms", "1h 30m", 90 * time.Minute, ""},
		{"bare zero", "0", 0, ""},
		{"negative", "-5m", -5 * time.Minute, ""},
		{"negative days", "-2d", -48 * time.Hour, ""},
		{"micro sign", "3µs", 3 * time.Microsecond, ""},
		{"no unit", "20", 0, "missing unit"},
		{"word unit", "15 minutes", 0, `unknown unit "minutes"`},
		{"empty", "", 0, "empty"},
		{"only sign", "-", 0, "invalid duration"},
		{"no number", "m", 0, "expected a number"},
		{"bad number", "1..5d", 0, "invalid duration"},
		{"too large", "100000000w", 0, "out of range (the longest duration is about 292 years"},
		{"hours overflow", "9999999999h", 0, `invalid duration "9999999999h": out of range (the longest duration is about 292 years: 106751d or 2562047h)`},
		{"minutes overflow", "999999999999m", 0, "out of range"},
		{"sum overflow", "2562047h2562047h", 0, "out of range"},
		{"days overflow", "106752d", 0, "out of range"},
		{"longest hours fit", "2562047h", 2562047 * time.Hour, ""},
		{"bad number known unit", "1..5h", 0, `"1..5h": "1..5" is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseDuration(%q) error = %v, want one containing %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || got.D() != tc.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tc.in, got.D(), err, tc.want)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{90 * 24 * time.Hour, "90d"},
		{15 * time.Minute, "15m"},
		{2 * time.Hour, "2h"},
		{90 * time.Minute, "1h30m"},
		{20 * time.Second, "20s"},
		{36 * time.Hour, "36h"},
		{1500 * time.Millisecond, "1.5s"},
	}
	for _, tc := range tests {
		if got := Duration(tc.in).String(); got != tc.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tc.in, got, tc.want)
		}
		// Whatever String prints parses back to the same value.
		if back, err := ParseDuration(Duration(tc.in).String()); err != nil || back.D() != tc.in {
			t.Errorf("round trip of %v: got %v, %v", tc.in, back.D(), err)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		name, in string
		want     ByteSize
		err      string
	}{
		{"plain int", "10485760", 10485760, ""},
		{"MiB", "10MiB", 10 << 20, ""},
		{"KB is SI", "512KB", 512000, ""},
		{"MB is SI", "1MB", 1000000, ""},
		{"KiB", "64KiB", 64 << 10, ""},
		{"GiB", "1GiB", 1 << 30, ""},
		{"short M is binary", "5M", 5 << 20, ""},
		{"bytes", "100B", 100, ""},
		{"space and lower case", "10 mib", 10 << 20, ""},
		{"fraction", "1.5MiB", 3 << 19, ""},
		{"zero", "0", 0, ""},
		{"negative", "-1", 0, "negative"},
		{"negative with unit", "-1MiB", 0, "negative"},
		{"unknown unit", "10MeB", 0, `unknown unit "MeB"`},
		{"no number", "MiB", 0, "expected a number"},
		{"empty", "", 0, "expected a number"},
		{"too large", "100000000TiB", 0, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseByteSize(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseByteSize(%q) error = %v, want one containing %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseByteSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestByteSizeString(t *testing.T) {
	tests := []struct {
		in   ByteSize
		want string
	}{
		{10 << 20, "10MiB"},
		{512000, "500KiB"},
		{1000, "1000"},
		{0, "0"},
		{3 << 30, "3GiB"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
		}
		if back, err := ParseByteSize(tc.in.String()); err != nil || back != tc.in {
			t.Errorf("round trip of %d: got %d, %v", int64(tc.in), back, err)
		}
	}
}

func TestTextMarshalling(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("90d")); err != nil || d.D() != 90*24*time.Hour {
		t.Errorf("Duration.UnmarshalText(90d) = %v, %v", d.D(), err)
	}
	if err := d.UnmarshalText([]byte("soon")); err == nil || !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("Duration.UnmarshalText(soon) error = %v, want a config: error", err)
	}
	if b, _ := Duration(15 * time.Minute).MarshalText(); string(b) != "15m" {
		t.Errorf("Duration.MarshalText = %q, want 15m", b)
	}
	var b ByteSize
	if err := b.UnmarshalText([]byte("10MiB")); err != nil || b != 10<<20 {
		t.Errorf("ByteSize.UnmarshalText(10MiB) = %d, %v", b, err)
	}
	if err := b.UnmarshalText([]byte("big")); err == nil {
		t.Error("ByteSize.UnmarshalText(big): got nil error")
	}
	if out, _ := ByteSize(2 << 20).MarshalText(); string(out) != "2MiB" {
		t.Errorf("ByteSize.MarshalText = %q, want 2MiB", out)
	}
}
