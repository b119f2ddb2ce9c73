package memfile

import "syscall"

// newSecretMemory makes SecretMemory: memfd_secret(2), ftruncate, mmap
// MAP_SHARED, close.
func newSecretMemory(size int) (*Mapping, error) {
	fd, e := sysMemfdSecret(_O_CLOEXEC)
	if e != 0 {
		switch e {
		case syscall.ENOSYS:
			return nil, unsupportedError("memfd_secret", "", e, secretMissing())
		case syscall.EMFILE, syscall.ENFILE:
			return nil, opError("memfd_secret", "", e, "out of file descriptors: close some or raise RLIMIT_NOFILE")
		}
		return nil, opError("memfd_secret", "", e, "")
	}
	return mapNewFile(fd, size, false)
}

// newLockedMemory makes SecretLocked: memfd_create, ftruncate, mmap
// MAP_SHARED, mlock, madvise(MADV_DONTDUMP), close.
func newLockedMemory(size int) (*Mapping, error) {
	name := [...]byte{'s', 'e', 'c', 'r', 'e', 't', 0}
	fd, e := memfdCreate(&name[0], _MFD_CLOEXEC)
	if e != 0 {
		return nil, createError("secret", &Options{}, e)
	}
	return mapNewFile(fd, size, true)
}

// mapNewFile sizes the new file fd, maps it shared and writable, for lock
// also locks it and leaves it out of core dumps, and closes fd. On failure
// nothing is left mapped or open.
func mapNewFile(fd, size int, lock bool) (*Mapping, error) {
	defer sysClose(fd)
	page := uintptr(syscall.Getpagesize())
	extent := roundUp(uintptr(size), page)
	if err := sysFtruncate(fd, int64(extent)); err != nil {
		return nil, opError("ftruncate", "", err, "")
	}
	addr, err := sysMmap(fd, 0, extent, _PROT_READ|_PROT_WRITE, _MAP_SHARED)
	if err != nil {
		hint := ""
		if err == errAgain || err == errNoMemory {
			hint = "secret memory counts against RLIMIT_MEMLOCK (ulimit -l): raise the limit or ask for less"
		}
		return nil, opError("mmap", "", err, hint)
	}
	mp := &Mapping{page: page, prot: _PROT_READ | _PROT_WRITE, shared: true}
	mp.setData(addr, size)
	if lock {
		if err := sysMlock(addr, extent, false); err != nil {
			sysMunmap(addr, extent)
			return nil, opError("mlock", "", err, lockHint(err))
		}
		if err := sysMadvise(addr, extent, _MADV_DONTDUMP); err != nil {
			sysMunmap(addr, extent)
			return nil, opError("madvise(MADV_DONTDUMP)", "", err, "")
		}
	}
	return mp, nil
}
