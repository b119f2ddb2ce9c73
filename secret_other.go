//go:build !linux

package memfile

func newSecretMemory(size int) (*Mapping, error) {
	return nil, unsupportedError("memfd_secret", "", ErrNotSupported, "secret memory needs Linux 5.14 or later")
}

func newLockedMemory(size int) (*Mapping, error) {
	return nil, unsupportedError("mlock", "", ErrNotSupported, "locked secret memory is implemented on Linux only")
}
