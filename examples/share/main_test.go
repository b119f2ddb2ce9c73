//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The test binary plays the child when the parent (run by the tests below)
// re-executes it, exactly as the example program re-executes itself.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(child(os.Stdout, os.NewFile(3, "socket")))
	}
	os.Exit(m.Run())
}

// wantReport are the lines (as regular expressions) both processes print,
// in the order they print them. The exec seal is there where the kernel adds
// it for MFD_NOEXEC_SEAL (Linux 6.3+).
var wantReport = []string{
	`^parent: wrote 65536 bytes to memory file "share-example", sha256 [0-9a-f]{16}…$`,
	`^parent: sealed it: seal\|shrink\|grow\|write(\|exec)?$`,
	`^parent: started child [0-9]+; sending it the descriptor and the checksum$`,
	`^child:  received a memory file with seals seal\|shrink\|grow\|write(\|exec)? \(demanded seal\|shrink\|grow\|write\)$`,
	`^child:  mapped 65536 bytes read-only; sha256 matches the parent's \([0-9a-f]{16}…\)$`,
	`^child:  first line: "line     1 of a payload shared through a sealed memory file"$`,
	`^child:  write refused: memfile: pwrite: operation not permitted \(the file is sealed against writing or growing\)$`,
	`^child:  truncate refused: memfile: ftruncate: operation not permitted \(the file is sealed against shrinking or growing\)$`,
	`^child:  writable mapping refused: memfile: mmap: operation not permitted \(.*\)$`,
	`^parent: child is done; the file is unchanged: 65536 bytes, seals seal\|shrink\|grow\|write(\|exec)?$`,
}

func checkReport(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(wantReport) {
		t.Errorf("got %d lines, want %d", len(lines), len(wantReport))
	}
	for i, re := range wantReport {
		if i >= len(lines) {
			break
		}
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("line %d = %q\n      want %s", i+1, lines[i], re)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestShare runs the parent in this process and the child as a re-executed
// test binary (through MEMFILE_TEST_EXEC's emulator under qemu-user).
func TestShare(t *testing.T) {
	// A child built with -race would otherwise sleep a second at exit.
	t.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	self, err := selfCommand()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if status := parent(&out, self); status != 0 {
		t.Fatalf("parent returned %d:\n%s", status, out.String())
	}
	checkReport(t, out.String())
	t.Logf("report:\n%s", out.String())
}

// TestProgram builds the example with the go command and runs it, as
// "go run ./examples/share" does. It needs the go command and the host's
// architecture, so it is skipped under emulation and with -short.
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example with the go command; skipped with -short")
	}
	if os.Getenv("MEMFILE_TEST_EXEC") != "" {
		t.Skip("running under an emulator: the go command would build for the host")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	bin := filepath.Join(t.TempDir(), "share")
	build := exec.Command(gocmd, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	checkReport(t, string(out))
}
