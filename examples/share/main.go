// Command share shows two processes sharing memory safely with package
// memfile (Linux, Android, FreeBSD 13+):
//
//	go run ./examples/share
//
// The parent creates a memory file, writes a payload into it and seals it
// against writing, shrinking, growing and further sealing. It starts a copy
// of itself as the child and sends the file's descriptor to it over a Unix
// socket pair (SCM_RIGHTS, through a net.UnixConn). The child accepts the
// descriptor only if the file carries those seals, maps it read-only with
// MapSealed (which could not fault even if the parent misbehaved), checks the
// SHA-256 the parent sent along, and shows that it can neither write nor
// shrink the file. Both print what they do.
//
// The child is this program again, selected by the environment variable
// MEMFILE_SHARE_EXAMPLE_CHILD=1, with its end of the socket as descriptor 3.
// Under qemu-user without binfmt_misc, set MEMFILE_TEST_EXEC to the emulator
// (for example qemu-aarch64-static) so that the child is started through it.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"github.com/memfile-go/memfile"
)

const childEnv = "MEMFILE_SHARE_EXAMPLE_CHILD"

// seals are what the parent adds and what the child demands.
const seals = memfile.SealImmutable // seal|shrink|grow|write

func main() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(child(os.Stdout, os.NewFile(3, "socket")))
	}
	self, err := selfCommand()
	if err != nil {
		fmt.Fprintln(os.Stderr, "share:", err)
		os.Exit(1)
	}
	os.Exit(parent(os.Stdout, self))
}

// selfCommand returns the command line that runs this program again: its
// own executable, behind the emulator named by MEMFILE_TEST_EXEC if set.
func selfCommand() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return append(strings.Fields(os.Getenv("MEMFILE_TEST_EXEC")), exe), nil
}

// payload returns the bytes the parent shares: 64 KiB of numbered lines.
func payload() []byte {
	var b bytes.Buffer
	for i := 1; b.Len() < 64<<10; i++ {
		fmt.Fprintf(&b, "line %5d of a payload shared through a sealed memory file\n", i)
	}
	return b.Bytes()[:64<<10]
}

// parent shares the payload with a child started from the command line self
// and returns the exit status.
func parent(w io.Writer, self []string) int {
	// The child's output goes to w too, copied by os/exec while we write.
	w = &lockedWriter{w: w}
	say := func(format string, args ...interface{}) { fmt.Fprintf(w, "parent: "+format+"\n", args...) }
	fail := func(what string, err error) int { say("%s: %v", what, err); return 1 }

	data := payload()
	sum := sha256.Sum256(data)
	file, err := memfile.CreateSealable("share-example")
	if err != nil {
		return fail("creating the memory file", err)
	}
	defer file.Close()
	if _, err := file.WriteAt(data, 0); err != nil {
		return fail("writing", err)
	}
	say("wrote %d bytes to memory file %q, sha256 %.8x…", len(data), file.Name(), sum)
	if err := file.AddSeals(seals); err != nil {
		return fail("sealing", err)
	}
	got, _ := file.Seals()
	say("sealed it: %v", got)

	// A connected pair of Unix stream sockets: one end for us, one for the
	// child, which gets it as descriptor 3.
	ours, theirs, err := socketPair()
	if err != nil {
		return fail("socketpair", err)
	}
	fc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		theirs.Close()
		return fail("net.FileConn", err)
	}
	conn := fc.(*net.UnixConn)
	defer conn.Close()

	cmd := exec.Command(self[0], self[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdout, cmd.Stderr = w, w
	cmd.ExtraFiles = []*os.File{theirs}
	err = cmd.Start()
	theirs.Close() // the child has its own copy
	if err != nil {
		return fail("starting the child", err)
	}
	say("started child %d; sending it the descriptor and the checksum", cmd.Process.Pid)

	// SendConn holds the file for the call: its descriptor cannot be
	// closed or reused under the send, and the connection's poller waits
	// if the socket is full.
	msg := "sha256:" + hex.EncodeToString(sum[:])
	if err := memfile.SendConn(conn, []byte(msg), file); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fail("sending", err)
	}
	if err := cmd.Wait(); err != nil {
		return fail("child", err)
	}
	size, _ := file.Size()
	say("child is done; the file is unchanged: %d bytes, seals %v", size, got)
	return 0
}

// child receives the file on sock, checks it and reports; it returns the
// exit status.
func child(w io.Writer, sock *os.File) int {
	say := func(format string, args ...interface{}) { fmt.Fprintf(w, "child:  "+format+"\n", args...) }
	fail := func(what string, err error) int { say("%s: %v", what, err); return 1 }

	fc, err := net.FileConn(sock)
	sock.Close()
	if err != nil {
		return fail("net.FileConn", err)
	}
	conn := fc.(*net.UnixConn)
	defer conn.Close()

	// Exactly one file, carrying every seal we rely on, no larger than we
	// are willing to map, and fully allocated (reading it cannot allocate
	// memory; checked on Linux only), or an error (and then whatever
	// arrived has been closed).
	buf := make([]byte, 128)
	n, files, err := memfile.ReceiveConn(conn, buf, 1, memfile.AdoptOptions{
		Seals:          seals,
		MaxSize:        16 << 20,
		FullyAllocated: runtime.GOOS != "freebsd",
	})
	if err != nil {
		return fail("refused what arrived", err)
	}
	file := files[0]
	defer file.Close()
	got, _ := file.Seals()
	say("received a memory file with seals %v (demanded %v)", got, seals)

	size, err := file.Size()
	if err != nil {
		return fail("size", err)
	}
	view, err := file.MapSealed(0, int(size), memfile.SealWrite)
	if err != nil {
		return fail("mapping", err)
	}
	defer view.Unmap()
	sum := sha256.Sum256(view.Bytes())
	want := strings.TrimPrefix(string(buf[:n]), "sha256:")
	if hex.EncodeToString(sum[:]) != want {
		say("mapped %d bytes read-only, but the sha256 is %x, not %s", size, sum, want)
		return 1
	}
	first := view.Bytes()[:bytes.IndexByte(view.Bytes(), '\n')]
	say("mapped %d bytes read-only; sha256 matches the parent's (%.8x…)", size, sum)
	say("first line: %q", first)

	refused := true
	try := func(what string, err error) {
		if errors.Is(err, fs.ErrPermission) { // EPERM
			say("%s refused: %v", what, err)
		} else {
			say("%s was NOT refused: %v", what, err)
			refused = false
		}
	}
	_, err = file.WriteAt([]byte("overwritten"), 0)
	try("write", err)
	try("truncate", file.Truncate(0))
	if m, err := file.Map(0, int(size), memfile.MapReadWrite); err == nil {
		m.Unmap()
		try("writable mapping", nil)
	} else {
		try("writable mapping", err)
	}
	if !refused {
		return 1
	}
	return 0
}

// lockedWriter serialises the writes of the parent and of the goroutine
// os/exec runs to copy the child's output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
