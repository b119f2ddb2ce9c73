//go:build go1.21

package memfile

import "errors"

// isErrUnsupported reports whether target is errors.ErrUnsupported (Go
// 1.21+), which ErrNotSupported and every error matching it also match.
func isErrUnsupported(target error) bool { return target == errors.ErrUnsupported }
