// Package phonenum puts phone numbers in one form (E.164) so that the same
// customer is one customer however the number was written: "+81 3-1111-2222"
// from a trunk, "03-1111-2222" typed by an operator on a Japanese channel.
// The country a national number belongs to is the channel's: the region
// of the channel's own numbers (its DIDs are E.164).
package phonenum

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Region is the country (ISO 3166 alpha-2, e.g. "JP") of the first of a
// channel's numbers that reads as a number of a known country; "" when none.
func Region(numbers []string) string {
	for _, n := range numbers {
		if !strings.HasPrefix(n, "+") {
			continue
		}
		if r, ok := numberRegion(n); ok {
			return r
		}
	}
	return ""
}

// regions memoises numberRegion: a channel's numbers are parsed for every
// call it gets (the region of the caller's number), and the parse (regular
// expressions) was 2 % of meetd's CPU at 1,000 calls/s. Channels have a
// handful of numbers; the cap bounds it whatever callers pass.
var regions struct {
	sync.RWMutex
	m map[string]regionOf
}

type regionOf struct {
	r  string
	ok bool
}

const maxRegions = 4096

// numberRegion is the region of the E.164 number n, ok when it has one.
func numberRegion(n string) (string, bool) {
	regions.RLock()
	v, hit := regions.m[n]
	regions.RUnlock()
	if hit {
		return v.r, v.ok
	}
	v.r, v.ok = parseRegion(n)
	regions.Lock()
	if regions.m == nil {
		regions.m = map[string]regionOf{}
	}
	if len(regions.m) < maxRegions {
		regions.m[n] = v
	}
	regions.Unlock()
	return v.r, v.ok
}

func parseRegion(n string) (string, bool) {
	p, err := phonenumbers.Parse(n, "")
	if err != nil {
		return "", false
	}
	if r := phonenumbers.GetRegionCodeForNumber(p); r != "" && r != "001" {
		return r, true
	}
	return "", false
}

// Normalize returns number in E.164 ("+81311112222") when it reads as a
// valid number, national ones in region; anything else (short codes,
// "anonymous", numbers of unknown plans) comes back unchanged, so nothing
// a caller presents is lost.
func Normalize(number, region string) string {
	s := strings.TrimSpace(number)
	if s == "" || (!strings.HasPrefix(s, "+") && region == "") {
		return number
	}
	p, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(p) {
		return number
	}
	return phonenumbers.Format(p, phonenumbers.E164)
}
