package e2e_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReleaseBinaryIsStatic builds firstkey as scripts/release does (cgo off,
// version stamped) and checks that it needs nothing from the system: no dynamic
// loader, no shared library. As root it also runs the binary in an empty root
// directory, where there is no libc, no /etc and no /tmp.
func TestReleaseBinaryIsStatic(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "firstkey")
	build := exec.Command("go", "build", "-trimpath", "-ldflags",
		"-s -w -X github.com/firstkey/firstkey/internal/cli.Version=v0.0.0-statictest", "-o", bin, "github.com/firstkey/firstkey/cmd/firstkey")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the release binary asks for a dynamic loader")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Fatalf("the release binary needs shared libraries %v (%v)", libs, err)
	}

	if os.Geteuid() != 0 {
		t.Log("not root: the run in an empty root directory needs chroot, so only the ELF checks ran")
		return
	}
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bin, filepath.Join(root, "firstkey")); err != nil {
		t.Fatal(err)
	}
	run := exec.Command("/firstkey", "version")
	run.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	run.Dir = "/"
	run.Env = []string{}
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "firstkey v0.0.0-statictest") || !strings.Contains(string(out), "cgo false") {
		t.Fatalf("firstkey version in an empty root: %v\n%s", err, out)
	}
	// The server itself starts there too: it creates its data directory, opens
	// SQLite (pure Go) and initialises the directory, then is stopped.
	init := exec.Command("/firstkey", "init", "--data", "/data", "--admin", "admin@example.com", "--issuer", "http://localhost:8080")
	init.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	init.Dir = "/"
	init.Env = []string{"FIRSTKEY_TEST_FAST_HASH=1"}
	if out, err := init.CombinedOutput(); err != nil || !strings.Contains(string(out), "admin@example.com") {
		t.Fatalf("firstkey init in an empty root: %v\n%s", err, out)
	}
}
