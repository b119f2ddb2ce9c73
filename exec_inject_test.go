//go:build linux && memfile_inject

package memfile

import (
	"os"
	"syscall"
)

// InjectBuild tells the external tests that errno injection is compiled in.
const InjectBuild = true

// A child started with MEMFILE_INJECT_EXECVEAT=ENOSYS sees a kernel without
// execveat, so Exec must take its /proc/self/fd fallback.
func init() {
	if os.Getenv("MEMFILE_INJECT_EXECVEAT") == "ENOSYS" {
		failSyscall(_SYS_EXECVEAT, syscall.ENOSYS, -1)
	}
}
