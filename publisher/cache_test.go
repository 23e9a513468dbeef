package publisher

import "testing"

func TestETagMatch(t *testing.T) {
	const tag = `"0123abcd"`
	cases := []struct {
		name, header string
		want         bool
	}{
		{"exact", `"0123abcd"`, true},
		{"weak", `W/"0123abcd"`, true},
		{"gzip variant", `"0123abcd-gz"`, true},
		{"weak gzip variant", `W/"0123abcd-gz"`, true},
		{"in list", `"x", "y" ,W/"0123abcd"`, true},
		{"star", `*`, true},
		{"other", `"0123abce"`, false},
		{"unquoted", `0123abcd`, false},
		{"other -gz", `"0123abce-gz"`, false},
		{"empty members", `,,`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := etagMatch(c.header, tag); got != c.want {
				t.Errorf("etagMatch(%q) = %v, want %v", c.header, got, c.want)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	cases := []struct {
		name, header string
		want         bool
	}{
		{"empty", "", false},
		{"gzip", "gzip", true},
		{"list", "br, gzip, deflate", true},
		{"case and q", "GZIP;q=0.5", true},
		{"q zero", "gzip;q=0", false},
		{"q zero with star", "gzip;q=0, *", false},
		{"star", "*", true},
		{"star q zero", "*;q=0", false},
		{"x-gzip", "x-gzip", true},
		{"identity only", "identity", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := acceptsGzip(c.header); got != c.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", c.header, got, c.want)
			}
		})
	}
}
