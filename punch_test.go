//go:build linux

package memfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/memfile-go/memfile"
)

// A sender punches a hole into a file it has shared and, for a hugetlbfs
// file, then takes every free huge page: a receiver that maps the hole and
// reads it gets SIGBUS. MapSealed must refuse every file where that can
// happen, and on the files it accepts the punch must fail.

func init() { childModes["punch-sender"] = childPunchSender }

// childPunchSender runs in a child process with a socket at descriptor 3.
// It creates a file (huge pages if MEMFILE_PUNCH_HUGE=1), fills it with 'a',
// seals it with MEMFILE_PUNCH_SEALS and sends it. After the receiver's go
// byte it punches a hole over the whole file, takes every free huge page,
// reports "punch=<errno> hog=<pages>" and waits for the receiver to finish.
func childPunchSender() int {
	const sock = 3
	fail := func(what string, err error) int {
		fmt.Fprintf(os.Stderr, "punch-sender: %s: %v\n", what, err)
		return 1
	}
	huge := os.Getenv("MEMFILE_PUNCH_HUGE") == "1"
	seals64, _ := strconv.ParseUint(os.Getenv("MEMFILE_PUNCH_SEALS"), 10, 32)
	opts := memfile.Options{AllowSealing: true}
	page := int64(os.Getpagesize())
	if huge {
		opts.HugePages = memfile.Huge2MB
		page = 2 << 20
	}
	m, err := memfile.Create("punch", opts)
	if err != nil {
		return fail("create", err)
	}
	size := 2 * page
	if err := m.Truncate(size); err != nil {
		return fail("truncate", err)
	}
	mp, err := m.Map(0, int(size), memfile.MapReadWrite)
	if err != nil {
		return fail("map", err)
	}
	for i := range mp.Bytes() {
		mp.Bytes()[i] = 'a'
	}
	if err := mp.Unmap(); err != nil {
		return fail("unmap", err)
	}
	if err := m.AddSeals(memfile.Seals(seals64)); err != nil {
		return fail("seal", err)
	}
	if _, err := syscall.SendmsgN(sock, []byte("f"), syscall.UnixRights(int(m.Fd())), nil, 0); err != nil {
		return fail("sendmsg", err)
	}
	var b [1]byte
	if n, err := syscall.Read(sock, b[:]); n != 1 {
		return fail("waiting for the receiver", err)
	}
	perr := syscall.Fallocate(int(m.Fd()), 0x2|0x1, 0, size) // FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE
	hogged := 0
	var hogs []*memfile.Mapping
	if huge {
		// Reserve every free huge page with mappings of fresh files.
		for {
			h, err := memfile.Create("hog", memfile.Options{HugePages: memfile.Huge2MB})
			if err != nil {
				break
			}
			h.Truncate(page)
			hm, err := h.Map(0, int(page), memfile.MapReadWrite)
			h.Close()
			if err != nil {
				break
			}
			hm.Bytes()[0] = 1
			hogs = append(hogs, hm)
			hogged++
		}
	}
	fmt.Fprintf(os.NewFile(sock, "sock"), "punch=%s hog=%d\n", errnoName(perr), hogged)
	syscall.Read(sock, b[:]) // the receiver has read; EOF if it is gone
	for _, hm := range hogs {
		hm.Unmap()
	}
	return 0
}

// reserveHugePages makes sure n huge pages of 2 MiB are free, raising
// vm.nr_hugepages for the test and restoring it after.
func reserveHugePages(t *testing.T, n int) {
	t.Helper()
	if meminfo(t, "Hugepagesize") != 2048 {
		t.Skipf("the default huge page size is %d kB, not 2048", meminfo(t, "Hugepagesize"))
	}
	free := meminfo(t, "HugePages_Free") - meminfo(t, "HugePages_Rsvd")
	if free >= n {
		return
	}
	const knob = "/proc/sys/vm/nr_hugepages"
	old, err := os.ReadFile(knob)
	if err != nil {
		t.Skipf("cannot read %s: %v", knob, err)
	}
	total, _ := strconv.Atoi(strings.TrimSpace(string(old)))
	want := total + n - free
	if err := os.WriteFile(knob, []byte(strconv.Itoa(want)), 0); err != nil {
		t.Skipf("cannot reserve %d huge pages (needs root): %v", n, err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(knob, old, 0); err != nil {
			t.Errorf("restoring %s to %s: %v", knob, strings.TrimSpace(string(old)), err)
		}
	})
	if got := meminfo(t, "HugePages_Free") - meminfo(t, "HugePages_Rsvd"); got < n {
		t.Skipf("asked for %d huge pages, the kernel found %d free", want, got)
	}
}

func TestMapSealedPunchedHole(t *testing.T) {
	base := memfile.SealSeal | memfile.SealShrink | memfile.SealGrow
	for _, tc := range []struct {
		name   string
		huge   bool
		seals  memfile.Seals
		refuse bool // MapSealed must refuse
	}{
		{"shmem/shrink-grow", false, base, true},
		{"shmem/future-write", false, base | memfile.SealFutureWrite, false},
		{"shmem/write", false, base | memfile.SealWrite, false},
		{"huge/shrink-grow", true, base, true},
		{"huge/future-write", true, base | memfile.SealFutureWrite, !kernelAtLeast(5, 13)},
		{"huge/write", true, base | memfile.SealWrite, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.huge {
				reserveHugePages(t, 4)
			}
			if tc.seals&memfile.SealFutureWrite != 0 && !kernelAtLeast(5, 1) {
				t.Skip("SealFutureWrite needs Linux 5.1")
			}
			checkNoFdLeak(t)
			huge := "0"
			if tc.huge {
				huge = "1"
			}
			sock, wait := socketChild(t, "punch-sender", "MEMFILE_PUNCH_HUGE="+huge,
				"MEMFILE_PUNCH_SEALS="+strconv.FormatUint(uint64(tc.seals), 10))
			_, files, err := memfile.ReceiveFiles(sock, make([]byte, 1), 1, memfile.SealShrink)
			if err != nil {
				out, _ := wait()
				if tc.huge && underEmulator() && unsafe.Sizeof(uintptr(0)) == 4 && strings.Contains(out, "mmap \"punch\": invalid argument") {
					t.Skipf("qemu-user cannot map hugetlbfs files for 32-bit guests: %s", out)
				}
				t.Fatalf("receiving: %v\n%s", err, out)
			}
			m := files[0]
			defer m.Close()
			size, err := m.Size()
			if err != nil {
				t.Fatal(err)
			}
			mp, err := m.MapSealed(0, int(size), 0)
			if tc.refuse {
				if err == nil {
					mp.Unmap()
					t.Fatalf("MapSealed of a file sealed %v: success; a punched hole could fault", tc.seals)
				}
				if !errors.Is(err, memfile.ErrMissingSeals) || !strings.Contains(err.Error(), "write") {
					t.Fatalf("MapSealed of a file sealed %v: %v; want ErrMissingSeals naming the write seal", tc.seals, err)
				}
				var me *memfile.Error
				if !errors.As(err, &me) || me.Op != "fcntl(F_GET_SEALS)" {
					t.Errorf("Op of %v is not fcntl(F_GET_SEALS): nothing was mapped", err)
				}
				t.Logf("refused: %v", err)
				// What MapSealed saved us from: an ordinary Map, then the punch.
				if mp, err = m.Map(0, int(size), memfile.MapReadOnly); err != nil {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatalf("MapSealed of a file sealed %v: %v", tc.seals, err)
			}
			defer mp.Unmap()
			if _, err := syscall.Write(sock, []byte("g")); err != nil {
				t.Fatal(err)
			}
			report := readLine(t, sock)
			t.Logf("sender: %s", report)
			_, rerr := readGuarded(mp.Bytes())
			syscall.Write(sock, []byte("d"))
			if out, err := wait(); err != nil {
				t.Fatalf("sender: %v\n%s", err, out)
			}
			if !tc.refuse {
				if !strings.HasPrefix(report, "punch=EPERM") {
					t.Errorf("the sender's punch on a file MapSealed accepted: %s; want EPERM", report)
				}
				if rerr != nil {
					t.Errorf("reading the MapSealed view after the punch attempt: %v", rerr)
				}
				if !bytes.Equal(mp.Bytes()[:4], []byte("aaaa")) {
					t.Errorf("view shows %q", mp.Bytes()[:4])
				}
				return
			}
			t.Logf("plain Map after the punch: %v", rerr)
			if tc.seals&memfile.SealFutureWrite != 0 {
				// hugetlbfs before 5.13: upstream lets the punch through,
				// kernels with commit 22247efd822e backported (Debian's
				// 5.10) refuse it; MapSealed cannot tell them apart.
				t.Logf("kernel before 5.13: the sender's punch on a future-write-sealed hugetlbfs file: %s", report)
				return
			}
			if !strings.HasPrefix(report, "punch=ok") {
				t.Errorf("the punch on a file sealed %v: %s; want success (only a write seal forbids it)", tc.seals, report)
			}
			if tc.huge && rerr == nil {
				t.Errorf("reading the punched hugetlbfs file with no free huge page did not fault: the attack MapSealed refuses is not shown")
			}
		})
	}
}

// readLine reads one line from the socket.
func readLine(t *testing.T, sock int) string {
	t.Helper()
	var line []byte
	var b [1]byte
	for {
		n, err := syscall.Read(sock, b[:])
		if n != 1 {
			if err == nil {
				err = io.EOF
			}
			t.Fatalf("reading the sender's report: %v (got %q)", err, line)
		}
		if b[0] == '\n' {
			return string(line)
		}
		line = append(line, b[0])
	}
}
