package sqlstore

import (
	"testing"
	"testing/fstest"
)

func TestRebind(t *testing.T) {
	pg := Dialect{NumberedPlaceholders: true}
	for in, want := range map[string]string{
		"SELECT 1":                             "SELECT 1",
		"a = ? AND b = ?":                      "a = $1 AND b = $2",
		`x LIKE ? ESCAPE '\' AND y = '?' OR ?`: `x LIKE $1 ESCAPE '\' AND y = '?' OR $2`,
	} {
		if got := pg.rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (Dialect{}).rebind("a = ?"); got != "a = ?" {
		t.Errorf("sqlite rebind changed the query: %q", got)
	}
}

func TestLikePatterns(t *testing.T) {
	for fn, want := range map[string]string{
		"startswith": `50\%\_a\\b%`,
		"endswith":   `%50\%\_a\\b`,
		"contains":   `%50\%\_a\\b%`,
	} {
		if got := likePatterns[fn](`50%_a\b`); got != want {
			t.Errorf("%s pattern = %q, want %q", fn, got, want)
		}
	}
}

func TestMigrationsNames(t *testing.T) {
	ms, err := Migrations(fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("b")},
		"m/0001_a.sql": {Data: []byte("a")},
		"m/README.md":  {Data: []byte("ignored")},
		"m/0010_c.sql": {Data: []byte("c")},
	}, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, m := range ms {
		got = append(got, m.Version)
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 10 || ms[0].SQL != "a" {
		t.Fatalf("versions %v, want [1 2 10] in order", got)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no version": {"m/init.sql": {}},
		"duplicate":  {"m/1_a.sql": {}, "m/01_b.sql": {}},
		"zero":       {"m/0_a.sql": {}},
	} {
		if _, err := Migrations(fsys, "m"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMigrationsUpTo(t *testing.T) {
	ms := []Migration{{Version: 1}, {Version: 2}, {Version: 10}}
	for v, want := range map[int]int{0: 0, 1: 1, 2: 2, 9: 2, 10: 3} {
		if got := MigrationsUpTo(ms, v); len(got) != want {
			t.Errorf("MigrationsUpTo(%d) kept %d, want %d", v, len(got), want)
		}
	}
}
