package cli_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firstkey/firstkey/internal/cli"
	"github.com/firstkey/firstkey/internal/seal"
	"github.com/firstkey/firstkey/internal/testenv"
)

type doctorFinding struct {
	Level, Check, Message, Fix string
}

// doctor runs `firstkey doctor --output json` and returns its findings and
// exit code, checking that the code is 1 exactly when a finding is FAIL.
func (h *harness) doctor(args ...string) ([]doctorFinding, int) {
	h.t.Helper()
	r := h.run(append([]string{"doctor", "--output", "json"}, args...)...)
	var out struct {
		Findings []doctorFinding
		OK       bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		h.t.Fatalf("doctor %v: exit %d, %v\nstdout: %s\nstderr: %s", args, r.code, err, r.stdout, r.stderr)
	}
	failed := false
	for _, f := range out.Findings {
		failed = failed || f.Level == "FAIL"
		if f.Level != "OK" && f.Fix == "" && f.Check != "clock" {
			h.t.Errorf("%s finding %q has no fix", f.Level, f.Message)
		}
	}
	if want := map[bool]int{true: cli.ExitError, false: cli.ExitOK}[failed]; r.code != want || out.OK == failed {
		h.t.Errorf("doctor %v: exit %d, ok %v, with a FAIL finding: %v", args, r.code, out.OK, failed)
	}
	return out.Findings, r.code
}

// want fails the test unless a finding of check has level and mentions every
// one of words (in its message or fix).
func wantFinding(t *testing.T, fs []doctorFinding, check, level string, words ...string) {
	t.Helper()
	for _, f := range fs {
		if f.Check != check || f.Level != level {
			continue
		}
		text := f.Message + " " + f.Fix
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no %s %s finding mentioning %q in %+v", level, check, words, fs)
}

// A healthy production-like configuration (https issuer behind a declared
// proxy, an initialised database at the latest migration, its own key) is
// all OK and exits 0, on both databases.
func TestDoctorHealthy(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		fs, code := h.doctor("--issuer", "https://id.example.com", "--listen", "0.0.0.0:8080", "--trusted-proxy", "10.0.0.0/8")
		if code != cli.ExitOK {
			t.Fatalf("exit %d: %+v", code, fs)
		}
		for _, f := range fs {
			if f.Level != "OK" {
				t.Errorf("finding %+v on a healthy configuration", f)
			}
		}
		wantFinding(t, fs, "master key", "OK", "matches the database")
		wantFinding(t, fs, "database", "OK", "latest migration")
		if h.backend == "postgres" {
			wantFinding(t, fs, "clock", "OK", "within")
		} else {
			wantFinding(t, fs, "clock", "OK", "SQLite has no server clock")
		}
		// The table form says the same, one finding a line.
		out := h.ok("doctor", "--issuer", "https://id.example.com", "--listen", "0.0.0.0:8080", "--trusted-proxy", "10.0.0.0/8")
		wantContains(t, out, "OK  ", "issuer", "master key", "trusted proxies")
	})
}

// Each misconfiguration of the issuer gets its finding and its fix.
func TestDoctorIssuer(t *testing.T) {
	h := &harness{t: t, backend: "sqlite", data: t.TempDir()}
	for _, c := range []struct {
		name  string
		args  []string
		level string
		words []string
	}{
		{"IP address", []string{"--issuer", "https://192.0.2.7"}, "FAIL", []string{"IP address", "--issuer"}},
		{"http on another host", []string{"--issuer", "http://id.example.com", "--listen", "0.0.0.0:80"}, "FAIL", []string{"passkeys only over https", "--issuer https://id.example.com"}},
		{"http behind a proxy", []string{"--issuer", "http://id.example.com", "--trusted-proxy", "10.1.2.3"}, "FAIL", []string{"behind a proxy", "--issuer https://id.example.com"}},
		{"localhost in production", []string{"--issuer", "http://localhost:8080", "--listen", "0.0.0.0:8080"}, "WARN", []string{"names this machine only"}},
		{"port not the listener's", []string{"--issuer", "http://localhost:9000", "--listen", "127.0.0.1:8080"}, "WARN", []string{"port 9000", "(8080)", "--issuer http://localhost:8080"}},
		{"https without TLS or proxy", []string{"--issuer", "https://id.example.com", "--listen", "0.0.0.0:443"}, "WARN", []string{"plain http", "--trusted-proxy"}},
		{"single-label host", []string{"--issuer", "https://idp", "--trusted-proxy", "10.0.0.1"}, "WARN", []string{"single-label", "fully qualified"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &harness{t: t, backend: h.backend, data: h.data}
			fs, _ := h.doctor(c.args...)
			wantFinding(t, fs, "issuer", c.level, c.words...)
		})
	}
}

// Proxies that trust everyone fail; a very wide range is a warning.
func TestDoctorTrustedProxies(t *testing.T) {
	h := &harness{t: t, backend: "sqlite", data: t.TempDir()}
	fs, code := h.doctor("--issuer", "https://id.example.com", "--trusted-proxy", "0.0.0.0/0")
	if code != cli.ExitError {
		t.Errorf("exit %d with 0.0.0.0/0 trusted", code)
	}
	wantFinding(t, fs, "trusted proxies", "FAIL", "0.0.0.0/0", "X-Forwarded-For", "--trusted-proxy")
	fs, _ = h.doctor("--issuer", "https://id.example.com", "--trusted-proxy", "::/0")
	wantFinding(t, fs, "trusted proxies", "FAIL", "::/0")
	fs, _ = h.doctor("--issuer", "https://id.example.com", "--trusted-proxy", "4.0.0.0/6")
	wantFinding(t, fs, "trusted proxies", "WARN", "very wide")
	// doctor reads serve's environment too.
	t.Setenv("FIRSTKEY_TRUSTED_PROXIES", "0.0.0.0/0")
	fs, _ = h.doctor("--issuer", "https://id.example.com")
	wantFinding(t, fs, "trusted proxies", "FAIL", "0.0.0.0/0")
	os.Unsetenv("FIRSTKEY_TRUSTED_PROXIES")
	// One that does not parse is refused before anything is checked.
	msg := h.fail(cli.ExitUsage, "doctor", "--trusted-proxy", "10.0.0.0/99")
	wantContains(t, msg, "10.0.0.0/99")
}

// SMTP: a server that answers EHLO is OK (and receives no mail); one that
// does not answer fails.
func TestDoctorSMTP(t *testing.T) {
	h := &harness{t: t, backend: "sqlite", data: t.TempDir()}
	mail := testenv.NewMailCatcher(t)
	fs, _ := h.doctor("--smtp-url", mail.URL())
	wantFinding(t, fs, "smtp", "OK", "answered EHLO", "no mail was sent")
	if n := len(mail.Messages()); n != 0 {
		t.Errorf("doctor sent %d mails", n)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	fs, code := h.doctor("--smtp-url", "smtp://user:hunter2secret@"+closed)
	if code != cli.ExitError {
		t.Errorf("exit %d with an SMTP server that does not answer", code)
	}
	wantFinding(t, fs, "smtp", "FAIL", closed, "--smtp-url")
	for _, f := range fs {
		if strings.Contains(f.Message+f.Fix, "hunter2secret") {
			t.Errorf("a finding shows the SMTP password: %+v", f)
		}
	}
	fs, _ = h.doctor("--smtp-url", "ftp://mail.example.com")
	wantFinding(t, fs, "smtp", "FAIL", "smtp://host:port")
}

// A database that cannot be reached fails, on both backends.
func TestDoctorDatabaseUnreachable(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		if h.backend == "postgres" {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			h.dsn = "postgres://firstkey:s3cretpw@" + addr + "/firstkey?connect_timeout=2"
		} else {
			h.dsn = "sqlite://" + t.TempDir() // a directory, not a database file
		}
		fs, code := h.doctor()
		if code != cli.ExitError {
			t.Errorf("exit %d with an unreachable database", code)
		}
		wantFinding(t, fs, "database", "FAIL", "cannot reach the database", "--database")
		wantFinding(t, fs, "clock", "WARN", "not checked")
		for _, f := range fs {
			if strings.Contains(f.Message, "s3cretpw") {
				t.Errorf("a finding shows the database password: %+v", f)
			}
		}
	})
}

// rawDB opens the harness's database with database/sql, beside firstkey.
func (h *harness) rawDB() *sql.DB {
	h.t.Helper()
	driver, dsn := "pgx", h.dsn
	if h.dsn == "" {
		driver, dsn = "sqlite", filepath.Join(h.data, "firstkey.db")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	return db
}

// The migration level: behind this version is a warning (serve migrates), a
// migration this version does not know fails; doctor itself migrates nothing.
func TestDoctorMigrationLevel(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		db := h.rawDB()
		ctx := context.Background()
		var latest int
		var name string
		if err := db.QueryRowContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1").Scan(&latest, &name); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = "+itoa(latest)); err != nil {
			t.Fatal(err)
		}
		fs, code := h.doctor("--issuer", "https://id.example.com", "--trusted-proxy", "10.0.0.1")
		if code != cli.ExitOK {
			t.Errorf("exit %d with a pending migration", code)
		}
		wantFinding(t, fs, "database", "WARN", "1 migration(s) pending", name, "firstkey serve")
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = "+itoa(latest)).Scan(&n); err != nil || n != 0 {
			t.Fatalf("doctor migrated the database (%d, %v)", n, err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ("+itoa(latest)+", '"+name+"', 0), (9999, '9999_from_the_future.sql', 0)"); err != nil {
			t.Fatal(err)
		}
		fs, code = h.doctor("--issuer", "https://id.example.com", "--trusted-proxy", "10.0.0.1")
		if code != cli.ExitError {
			t.Errorf("exit %d with an unknown migration", code)
		}
		wantFinding(t, fs, "database", "FAIL", "newer firstkey", "9999_from_the_future.sql")
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// The master key: missing while the database holds a directory, readable by
// others, of the wrong length, or not the database's: each fails with its fix.
func TestDoctorMasterKey(t *testing.T) {
	initialised(t, func(t *testing.T, h *harness) {
		args := []string{"--issuer", "https://id.example.com", "--trusted-proxy", "10.0.0.1"}
		keyFile := filepath.Join(h.data, "master.key")
		withKey := func(path string) []string { return append([]string{"--master-key-file", path}, args...) }

		fs, _ := h.doctor(withKey(filepath.Join(t.TempDir(), "nowhere.key"))...)
		wantFinding(t, fs, "master key", "FAIL", "no master key", "restore the key file")

		if err := os.Chmod(keyFile, 0o644); err != nil {
			t.Fatal(err)
		}
		fs, _ = h.doctor(args...)
		wantFinding(t, fs, "master key", "FAIL", "readable by others", "chmod 600 "+keyFile)
		if err := os.Chmod(keyFile, 0o600); err != nil {
			t.Fatal(err)
		}

		short := filepath.Join(t.TempDir(), "short.key")
		if err := os.WriteFile(short, []byte(seal.EncodeKey(make([]byte, 16))+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		fs, _ = h.doctor(withKey(short)...)
		wantFinding(t, fs, "master key", "FAIL", "must be 32 bytes", "openssl rand -base64 32")

		other, err := seal.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		otherFile := filepath.Join(t.TempDir(), "other.key")
		if err := os.WriteFile(otherFile, []byte(seal.EncodeKey(other)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		fs, _ = h.doctor(withKey(otherFile)...)
		wantFinding(t, fs, "master key", "FAIL", "not the one the database was initialised with")
		for _, f := range fs {
			if strings.Contains(f.Message+f.Fix, seal.EncodeKey(other)) {
				t.Errorf("a finding shows the key: %+v", f)
			}
		}

		fs, _ = h.doctor(args...)
		wantFinding(t, fs, "master key", "OK", "matches the database")
	})
}

// Clock skew against PostgreSQL: a few seconds warn, half a minute fails. A
// database's clock cannot be moved from a test, so the rule is checked on
// readings; TestDoctorHealthy reads the real one.
func TestDoctorClockSkew(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		skew  time.Duration
		level string
	}{{500 * time.Millisecond, "OK"}, {5 * time.Second, "WARN"}, {-5 * time.Second, "WARN"}, {2 * time.Minute, "FAIL"}} {
		level, msg, fix := cli.ClockLevel(now.Add(c.skew), now)
		if level != c.level || (level != "OK" && !strings.Contains(fix, "NTP")) {
			t.Errorf("skew %s: %s %q (fix %q), want %s", c.skew, level, msg, fix, c.level)
		}
	}
}
