//go:build (linux || freebsd) && !memfile_inject

package memfile

import "syscall"

// injecting is false in every normal build, so each `if e := inject(nr)`
// guard in front of a system call is removed by the compiler: the seam costs
// nothing. Tests built with -tags memfile_inject get inject_on.go instead,
// which lets them make any call fail with a chosen errno.
const injecting = false

// inject reports the errno a test wants the system call nr to fail with, or 0.
func inject(nr uintptr) syscall.Errno { return 0 }
