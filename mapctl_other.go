//go:build !linux && !freebsd

package memfile

// No Mapping can exist here (Map is not defined and MapSealed fails), so
// every control fails as for an unmapped Mapping, or says it is not
// supported.

func (mp *Mapping) Advise(offset, length int, advice Advice) error {
	return unsupportedError("madvise", "", ErrNotSupported, "")
}

func (mp *Mapping) Populate(write bool) (Populated, error) {
	return 0, unsupportedError("madvise", "", ErrNotSupported, "")
}

func (mp *Mapping) Lock(onFault bool) error {
	return unsupportedError("mlock", "", ErrNotSupported, "")
}

func (mp *Mapping) Unlock() error { return unsupportedError("munlock", "", ErrNotSupported, "") }

func (mp *Mapping) Protect(mode MapMode) error {
	return unsupportedError("mprotect", "", ErrNotSupported, "")
}

func (mp *Mapping) Remap(length int) error {
	return unsupportedError("mremap", "", ErrNotSupported, "")
}

const writeSeals = "write"

func (m *MemFile) checkFaultProof(have Seals) (bool, error) { return false, ErrNotSupported }

func (mp *Mapping) populateRead() error { return ErrNotSupported }
