package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/firstkey/firstkey/internal/cli"
)

func TestUsageErrors(t *testing.T) {
	h := &harness{t: t, data: t.TempDir()}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"user", "frobnicate"}, "unknown command"},
		{[]string{"user", "list", "--colour"}, "unknown flag"},
		{[]string{"user", "list", "--output", "yaml"}, "--output must be table or json"},
		{[]string{"tap", "list"}, "USER"},
		{[]string{"tap", "delete", "bob@example.com"}, "USER PASS_ID"},
		{[]string{"init", "extra"}, "unknown command"},
		{[]string{"role", "list", "a", "b"}, "at most 1"},
	} {
		msg := h.fail(cli.ExitUsage, c.args...)
		wantContains(t, msg, c.want, "--help")
	}
}

func TestHelpDocumentsExitCodesAndEnvironment(t *testing.T) {
	h := &harness{t: t, data: t.TempDir()}
	out := h.ok("--help")
	wantContains(t, out, "Exit codes:", "3  not found", "4  forbidden", "5  rejected",
		"FIRSTKEY_DATA", "FIRSTKEY_DATABASE", "FIRSTKEY_MASTER_KEY_FILE", "FIRSTKEY_OUTPUT", "FIRSTKEY_MASTER_KEY", "FIRSTKEY_TEST_FAST_HASH")
	wantContains(t, h.ok("user"), "create", "disable")
	wantContains(t, h.ok("tap", "create", "--help"), "--lifetime", "--one-time", "--multi-use", "--as")
}

// Not parallel: these set FIRSTKEY_* variables.
func TestEnvironmentConfiguresAndFlagsWin(t *testing.T) {
	data := t.TempDir()
	t.Setenv("FIRSTKEY_DATA", data)
	var out, errb strings.Builder
	if code := cli.Main([]string{"init", "--admin", "env@example.com"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("init with FIRSTKEY_DATA: exit %d: %s", code, errb.String())
	}
	h := &harness{t: t, data: data}
	if u := h.obj("user", "show", "env@example.com"); u["userPrincipalName"] != "env@example.com" {
		t.Fatalf("FIRSTKEY_DATA was not used: %v", u)
	}

	t.Setenv("FIRSTKEY_OUTPUT", "json")
	out.Reset()
	if code := cli.Main([]string{"user", "list"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("user list: exit %d: %s", code, errb.String())
	}
	var users []map[string]any
	if err := json.Unmarshal([]byte(out.String()), &users); err != nil || len(users) != 1 {
		t.Errorf("FIRSTKEY_OUTPUT=json printed %q (%v)", out.String(), err)
	}
	if table := h.ok("user", "list", "--output", "table"); !strings.Contains(table, "USER PRINCIPAL NAME") {
		t.Errorf("--output table did not win over FIRSTKEY_OUTPUT: %s", table)
	}

	other := t.TempDir()
	t.Setenv("FIRSTKEY_OUTPUT", "")
	if r := (&harness{t: t, data: other}).run("init", "--admin", "flag@example.com"); r.code != 0 {
		t.Fatalf("init --data: %v", r)
	}
	h.fail(cli.ExitNotFound, "user", "show", "flag@example.com") // --data other did not touch FIRSTKEY_DATA's directory

	t.Setenv("FIRSTKEY_ISSUER", "https://env.example.com")
	if p := h.obj("tap", "create", "env@example.com"); p["signInUrl"] != "https://env.example.com/mysecurityinfo" {
		t.Errorf("FIRSTKEY_ISSUER: signInUrl = %v", p["signInUrl"])
	}
	if p := h.obj("tap", "create", "env@example.com", "--issuer", "https://flag.example.com"); p["signInUrl"] != "https://flag.example.com/mysecurityinfo" {
		t.Errorf("--issuer: signInUrl = %v", p["signInUrl"])
	}

	// --help shows no value from the environment: a database URL may carry a password.
	t.Setenv("FIRSTKEY_DATABASE", "postgres://firstkey:hunter2@db.example.com/firstkey")
	if help := h.ok("user", "list", "--help"); strings.Contains(help, "hunter2") {
		t.Errorf("--help shows FIRSTKEY_DATABASE:\n%s", help)
	}
}
