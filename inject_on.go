//go:build (linux || freebsd) && memfile_inject

package memfile

import (
	"sync"
	"syscall"
)

// The errno-injection seam, built only with -tags memfile_inject (tests).

const injecting = true

var (
	injectMu    sync.Mutex
	injectRules = map[uintptr]*injectRule{}
	injectTrace *[]uintptr // when non-nil, every consulted nr is appended
)

// injectRule makes count calls of one system call fail with errno (count < 0:
// every call), after letting the first skip calls through, and counts how
// often the call was attempted.
type injectRule struct {
	errno syscall.Errno
	skip  int
	count int
	calls int
}

// inject is consulted in front of every system call the package makes.
func inject(nr uintptr) syscall.Errno {
	injectMu.Lock()
	defer injectMu.Unlock()
	if injectTrace != nil {
		*injectTrace = append(*injectTrace, nr)
	}
	r := injectRules[nr]
	if r == nil {
		return 0
	}
	r.calls++
	if r.skip > 0 {
		r.skip--
		return 0
	}
	if r.count == 0 {
		return 0
	}
	if r.count > 0 {
		r.count--
	}
	return r.errno
}

// failSyscall makes the next count calls of system call nr fail with errno
// (count < 0: all of them) until the returned function is called, which
// removes the rule and returns how many times the call was attempted.
func failSyscall(nr uintptr, errno syscall.Errno, count int) (stop func() int) {
	return failSyscallNth(nr, errno, 1, count)
}

// failSyscallNth is failSyscall that lets the first n-1 calls of nr through
// and fails the n-th and the count-1 after it (count < 0: every call from the
// n-th on).
func failSyscallNth(nr uintptr, errno syscall.Errno, n, count int) (stop func() int) {
	injectMu.Lock()
	defer injectMu.Unlock()
	r := &injectRule{errno: errno, skip: n - 1, count: count}
	injectRules[nr] = r
	return func() int {
		injectMu.Lock()
		defer injectMu.Unlock()
		if injectRules[nr] == r {
			delete(injectRules, nr)
		}
		return r.calls
	}
}

// countSyscall counts calls of nr without failing them.
func countSyscall(nr uintptr) (stop func() int) { return failSyscall(nr, 0, 0) }

// traceSyscalls records the number of every system call the package is about
// to make, in order, until the returned function is called; it returns them.
// Tests use it to learn which call a function makes on this GOARCH (mmap,
// mmap2 or old_mmap; fstat, fstat64 or statx) without per-arch tables.
func traceSyscalls() (stop func() []uintptr) {
	injectMu.Lock()
	defer injectMu.Unlock()
	trace := []uintptr{}
	injectTrace = &trace
	return func() []uintptr {
		injectMu.Lock()
		defer injectMu.Unlock()
		injectTrace = nil
		return trace
	}
}
