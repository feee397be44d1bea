//go:build !unix

package main

import (
	"log/slog"
	"os"
)

func redirectStderr(*os.File, *slog.Logger) func() { return func() {} }
