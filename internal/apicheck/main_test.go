package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePkg writes files (name -> source) into a new temp dir.
func writePkg(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// check runs apicheck and returns its exit code and output.
func check(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	s := out.String() + errOut.String()
	t.Logf("apicheck %s -> %d\n%s", strings.Join(args, " "), code, s)
	return code, s
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output does not contain %q", w)
		}
	}
}

// Targets that exist in every toolchain this must work with (Go >= 1.19);
// 386 and arm64 make sure the target's own tool tags and syscall are used,
// android/arm64 that android selects _linux files.
const someTargets = "linux/amd64,linux/386,linux/arm64,android/arm64,freebsd/amd64"

const oldAPISrc = `package p

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

type T struct {
	sync.Mutex
	v atomic.Value
	n int64
	once sync.Once
}

var ErrX = errors.New("x")

func (t *T) F(r io.Reader) (string, error) {
	t.Lock()
	defer t.Unlock()
	t.once.Do(func() {})
	t.v.Store(runtime.GOOS)
	_ = t.v.Load()
	atomic.AddInt64(&t.n, 1)
	_ = unsafe.Sizeof(uintptr(0))
	if r == nil {
		return "", io.EOF
	}
	return strconv.Itoa(syscall.Getpagesize()), nil
}
`

func TestOldAPIPasses(t *testing.T) {
	dir := writePkg(t, map[string]string{
		"p.go": oldAPISrc,
		// Test files are not checked: neither their imports nor their API.
		"p_test.go": `package p

import (
	"os"
	"sync/atomic"
	"testing"
)

func TestX(t *testing.T) { var n atomic.Int64; n.Add(1); _ = os.Getpagesize() }
`,
	})
	code, out := check(t, "-targets", someTargets, dir)
	if code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	mustContain(t, out,
		"apicheck: 5 targets, ",
		" 0 newer than go1.17",
		"sync.Mutex.Lock",
		"sync/atomic.Value.Load",
		"sync/atomic.AddInt64",
		"syscall.Getpagesize",
		"sync.Once.Do",
	)
	if strings.Contains(out, "atomic.Int64") || strings.Contains(out, "os.Getpagesize") {
		t.Errorf("symbols from a _test.go file were recorded")
	}
}

func TestAtomicInt64Fails(t *testing.T) {
	dir := writePkg(t, map[string]string{"p.go": `package p

import "sync/atomic"

var n atomic.Int64

func Inc() int64 { return n.Add(1) }
`})
	code, out := check(t, "-targets", someTargets, dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, out,
		"sync/atomic.Int64 (type) is go1.19 API",
		"sync/atomic.Int64.Add (method) is go1.19 API",
		"newer than go1.17",
	)
	// With the floor at 1.19 the same package passes.
	if code, _ := check(t, "-floor", "1.19", "-targets", someTargets, dir); code != 0 {
		t.Errorf("-floor 1.19: exit %d, want 0", code)
	}
}

func TestNewerFuncAndMethodFail(t *testing.T) {
	dir := writePkg(t, map[string]string{"p.go": `package p

import (
	"strings"
	"sync"
)

var mu sync.Mutex

func F(s string) (string, bool) {
	if !mu.TryLock() {
		return "", false
	}
	defer mu.Unlock()
	a, _, ok := strings.Cut(s, "=")
	return a, ok
}
`})
	// strings is allowed here so that only the API floor can fail.
	code, out := check(t, "-targets", "linux/amd64", "-allow", defaultAllow+" strings", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, out,
		"strings.Cut (func) is go1.18 API",
		"sync.Mutex.TryLock (method) is go1.18 API",
		"2 newer than go1.17",
	)
	if strings.Contains(out, "sync.Mutex.Unlock (method) is") {
		t.Errorf("old method Unlock reported as new")
	}
}

func TestImportOsFails(t *testing.T) {
	dir := writePkg(t, map[string]string{"p.go": `package p

import "os"

func PageSize() int { return os.Getpagesize() }
`})
	code, out := check(t, "-targets", "linux/amd64", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, out, `imports "os", which is not in the allowed set`, "0 newer than go1.17")
}

func TestNewerLanguageFails(t *testing.T) {
	dir := writePkg(t, map[string]string{"p.go": `package p

func Id[T any](x T) T { return x }
`})
	code, out := check(t, "-targets", "linux/amd64", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	mustContain(t, out, "requires go1.18")
}

// Files are selected per target with go/build: a newer symbol in a
// _linux.go file fails on linux and android but not on windows.
func TestPerTargetFileSelection(t *testing.T) {
	dir := writePkg(t, map[string]string{
		"a_linux.go": `package p

import "sync/atomic"

var N atomic.Int64
`,
		"b_other.go": `//go:build !linux

package p

var N int64
`,
		// Gated by a release tag newer than the floor: not compiled by the
		// floor toolchain, so it may use newer API.
		"c_go119.go": `//go:build go1.19

package p

import "sync/atomic"

var M atomic.Bool
`,
	})
	if code, out := check(t, "-targets", "windows/amd64", dir); code != 0 {
		t.Errorf("windows/amd64: exit %d, want 0", code)
	} else {
		mustContain(t, out, "c_go119.go")
	}
	code, out := check(t, "-targets", "android/arm64", dir)
	if code != 1 {
		t.Errorf("android/arm64: exit %d, want 1", code)
	}
	mustContain(t, out, "sync/atomic.Int64 (type) is go1.19 API", "on android/arm64")
	if strings.Contains(out, "atomic.Bool") {
		t.Errorf("file gated by //go:build go1.19 was checked at floor go1.17")
	}
}

func TestParseAPILine(t *testing.T) {
	tests := []struct {
		line, pkg, name, ctx string
	}{
		{"pkg sync/atomic, type Int64 struct #50860", "sync/atomic", "Int64", ""},
		{"pkg sync/atomic, method (*Int64) Add(int64) int64 #50860", "sync/atomic", "Int64.Add", ""},
		{"pkg sync/atomic, method (*Pointer[$0]) Load() *$0 #50860", "sync/atomic", "Pointer.Load", ""},
		{"pkg sync/atomic, type Pointer[$0 interface{}] struct #50860", "sync/atomic", "Pointer", ""},
		{"pkg sync, method (*Mutex) TryLock() bool", "sync", "Mutex.TryLock", ""},
		{"pkg reflect, method (Value) SetIterKey(*MapIter)", "reflect", "Value.SetIterKey", ""},
		{"pkg strings, func Cut(string, string) (string, string, bool)", "strings", "Cut", ""},
		{"pkg slices, func Index[$0 interface{ ~[]$1 }, $1 comparable]($0, $1) int", "slices", "Index", ""},
		{"pkg syscall (linux-386), const SYS_MMAP2 = 192", "syscall", "SYS_MMAP2", "linux-386"},
		{"pkg syscall (linux-386-cgo), const CLONE_NEWTIME ideal-int #51246", "syscall", "CLONE_NEWTIME", "linux-386"},
		{"pkg syscall (linux-amd64), type SysProcAttr struct, UseCgroupFD bool #51246", "syscall", "SysProcAttr.UseCgroupFD", "linux-amd64"},
		{"pkg syscall (freebsd-riscv64), func Mmap(int, int64, int, int, int) ([]uint8, error)", "syscall", "Mmap", "freebsd-riscv64"},
		{"pkg io, type StringWriter interface, WriteString(string) (int, error)", "io", "StringWriter.WriteString", ""},
		{"pkg io, type StringWriter interface { WriteString }", "io", "StringWriter", ""},
		{"pkg runtime, type BlockProfileRecord struct, embedded StackRecord", "runtime", "BlockProfileRecord.StackRecord", ""},
		{"pkg database/sql, type Null[$0 interface{}] struct, Valid bool #60370", "database/sql", "Null.Valid", ""},
		{"pkg os, var ErrProcessDone error", "os", "ErrProcessDone", ""},
	}
	for _, tt := range tests {
		k, ctx, ok := parseAPILine(tt.line)
		if !ok || k.pkg != tt.pkg || k.name != tt.name || ctx != tt.ctx {
			t.Errorf("parseAPILine(%q) = %v %q %v, want %s.%s %q", tt.line, k, ctx, ok, tt.pkg, tt.name, tt.ctx)
		}
	}
	for _, line := range []string{"", "# comment", "pkg bytes, func Title //deprecated"} {
		if _, _, ok := parseAPILine(line); ok {
			t.Errorf("parseAPILine(%q) ok, want ignored", line)
		}
	}
}

func TestCtxMatcher(t *testing.T) {
	db := &apiDB{entries: map[apiKey][]apiEntry{}, ctxFirst: map[string]int{}}
	add := func(minor int, text string) {
		if err := db.read(strings.NewReader(text), minor); err != nil {
			t.Fatal(err)
		}
	}
	add(0, `pkg syscall (linux-386), const OLD = 1
pkg syscall (linux-amd64), const OLD = 1
pkg syscall (linux-arm), const OLD = 1
pkg syscall (linux-386), const ONLY386 = 1
pkg syscall (freebsd-amd64), func Mmap(int) error
pkg syscall (linux-arm), const MOVED = 4
`)
	add(18, `pkg syscall (linux-amd64), const ONLY386 = 1
pkg syscall (linux-386), const NEW = 2
pkg syscall (linux-amd64), const NEW = 2
pkg sync, method (*Mutex) TryLock() bool
pkg syscall, const MOVED = 4
`)
	add(20, `pkg syscall (freebsd-riscv64), func Mmap(int) error
pkg syscall (freebsd-riscv64), const RV = 3
`)
	const floor = 17
	type c struct {
		goos, goarch, name string
		newer, inferred    bool
	}
	// name is looked up in package syscall, or is "sync.X" for package sync.
	for _, tt := range []c{
		{"linux", "386", "OLD", false, false},
		{"linux", "amd64", "OLD", false, false},
		{"linux", "arm64", "OLD", false, false},    // no linux-arm64 context: inferred from siblings
		{"linux", "386", "ONLY386", false, false},  // go1 on linux-386
		{"linux", "amd64", "ONLY386", true, false}, // added to linux-amd64 in go1.18
		{"linux", "amd64", "NEW", true, false},
		{"linux", "arm", "NEW", false, false},                   // exact context exists and lacks it
		{"android", "386", "NEW", true, false},                  // android uses the linux contexts
		{"linux", "mips", "NEW", true, true},                    // inferred
		{"freebsd", "riscv64", "Mmap", false, false},            // port newer than floor: per-port lines of siblings decide
		{"freebsd", "riscv64", "RV", false, false},              // only the new port's own lines: not a floor regression
		{"windows", "amd64", "sync.Mutex.TryLock", true, false}, // unqualified line: every target
		{"linux", "arm", "MOVED", false, false},                 // per-port at go1, all ports in go1.18
		{"linux", "amd64", "MOVED", true, false},
	} {
		m := newCtxMatcher(db, tt.goos, tt.goarch, floor)
		key := apiKey{"syscall", tt.name}
		if strings.HasPrefix(tt.name, "sync.") {
			key = apiKey{"sync", strings.TrimPrefix(tt.name, "sync.")}
		}
		_, inferred, newer := m.newerThanFloor(key)
		if newer != tt.newer || newer && inferred != tt.inferred {
			t.Errorf("%s/%s %v: newer=%v inferred=%v, want %v %v", tt.goos, tt.goarch, key, newer, inferred, tt.newer, tt.inferred)
		}
	}
}

func TestParseFloor(t *testing.T) {
	for in, want := range map[string]int{"1.17": 17, "go1.17": 17, "17": 17, "1.20": 20} {
		if got, err := parseFloor(in); err != nil || got != want {
			t.Errorf("parseFloor(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseFloor("x"); err == nil {
		t.Error("parseFloor(x): no error")
	}
}
