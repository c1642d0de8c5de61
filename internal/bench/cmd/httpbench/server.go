package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// process is a server this run started: firstkey or the peer.
type process struct {
	name string
	cmd  *exec.Cmd
	url  string // base URL on loopback
	log  *bytes.Buffer
	done chan struct{} // closed when the process has exited
}

// freePort asks the kernel for a free loopback port. Another process could take
// it before the server binds it; on this loopback-only tool that is a rare retry.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs the command and waits until GET readyURL answers 200; it returns
// how long that took from the exec.
func start(ctx context.Context, name string, cmd *exec.Cmd, base, readyPath string) (*process, time.Duration, error) {
	var log bytes.Buffer
	cmd.Stdout = &bytes.Buffer{} // firstkey prints the bootstrap administrator's pass there: kept, never shown
	cmd.Stderr = &log
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, url: base, log: &log, done: make(chan struct{})}
	exited := p.done
	go func() { _ = cmd.Wait(); close(exited) }()
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, 0, fmt.Errorf("%s exited before it was ready:\n%s", name, tail(log.String()))
		case <-ctx.Done():
			p.stop()
			return nil, 0, ctx.Err()
		default:
		}
		resp, err := c.Get(base + readyPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, time.Since(t0), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	p.stop()
	return nil, 0, fmt.Errorf("%s not ready in 60 s:\n%s", name, tail(log.String()))
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// stop interrupts the process and waits for it, killing it after 5 s.
func (p *process) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// cpuTicks is the process's user + system CPU so far, in clock ticks
// (/proc/<pid>/stat fields 14 and 15).
func cpuTicks(pid int) (int64, error) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after it.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("unreadable CPU times in /proc stat")
	}
	return u + st, nil
}

// clockTick is the kernel's USER_HZ, which is 100 on every Linux this runs on.
const clockTick = 10 * time.Millisecond

// rssKiB is the process's resident set (VmRSS) and its peak (VmHWM).
func rssKiB(pid int) (rss, peak int64, err error) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			peak = n
		}
	}
	return rss, peak, nil
}
