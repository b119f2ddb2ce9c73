package memfile

import (
	"runtime"
	"syscall"
)

// Exec replaces the current process with the program in the file, as
// syscall.Exec does with a path: on success it does not return. argv[0] is
// the name the program sees; envv is its environment (os.Environ() to pass
// this one on). It needs no /proc: it calls execveat(fd, "", argv, envv,
// AT_EMPTY_PATH) (Linux 3.19+, every architecture). Where the kernel answers
// ENOSYS (older kernels, or a seccomp filter that does not know the call) it
// falls back to execve("/proc/self/fd/N"), which needs /proc.
//
// The file must be executable: created with Options{Exec: Executable} (or
// fchmod'ed on kernels before 6.3). SealExec on such a file fixes its mode
// for good, and the kernel then adds SealShrink, SealGrow, SealWrite and
// SealFutureWrite with it (W^X: a sealed executable can never be changed);
// SealImmutable|SealExec makes a file that can be checked once and then run.
//
// A "#!" script works only if the descriptor survives the exec, because the
// kernel passes the interpreter the path /dev/fd/N: create it with
// InheritOnExec (close-on-exec off), and the system needs /dev/fd (a link to
// /proc/self/fd); with close-on-exec on, execveat fails with ENOENT. The
// interpreter then inherits the descriptor.
//
// To start a child process from a memory file rather than replace this one,
// do not name the parent's descriptor in exec.Command("/proc/self/fd/N"):
// os/exec rearranges descriptors in the child before it executes the path,
// so N may by then be another file or closed (golang/go#61751). Pass the file
// as the first of cmd.ExtraFiles and run "/proc/self/fd/3", which is resolved
// after the rearranging (the program then has descriptor 3 open); or use
// syscall.ForkExec with the file in ProcAttr.Files at a known slot.
//
// Errors, checked first: EINVAL for an empty argv or a NUL byte in argv or
// envv; ErrClosed; EACCES (with a hint) when fstat(2) shows no execute
// permission. From the kernel: EACCES (e.g. vm.memfd_noexec or a security
// module), ENOEXEC for a file that is not a program for this machine, E2BIG,
// ENOMEM; ENOENT for a close-on-exec script; ENOENT from execve, with a hint
// naming both, when the kernel has no execveat and /proc is not mounted
// either. Android: only
// execve("/proc/self/fd/N") (Android always mounts /proc): current bionic
// lists execveat in SYSCALLS.TXT, from which the app seccomp filter is
// built, but older releases may not, and that filter kills the process with
// SIGSYS instead of answering ENOSYS; SELinux policy may refuse the exec
// (EACCES). Other systems: an error matching ErrNotSupported.
func (m *MemFile) Exec(argv, envv []string) error {
	const op = "execveat"
	if len(argv) == 0 {
		return opError(op, m.name, errInvalid, "empty argv: pass at least the program name as argv[0]")
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return opError(op, m.name, err, "argv contains a NUL byte")
	}
	envvp, err := syscall.SlicePtrFromStrings(envv)
	if err != nil {
		return opError(op, m.name, err, "envv contains a NUL byte")
	}
	if err := m.incref(op); err != nil {
		return err
	}
	defer m.decref()
	st, err := sysFstat(m.fd)
	if err != nil {
		return opError(fstatOp, m.name, err, "")
	}
	if st.mode&0111 == 0 {
		return opError(op, m.name, syscall.EACCES, noExecHint)
	}
	if e := sysExecveat(m.fd, argvp, envvp); e != syscall.ENOSYS {
		return opError(op, m.name, e, execHint(e))
	}
	// No execveat: the path of the descriptor in /proc.
	var buf [32]byte
	procFdPath(&buf, m.fd)
	path := string(buf[:cLen(&buf)])
	err = syscall.Exec(path, argv, envv)
	if err == syscall.ENOENT {
		why := "the kernel has no execveat (Linux 3.19+, or a seccomp filter refuses it) and "
		if runtime.GOOS == "android" {
			why = "on Android Exec goes through /proc, and "
		}
		return opError("execve", m.name, err, why+path+" does not exist: /proc is not mounted")
	}
	return opError("execve", m.name, err, execHint(err))
}

const noExecHint = "the file has no execute permission: create it with Options{Exec: memfile.Executable}"

func execHint(err error) string {
	switch err {
	case syscall.EACCES:
		return noExecHint + ", and check vm.memfd_noexec and security modules"
	case syscall.ENOENT:
		return "a #! script needs its descriptor to survive the exec: create it with InheritOnExec, and /dev/fd must exist"
	case syscall.ENOEXEC:
		return "the file is not a program this machine can run"
	}
	return ""
}
