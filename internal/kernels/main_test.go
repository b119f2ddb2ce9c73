package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readCpio parses a newc archive back into name -> entry.
func readCpio(t *testing.T, b []byte) map[string]cpioEntry {
	t.Helper()
	out := map[string]cpioEntry{}
	off := 0
	align := func() { off = (off + 3) &^ 3 }
	for {
		if off+110 > len(b) || string(b[off:off+6]) != "070701" {
			t.Fatalf("no newc header at offset %d", off)
		}
		field := func(i int) uint32 {
			v, err := strconv.ParseUint(string(b[off+6+8*i:off+14+8*i]), 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			return uint32(v)
		}
		mode, size, rmaj, rmin, namesize := field(1), int(field(6)), field(9), field(10), int(field(11))
		name := string(b[off+110 : off+110+namesize-1])
		if b[off+110+namesize-1] != 0 {
			t.Fatalf("%s: name not NUL-terminated", name)
		}
		off += 110 + namesize
		align()
		data := b[off : off+size]
		off += size
		align()
		if name == "TRAILER!!!" {
			if off != len(b) {
				t.Errorf("%d bytes after the trailer", len(b)-off)
			}
			return out
		}
		out[name] = cpioEntry{name: name, mode: mode, data: data, rmajor: rmaj, rmin: rmin}
	}
}

func TestInitramfs(t *testing.T) {
	dir := t.TempDir()
	host := filepath.Join(dir, "bin")
	if err := os.WriteFile(host, []byte("ELF..."), 0o755); err != nil {
		t.Fatal(err)
	}
	td := filepath.Join(dir, "testdata", "fuzz", "FuzzX")
	os.MkdirAll(td, 0o755)
	os.WriteFile(filepath.Join(td, "seed"), []byte("go test fuzz v1\n"), 0o644)

	var fs initramfs
	fs.hostFile("init", 0o755, host)
	fs.charDev("dev/console", 0o600, 5, 1)
	fs.file("/t/linux-amd64/vm.conf", 0o644, []byte("abc"))
	fs.file("t/linux-amd64/vm.conf", 0o644, []byte("duplicate is ignored"))
	if err := fs.tree("t/linux-amd64/testdata", filepath.Join(dir, "testdata")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := fs.writeTo(&buf); err != nil {
		t.Fatal(err)
	}
	got := readCpio(t, buf.Bytes())
	for name, want := range map[string]struct {
		mode uint32
		data string
	}{
		"init":                                   {cpioReg | 0o755, "ELF..."},
		"dev":                                    {cpioDir | 0o755, ""},
		"t":                                      {cpioDir | 0o755, ""},
		"t/linux-amd64":                          {cpioDir | 0o755, ""},
		"t/linux-amd64/vm.conf":                  {cpioReg | 0o644, "abc"},
		"t/linux-amd64/testdata/fuzz/FuzzX/seed": {cpioReg | 0o644, "go test fuzz v1\n"},
		"t/linux-amd64/testdata/fuzz/FuzzX":      {cpioDir | 0o755, ""},
		"dev/console":                            {cpioChr | 0o600, ""},
	} {
		e, ok := got[name]
		if !ok {
			t.Errorf("%s missing from the archive", name)
			continue
		}
		if e.mode != want.mode || string(e.data) != want.data {
			t.Errorf("%s: mode %o data %q, want %o %q", name, e.mode, e.data, want.mode, want.data)
		}
	}
	if c := got["dev/console"]; c.rmajor != 5 || c.rmin != 1 {
		t.Errorf("dev/console is %d,%d, want 5,1", c.rmajor, c.rmin)
	}
	// Parents come before their children, as the kernel needs.
	pos := map[string]int{}
	for i, e := range fs.entries {
		pos[e.name] = i
	}
	for _, e := range fs.entries {
		if d := filepath.Dir(e.name); d != "." && pos[d] >= pos[e.name] {
			t.Errorf("%s comes before its directory %s", e.name, d)
		}
	}
}

func TestInitramfsMissingHostFile(t *testing.T) {
	var fs initramfs
	fs.hostFile("init", 0o755, filepath.Join(t.TempDir(), "absent"))
	err := fs.writeTo(&bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "init") {
		t.Fatalf("writeTo with a missing file: %v, want an error naming the entry", err)
	}
}

const goTestOutput = `=== RUN   TestA
--- PASS: TestA (0.00s)
=== RUN   TestSkip
    x_test.go:10: needs 2 free huge pages
--- SKIP: TestSkip (0.00s)
=== RUN   TestFail
    x_test.go:20: behaviour: 6.1.0: page size 4096
    x_test.go:21: got 1, want 2
--- FAIL: TestFail (0.01s)
=== RUN   TestParent
=== RUN   TestParent/sub
    x_test.go:30: sub reason
=== RUN   TestParent/ok
--- PASS: TestParent (0.00s)
    --- SKIP: TestParent/sub (0.00s)
    --- PASS: TestParent/ok (0.00s)
FAIL
`

func TestParseGoTest(t *testing.T) {
	r := parseGoTest(strings.Split(goTestOutput, "\n"))
	if r.pass != 3 || r.fail != 1 || r.skip != 2 {
		t.Errorf("pass %d fail %d skip %d, want 3 1 2", r.pass, r.fail, r.skip)
	}
	wantSkips := []string{"TestSkip: needs 2 free huge pages", "TestParent/sub: sub reason"}
	if strings.Join(r.skips, "|") != strings.Join(wantSkips, "|") {
		t.Errorf("skips %q, want %q", r.skips, wantSkips)
	}
	if len(r.failures) != 1 || !strings.Contains(r.failures[0], "--- FAIL: TestFail") || !strings.Contains(r.failures[0], "got 1, want 2") {
		t.Errorf("failures %q", r.failures)
	}
	if len(r.behaviours) != 1 || r.behaviours[0] != "6.1.0: page size 4096" {
		t.Errorf("behaviours %q", r.behaviours)
	}
}

func TestParseGoTestPanic(t *testing.T) {
	r := parseGoTest([]string{"=== RUN   TestHang", "panic: test timed out after 10m0s", "goroutine 1 [running]:"})
	if len(r.failures) == 0 || !strings.Contains(r.failures[0], "timed out") {
		t.Errorf("a timeout panic is not reported as a failure: %q", r.failures)
	}
}

func TestSelectKernels(t *testing.T) {
	all, err := selectKernels("all")
	if err != nil || len(all) != len(matrix) {
		t.Fatalf("all: %d entries, %v", len(all), err)
	}
	ks, err := selectKernels("amd64-*,arm64-6.1,amd64-6.1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range ks {
		ids = append(ids, k.ID)
	}
	if got := strings.Join(ids, " "); got != "amd64-5.10 amd64-6.1 amd64-6.12 arm64-6.1" {
		t.Errorf("selected %s", got)
	}
	if _, err := selectKernels("sparc-6.1"); err == nil || !strings.Contains(err.Error(), "amd64-6.1") {
		t.Errorf("unknown entry: %v, want an error listing the known ones", err)
	}
	seen := map[string]bool{}
	for _, k := range matrix {
		if seen[k.ID] {
			t.Errorf("duplicate ID %s", k.ID)
		}
		seen[k.ID] = true
		if k.Suite == "" || k.DebArch == "" || !strings.HasPrefix(k.Package, "linux-image-") || len(k.Targets) == 0 ||
			!strings.HasPrefix(k.QEMU, "qemu-system-") || k.Console == "" || k.Timeout <= 0 {
			t.Errorf("incomplete entry %+v", k)
		}
	}
}

func TestMirrorIn(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"deb http://mirror.example/debian bookworm main contrib\n", "http://mirror.example/debian"},
		{"deb [signed-by=/k.gpg arch=amd64] http://m.example/debian/ bookworm-updates main\n", "http://m.example/debian"},
		{"deb http://m.example/debian-security bookworm-security main\n", ""},
		{"deb https://vendor.example/apt cloud-sdk-bookworm main\n", ""},
		{"Types: deb\n# comment\nURIs: http://s.example/debian-security\nSuites: bookworm-security\nComponents: main\n\n" +
			"Types: deb\nURIs: http://d.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /k.gpg\n", "http://d.example/debian"},
		{"Types: deb\nURIs: http://d.example/debian\nSuites: bookworm\nComponents: contrib\n", ""},
	} {
		if got := mirrorIn(tc.text); got != tc.want {
			t.Errorf("mirrorIn(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// fakeApt writes apt-get and apt-cache stand-ins that behave as scripted.
func fakeApt(t *testing.T, aptGet, aptCache string) *fetcher {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return &fetcher{
		cache: filepath.Join(dir, "cache"), mirror: "http://mirror.invalid/debian", keyring: "/k.gpg",
		aptGet: write("apt-get", aptGet), aptCach: write("apt-cache", aptCache),
		log: func(string, ...interface{}) {},
	}
}

var testKernel = kernel{ID: "amd64-6.1", Suite: "bookworm", DebArch: "amd64", Package: "linux-image-amd64"}

func TestFetchMissingPackage(t *testing.T) {
	f := fakeApt(t, `for a; do [ "$a" = update ] && mkdir -p "$STATE" ; done; exit 0`,
		`echo "E: No packages found" >&2; exit 100`)
	_, err := f.fetch(testKernel)
	if err == nil || !strings.Contains(err.Error(), "linux-image-amd64") || !strings.Contains(err.Error(), "bookworm") {
		t.Fatalf("fetch of a missing package: %v, want an error naming the package and suite", err)
	}
	t.Log(err)
}

func TestFetchUpdateFails(t *testing.T) {
	f := fakeApt(t, `echo "E: Failed to fetch http://mirror.invalid/debian/dists/bookworm/InRelease" >&2; exit 100`, `exit 100`)
	_, err := f.fetch(testKernel)
	if err == nil || !strings.Contains(err.Error(), "linux-image-amd64") || !strings.Contains(err.Error(), "apt-get update") ||
		!strings.Contains(err.Error(), "Failed to fetch") {
		t.Fatalf("fetch with a failing apt-get update: %v, want an error naming the package, the step and apt's message", err)
	}
	t.Log(err)
}

func TestFetchDownloadFails(t *testing.T) {
	// Lists exist, the metapackage resolves, the download fails.
	f := fakeApt(t, `case "$*" in *download*) echo "E: Failed to fetch .../linux-image-6.1.0-50-amd64_6.1.176-1_amd64.deb 404 Not Found" >&2; exit 100;; esac; exit 0`,
		`printf 'Package: linux-image-amd64\nVersion: 6.1.176-1\nDepends: linux-image-6.1.0-50-amd64 (= 6.1.176-1)\n'`)
	dir, err := f.aptDir(testKernel.Suite, testKernel.DebArch)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "state", "lists", "x_bookworm_main_binary-amd64_Packages.lz4"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "updated"), nil, 0o644)
	_, err = f.fetch(testKernel)
	if err == nil || !strings.Contains(err.Error(), "linux-image-6.1.0-50-amd64 6.1.176-1") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("fetch with a failing download: %v, want an error naming the versioned package and apt's message", err)
	}
	t.Log(err)
	// The private configuration names only the private files.
	src, _ := os.ReadFile(filepath.Join(dir, "sources.list"))
	if want := "deb [arch=amd64 target=Packages signed-by=/k.gpg] http://mirror.invalid/debian bookworm main\n"; string(src) != want {
		t.Errorf("sources.list = %q, want %q", src, want)
	}
	opts := strings.Join(f.aptOptions(dir, "amd64"), " ")
	for _, want := range []string{"Dir::Etc::sourcelist=" + dir, "Dir::Etc::sourceparts=-", "Dir::State=" + dir, "Dir::Cache=" + dir, "APT::Architectures=amd64"} {
		if !strings.Contains(opts, want) {
			t.Errorf("apt options %q lack %q", opts, want)
		}
	}
}

func TestDependsImage(t *testing.T) {
	for _, tc := range []struct{ show, pkg, ver string }{
		{"Package: linux-image-amd64\nDepends: linux-image-6.1.0-50-amd64 (= 6.1.176-1)\n", "linux-image-6.1.0-50-amd64", "6.1.176-1"},
		{"Package: linux-image-riscv64\nDepends: linux-image-6.12.117+deb13-riscv64 (= 6.12.117-1)\n", "linux-image-6.12.117+deb13-riscv64", "6.12.117-1"},
		{"Package: linux-image-arm64-16k\nDepends: linux-image-6.12.95+deb12-arm64-16k (= 6.12.95-1~bpo12+1)\n", "linux-image-6.12.95+deb12-arm64-16k", "6.12.95-1~bpo12+1"},
	} {
		m := dependsImage.FindStringSubmatch(tc.show)
		if m == nil || m[1] != tc.pkg || m[2] != tc.ver {
			t.Errorf("%q: %q, want %s %s", tc.show, m, tc.pkg, tc.ver)
		}
	}
}

// fakeVM returns a runner whose qemu-system-fake is a shell script with the
// given body, and a kernel entry that uses it.
func fakeVM(t *testing.T, body string, timeout int, scale float64) (*runner, kernel) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "qemu-system-fake"), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	initBin := filepath.Join(dir, "init")
	os.WriteFile(initBin, []byte("init"), 0o755)
	r := &runner{
		o:      options{qemuPrefix: dir, logdir: dir, timeoutScale: scale},
		stdout: &bytes.Buffer{},
		work:   dir,
		inits:  map[string]string{"amd64": initBin},
		bins:   map[string][]testBinary{},
	}
	k := kernel{ID: "fake-6.1", Targets: []string{"linux/amd64"}, QEMU: "qemu-system-fake", Console: "ttyS0", Timeout: timeout}
	return r, k
}

func TestBootReportsFailedTest(t *testing.T) {
	r, k := fakeVM(t, `cat <<'OUT'
[    0.100000] Linux version 6.1.0-test
memfile-vm: up release=6.1.0-test goarch=amd64 pagesize=4096 hugepages=none
memfile-vm: run linux/amd64:.
=== RUN   TestA
--- PASS: TestA (0.00s)
=== RUN   TestB
    b_test.go:3: got 2, want 1
--- FAIL: TestB (0.00s)
FAIL
memfile-vm: exit linux/amd64:. status=1 seconds=0.1
memfile-vm: done status=1
OUT`, 30, 1)
	res := r.boot(k, &kernelImage{Path: "/dev/null"})
	if res.err != "" || res.release != "6.1.0-test" || res.pagesz != "4096" {
		t.Fatalf("err %q release %q pagesize %q", res.err, res.release, res.pagesz)
	}
	if res.ok() || len(res.runs) != 1 || res.runs[0].status != 1 || res.runs[0].report.pass != 1 || res.runs[0].report.fail != 1 {
		t.Fatalf("ok %v runs %+v", res.ok(), res.runs)
	}
	var out bytes.Buffer
	res.printFailure(&out)
	if !strings.Contains(out.String(), "--- FAIL: TestB") || !strings.Contains(out.String(), "got 2, want 1") {
		t.Errorf("failure report lacks the test's output:\n%s", out.String())
	}
	out.Reset()
	res.print(&out)
	if !strings.Contains(out.String(), "kernel=fake-6.1 target=linux/amd64 release=6.1.0-test pagesize=4096") || !strings.Contains(out.String(), "pass=1 fail=1 skip=0 status=FAIL") {
		t.Errorf("summary line: %s", out.String())
	}
}

func TestBootTimeoutShowsConsoleTail(t *testing.T) {
	r, k := fakeVM(t, `echo "[    1.000000] stuck in a driver"; exec sleep 60`, 20, 0.05)
	res := r.boot(k, &kernelImage{Path: "/dev/null"})
	if !strings.Contains(res.err, "TIMEOUT") || res.ok() {
		t.Fatalf("a hanging VM: err %q, ok %v", res.err, res.ok())
	}
	var out bytes.Buffer
	res.printFailure(&out)
	if !strings.Contains(out.String(), "stuck in a driver") {
		t.Errorf("failure report lacks the console tail:\n%s", out.String())
	}
}

func TestBootEndsWithoutMarker(t *testing.T) {
	r, k := fakeVM(t, `echo "Kernel panic - not syncing: Attempted to kill init!"`, 30, 1)
	res := r.boot(k, &kernelImage{Path: "/dev/null"})
	if !strings.Contains(res.err, "before init started") || res.ok() {
		t.Fatalf("a VM that panics: err %q, ok %v", res.err, res.ok())
	}
}
