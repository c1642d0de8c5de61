package e2e_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procMemory reads a process's resident set (VmRSS) and its peak (VmHWM) in MiB.
func procMemory(t *testing.T, pid int) (rss, peak int) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read process status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.Atoi(fields[1])
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// TestMemoryStaysBoundedUnderABurst is finding 2 of issue #10 against the real
// binary with production argon2id (19 MiB per check): 150 concurrent pass
// attempts for names that are no account, from 8 source addresses, must keep the
// resident set under 300 MiB and let it fall back near idle afterwards, because
// hashes run under a server-wide gate and the rest are refused at once.
func TestMemoryStaysBoundedUnderABurst(t *testing.T) {
	const burst, sources = 150, 8
	work := t.TempDir()
	env := cleanEnv() // production hashing: no FIRSTKEY_TEST_FAST_HASH
	s := startServe(t, "server", work, "", env)
	s.waitHealthy()
	pid := s.cmd.Process.Pid
	time.Sleep(500 * time.Millisecond) // let start-up work settle
	idle, _ := procMemory(t, pid)

	target := strings.Replace(s.base, "localhost", "127.0.0.1", 1) + "/login/tap"
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := make(chan struct{})
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := clientFrom(fmt.Sprintf("127.20.0.%d", i%sources+1))
			<-start
			form := url.Values{"username": {fmt.Sprintf("nobody%d@example.com", i)}, "pass": {"WrongPass1"}}
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Host = strings.TrimPrefix(s.base, "http://") // the issuer's host, reached over 127.0.0.1
			req.Header.Set("Origin", s.base)
			resp, err := hc.Do(req)
			if err != nil {
				t.Errorf("attempt %d: %v", i, err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	_, peak := procMemory(t, pid)
	if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != burst || statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("answers %v: want only 401 (checked) and 429 (refused at once), some of each", statuses)
	}
	if peak >= 300 {
		t.Errorf("peak resident set %d MiB under %d concurrent attempts (idle %d MiB); want under 300", peak, burst, idle)
	}
	// Back near idle: the memory of the few hashes that ran is returned, not kept.
	var rss int
	for range 50 {
		if rss, _ = procMemory(t, pid); rss <= idle+32 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if rss > idle+32 {
		t.Errorf("resident set %d MiB after the burst, idle was %d MiB", rss, idle)
	}
	t.Logf("idle %d MiB, peak %d MiB, after %d MiB; answers %v", idle, peak, rss, statuses)
}
