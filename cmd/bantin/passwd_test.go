package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"bantin/config"
	"bantin/db"
	"bantin/web"
)

// TestPasswd: the hash on the last line verifies the password read from
// standard input, and the config accepts it.
func TestPasswd(t *testing.T) {
	var out, errOut bytes.Buffer
	a := &app{stdin: strings.NewReader("mật khẩu rất dài\n"), stdout: &out, stderr: &errOut}
	if err := cmdPasswd(context.Background(), a, []string{"Lan Anh"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	hash := lines[len(lines)-1]
	if !strings.HasPrefix(hash, "$argon2id$v=19$") || !web.CheckPassword(hash, "mật khẩu rất dài") || web.CheckPassword(hash, "mật khẩu rất dài ") {
		t.Fatalf("passwd printed %q", out.String())
	}
	yaml := "sources:\n  - {id: a, url: 'https://a.example/rss'}\neditors:\n" + strings.Join(lines[1:3], "\n") + "\n"
	cfg, err := config.Parse([]byte(yaml), "")
	if err != nil || len(cfg.Editors) != 1 || cfg.Editors[0].Name != "Lan Anh" || cfg.Editors[0].Password != hash {
		t.Fatalf("the printed YAML does not load: %v\n%s", err, yaml)
	}
	// A password in clear is refused, naming the line.
	_, err = config.Parse([]byte("sources:\n  - {id: a, url: 'https://a.example/rss'}\neditors:\n  - name: x\n    password: hunter2\n"), "c.yaml")
	if err == nil || !strings.Contains(err.Error(), "c.yaml:5:15") || !strings.Contains(err.Error(), "bantin passwd") {
		t.Errorf("clear password: %v", err)
	}
	// Bad input: nothing on stdin, a name on two lines.
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"x"}, "no password"},
		{"\n", []string{"x"}, "no password"},
		{strings.Repeat("p", web.MaxPasswordBytes+1), []string{"x"}, "longer than"},
		{"pw\n", []string{"a\nb"}, "one line"},
	} {
		a := &app{stdin: strings.NewReader(c.stdin), stdout: &out, stderr: &errOut}
		if err := cmdPasswd(context.Background(), a, c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("passwd %q with %q: %v, want %q", c.args, c.stdin, err, c.want)
		}
	}
	// bcrypt hashes verify too.
	bh, err := bcrypt.GenerateFromPassword([]byte("mật khẩu"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !config.IsPasswordHash(string(bh)) || !web.CheckPassword(string(bh), "mật khẩu") || web.CheckPassword(string(bh), "mat khau") {
		t.Error("bcrypt hashes are not accepted")
	}
}

// TestCurateListShowsEditor: curations made on the desk are listed with
// the editor's name and time.
func TestCurateListShowsEditor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, curationFeed("v1"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "bantin.yaml")
	cfg := fmt.Sprintf("database: c.db\ndefaults: {retention: 3650d}\nsources:\n  - {id: tin, url: '%s/feed.rss'}\ntopics:\n  - slug: ha-noi\n    match: {keywords: [ha noi]}\n", srv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "poll", "-config", cfgPath)
	ctx := context.Background()
	store, err := db.Open(ctx, filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	it, err := store.ItemByLink(ctx, "https://tin.example/2")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetCurationsBy(ctx, "ha-noi", []int64{it.ID}, db.Pin, true, "Lan Anh"); err != nil {
		t.Fatal(err)
	}
	store.Close()
	list := mustRun(t, "curate", "list", "-config", cfgPath)
	if !strings.Contains(list, "desk: Lan Anh (") || !strings.Contains(list, "Hà Nội khai mạc lễ hội mùa thu") {
		t.Errorf("curate list:\n%s", list)
	}
	if ex := mustRun(t, "explain", "ha-noi", "https://tin.example/2", "-config", cfgPath); !strings.Contains(ex, "curation: pin (desk: Lan Anh, ") {
		t.Errorf("explain:\n%s", ex)
	}
}
