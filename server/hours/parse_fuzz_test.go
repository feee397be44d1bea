package hours

import (
	"testing"
)

// FuzzParseClock: HH:MM parses to minutes within a day or fails.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"09:00", "24:00", "00:00", "23:59", "24:01", "9:00", "-1:00", "12:60", "", "1234", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseClock(s)
		if err == nil && (m < 0 || m > 24*60) {
			t.Fatalf("%q → %d minutes", s, m)
		}
	})
}
