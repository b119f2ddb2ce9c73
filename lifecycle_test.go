//go:build linux

package memfile_test

// The MemFile lifecycle (issue 9 items 2, 3 and 11; issue 13's closed-file
// errors): Close never waits, calls after it fail at once with an *Error
// that matches ErrClosed and fs.ErrClosed, the descriptor is closed by the
// last call in flight, no order of calls deadlocks, and zero and nil
// MemFiles are closed files that never touch descriptor 0. Every test that
// could hang is bounded in time and fails with a dump of all goroutines.

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memfile-go/memfile"
)

// wantClosed checks that err is the error of call op on a closed file: an
// *Error naming op (any op if op is "", none checked if op is "-": Map and
// SendFiles are other files' code), matching memfile.ErrClosed,
// fs.ErrClosed and os.ErrClosed, whose text says "file already closed" once
// and "memfile:" once.
func wantClosed(t testing.TB, what string, err error, op string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: nil error, want ErrClosed", what)
		return
	}
	if !errors.Is(err, memfile.ErrClosed) || !errors.Is(err, fs.ErrClosed) || !errors.Is(err, os.ErrClosed) {
		t.Errorf("%s: %v; want it to match memfile.ErrClosed, fs.ErrClosed and os.ErrClosed", what, err)
	}
	var e *memfile.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: %v is a %T, want *memfile.Error", what, err, err)
		return
	}
	if op != "-" && (e.Op == "" || op != "" && e.Op != op) {
		t.Errorf("%s: Op = %q, want %q", what, e.Op, op)
	}
	if s := err.Error(); op != "-" && strings.Count(s, "memfile:") != 1 || strings.Count(s, "file already closed") != 1 {
		t.Errorf("%s: message %q, want one \"memfile:\" and one \"file already closed\"", what, s)
	}
}

// watchdog fails the test with a dump of every goroutine if done is not
// closed within d.
func watchdog(t *testing.T, what string, d time.Duration, done <-chan struct{}) bool {
	t.Helper()
	select {
	case <-done:
		return true
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%s did not finish within %v; all goroutines:\n%s", what, d, buf)
		return false
	}
}

// drain reads messages from sock until it fails, closing every descriptor
// that arrives, and then closes done.
func drainSocket(sock int, done chan<- struct{}) {
	defer close(done)
	buf, oob := make([]byte, 64<<10), make([]byte, syscall.CmsgSpace(253*4)) // room for every descriptor a message can carry
	for {
		n, oobn, _, _, err := syscall.Recvmsg(sock, buf, oob, syscall.MSG_CMSG_CLOEXEC)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n == 0 && oobn == 0 {
			return
		}
		msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
		for _, m := range msgs {
			fds, _ := syscall.ParseUnixRights(&m)
			for _, fd := range fds {
				syscall.Close(fd)
			}
		}
	}
}

// fdTarget returns what descriptor fd refers to, or "" if it is not open.
func fdTarget(fd uintptr) string {
	s, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(fd)))
	return s
}

// TestSendFilesCloseNoDeadlock is issue 9 item 2: SendFiles(f, g) and
// SendFiles(g, f) racing with f.Close and g.Close deadlocked after some
// thousands of rounds under the old read-write lock (readers queued behind a
// waiting Close). With incref never blocking, every round must finish.
func TestSendFilesCloseNoDeadlock(t *testing.T) {
	checkNoFdLeak(t)
	rounds := 3000
	if testing.Short() {
		rounds = 500
	}
	// More Ps than CPUs: the kernel then preempts threads mid-call, so
	// all four goroutines of a round are in flight together even on a
	// machine with two cores.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	a, b := socketPair(t)
	drained := make(chan struct{})
	go drainSocket(b, drained)
	data := []byte("x")
	// Fillers between f and g widen the window between the two files'
	// increfs, where the old lock deadlocked (a send holding one file's
	// read lock, waiting for the other's behind a pending Close).
	fillers := make([]*memfile.MemFile, 100)
	for i := range fillers {
		fillers[i] = mustCreate(t, "lc-filler", memfile.Options{})
	}
	finished := make(chan struct{})
	var sent, closedSeen, failures int
	var mu sync.Mutex
	go func() {
		defer close(finished)
		for r := 0; r < rounds; r++ {
			f, err := memfile.Create("lc-f", memfile.Options{})
			if err != nil {
				t.Error(err)
				return
			}
			g, err := memfile.Create("lc-g", memfile.Options{})
			if err != nil {
				f.Close()
				t.Error(err)
				return
			}
			// The closers yield first, a number of times that varies from
			// round to round, so that every interleaving occurs: both
			// sends first, both closes first, and all mixes.
			var wg sync.WaitGroup
			start := make(chan struct{})
			send := func(x, y *memfile.MemFile) {
				defer wg.Done()
				<-start
				files := append(append([]*memfile.MemFile{x}, fillers...), y)
				err := memfile.SendFiles(a, data, files...)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					sent++
				case errors.Is(err, memfile.ErrClosed):
					closedSeen++
				default:
					if failures++; failures == 1 {
						t.Errorf("round %d: SendFiles: %v", r, err)
					}
				}
			}
			closeIt := func(x *memfile.MemFile, yields int) {
				defer wg.Done()
				<-start
				for i := 0; i < yields; i++ {
					runtime.Gosched()
				}
				if err := x.Close(); err != nil {
					t.Errorf("round %d: Close: %v", r, err)
				}
			}
			wg.Add(4)
			go send(f, g)
			go send(g, f)
			go closeIt(f, r%7)
			go closeIt(g, r*5%11)
			close(start)
			wg.Wait()
		}
	}()
	if !watchdog(t, strconv.Itoa(rounds)+" rounds of SendFiles(f,g) || SendFiles(g,f) || f.Close || g.Close", 60*time.Second, finished) {
		return
	}
	syscall.Shutdown(a, syscall.SHUT_WR)
	watchdog(t, "the draining reader", 10*time.Second, drained)
	t.Logf("%d rounds: %d sends succeeded, %d saw ErrClosed", rounds, sent, closedSeen)
}

// blockedSend starts SendFiles(a, payload, files...) on a blocking socket
// whose peer does not read, with a payload larger than the socket buffers,
// and waits until the call is blocked in sendmsg. It returns the channel
// that receives SendFiles's error.
func blockedSend(t *testing.T, a int, files ...*memfile.MemFile) <-chan error {
	t.Helper()
	if err := syscall.SetsockoptInt(a, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096); err != nil {
		t.Fatalf("SO_SNDBUF: %v", err)
	}
	payload := make([]byte, 4<<20)
	res := make(chan error, 1)
	go func() { res <- memfile.SendFiles(a, payload, files...) }()
	// Wait until it is blocked: the call is in flight for a while.
	select {
	case err := <-res:
		t.Fatalf("SendFiles of 4 MiB to a peer that does not read returned at once: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	return res
}

// TestCloseDuringBlockedSendFiles is issue 9 item 3: with SendFiles blocked
// in sendmsg on a file, Close and every other method return at once (Close
// with nil, the others with ErrClosed); the descriptor stays open under
// the blocked call and is closed as soon as that call returns.
func TestCloseDuringBlockedSendFiles(t *testing.T) {
	for _, unblock := range []string{"peer-shuts-down", "peer-reads"} {
		t.Run(unblock, func(t *testing.T) { closeDuringBlockedSend(t, unblock) })
	}
}

func closeDuringBlockedSend(t *testing.T, unblock string) {
	checkNoFdLeak(t)
	a, b := socketPair(t)
	f := mustCreate(t, "lc-blocked", memfile.Options{AllowSealing: true})
	fd := f.Fd()
	res := blockedSend(t, a, f)

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f.Close(); err != nil {
			t.Errorf("Close during a blocked SendFiles = %v, want nil", err)
		}
		wantClosed(t, "second Close", f.Close(), "close")
		if got := f.Fd(); got != ^uintptr(0) {
			t.Errorf("Fd after Close = %d, want ^uintptr(0)", got)
		}
		_, err := f.Size()
		wantClosed(t, "Size", err, "")
		_, err = f.Seals()
		wantClosed(t, "Seals", err, "fcntl(F_GET_SEALS)")
		wantClosed(t, "AddSeals", f.AddSeals(memfile.SealGrow), "fcntl(F_ADD_SEALS)")
		_, err = f.Read(make([]byte, 1))
		wantClosed(t, "Read", err, "read")
		_, err = f.Write([]byte{1})
		wantClosed(t, "Write", err, "write")
		_, err = f.ReadAt(make([]byte, 1), 0)
		wantClosed(t, "ReadAt", err, "pread")
		_, err = f.WriteAt([]byte{1}, 0)
		wantClosed(t, "WriteAt", err, "pwrite")
		_, err = f.Seek(0, 0)
		wantClosed(t, "Seek", err, "lseek")
		wantClosed(t, "Truncate", f.Truncate(1), "ftruncate")
		_, err = f.Dup()
		wantClosed(t, "Dup", err, "fcntl(F_DUPFD_CLOEXEC)")
		_, err = f.Map(0, 1, memfile.MapReadOnly)
		wantClosed(t, "Map", err, "-")
		_, err = f.Release()
		wantClosed(t, "Release", err, "release")
		wantClosed(t, "SendFiles", memfile.SendFiles(b, []byte("x"), f), "-")
	}()
	if !watchdog(t, "Close and the other methods during a blocked SendFiles", 5*time.Second, done) {
		syscall.Shutdown(a, syscall.SHUT_RDWR)
		return
	}
	if target := fdTarget(fd); !strings.Contains(target, "memfd:lc-blocked") {
		t.Errorf("descriptor %d is %q while SendFiles still uses it, want the memfd kept open", fd, target)
	}
	// Unblock the send: the peer goes away, or reads everything.
	drained := make(chan struct{})
	if unblock == "peer-reads" {
		go drainSocket(b, drained)
	} else {
		syscall.Shutdown(b, syscall.SHUT_RDWR)
		close(drained)
	}
	sent := make(chan struct{})
	var sendErr error
	go func() { sendErr = <-res; close(sent) }()
	if !watchdog(t, "SendFiles after the "+unblock, 10*time.Second, sent) {
		syscall.Shutdown(a, syscall.SHUT_RDWR)
		return
	}
	if unblock == "peer-reads" {
		if sendErr != nil {
			t.Errorf("SendFiles to a reading peer: %v", sendErr)
		}
		syscall.Shutdown(a, syscall.SHUT_WR)
		watchdog(t, "the draining reader", 10*time.Second, drained)
	}
	t.Logf("SendFiles after the %s: %v", unblock, sendErr)
	if target := fdTarget(fd); strings.Contains(target, "memfd:lc-blocked") {
		t.Errorf("descriptor %d is still the memfd (%q) after the last call returned", fd, target)
	}
}

// TestReleaseDuringBlockedSendFiles: Release never hands out a descriptor a
// call in flight still uses. It fails with EBUSY and leaves the file open
// and usable; once the call has returned, Release succeeds.
func TestReleaseDuringBlockedSendFiles(t *testing.T) {
	checkNoFdLeak(t)
	a, b := socketPair(t)
	f := mustCreate(t, "lc-release", memfile.Options{})
	res := blockedSend(t, a, f)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fd, err := f.Release()
		var e *memfile.Error
		if !errors.Is(err, syscall.EBUSY) || !errors.As(err, &e) || e.Op != "release" || fd != ^uintptr(0) {
			t.Errorf("Release during a blocked SendFiles = %d, %v; want ^uintptr(0) and EBUSY naming release", fd, err)
		}
		if _, err := f.Size(); err != nil {
			t.Errorf("Size after the refused Release: %v", err)
		}
	}()
	if !watchdog(t, "Release during a blocked SendFiles", 5*time.Second, done) {
		syscall.Shutdown(a, syscall.SHUT_RDWR)
		return
	}
	syscall.Shutdown(b, syscall.SHUT_RDWR)
	sent := make(chan struct{})
	go func() { <-res; close(sent) }()
	if !watchdog(t, "SendFiles after the peer shut down", 5*time.Second, sent) {
		return
	}
	fd, err := f.Release()
	if err != nil {
		t.Fatalf("Release after the call returned: %v", err)
	}
	if target := fdTarget(fd); !strings.Contains(target, "memfd:lc-release") {
		t.Errorf("released descriptor %d is %q, want the memfd", fd, target)
	}
	syscall.Close(int(fd))
}

// TestZeroAndNilMemFile is issue 9 item 11 for MemFile: the zero value and a
// nil pointer are closed files. No method panics or touches descriptor 0.
func TestZeroAndNilMemFile(t *testing.T) {
	// Put a memfd at descriptor 0 for the test, so any use of it shows.
	sentinel := mustCreate(t, "lc-fd0", memfile.Options{})
	saved, err := syscall.Dup(0)
	if err != nil {
		t.Fatalf("dup(0): %v", err)
	}
	if err := syscall.Dup3(int(sentinel.Fd()), 0, 0); err != nil {
		t.Fatalf("dup3 onto 0: %v", err)
	}
	defer func() {
		syscall.Dup3(saved, 0, 0)
		syscall.Close(saved)
	}()

	var z memfile.MemFile
	var np *memfile.MemFile
	for _, c := range []struct {
		name string
		m    *memfile.MemFile
	}{{"zero", &z}, {"nil", np}} {
		m := c.m
		if got := m.Fd(); got != ^uintptr(0) {
			t.Errorf("%s: Fd = %d, want ^uintptr(0)", c.name, got)
		}
		if got := m.Name(); got != "" {
			t.Errorf("%s: Name = %q", c.name, got)
		}
		_, err := m.Write([]byte("must not reach fd 0"))
		wantClosed(t, c.name+" Write", err, "write")
		_, err = m.WriteAt([]byte("x"), 0)
		wantClosed(t, c.name+" WriteAt", err, "pwrite")
		_, err = m.Read(make([]byte, 1))
		wantClosed(t, c.name+" Read", err, "read")
		_, err = m.ReadAt(make([]byte, 1), 0)
		wantClosed(t, c.name+" ReadAt", err, "pread")
		_, err = m.Seek(0, 0)
		wantClosed(t, c.name+" Seek", err, "lseek")
		_, err = m.Size()
		wantClosed(t, c.name+" Size", err, "")
		wantClosed(t, c.name+" Truncate", m.Truncate(10), "ftruncate")
		_, err = m.Seals()
		wantClosed(t, c.name+" Seals", err, "fcntl(F_GET_SEALS)")
		wantClosed(t, c.name+" AddSeals", m.AddSeals(memfile.SealWrite), "fcntl(F_ADD_SEALS)")
		// Arguments are checked first, as on any closed file.
		if err := m.AddSeals(1 << 20); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%s: AddSeals(unknown bits) = %v, want EINVAL", c.name, err)
		}
		if _, err := m.ReadAt(make([]byte, 1), -1); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%s: ReadAt(-1) = %v, want EINVAL", c.name, err)
		}
		_, err = m.Dup()
		wantClosed(t, c.name+" Dup", err, "fcntl(F_DUPFD_CLOEXEC)")
		fd, err := m.Release()
		wantClosed(t, c.name+" Release", err, "release")
		if fd != ^uintptr(0) {
			t.Errorf("%s: Release gave descriptor %d", c.name, fd)
		}
		wantClosed(t, c.name+" Close", m.Close(), "close")
	}
	// Descriptor 0 is still the sentinel memfd, untouched.
	var st syscall.Stat_t
	if err := syscall.Fstat(0, &st); err != nil {
		t.Fatalf("descriptor 0 was closed: %v", err)
	}
	if target := fdTarget(0); !strings.Contains(target, "memfd:lc-fd0") {
		t.Errorf("descriptor 0 is %q, want the sentinel memfd", target)
	}
	if st.Size != 0 {
		t.Errorf("the file at descriptor 0 has %d bytes: something wrote to it", st.Size)
	}
	if off, err := syscall.Seek(0, 0, 1); err != nil || off != 0 {
		t.Errorf("descriptor 0's offset = %d, %v; something moved it", off, err)
	}
}

// TestCloseClosesWhenIdle: with no call in flight, Close closes the
// descriptor itself before it returns (TestCloseDuringBlockedSendFiles
// covers the case with one).
func TestCloseClosesWhenIdle(t *testing.T) {
	m, err := memfile.Create("lc-idle", memfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fd := m.Fd()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if target := fdTarget(fd); strings.Contains(target, "memfd:lc-idle") {
		t.Errorf("descriptor %d still open (%q) after Close with no call in flight", fd, target)
	}
}

// TestClosedErrorMatching: the closed-file error matches what os.File's
// does, and matching never calls Error on an arbitrary target (a typed nil
// would panic).
func TestClosedErrorMatching(t *testing.T) {
	m, err := memfile.Create("lc-match", memfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	_, err = m.Size()
	wantClosed(t, "Size", err, "")
	if !errors.Is(memfile.ErrClosed, fs.ErrClosed) {
		t.Errorf("memfile.ErrClosed does not match fs.ErrClosed")
	}
	var pe *fs.PathError
	for _, target := range []error{pe, fs.ErrNotExist, fs.ErrPermission, errors.New("file already closed: no"), memfile.ErrNotSupported, syscall.EBADF} {
		if errors.Is(err, target) {
			t.Errorf("closed-file error matches %v", target)
		}
	}
	if errors.Is(memfile.ErrNotSupported, fs.ErrClosed) || errors.Is(memfile.ErrMissingSeals, fs.ErrClosed) {
		t.Errorf("another sentinel matches fs.ErrClosed")
	}
	// What os itself returns for a closed file, for comparison.
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, oerr := f.Read(make([]byte, 1))
	if !errors.Is(oerr, fs.ErrClosed) || !errors.Is(oerr, os.ErrClosed) {
		t.Fatalf("os.File's closed error %v does not match fs.ErrClosed: the premise of this test is wrong", oerr)
	}
}

// TestNoFinalizerDuringCall is issue 9 item 10 for calls: a MemFile that
// only a call in flight still references is not finalized under that call
// (the call's decref keeps it reachable, what os does with
// runtime.KeepAlive), however often the collector runs; once the call has
// returned and the MemFile is unreachable, the finalizer closes it.
func TestNoFinalizerDuringCall(t *testing.T) {
	a, b := socketPair(t)
	m, err := memfile.Create("lc-keepalive", memfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fd := m.Fd()
	res := blockedSend(t, a, m)
	m = nil // from here on only the blocked SendFiles references the file
	for i := 0; i < 5; i++ {
		runtimeGC()
	}
	if target := fdTarget(fd); !strings.Contains(target, "memfd:lc-keepalive") {
		t.Fatalf("descriptor %d is %q under a call in flight: the MemFile was finalized mid-call", fd, target)
	}
	syscall.Shutdown(b, syscall.SHUT_RDWR)
	sent := make(chan struct{})
	go func() { <-res; close(sent) }()
	if !watchdog(t, "SendFiles after the peer shut down", 5*time.Second, sent) {
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(fdTarget(fd), "memfd:lc-keepalive") {
		if time.Now().After(deadline) {
			t.Fatalf("descriptor %d still open 5 s after the last reference went away: no finalizer ran", fd)
		}
		runtimeGC()
	}
}
