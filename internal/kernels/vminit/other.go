//go:build !linux

package main

import (
	"fmt"
	"os"
)

// vminit only makes sense as /init of a Linux guest.
func main() {
	fmt.Fprintln(os.Stderr, "vminit: runs only as /init of a Linux guest (see internal/kernels)")
	os.Exit(2)
}
