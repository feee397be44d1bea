package sqlite

import (
	"errors"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mapErr turns driver errors into api errors with stable codes.
func mapErr(err error) error {
	if m, ok := sqlstore.MapCommon(err); ok {
		return m
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return &sqlstore.Unclassified{Backend: "sqlite", Err: err}
	}
	code := se.Code()
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return api.Errorf(api.CodeStorageUnavailable, "database is locked, try again (%s)", se.Error())
	case sqlite3.SQLITE_READONLY:
		return api.Errorf(api.CodeReadOnly, "database is read-only (%s)", se.Error())
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_CORRUPT,
		sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PROTOCOL:
		return api.Errorf(api.CodeStorageUnavailable, "database unavailable (%s)", se.Error())
	case sqlite3.SQLITE_CONSTRAINT:
		switch code {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return api.Errorf(api.CodeConflict, "already exists (%s)", se.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return api.Errorf(api.CodeNotFound, "a referenced record does not exist")
		}
		return api.Errorf(api.CodeBadRequest, "invalid value (%s)", se.Error())
	}
	return &sqlstore.Unclassified{Backend: "sqlite", Err: err}
}
