package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/viper"
)

// memoryLimit reads --memory-limit (MEETD_MEMORY_LIMIT): a size such as
// 200MiB, 1GiB, 512MB or a byte count; "" or "off" is none (0). Units are
// B, KiB, MiB, GiB (×1024) and KB, MB, GB (×1000).
func memoryLimit(v *viper.Viper) (int64, error) {
	s := strings.TrimSpace(v.GetString("memory-limit"))
	if s == "" || strings.EqualFold(s, "off") {
		return 0, nil
	}
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.TrimSpace(s[len(num):])
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("--memory-limit %q: want a size such as 200MiB or 1GiB", s)
	}
	mult := map[string]int64{"": 1, "b": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "kb": 1e3, "mb": 1e6, "gb": 1e9}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("--memory-limit %q: unknown unit %q (B, KiB, MiB, GiB, KB, MB, GB)", s, unit)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("--memory-limit %q: too large", s)
	}
	return n * mult, nil
}

// applyMemoryLimit sets Go's soft memory limit from --memory-limit; without
// the flag the runtime's own setting (GOMEMLIMIT, else none) stays.
func applyMemoryLimit(v *viper.Viper) (int64, error) {
	n, err := memoryLimit(v)
	if err != nil || n == 0 {
		return 0, err
	}
	debug.SetMemoryLimit(n)
	return n, nil
}
