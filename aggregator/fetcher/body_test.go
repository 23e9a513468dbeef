package fetcher

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"testing/iotest"
	"time"
)

func TestReadCapped(t *testing.T) {
	tests := map[string]struct {
		size, max, hint int64
		wantErr         bool
	}{
		"empty":                      {size: 0, max: 10},
		"small, no hint":             {size: 5, max: 10},
		"exactly max, no hint":       {size: 100_000, max: 100_000},
		"one over, no hint":          {size: 100_001, max: 100_000, wantErr: true},
		"far over, no hint":          {size: 1 << 20, max: 100_000, wantErr: true},
		"exact hint":                 {size: 70_000, max: 100_000, hint: 70_000},
		"hint too small":             {size: 70_000, max: 100_000, hint: 10},
		"hint too large":             {size: 10, max: 100_000, hint: 70_000},
		"hint over max, body at max": {size: 100_000, max: 100_000, hint: 500_000},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := bytes.Repeat([]byte("0123456789"), int(tc.size/10+1))[:tc.size]
			// Short reads exercise the growth path.
			got, err := readCapped(iotest.HalfReader(bytes.NewReader(in)), tc.max, tc.hint)
			if tc.wantErr {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("readCapped: %v", err)
			}
			if !bytes.Equal(got, in) {
				t.Errorf("got %d bytes, want %d identical bytes", len(got), len(in))
			}
			if int64(cap(got)) > tc.max+1 {
				t.Errorf("cap %d exceeds max+1 = %d", cap(got), tc.max+1)
			}
		})
	}
	t.Run("read error is returned", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := readCapped(iotest.ErrReader(boom), 10, 0); !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
	})
}

func TestNewTransport(t *testing.T) {
	f := New(testUA)
	tr, ok := f.Client.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("Transport is %T, want *http.Transport", f.Client.Transport)
	}
	durations := map[string]struct{ got, want time.Duration }{
		"TLSHandshakeTimeout":   {tr.TLSHandshakeTimeout, TLSHandshakeTimeout},
		"ResponseHeaderTimeout": {tr.ResponseHeaderTimeout, ResponseHeaderTimeout},
		"IdleConnTimeout":       {tr.IdleConnTimeout, IdleConnTimeout},
	}
	for name, d := range durations {
		if d.got != d.want || d.got == 0 {
			t.Errorf("%s = %v, want %v", name, d.got, d.want)
		}
	}
	if tr.MaxIdleConnsPerHost != MaxIdleConnsPerHost || !tr.ForceAttemptHTTP2 || !tr.DisableCompression ||
		tr.Proxy == nil || tr.DialContext == nil {
		t.Errorf("transport = %+v, want idle conns per host %d, HTTP/2, own decompression, proxy and policy dialer",
			tr, MaxIdleConnsPerHost)
	}
	if f.UserAgent != testUA {
		t.Errorf("UserAgent %q, want %q", f.UserAgent, testUA)
	}
}
