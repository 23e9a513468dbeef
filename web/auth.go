package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"bantin/config"
)

// Argon2id parameters of new hashes: OWASP's recommendation (19 MiB,
// 2 passes, 1 lane), small enough for the daemon's memory limit.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MaxPasswordBytes bounds a password (bcrypt reads at most 72 bytes;
// argon2id any, but a sign-in form is no place for megabytes).
const MaxPasswordBytes = 1024

// HashPassword returns an argon2id hash of password in the PHC string
// format, as `editors:` takes it.
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", errors.New("web: empty password")
	}
	if len(password) > MaxPasswordBytes {
		return "", fmt.Errorf("web: password longer than %d bytes", MaxPasswordBytes)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("web: random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash (argon2id PHC
// string or bcrypt). A malformed hash never matches.
func CheckPassword(hash, password string) bool {
	if len(password) > MaxPasswordBytes {
		return false
	}
	if strings.HasPrefix(hash, "$2") {
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<22 || t == 0 || t > 64 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked when a sign-in names no editor, so that an unknown
// name takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("bantin: no such editor")
	return h
})

// Sessions last SessionTTL after sign-in; they live in memory (a restart
// signs everyone out).
const SessionTTL = 12 * time.Hour

type session struct {
	editor  string
	hash    string // the editor's password hash at sign-in
	csrf    string
	expires time.Time
}

type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *sessions) create(e config.Editor, now time.Time) (id string, ss *session) {
	id = randomToken()
	ss = &session{editor: e.Name, hash: e.Password, csrf: randomToken(), expires: now.Add(SessionTTL)}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m { // drop expired ones as we go
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = ss
	return id, ss
}

func (s *sessions) get(id string, now time.Time) *session {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[id]
	if ss == nil || now.After(ss.expires) {
		delete(s.m, id)
		return nil
	}
	return ss
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

// keepOnly ends the sessions of editors no longer configured or whose
// password hash changed.
func (s *sessions) keepOnly(editors []config.Editor) {
	ok := map[string]string{}
	for _, e := range editors {
		ok[e.Name] = e.Password
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if h, found := ok[v.editor]; !found || h != v.hash {
			delete(s.m, k)
		}
	}
}

// Sign-in rate limit: at most LoginFailures failed sign-ins per address
// in LoginWindow; then 429 until the window ends.
const (
	LoginFailures = 5
	LoginWindow   = 15 * time.Minute
)

type limiter struct {
	mu sync.Mutex
	m  map[string][]time.Time // address -> recent failures
}

func newLimiter() *limiter { return &limiter{m: map[string][]time.Time{}} }

// blocked reports whether addr is over the limit and until when.
func (l *limiter) blocked(addr string, now time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(addr, now)
	if len(recent) >= LoginFailures {
		return recent[0].Add(LoginWindow), true
	}
	return time.Time{}, false
}

func (l *limiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[addr] = append(l.prune(addr, now), now)
	if len(l.m) > 100000 { // bound memory under a flood of addresses
		for k := range l.m {
			delete(l.m, k)
			if len(l.m) < 50000 {
				break
			}
		}
	}
}

func (l *limiter) prune(addr string, now time.Time) []time.Time {
	list := l.m[addr]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= LoginWindow {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.m, addr)
		return nil
	}
	l.m[addr] = list
	return list
}
