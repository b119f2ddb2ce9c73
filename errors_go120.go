//go:build !go1.21

package memfile

// isErrUnsupported: before Go 1.21 there is no errors.ErrUnsupported.
func isErrUnsupported(error) bool { return false }
