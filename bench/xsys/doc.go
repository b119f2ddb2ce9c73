// Package xsys holds benchmarks that compare memfile with the same system
// calls made through golang.org/x/sys/unix and straight through
// syscall.Syscall. It is a module of its own so that the library itself
// keeps no dependency; scripts/bench.sh runs it (see xsys_test.go).
package xsys
