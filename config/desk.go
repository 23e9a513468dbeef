package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Site names the desk on its web pages.
type Site struct {
	Title       string `yaml:"title"`       // the index page's heading; default "bantin"
	Description string `yaml:"description"` // a line under it
}

// Editor may sign in to the web desk (/desk) to curate topics.
type Editor struct {
	Name string `yaml:"name"`
	// Password is a hash of the password: argon2id in the PHC string
	// format ($argon2id$v=19$m=...,t=...,p=...$salt$hash) or bcrypt
	// ($2a$, $2b$, $2y$), as `bantin passwd NAME` prints it. A password
	// in clear is refused.
	Password string `yaml:"password"`
	Pos      Pos    `yaml:"-"`
}

func (d *decoder) site(n *yaml.Node, s *Site) {
	for _, p := range d.mapping(n, "in site", siteKeys) {
		switch p.key {
		case "title":
			if v, ok := d.str(p.v, p.key); ok {
				s.Title = shownText(v)
			}
		case "description":
			if v, ok := d.str(p.v, p.key); ok {
				s.Description = shownText(v)
			}
		}
	}
}

func (d *decoder) editors(n *yaml.Node, c *Config) {
	seen := map[string]bool{}
	for _, en := range d.list(n, "editors") {
		e := Editor{Pos: d.pos(resolve(en))}
		for _, p := range d.mapping(en, "in editor", editorKeys) {
			switch p.key {
			case "name":
				if v, ok := d.str(p.v, p.key); ok {
					switch {
					case strings.TrimSpace(v) == "" || len(v) > 64 || strings.ContainsAny(v, "\x00\r\n\t"):
						d.errorf(p.v, "editor name must be 1 to 64 characters on one line")
					case seen[v]:
						d.errorf(p.v, "duplicate editor name %q", v)
					default:
						e.Name = v
						seen[v] = true
					}
				}
			case "password":
				if v, ok := d.str(p.v, p.key); ok {
					if !IsPasswordHash(v) {
						d.errorf(p.v, "editor password must be an argon2id or bcrypt hash (run `bantin passwd NAME` to make one), not the password itself")
					} else {
						e.Password = v
					}
				}
			}
		}
		if e.Name == "" || e.Password == "" {
			if len(d.errs) == 0 {
				d.errorAt(e.Pos, "an editor needs a name and a password hash")
			}
			continue
		}
		c.Editors = append(c.Editors, e)
	}
}

// IsPasswordHash reports whether s looks like a password hash an editor
// may be given: argon2id (PHC string) or bcrypt. It checks the shape, not
// that the hash verifies anything.
func IsPasswordHash(s string) bool {
	switch {
	case strings.HasPrefix(s, "$argon2id$"):
		return len(strings.Split(s, "$")) == 6
	case strings.HasPrefix(s, "$2a$"), strings.HasPrefix(s, "$2b$"), strings.HasPrefix(s, "$2y$"):
		return len(s) == 60
	}
	return false
}

// ParseRule reads one rule (a match: mapping, as in a topic) from YAML,
// for trying a rule without changing the config. Problems are returned as
// *ErrorList with positions in name.
func ParseRule(data []byte, name string) (*Rule, error) {
	d := &decoder{file: name, files: map[string]int{name: 0}}
	var r *Rule
	if root := d.parseYAML(data); root != nil {
		r = d.rule(root, 0)
	} else if len(d.errs) == 0 {
		d.errorAt(Pos{File: name}, "empty rule: a rule needs at least one of %s", ruleHelp)
	}
	if len(d.errs) > 0 {
		errs := sortErrors(d.errs, d.files)
		return nil, &errs
	}
	return r, nil
}
