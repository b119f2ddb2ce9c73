//go:build !linux

package memfile

// Exec is not available here: see exec_linux.go. FreeBSD's fexecve(2) runs
// only vnodes, and a shm object is not one.
func (m *MemFile) Exec(argv, envv []string) error {
	if err := m.incref("execveat"); err != nil {
		return err
	}
	m.decref()
	return unsupportedError("execveat", m.name, errNotSupportedErrno, "running a program from memory needs Linux 3.19+")
}
