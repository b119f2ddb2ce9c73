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
)

// injectRule makes the next count calls of one system call fail with errno
// (count < 0: every call) and counts how often the call was attempted.
type injectRule struct {
	errno syscall.Errno
	count int
	calls int
}

// inject is consulted in front of every system call the package makes.
func inject(nr uintptr) syscall.Errno {
	injectMu.Lock()
	defer injectMu.Unlock()
	r := injectRules[nr]
	if r == nil {
		return 0
	}
	r.calls++
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
	injectMu.Lock()
	defer injectMu.Unlock()
	r := &injectRule{errno: errno, count: count}
	injectRules[nr] = r
	return func() int {
		injectMu.Lock()
		defer injectMu.Unlock()
		delete(injectRules, nr)
		return r.calls
	}
}

// countSyscall counts calls of nr without failing them.
func countSyscall(nr uintptr) (stop func() int) { return failSyscall(nr, 0, 0) }
