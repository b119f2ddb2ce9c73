//go:build linux && !memfile_inject

package memfile

// InjectBuild tells the external tests that errno injection is not
// compiled in (see exec_inject_test.go).
const InjectBuild = false
