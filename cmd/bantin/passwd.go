package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"bantin/web"
)

// cmdPasswd reads a password from standard input (its first line) and
// prints an argon2id hash of it on the last line of its output, with the
// YAML to paste under editors:.
func cmdPasswd(ctx context.Context, a *app, args []string) error {
	fs := a.flags("passwd", "NAME  (the password is read from standard input)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	name := pos[0]
	if strings.TrimSpace(name) == "" || len(name) > 64 || strings.ContainsAny(name, "\x00\r\n\t") {
		return &usageError{"NAME must be 1 to 64 characters on one line"}
	}
	in := a.stdin
	if in == nil {
		in = os.Stdin
	}
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(a.stderr, "Password for %s (input is shown; end with Enter): ", name)
		}
	}
	line, err := bufio.NewReaderSize(io.LimitReader(in, web.MaxPasswordBytes+2), web.MaxPasswordBytes+2).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("passwd: read password: %w", err)
	}
	if len(line) > web.MaxPasswordBytes+1 || len(line) == web.MaxPasswordBytes+2 {
		return fmt.Errorf("passwd: the password is longer than %d bytes", web.MaxPasswordBytes)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return fmt.Errorf("passwd: no password on standard input")
	}
	if len(password) < 8 {
		fmt.Fprintln(a.stderr, "warning: the password has fewer than 8 characters")
	}
	hash, err := web.HashPassword(password)
	if err != nil {
		return fmt.Errorf("passwd: %w", err)
	}
	fmt.Fprintf(a.stdout, "# under editors: in the config\n- name: %q\n  password: %q\n%s\n", name, hash, hash)
	return nil
}
