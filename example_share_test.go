//go:build linux && !(android && cgo)

package memfile_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/memfile-go/memfile"
)

// Sending a sealed memory file over a Unix socket with SendConn, and
// receiving it with ReceiveConn and the safe receiving recipe: the seals
// the receiver relies on, a size limit, full allocation. The two ends are
// in one process here; across processes the code is the same.
func ExampleSendConn() {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		panic(err)
	}
	conn := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "sock")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			panic(err)
		}
		return c.(*net.UnixConn)
	}
	sender, receiver := conn(fds[0]), conn(fds[1])
	defer sender.Close()
	defer receiver.Close()

	// Sender: write, seal, send. The file stays the sender's.
	file, err := memfile.CreateSealable("greeting")
	if err != nil {
		panic(err)
	}
	defer file.Close()
	file.Write([]byte("hello through a sealed memory file"))
	if err := file.AddSeals(memfile.SealImmutable); err != nil {
		panic(err)
	}
	if err := memfile.SendConn(sender, []byte("one file"), file); err != nil {
		panic(err)
	}

	// Receiver: exactly one file, or an error and nothing left open.
	buf := make([]byte, 64)
	n, files, err := memfile.ReceiveConn(receiver, buf, 1, memfile.AdoptOptions{
		Seals:          memfile.SealImmutable,
		MaxSize:        1 << 20,
		FullyAllocated: true,
	})
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	got := files[0]
	defer got.Close()
	size, _ := got.Size()
	view, err := got.MapSealed(0, int(size), memfile.SealWrite)
	if err != nil {
		panic(err)
	}
	defer view.Unmap()
	fmt.Printf("message %q, %d bytes: %s\n", buf[:n], size, view.Bytes())
	// Output: message "one file", 34 bytes: hello through a sealed memory file
}

// Handing a memory file to a child process as descriptor 3. Dup shares the
// file offset with the original: after Write it is at the end, and a child
// that reads from its offset (here cat <&3) would read nothing. Seek back
// first, or have the child use ReadAt/Map, which take no offset.
func ExampleMemFile_Dup_child() {
	file, err := memfile.Create("for-the-child", memfile.Options{})
	if err != nil {
		panic(err)
	}
	defer file.Close()
	file.Write([]byte("hello from the parent\n"))
	file.Seek(0, io.SeekStart) // the child's descriptor shares this offset

	dup, err := file.Dup()
	if err != nil {
		panic(err)
	}
	fd, _ := dup.Release()
	f := os.NewFile(fd, "for-the-child") // f owns the duplicate now
	// The child copies descriptor 3 to its output, as `sh -c 'cat <&3'`
	// would on a machine with a shell.
	cmd := exampleChild("cat3")
	cmd.ExtraFiles = []*os.File{f} // descriptor 3 in the child
	cmd.Stdout = os.Stdout
	err = cmd.Start()
	f.Close() // the child has its own copy; ours is no longer needed
	if err != nil {
		panic(err)
	}
	cmd.Wait()
	// Output: hello from the parent
}

// Receiving on a raw socket descriptor, demanding the seals the receiver
// relies on: a pipe, an unsealed file, or the wrong number of descriptors
// is refused, and everything that arrived is closed.
func ExampleReceiveFiles() {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		panic(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])

	unsealed, err := memfile.CreateSealable("unsealed")
	if err != nil {
		panic(err)
	}
	defer unsealed.Close()
	if err := memfile.SendFiles(fds[0], []byte("x"), unsealed); err != nil {
		panic(err)
	}
	_, _, err = memfile.ReceiveFiles(fds[1], make([]byte, 8), 1, memfile.SealImmutable)
	fmt.Println(errors.Is(err, memfile.ErrMissingSeals))
	// Output: true
}
