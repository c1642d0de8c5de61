package backup_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/backup"
	"github.com/firstkey/firstkey/internal/cli"
	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
	"github.com/firstkey/firstkey/internal/store/storetest"
)

func TestMain(m *testing.M) {
	os.Setenv("FIRSTKEY_TEST_FAST_HASH", "1")
	os.Exit(m.Run())
}

// db is one database the test fills through the command line and reads
// through a store of its own.
type db struct {
	backend string
	data    string // data directory (its master.key)
	dsn     string
	path    string
}

func newDB(t *testing.T, backend string) *db {
	d := &db{backend: backend, data: t.TempDir()}
	if backend == "postgres" {
		d.dsn = storetest.PostgresDSN(t)
	} else {
		d.path = filepath.Join(d.data, "firstkey.db")
	}
	return d
}

func (d *db) open(t *testing.T) store.Store {
	if d.dsn != "" {
		return storetest.OpenPostgres(t, d.dsn)
	}
	return storetest.OpenSQLite(t, d.path)
}

func (d *db) cli(t *testing.T, keyFile string, args ...string) string {
	t.Helper()
	g := []string{"--data", d.data}
	if d.dsn != "" {
		g = append(g, "--database", d.dsn)
	}
	if keyFile != "" {
		g = append(g, "--master-key-file", keyFile)
	}
	var out, errb bytes.Buffer
	if code := cli.Main(append(args, g...), strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("firstkey %v: exit %d: %s", args, code, errb.String())
	}
	return out.String()
}

// seed fills every kind of record the command line makes.
func seed(t *testing.T, d *db) {
	d.cli(t, "", "init", "--admin", "admin@example.com", "--issuer", "https://id.example.com")
	d.cli(t, "", "user", "create", "--upn", "boss@example.com", "--display-name", "Boss")
	d.cli(t, "", "user", "create", "--upn", "ada@example.com", "--display-name", "Ada")
	d.cli(t, "", "group", "create", "--name", "Engineers")
	d.cli(t, "", "keys", "rotate")
	d.cli(t, "", "tap", "create", "ada@example.com")
	d.cli(t, "", "app", "create", "--name", "web", "--redirect-uri", "https://app.example.com/cb")
	// A user whose manager sorts after them: a restore must not insert the
	// reference before its target.
	st := d.open(t)
	boss, err := st.GetUserByUPN(context.Background(), "boss@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ada, err := st.GetUserByUPN(context.Background(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	db := st.(interface{ DB() *sql.DB }).DB()
	for _, q := range []string{"UPDATE users SET id = 'zzzz-boss' WHERE id = '" + boss.ID + "'",
		"UPDATE users SET manager_id = 'zzzz-boss' WHERE id = '" + ada.ID + "'"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// rows reads every table of st as the portable cells, normalised so that two
// backends' copies of one row compare equal (a bool is 0 or 1, a JSON
// document is re-encoded).
func rows(t *testing.T, st store.Store) (map[string][][]any, []string) {
	t.Helper()
	out := map[string][][]any{}
	var names []string
	err := st.(store.Dumper).Dump(context.Background(), func(s store.Snapshot) error {
		for _, tb := range s.Tables() {
			names = append(names, tb.Name)
			out[tb.Name] = [][]any{}
			err := s.Rows(context.Background(), tb.Name, func(row []any) error {
				for i, v := range row {
					row[i] = normal(v)
				}
				out[tb.Name] = append(out[tb.Name], row)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, names
}

func normal(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case string:
		if strings.HasPrefix(x, "{") || strings.HasPrefix(x, "[") {
			var doc any
			if json.Unmarshal([]byte(x), &doc) == nil {
				b, _ := json.Marshal(doc)
				return string(b)
			}
		}
	}
	return v
}

func sameRows(t *testing.T, what string, want, got map[string][][]any) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: %d tables, want %d", what, len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Fatalf("%s: table %s missing", what, name)
		}
		if len(g) != len(w) {
			t.Fatalf("%s: table %s has %d rows, want %d", what, name, len(g), len(w))
		}
		for i := range w {
			if !reflect.DeepEqual(w[i], g[i]) {
				t.Fatalf("%s: table %s row %d:\n got %v\nwant %v", what, name, i, g[i], w[i])
			}
		}
	}
}

func write(t *testing.T, st store.Store, keyID string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := backup.Write(context.Background(), &buf, st.(store.Dumper), backup.Meta{FirstkeyVersion: "test", MasterKeyID: keyID, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func restore(st store.Store, b []byte, keyID string, replace bool) error {
	_, err := backup.Restore(context.Background(), bytes.NewReader(b), st.(store.Dumper), backup.RestoreOptions{Replace: replace, KeyIDs: []string{keyID}})
	return err
}

// A backup taken while writers run holds, of every writer's transactions, a
// prefix (each transaction's two rows both or neither); restored on either
// backend it equals the source table by table; taken again with the writers
// stopped it equals the source exactly.
func TestBackupUnderWritesRestoresAcrossBackends(t *testing.T) {
	for _, from := range []string{"sqlite", "postgres"} {
		for _, to := range []string{"sqlite", "postgres"} {
			t.Run(from+"_to_"+to, func(t *testing.T) {
				t.Parallel()
				src := newDB(t, from)
				seed(t, src)
				st := src.open(t)
				const key = "key-id-under-test"

				const writers, perWriter = 3, 40
				var stop atomic.Bool
				var committed atomic.Int64
				var wg sync.WaitGroup
				writeErrs := make(chan error, writers+1)
				for w := 0; w < writers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ws := src.open(t)
						for i := 0; i < perWriter && !stop.Load(); i++ {
							err := ws.InTx(context.Background(), func(tx store.Store) error {
								for _, half := range []string{"a", "b"} {
									if err := tx.PutSetting(context.Background(), fmt.Sprintf("pair-%d-%03d-%s", w, i, half), "x", true); err != nil {
										return err
									}
								}
								return nil
							})
							if err != nil && !errors.Is(err, context.DeadlineExceeded) {
								writeErrs <- err
								return
							}
							committed.Add(1)
						}
					}()
				}
				// And one that creates users through the directory, which writes
				// each user and its audit record in one transaction.
				var created sync.Map
				wg.Add(1)
				go func() {
					defer wg.Done()
					dir, err := directory.New(directory.Config{Store: src.open(t), Hasher: secret.Hasher{Argon2: secret.FastArgon2}})
					if err != nil {
						writeErrs <- err
						return
					}
					for i := 0; i < 30 && !stop.Load(); i++ {
						u, err := dir.CreateUser(context.Background(), domain.SystemActor(), domain.User{
							UserPrincipalName: fmt.Sprintf("writer%d@example.com", i), DisplayName: "Writer", AccountEnabled: true})
						if err != nil {
							writeErrs <- err
							return
						}
						created.Store(u.ID, true)
						committed.Add(1)
					}
				}()
				// The snapshot is taken once the writers are under way.
				for deadline := time.Now().Add(30 * time.Second); committed.Load() < 8 && time.Now().Before(deadline); {
					time.Sleep(5 * time.Millisecond)
				}
				during := write(t, st, key)
				wg.Wait()
				close(writeErrs)
				for err := range writeErrs {
					t.Fatalf("writer: %v", err)
				}

				dst := newDB(t, to)
				dt := dst.open(t)
				if err := restore(dt, during, key, false); err != nil {
					t.Fatalf("restore the backup taken under writes: %v", err)
				}
				got, _ := rows(t, dt)
				pairs := map[string]bool{}
				for _, r := range got["settings"] {
					k := r[0].(string)
					if strings.HasPrefix(k, "pair-") {
						pairs[k] = true
					}
				}
				for w := 0; w < writers; w++ {
					seen := true
					for i := 0; i < perWriter; i++ {
						a, b := pairs[fmt.Sprintf("pair-%d-%03d-a", w, i)], pairs[fmt.Sprintf("pair-%d-%03d-b", w, i)]
						if a != b {
							t.Fatalf("writer %d transaction %d: only half of it is in the backup", w, i)
						}
						if a && !seen {
							t.Fatalf("writer %d: transaction %d is in the backup but an earlier one is not", w, i)
						}
						seen = a
					}
				}
				inUsers, inAudits := map[string]bool{}, map[string]bool{}
				for _, r := range got["users"] {
					if _, ok := created.Load(r[0]); ok {
						inUsers[r[0].(string)] = true
					}
				}
				for _, r := range got["audit_targets"] {
					for _, v := range r {
						if _, ok := created.Load(v); ok {
							inAudits[v.(string)] = true
						}
					}
				}
				if !reflect.DeepEqual(inUsers, inAudits) {
					t.Fatalf("users and their audit records disagree in the backup: %d users, %d audited", len(inUsers), len(inAudits))
				}
				t.Logf("the backup taken under writes holds %d of %d pair transactions and %d users with their audit records",
					len(pairs)/2, writers*perWriter, len(inUsers))
				// Tables the pair writers did not touch equal the source's,
				// and every setting in the backup is one of the source's.
				final, _ := rows(t, st)
				for name, want := range final {
					if name == "settings" || name == "users" || name == "audits" || name == "audit_targets" {
						continue
					}
					sameRows(t, "table "+name+" under writes", map[string][][]any{name: want}, map[string][][]any{name: got[name]})
				}
				sourceSettings := map[string]bool{}
				for _, r := range final["settings"] {
					sourceSettings[r[0].(string)] = true
				}
				for _, r := range got["settings"] {
					if !sourceSettings[r[0].(string)] {
						t.Fatalf("setting %v in the backup is not in the source", r[0])
					}
				}
				// The restored copy, backed up again, restores to the same rows.
				again := newDB(t, from).open(t)
				if err := restore(again, write(t, dt, key), key, false); err != nil {
					t.Fatal(err)
				}
				back, _ := rows(t, again)
				sameRows(t, "restore of the restore", got, back)

				// With the writers stopped, the copy equals the source in every table.
				quiet := write(t, st, key)
				if err := restore(dt, quiet, key, true); err != nil {
					t.Fatalf("restore --force: %v", err)
				}
				want, tables := rows(t, st)
				got, _ = rows(t, dt)
				sameRows(t, "restored copy", want, got)
				h, err := backup.ReadHeader(bytes.NewReader(quiet))
				if err != nil {
					t.Fatal(err)
				}
				var inBackup []string
				for _, tb := range h.Tables {
					inBackup = append(inBackup, tb.Name)
				}
				if !reflect.DeepEqual(inBackup, tables) {
					t.Fatalf("backup holds tables %v, the schema has %v", inBackup, tables)
				}
				for _, name := range []string{"users", "applications", "signing_keys", "settings", "temporary_access_passes", "groups", "audits"} {
					if len(want[name]) == 0 {
						t.Fatalf("table %s is empty: the test checks too little", name)
					}
				}
			})
		}
	}
}

// A restore that is refused changes nothing and says why.
func TestRestoreRefusals(t *testing.T) {
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			src := newDB(t, b)
			seed(t, src)
			good := write(t, src.open(t), "k1")
			target := newDB(t, b).open(t)
			empty, _ := rows(t, target)

			cut := good[:len(good)*2/3]
			var raw bytes.Buffer
			zr, _ := gzip.NewReader(bytes.NewReader(good))
			io.Copy(&raw, zr)
			lines := strings.SplitN(raw.String(), "\n", 2)
			var h map[string]any
			json.Unmarshal([]byte(lines[0]), &h)
			h["formatVersion"] = 99
			hb, _ := json.Marshal(h)
			newer := gz(string(hb) + "\n" + lines[1])
			h["formatVersion"] = 1
			h["migrationLevel"] = 999
			hb, _ = json.Marshal(h)
			newerSchema := gz(string(hb) + "\n" + lines[1])
			noEnd := gz(strings.TrimSuffix(strings.TrimRight(raw.String(), "\n"), lastLine(raw.String())))

			cases := []struct {
				name string
				file []byte
				key  string
				want error
				msg  string
			}{
				{"wrong master key", good, "k2", backup.ErrWrongKey, "needs master key k1"},
				{"truncated file", cut, "k1", backup.ErrCorrupt, "damaged or incomplete"},
				{"missing end mark", noEnd, "k1", backup.ErrCorrupt, "before its end mark"},
				{"newer format", newer, "k1", backup.ErrNewer, "format is version 99"},
				{"newer schema", newerSchema, "k1", backup.ErrNewer, "schema is at migration 999"},
				{"not a backup", []byte("hello"), "k1", backup.ErrCorrupt, "not gzip"},
			}
			for _, c := range cases {
				err := restore(target, c.file, c.key, false)
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("%s: %v, want %v mentioning %q", c.name, err, c.want, c.msg)
				}
				now, _ := rows(t, target)
				sameRows(t, c.name+" left the target", empty, now)
			}
			if err := restore(target, good, "k1", false); err != nil {
				t.Fatal(err)
			}
			full, _ := rows(t, target)
			err := restore(target, good, "k1", false)
			if !errors.Is(err, store.ErrNotEmpty) || !strings.Contains(err.Error(), "holds") {
				t.Fatalf("restore into a non-empty store: %v", err)
			}
			now, _ := rows(t, target)
			sameRows(t, "refused restore into a full store", full, now)
		})
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}
