// Package phonenum puts phone numbers in one form (E.164) so that the same
// customer is one customer however the number was written: "+81 3-1111-2222"
// from a trunk, "03-1111-2222" typed by an operator on a Japanese channel.
// The country a national number belongs to is the channel's: the region
// of the channel's own numbers (its DIDs are E.164).
package phonenum

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Region is the country (ISO 3166 alpha-2, e.g. "JP") of the first of a
// channel's numbers that reads as a number of a known country; "" when none.
func Region(numbers []string) string {
	for _, n := range numbers {
		if !strings.HasPrefix(n, "+") {
			continue
		}
		p, err := phonenumbers.Parse(n, "")
		if err != nil {
			continue
		}
		if r := phonenumbers.GetRegionCodeForNumber(p); r != "" && r != "001" {
			return r
		}
	}
	return ""
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
