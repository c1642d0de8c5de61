package seal

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
)

// Processes starting together on one data directory must all end up with the one
// key that was written, never an empty or half-written file.
func TestLoadOrCreateKeyFileRace(t *testing.T) {
	for round := 0; round < 20; round++ {
		path := filepath.Join(t.TempDir(), "data", "master.key")
		const n = 12
		keys := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) { defer wg.Done(); keys[i], errs[i] = LoadOrCreateKeyFile(path) }(i)
		}
		wg.Wait()
		for i := 0; i < n; i++ {
			if errs[i] != nil {
				t.Fatalf("round %d, caller %d: %v", round, i, errs[i])
			}
			if !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("round %d: callers got different keys", round)
			}
		}
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".master.key.*"))
		if len(matches) != 0 {
			t.Fatalf("temporary files left behind: %v", matches)
		}
	}
}
