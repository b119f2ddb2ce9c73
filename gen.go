// The zsysnum_*.go, zconst_linux.go and zsysnum_*_test.go files are written
// by ./gen from the kernel headers and gen/freebsd.txt; see gen/README.md.

package memfile

//go:generate go run ./gen
