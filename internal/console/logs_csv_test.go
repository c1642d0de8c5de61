package console

import "testing"

// Cells a spreadsheet would read as a formula get an apostrophe in front;
// nothing else changes.
func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(1,2)": "'=SUM(1,2)", "+1": "'+1", "-2+3": "'-2+3", "@cmd": "'@cmd", "\t=1": "'\t=1", "\r=1": "'\r=1",
		"ada@example.com": "ada@example.com", "": "", "Ada = 1": "Ada = 1", "130503": "130503",
	} {
		if got := safeCell(in); got != want {
			t.Errorf("safeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNiceMax(t *testing.T) {
	for in, want := range map[int]int{0: 4, 3: 4, 5: 8, 9: 12, 17: 20, 41: 80, 101: 120, 1234: 2000} {
		if got := niceMax(in); got != want || got < in || got%4 != 0 {
			t.Errorf("niceMax(%d) = %d, want %d", in, got, want)
		}
	}
}
