package phonenum

import "testing"

func TestOneCustomerHoweverTheNumberIsWritten(t *testing.T) {
	jp := Region([]string{"+81312345678"})
	if jp != "JP" {
		t.Fatalf("region %q", jp)
	}
	for _, in := range []string{"+81311112222", "031-111-2222", "03-1111-2222", "0311112222", "+81 3 1111 2222", "(03) 1111-2222"} {
		if got := Normalize(in, jp); got != "+81311112222" {
			t.Errorf("%q → %q", in, got)
		}
	}
	if got := Normalize("09012345678", jp); got != "+819012345678" {
		t.Errorf("mobile → %q", got)
	}
	for _, keep := range []string{"anonymous", "110", "", "+99999", "12ab"} {
		if got := Normalize(keep, jp); got != keep {
			t.Errorf("%q changed to %q", keep, got)
		}
	}
	if got := Normalize("0311112222", ""); got != "0311112222" {
		t.Errorf("without a region a national number stays: %q", got)
	}
	if got := Normalize("+4930123456", jp); got != "+4930123456" {
		t.Errorf("a foreign number stays international: %q", got)
	}
	if Region([]string{"1234", "+1"}) != "" {
		t.Error("no region from numbers that are not E.164")
	}
}
