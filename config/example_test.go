package config

import (
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestExampleVietnam loads the shipped example config for real Vietnamese
// news feeds.
func TestExampleVietnam(t *testing.T) {
	path := filepath.Join("..", "examples", "vietnam.yaml")
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", path, err)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("Load(%s) warnings:\n%v", path, c.Warnings)
	}

	hosts := map[string]bool{}
	for _, s := range c.Sources {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			t.Errorf("source %s: url %q is not a web URL", s.ID, s.URL)
			continue
		}
		hosts[strings.TrimPrefix(u.Host, "www.")] = true
		if s.Location == nil || s.Location.String() != "Asia/Ho_Chi_Minh" {
			t.Errorf("source %s: location %v, want Asia/Ho_Chi_Minh", s.ID, s.Location)
		}
		if s.Language == "" || len(s.Tags) == 0 {
			t.Errorf("source %s: want a language and tags, got %q %q", s.ID, s.Language, s.Tags)
		}
	}
	for _, h := range []string{"vnexpress.net", "tuoitre.vn", "thanhnien.vn", "dantri.com.vn", "vietnamnet.vn",
		"nhandan.vn", "vov.vn", "vtv.vn", "kinhtedothi.vn"} {
		if !hosts[h] {
			t.Errorf("no source from %s", h)
		}
	}

	var slugs []string
	for _, tp := range c.Topics {
		slugs = append(slugs, tp.Slug)
		if tp.Match == nil {
			t.Errorf("topic %s has no match rule", tp.Slug)
		}
	}
	if want := []string{"kinh-te", "dai-hoi-dang", "ha-noi", "bat-dong-san", "chung-khoan"}; !reflect.DeepEqual(slugs, want) {
		t.Errorf("topics = %q, want %q", slugs, want)
	}
	titles := map[string]string{}
	for _, tp := range c.Topics {
		titles[tp.Slug] = tp.Title
	}
	if titles["dai-hoi-dang"] != "Đại hội Đảng" || titles["bat-dong-san"] != "Bất động sản" {
		t.Errorf("topic titles = %q, want Vietnamese titles", titles)
	}

	// The topics use keywords with and without diacritics and every
	// combinator.
	var plain, marked int
	used := map[string]bool{}
	for _, tp := range c.Topics {
		walkRule(tp.Match, func(r *Rule) {
			for _, k := range r.Keywords {
				if isASCII(k) {
					plain++
				} else {
					marked++
				}
			}
			if len(r.Any) > 0 {
				used["any"] = true
			}
			if len(r.All) > 0 {
				used["all"] = true
			}
			if len(r.None) > 0 {
				used["none"] = true
			}
		})
	}
	if plain == 0 || marked == 0 {
		t.Errorf("keywords: %d without and %d with diacritics, want some of each", plain, marked)
	}
	if len(used) != 3 {
		t.Errorf("combinators used: %v, want any, all and none", used)
	}
}

func walkRule(r *Rule, fn func(*Rule)) {
	if r == nil {
		return
	}
	fn(r)
	for _, l := range [][]*Rule{r.Any, r.All, r.None} {
		for _, sr := range l {
			walkRule(sr, fn)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
