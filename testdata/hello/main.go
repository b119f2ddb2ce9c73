// Command hello is the static program the tests run from a memory file
// (exec_program_test.go): it prints its arguments and whether descriptor 3
// is open.
package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

func main() {
	var st syscall.Stat_t
	fd3 := syscall.Fstat(3, &st) == nil
	fmt.Printf("hello: %s (fd 3 open: %v)\n", strings.Join(os.Args, " "), fd3)
}
