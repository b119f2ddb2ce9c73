//go:build linux

package memfile_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/memfile-go/memfile"
)

// io.Copy in and out of a memory file: ReadFrom fills it from a pipe with
// splice(2), WriteTo sends it on with sendfile(2); both honour the file
// offset as io.Copy expects.
func ExampleMemFile_WriteTo() {
	m, err := memfile.Create("copy", memfile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	m.WriteString("header|")
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { io.WriteString(w, "body from a pipe"); w.Close() }()
	n, err := io.Copy(m, r) // MemFile.ReadFrom: written at the offset, after "header|"
	r.Close()
	fmt.Println(n, err)

	m.Seek(int64(len("header|")), io.SeekStart)
	var out strings.Builder
	n, err = io.Copy(&out, m) // MemFile.WriteTo: from the offset to the end
	fmt.Println(n, err, out.String())
	// Output:
	// 16 <nil>
	// 16 <nil> body from a pipe
}

// A read-only descriptor of the same file, with its own offset, for a
// process that must not change it.
func ExampleMemFile_ReopenReadOnly() {
	m, err := memfile.Create("shared", memfile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	m.WriteString("read me")
	ro, err := m.ReopenReadOnly()
	if err != nil {
		fmt.Println(err) // e.g. ENOENT when /proc is not mounted
		return
	}
	defer ro.Close()
	b, _ := io.ReadAll(ro)
	fmt.Printf("%q\n", b)
	_, err = ro.Write([]byte("no"))
	fmt.Println("EBADF:", errors.Is(err, syscall.EBADF))
	fmt.Println("add seals EPERM:", errors.Is(ro.AddSeals(memfile.SealWrite), syscall.EPERM))
	// Output:
	// "read me"
	// EBADF: true
	// add seals EPERM: true
}

// Adopting the descriptor of an *os.File (any syscall.Conn) in one call; the
// *os.File keeps its own.
func ExampleFromSyscallConn() {
	m, err := memfile.Create("adopt", memfile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fd, _ := m.Release()
	f := os.NewFile(fd, "memfd")
	defer f.Close()
	f.WriteString("via os.File")

	a, err := memfile.FromSyscallConn(f, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	size, _ := a.Size()
	fmt.Println(size)

	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	_, err = memfile.FromSyscallConn(r, 0) // the duplicate is closed again
	fmt.Println("pipe refused, EINVAL:", errors.Is(err, syscall.EINVAL))
	// Output:
	// 11
	// pipe refused, EINVAL: true
}

// Exec replaces the process with the program in an executable memory file;
// if it returns, it failed. A file created with the default NoExec cannot
// run.
func ExampleMemFile_Exec() {
	m, err := memfile.Create("program", memfile.Options{}) // NoExec
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	err = m.Exec([]string{"program"}, os.Environ())
	fmt.Println(err)
	// Output:
	// memfile: execveat "program": permission denied (the file has no execute permission: create it with Options{Exec: memfile.Executable})
}
