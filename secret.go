package memfile

import "strconv"

// SecretLevel says how well a Secret's memory is hidden.
type SecretLevel uint8

const (
	// SecretMemory is memory from memfd_secret(2) (Linux 5.14+, enabled by
	// default since 6.5, before that only with secretmem.enable=1 on the
	// kernel command line; 386, amd64, arm64 and riscv64 here): removed
	// from the kernel's direct map, so not even the kernel (nor ptrace,
	// /proc/pid/mem, or a core dump) can read it, never swapped out.
	SecretMemory SecretLevel = iota + 1
	// SecretLocked is ordinary memory-file memory locked with mlock(2) (not
	// swapped out) and left out of core dumps with
	// madvise(MADV_DONTDUMP), and wiped on Close. The kernel and a
	// debugger can still read it.
	SecretLocked
)

// String returns "secret memory" or "locked memory".
func (l SecretLevel) String() string {
	switch l {
	case SecretMemory:
		return "secret memory"
	case SecretLocked:
		return "locked memory"
	}
	return "SecretLevel(" + strconv.Itoa(int(l)) + ")"
}

// Secret is memory for keys and passwords, made by NewSecret. Unlike a
// MemFile it offers only what works for every level: memory to use through
// Bytes and Close. Secret memory has no descriptor to read, write, seal or
// share (memfd_secret files refuse read(2), write(2) and seals, and map only
// MAP_SHARED); NewSecret closes the descriptor once the memory is mapped.
// Its memory counts against RLIMIT_MEMLOCK at every level, except that
// some kernels do not charge memfd_secret memory to it (seen: Debian's
// riscv64 6.12, which maps it without VM_LOCKED).
type Secret struct {
	mp    *Mapping
	level SecretLevel
}

// NewSecret returns size bytes of zeroed secret memory, at the best level
// that works, but never worse than weakest: NewSecret(n, SecretMemory)
// fails where memfd_secret does, NewSecret(n, SecretLocked) falls back to
// locked memory (memfd_create, ftruncate, mmap, mlock, madvise). Level
// reports what it got.
//
// Errors: EINVAL for a size ≤ 0 or an unknown level; an error matching
// ErrNotSupported when memfd_secret is missing (Linux before 5.14, not
// enabled, Android, FreeBSD and architectures without it) and weakest is
// SecretMemory; EAGAIN, ENOMEM or EPERM with a hint naming RLIMIT_MEMLOCK
// when the memory cannot be locked. When the fallback fails too, the error
// is the fallback's, and its message also gives memfd_secret's.
func NewSecret(size int, weakest SecretLevel) (*Secret, error) {
	if size <= 0 {
		return nil, opError("memfd_secret", "", errInvalid, "size "+strconv.Itoa(size)+" must be positive")
	}
	if weakest != SecretMemory && weakest != SecretLocked {
		return nil, opError("memfd_secret", "", errInvalid, "unknown level "+weakest.String())
	}
	mp, err := newSecretMemory(size)
	if err == nil {
		return &Secret{mp: mp, level: SecretMemory}, nil
	}
	if weakest == SecretMemory {
		return nil, err
	}
	mp, lerr := newLockedMemory(size)
	if lerr != nil {
		if e, ok := lerr.(*Error); ok {
			e.hint += "; before that " + err.Error()
		}
		return nil, lerr
	}
	return &Secret{mp: mp, level: SecretLocked}, nil
}

// Level reports how the memory is protected; 0 after Close.
func (s *Secret) Level() SecretLevel {
	if s == nil || s.mp.Bytes() == nil {
		return 0
	}
	return s.level
}

// Bytes returns the secret memory, or nil after Close. The slice must not be
// used after Close.
func (s *Secret) Bytes() []byte {
	if s == nil {
		return nil
	}
	return s.mp.Bytes()
}

// Close wipes the memory (SecretLocked; secret memory is wiped by the kernel
// when it is freed) and unmaps it with munmap(2). A second Close returns
// nil; so does Close of a nil *Secret.
func (s *Secret) Close() error {
	if s == nil {
		return nil
	}
	if s.level == SecretLocked {
		if b := s.mp.Bytes(); b != nil {
			for i := range b {
				b[i] = 0
			}
		}
	}
	return s.mp.Unmap()
}
