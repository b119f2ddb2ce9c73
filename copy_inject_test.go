//go:build linux && memfile_inject

package memfile

// Errno injection for the copy routes: which call WriteTo and ReadFrom make,
// and that every refusal (EINVAL, ENOSYS, EOPNOTSUPP, EXDEV) falls back to
// the next route and in the end to the plain loop with the bytes intact,
// that EINTR is retried, and that a real error is reported with the bytes
// copied so far. Run with: go test -tags memfile_inject -run InjectCopy .

import (
	"bytes"
	"io"
	"os"
	"syscall"
	"testing"
)

func injPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 253)
	}
	return b
}

func injFile(t *testing.T, data []byte) *MemFile {
	t.Helper()
	m, err := Create("inject-copy", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if _, err := m.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}
	return m
}

// writeToPipe runs m.WriteTo into a pipe and returns what arrived.
func writeToPipe(t *testing.T, m *MemFile) (int64, error, []byte) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	n, err := m.WriteTo(w)
	w.Close()
	return n, err, <-got
}

func TestInjectCopyWriteToRoutes(t *testing.T) {
	data := injPattern(3<<20 + 17)
	for _, tc := range []struct {
		name                  string
		sendfile, splice      syscall.Errno
		wantSendfile, wantSpl bool
		wantRead              bool
	}{
		{"sendfile", 0, 0, true, false, false},
		{"sendfile-EINVAL/splice", syscall.EINVAL, 0, true, true, false},
		{"sendfile-ENOSYS/splice-EINVAL/loop", syscall.ENOSYS, syscall.EINVAL, true, true, true},
		{"sendfile-EOPNOTSUPP/splice-ENOSYS/loop", syscall.EOPNOTSUPP, syscall.ENOSYS, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := injFile(t, data)
			stopSF := failSyscall(sysSendfileNr, tc.sendfile, -1)
			stopSP := failSyscall(_SYS_SPLICE, tc.splice, -1)
			stopRead := countSyscall(_SYS_READ)
			n, err, got := writeToPipe(t, m)
			sf, sp, rd := stopSF(), stopSP(), stopRead()
			if err != nil || n != int64(len(data)) || !bytes.Equal(got, data) {
				t.Fatalf("WriteTo: %d, %v; %d bytes arrived, equal %v", n, err, len(got), bytes.Equal(got, data))
			}
			if (sf > 0) != tc.wantSendfile || (sp > 0) != tc.wantSpl || (rd > 0) != tc.wantRead {
				t.Fatalf("calls: sendfile %d, splice %d, read %d; want sendfile %v, splice %v, read %v", sf, sp, rd, tc.wantSendfile, tc.wantSpl, tc.wantRead)
			}
		})
	}
	t.Run("EINTR", func(t *testing.T) {
		m := injFile(t, data)
		stop := failSyscall(sysSendfileNr, syscall.EINTR, 3)
		n, err, got := writeToPipe(t, m)
		if calls := stop(); calls < 4 || err != nil || n != int64(len(data)) || !bytes.Equal(got, data) {
			t.Fatalf("WriteTo with 3 EINTRs: %d, %v (%d sendfile calls)", n, err, calls)
		}
	})
	t.Run("EIO-midway", func(t *testing.T) {
		m := injFile(t, data)
		stop := failSyscallNth(sysSendfileNr, syscall.EIO, 3, -1)
		n, err, got := writeToPipe(t, m)
		stop()
		if e, ok := err.(*Error); !ok || e.Op != "sendfile" || e.Err != syscall.EIO {
			t.Fatalf("WriteTo: %v; want sendfile's EIO", err)
		}
		off, _ := m.Seek(0, io.SeekCurrent)
		if n == 0 || n != int64(len(got)) || off != n || !bytes.Equal(got, data[:n]) {
			t.Fatalf("WriteTo reported %d, %d bytes arrived, offset %d", n, len(got), off)
		}
	})
}

func TestInjectCopyReadFromRoutes(t *testing.T) {
	data := injPattern(3<<20 + 5)
	f, err := os.CreateTemp("", "memfile-inject")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	f.Write(data)
	for _, tc := range []struct {
		name           string
		cfr, sendfile  syscall.Errno
		wantCfr, wantS bool
		wantWrite      bool
	}{
		{"memfd/copy_file_range", 0, 0, true, false, false},
		{"copy_file_range-EXDEV/sendfile", syscall.EXDEV, 0, true, true, false},
		{"copy_file_range-ENOSYS/sendfile-EINVAL/loop", syscall.ENOSYS, syscall.EINVAL, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !useCopyFileRange() {
				t.Skip("copy_file_range is not used before Linux 5.3")
			}
			m := injFile(t, nil)
			var src io.Reader = f
			f.Seek(0, io.SeekStart)
			if tc.name == "memfd/copy_file_range" {
				// Between two memfds (one tmpfs) it works; from the disk
				// file (ext4 here) Linux 5.19+ answers EXDEV.
				src = injFile(t, data)
			}
			stopC := failSyscall(_SYS_COPY_FILE_RANGE, tc.cfr, -1)
			stopS := failSyscall(sysSendfileNr, tc.sendfile, -1)
			stopW := countSyscall(_SYS_WRITE)
			n, err := m.ReadFrom(src)
			c, s, w := stopC(), stopS(), stopW()
			got := make([]byte, len(data)+1)
			k, _ := m.ReadAt(got, 0)
			if err != nil || n != int64(len(data)) || !bytes.Equal(got[:k], data) {
				t.Fatalf("ReadFrom: %d, %v; file equal %v", n, err, bytes.Equal(got[:k], data))
			}
			if (c > 0) != tc.wantCfr || (s > 0) != tc.wantS || (w > 0) != tc.wantWrite {
				t.Fatalf("calls: copy_file_range %d, sendfile %d, write %d; want %v %v %v", c, s, w, tc.wantCfr, tc.wantS, tc.wantWrite)
			}
		})
	}
	t.Run("pipe/splice", func(t *testing.T) {
		m := injFile(t, nil)
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		go func() { w.Write(data); w.Close() }()
		stop := countSyscall(_SYS_SPLICE)
		n, err := m.ReadFrom(r)
		if calls := stop(); calls == 0 || err != nil || n != int64(len(data)) {
			t.Fatalf("ReadFrom(pipe): %d, %v, %d splice calls", n, err, calls)
		}
	})
}
