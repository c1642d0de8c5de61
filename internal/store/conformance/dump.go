package conformance

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

var dumpTests = []test{
	{"Dump/LoadReplaceRoundTrip", testDumpLoad},
	{"Dump/LoadRefusesNonEmptyAndRollsBack", testLoadRefuses},
	{"Reseal/ColumnCompareAndSet", testResealColumn},
}

// dumpAll reads every table of s through Dump.
func dumpAll(t *testing.T, s store.Store) ([]store.TableInfo, map[string][][]any, int) {
	t.Helper()
	var tables []store.TableInfo
	var level int
	rows := map[string][][]any{}
	must(t, s.(store.Dumper).Dump(ctx, func(snap store.Snapshot) error {
		tables, level = snap.Tables(), snap.MigrationLevel()
		for _, tb := range tables {
			var n int64
			rows[tb.Name] = [][]any{}
			if err := snap.Rows(ctx, tb.Name, func(r []any) error {
				n++
				for _, v := range r {
					switch v.(type) {
					case nil, string, int64, bool, []byte:
					default:
						t.Errorf("%s: cell of type %T is not portable", tb.Name, v)
					}
				}
				rows[tb.Name] = append(rows[tb.Name], r)
				return nil
			}); err != nil {
				return err
			}
			if n != tb.Rows {
				t.Errorf("%s: Tables says %d rows, Rows gave %d", tb.Name, tb.Rows, n)
			}
		}
		return nil
	}))
	return tables, rows, level
}

func seedForDump(t *testing.T, s store.Store) {
	boss, ada := newUser("u-z-boss", "boss@example.com"), newUser("u-a-ada", "ada@example.com")
	ada.ManagerID = boss.ID
	createUsers(t, s, boss, ada)
	must(t, s.PutSetting(ctx, "k", "v", false))
	must(t, s.CreateSigningKey(ctx, domain.SigningKey{ID: "kid", Algorithm: "RS256", PrivateKeySealed: []byte{2, 0, 255},
		PublicKeyJWK: []byte(`{}`), CreatedDateTime: t0, NotAfter: t0.Add(1e12), RetireAfter: t0.Add(2e12)}))
}

// Dump lists the schema's tables (parents first: users before the tables
// that refer to them) with portable cells; loading the dump back over the
// database (replace) gives the same rows, a manager sorting after its report
// included.
func testDumpLoad(t *testing.T, s store.Store) {
	seedForDump(t, s)
	tables, before, level := dumpAll(t, s)
	if level < 10 {
		t.Fatalf("migration level %d", level)
	}
	pos := map[string]int{}
	for i, tb := range tables {
		pos[tb.Name] = i
	}
	for _, name := range []string{"users", "settings", "signing_keys", "deliveries", "group_members"} {
		if _, ok := pos[name]; !ok {
			t.Fatalf("table %s missing from %v", name, tables)
		}
	}
	if _, ok := pos["schema_migrations"]; ok {
		t.Fatal("schema_migrations is dumped")
	}
	if pos["users"] > pos["deliveries"] || pos["groups"] > pos["group_members"] {
		t.Fatalf("tables not parents first: %v", tables)
	}
	must(t, s.(store.Dumper).Load(ctx, true, func(l store.Loader) error {
		for _, tb := range tables {
			cols := make([]string, len(tb.Columns))
			for i, c := range tb.Columns {
				cols[i] = c.Name
			}
			for _, r := range before[tb.Name] {
				if err := l.Insert(ctx, tb.Name, cols, r); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	_, after, _ := dumpAll(t, s)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("rows changed by a dump and load:\nbefore %v\nafter  %v", before, after)
	}
	u, err := s.GetUser(ctx, "u-a-ada")
	must(t, err)
	wantEqual(t, u.ManagerID, "u-z-boss")
}

// Load refuses a database holding rows without replace, and a Load whose
// function fails leaves everything as it was.
func testLoadRefuses(t *testing.T, s store.Store) {
	seedForDump(t, s)
	_, before, _ := dumpAll(t, s)
	err := s.(store.Dumper).Load(ctx, false, func(store.Loader) error { return nil })
	wantErr(t, err, store.ErrNotEmpty)
	veto := errors.New("veto")
	err = s.(store.Dumper).Load(ctx, true, func(l store.Loader) error {
		must(t, l.Insert(ctx, "settings", []string{"key", "value"}, []any{"new", "x"}))
		return veto
	})
	wantErr(t, err, veto)
	_, after, _ := dumpAll(t, s)
	if !reflect.DeepEqual(before, after) {
		t.Fatal("a refused or failed Load changed the database")
	}
	err = s.(store.Dumper).Load(ctx, true, func(l store.Loader) error {
		return l.Insert(ctx, "no_such_table", []string{"a"}, []any{"b"})
	})
	if err == nil {
		t.Fatal("an unknown table was accepted")
	}
}

// ResealColumn replaces the values fn changes, only where the row still holds
// what fn saw.
func testResealColumn(t *testing.T, s store.Store) {
	r := s.(store.Resealer)
	must(t, s.PutSetting(ctx, "a", "1", false))
	must(t, s.PutSetting(ctx, "b", "2", false))
	n, err := r.ResealColumn(ctx, "settings", "value", []string{"key"}, func(k []string, v any) (any, error) {
		if k[0] == "a" {
			return v.(string) + "!", nil
		}
		return nil, nil
	})
	must(t, err)
	wantEqual(t, n, 1)
	v, _ := s.GetSetting(ctx, "a")
	wantEqual(t, v, "1!")
	v, _ = s.GetSetting(ctx, "b")
	wantEqual(t, v, "2")

	// A value a writer replaces meanwhile is left alone.
	n, err = r.ResealColumn(ctx, "settings", "value", []string{"key"}, func(k []string, v any) (any, error) {
		if k[0] == "b" {
			must(t, s.PutSetting(context.Background(), "b", "written meanwhile", false))
			return "stale", nil
		}
		return nil, nil
	})
	must(t, err)
	wantEqual(t, n, 0)
	v, _ = s.GetSetting(ctx, "b")
	wantEqual(t, v, "written meanwhile")

	must(t, s.CreateSigningKey(ctx, domain.SigningKey{ID: "kid", Algorithm: "RS256", PrivateKeySealed: []byte{1, 2},
		PublicKeyJWK: []byte(`{}`), CreatedDateTime: t0, NotAfter: t0.Add(1e12), RetireAfter: t0.Add(2e12)}))
	n, err = r.ResealColumn(ctx, "signing_keys", "private_key_sealed", []string{"id"}, func(k []string, v any) (any, error) {
		return append(v.([]byte), 3), nil
	})
	must(t, err)
	wantEqual(t, n, 1)
	keys, err := s.ListSigningKeys(ctx)
	must(t, err)
	wantEqual(t, keys[0].PrivateKeySealed, []byte{1, 2, 3})
}
