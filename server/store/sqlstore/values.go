package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/meet-dev/meet/api"
)

// NS is a time column's value: Unix nanoseconds.
func NS(t time.Time) int64 { return t.UnixNano() }

// NSPtr is a nullable time column's value (NULL for nil or zero).
func NSPtr(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// FromNS reads a time column.
func FromNS(v int64) time.Time { return time.Unix(0, v).UTC() }

// FromNull reads a nullable time column.
func FromNull(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := FromNS(*v)
	return &t
}

// NullID is a nullable reference's value (NULL for nil or 0).
func NullID(p *int64) any {
	if p == nil || *p == 0 {
		return nil
	}
	return *p
}

// MustJSON is v as JSON text.
func MustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with plain maps/slices/structs
	}
	return string(b)
}

// NotFound is the not_found error of one record.
func NotFound(what string, id any) error {
	return api.Errorf(api.CodeNotFound, "%s %v not found", what, id)
}

// One maps a missing row to a not_found naming what was looked up (pgx's
// ErrNoRows is database/sql's too).
func One(err error, what string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return NotFound(what, id)
	}
	return err
}

// NoRows reports whether err is a missing row.
func NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Unclassified is a driver error a backend could not map to an api error,
// named once by the backend ("sqlite: …", "postgres: …"); mapping it again
// (an error passed up through two mapped calls) keeps it as it is.
type Unclassified struct {
	Backend string
	Err     error
}

func (u *Unclassified) Error() string { return u.Backend + ": " + u.Err.Error() }
func (u *Unclassified) Unwrap() error { return u.Err }

// MapCommon is the part of error mapping both backends share: nil, api
// errors, errors already found Unclassified and context errors stay as
// they are; a missing row is not_found. ok is false for a driver error the
// backend maps itself.
func MapCommon(err error) (mapped error, ok bool) {
	var ae *api.Error
	var ue *Unclassified
	switch {
	case err == nil:
		return nil, true
	case errors.As(err, &ae), errors.As(err, &ue), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err, true
	case NoRows(err):
		return api.Errorf(api.CodeNotFound, "not found"), true
	}
	return err, false
}
