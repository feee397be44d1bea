package postgres

import (
	"log/slog"
)

var quiet = slog.New(slog.DiscardHandler)
