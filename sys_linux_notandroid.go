//go:build linux && !android

package memfile

// permissionHint explains EPERM or EACCES from memfd_create. Container
// runtimes answer EPERM for system calls their seccomp profile does not allow.
const permissionHint = "a seccomp filter or container policy forbids memfd_create"
