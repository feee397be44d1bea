package postgres

import (
	"errors"
	"net"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// mapErr turns driver errors into api errors with the SQLite store's codes.
func mapErr(err error) error {
	if m, ok := sqlstore.MapCommon(err); ok {
		return m
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		var ce *pgconn.ConnectError
		var ne net.Error
		if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || errors.Is(err, pgx.ErrTxClosed) {
			return api.Errorf(api.CodeStorageUnavailable, "database unavailable (%v)", err)
		}
		return &sqlstore.Unclassified{Backend: "postgres", Err: err}
	}
	switch pe.Code {
	case "23505": // unique_violation
		return api.Errorf(api.CodeConflict, "already exists (%s)", pe.Message)
	case "23503": // foreign_key_violation
		return api.Errorf(api.CodeNotFound, "a referenced record does not exist")
	case "25006": // read_only_sql_transaction
		return api.Errorf(api.CodeReadOnly, "database is read-only (%s)", pe.Message)
	case "40001", "40P01", "55P03", "57014": // serialization, deadlock, lock timeout, statement timeout
		return api.Errorf(api.CodeStorageUnavailable, "database is busy, try again (%s)", pe.Message)
	}
	switch pe.Code[:2] {
	case "23", "22": // other integrity violations, data exceptions
		return api.Errorf(api.CodeBadRequest, "invalid value (%s)", pe.Message)
	case "08", "53", "57", "58": // connection, resources, operator intervention, system
		return api.Errorf(api.CodeStorageUnavailable, "database unavailable (%s)", pe.Message)
	}
	return &sqlstore.Unclassified{Backend: "postgres", Err: err}
}
