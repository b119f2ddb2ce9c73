package memfile

// What differs on Android. The Linux code runs unchanged, and on purpose it
// makes only system calls that the app seccomp filter allows since Android 8
// (memfd_create, fcntl, fstat/fstat64, mmap/mmap2, ftruncate, pread64/
// pwrite64, lseek/_llseek, fchmod, close): a call outside the allowlist kills
// the process with SIGSYS, so statx is never used on Android (every Android
// GOARCH takes sizes from fstat). What remains is the advice in errors.

// permissionHint explains EPERM or EACCES from memfd_create.
const permissionHint = "an SELinux policy or the app seccomp filter forbids memfd_create on this device"
