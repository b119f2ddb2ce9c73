//go:build go1.21

package memfile

import (
	"errors"
	"syscall"
	"testing"
)

// On Go 1.21+ ErrNotSupported, and every error that matches it, also
// matches errors.ErrUnsupported; nothing else does.
func TestErrNotSupportedMatchesErrUnsupported(t *testing.T) {
	if !errors.Is(ErrNotSupported, errors.ErrUnsupported) {
		t.Errorf("ErrNotSupported does not match errors.ErrUnsupported")
	}
	err := unsupportedError("fcntl(F_ADD_SEALS)", "x", errInvalid, "the exec seal needs Linux 6.3 or later")
	if !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, ErrNotSupported) {
		t.Errorf("%v: want it to match errors.ErrUnsupported and ErrNotSupported", err)
	}
	for _, err := range []error{ErrClosed, ErrMissingSeals, opError("write", "x", syscall.EPERM, ""), closedError("read", "x")} {
		if errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%v matches errors.ErrUnsupported", err)
		}
	}
}
