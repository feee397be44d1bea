package inbox

import (
	"testing"

	"github.com/meet-dev/meet/api"
)

// FuzzParseWeekly: the weekly-hours grammar never panics, and what it
// accepts is a valid schedule.
func FuzzParseWeekly(f *testing.F) {
	for _, s := range []string{"mon-fri 09:00-12:00 13:00-18:00; sat 10:00-14:00", "daily 00:00-24:00", "fri-mon 08:00-12:00",
		"sat+sun 10:00-14:00", "", ";;", "mon", "mon 9-5", "xyz 09:00-10:00", "mon 25:00-26:00", "mon 09:00-09:00",
		"mon-mon 09:00-10:00", "MON 09:00-10:00,tue 10:00-11:00", "mon 09:00-17:00\x00", "sun-sat 23:59-00:00", "mon 22:00-06:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans, err := ParseWeekly(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: empty error", s)
			}
			return
		}
		if err := ValidateHours(api.Hours{Weekly: spans}); err != nil {
			t.Fatalf("%q parsed to %v, which does not validate: %v", s, spans, err)
		}
	})
}
