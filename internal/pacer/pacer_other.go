//go:build !linux

package pacer

import "errors"

func newImpl() (impl, error) { return nil, errors.ErrUnsupported }
