package sqlite

import (
	"errors"
	"testing"
)

// An error mapped twice (passed up through two mapped calls) names the
// backend once.
func TestMapErrTwiceNamesTheBackendOnce(t *testing.T) {
	boom := errors.New("boom")
	err := mapErr(mapErr(boom))
	if err.Error() != "sqlite: boom" || !errors.Is(err, boom) {
		t.Fatalf("mapErr twice: %q (wraps boom: %v)", err, errors.Is(err, boom))
	}
}
