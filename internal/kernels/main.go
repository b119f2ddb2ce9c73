// Command kernels runs the package's test suite on real Linux kernels. For
// each entry of its matrix (Debian's 5.10, 6.1 and 6.12 kernels for amd64;
// 386; arm64 with 4 and 16 KiB pages; ppc64le with 64 KiB pages; s390x; arm
// with and without LPAE; mips64le; mipsle; riscv64; and the android/arm64
// build on the arm64 6.1 kernel) it boots the kernel under qemu-system (TCG)
// with an initramfs it writes itself, holding a small Go init (./vminit) and
// the static test binaries, and reads the results from the serial console.
//
// Usage:
//
//	go run ./internal/kernels [flags]
//
// Steps, per kernel:
//  1. fetch the Debian kernel package with apt-get download through a private
//     apt configuration (its own sources list, state and cache directories
//     under -cache, one per suite and architecture; the machine's sources and
//     dpkg architectures are left alone), unpack it with dpkg-deb -x and keep
//     its boot/ directory in the cache;
//  2. build the test binary of each package (-pkgs) for each target the kernel
//     runs (CGO_ENABLED=0 go test -c), and vminit for its GOARCH;
//  3. write a newc cpio initramfs: /init (vminit), /vm.conf, /dev/console,
//     the test binaries each beside a copy of its package's testdata, and for
//     android a stand-in for /system/bin/linker64 (-android-linker);
//  4. boot qemu-system-<arch> with the kernel and initramfs, with a bounded
//     time per VM (-timeout-scale); a VM that hangs fails with its console
//     tail;
//  5. report per kernel and target: boot time, test time, passed, failed and
//     skipped tests (with the skip reasons), the "behaviour:" lines the
//     kernel tests log, and the output of every failed test.
//
// Flags:
//
//	-kernels list    matrix entries to run, comma-separated globs (default all; -list shows them)
//	-pkgs list       packages whose tests run in each VM (default ". ./examples/...")
//	-testflags s     extra flags for every test binary (e.g. -test.short, -test.run=X)
//	-j n             VMs booted at the same time (default: number of CPUs)
//	-cache dir       download cache kept between runs (default /var/cache/memfile-kernels)
//	-logdir dir      where console logs go (default: a new temporary directory)
//	-timeout-scale f multiply every VM's time limit by f
//	-refresh         run apt-get update even if the package lists are cached
//	-fetch           only fetch the kernels
//	-list            print the matrix and exit
//	-append s        extra kernel command line parameters (e.g. "loglevel=7 printk.time=1")
//	-summary file    also write the closing kernel= lines to file (CI counts them)
//	-v               stream every console to standard output
//
// Output: one line per kernel and target as each VM ends, and again in the
// closing summary (and in the -summary file),
//
//	kernel=ID target=GOOS/GOARCH release=R pagesize=P boot=Bs test=Ts pass=N fail=N skip=N status=ok|FAIL
//
// then per kernel the "behaviour:" lines its tests logged and its skipped
// tests with their reasons, and last the output of every failed test (or
// the console tail of a VM that failed as a whole). Exit
// status 1 if any VM failed (a test failed, a binary exited non-zero, the VM
// hung or never reached the end marker, or a download failed), 2 on a usage
// error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	kernels      string
	pkgs         string
	testflags    string
	jobs         int
	cache        string
	logdir       string
	timeoutScale float64
	refresh      bool
	fetchOnly    bool
	list         bool
	verbose      bool
	mirror       string
	keyring      string
	linker64     string
	goCmd        string
	qemuPrefix   string
	appendArgs   string
	summary      string
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("kernels", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.kernels, "kernels", "all", "matrix entries to run (comma-separated globs)")
	fs.StringVar(&o.pkgs, "pkgs", ". ./examples/...", "packages whose tests run in each VM")
	fs.StringVar(&o.testflags, "testflags", "", "extra flags for every test binary")
	fs.IntVar(&o.jobs, "j", runtime.NumCPU(), "VMs booted at the same time")
	fs.StringVar(&o.cache, "cache", envOr("MEMFILE_KERNEL_CACHE", "/var/cache/memfile-kernels"), "download cache")
	fs.StringVar(&o.logdir, "logdir", "", "directory for console logs (default: a new temporary directory)")
	fs.Float64Var(&o.timeoutScale, "timeout-scale", 1, "multiply every VM's time limit by this")
	fs.BoolVar(&o.refresh, "refresh", false, "run apt-get update even if the package lists are cached")
	fs.BoolVar(&o.fetchOnly, "fetch", false, "only fetch the kernels")
	fs.BoolVar(&o.list, "list", false, "print the matrix and exit")
	fs.BoolVar(&o.verbose, "v", false, "stream every console to standard output")
	fs.StringVar(&o.mirror, "mirror", "", "Debian archive URI (default: the one the machine's apt sources use)")
	fs.StringVar(&o.keyring, "keyring", "/usr/share/keyrings/debian-archive-keyring.gpg", "keyring the archive is signed with")
	fs.StringVar(&o.linker64, "android-linker", "/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1", "aarch64 ELF loader used as Android's /system/bin/linker64")
	fs.StringVar(&o.goCmd, "go", "go", "go command")
	fs.StringVar(&o.appendArgs, "append", "", "extra kernel command line parameters (e.g. loglevel=7 to see the boot)")
	fs.StringVar(&o.summary, "summary", "", "also write the closing kernel= lines to this file")
	fs.StringVar(&o.qemuPrefix, "qemu-dir", "", "directory of the qemu-system binaries (default: PATH)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kernels: unexpected arguments %q\n", fs.Args())
		return 2
	}
	ks, err := selectKernels(o.kernels)
	if err != nil {
		fmt.Fprintln(stderr, "kernels:", err)
		return 2
	}
	if o.list {
		for _, k := range ks {
			fmt.Fprintf(stdout, "%-15s %-19s %-8s %-24s %-22s %s\n", k.ID, k.Suite, k.DebArch, k.Package, strings.Join(k.Targets, ","), k.Note)
		}
		return 0
	}
	if o.jobs < 1 {
		o.jobs = 1
	}
	r := &runner{o: o, stdout: stdout}
	return r.main(ks)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type runner struct {
	o      options
	stdout io.Writer
	mu     sync.Mutex // serializes output
	work   string
	bins   map[string][]testBinary // by target
	inits  map[string]string       // vminit binary by GOARCH
}

// testBinary is one package's test binary for one target.
type testBinary struct {
	target string // goos/goarch
	rel    string // package directory relative to the module root ("." or "examples/share")
	path   string // host path of the binary
	dir    string // host package directory (for testdata)
}

func (r *runner) logf(format string, args ...interface{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.stdout, "kernels: "+format+"\n", args...)
}

func (r *runner) main(ks []kernel) int {
	start := time.Now()
	mirror := r.o.mirror
	if mirror == "" {
		mirror = machineMirror()
		if mirror == "" {
			r.logf("no Debian archive found in /etc/apt/sources.list{,.d}: pass -mirror URI")
			return 2
		}
	}
	if err := os.MkdirAll(r.o.cache, 0o755); err != nil {
		r.logf("cache directory: %v", err)
		return 1
	}
	f := &fetcher{cache: r.o.cache, mirror: mirror, keyring: r.o.keyring, aptGet: "apt-get", aptCach: "apt-cache", refresh: r.o.refresh, log: r.logf}
	images := map[string]*kernelImage{}
	failed := false
	// Each kernel has its own apt directory (suite, architecture), so the
	// downloads can run side by side.
	var fwg sync.WaitGroup
	var fmu sync.Mutex
	fsem := make(chan struct{}, 2)
	for _, k := range ks {
		fwg.Add(1)
		go func(k kernel) {
			defer fwg.Done()
			fsem <- struct{}{}
			defer func() { <-fsem }()
			img, err := f.fetch(k)
			fmu.Lock()
			defer fmu.Unlock()
			if err != nil {
				r.logf("%s: FAIL fetching the kernel: %v", k.ID, err)
				failed = true
				return
			}
			how := "downloaded"
			if img.Cached {
				how = "cached"
			}
			r.logf("%s: %s %s (%s, %.1fs): %s", k.ID, img.Package, img.Version, how, img.Fetch.Seconds(), img.Path)
			images[k.ID] = img
		}(k)
	}
	fwg.Wait()
	if r.o.fetchOnly {
		if failed {
			return 1
		}
		return 0
	}

	work, err := os.MkdirTemp("", "memfile-kernels-")
	if err != nil {
		r.logf("%v", err)
		return 1
	}
	defer os.RemoveAll(work)
	r.work = work
	if r.o.logdir == "" {
		r.o.logdir = filepath.Join(os.TempDir(), "memfile-kernels-logs-"+time.Now().Format("20060102-150405"))
	}
	if err := os.MkdirAll(r.o.logdir, 0o755); err != nil {
		r.logf("logdir: %v", err)
		return 1
	}
	tb := time.Now()
	if err := r.build(ks); err != nil {
		r.logf("FAIL building: %v", err)
		return 1
	}
	r.logf("built the test binaries in %.1fs; console logs in %s", time.Since(tb).Seconds(), r.o.logdir)

	// Longest first, so that the parallel runs end together.
	order := make([]kernel, 0, len(ks))
	for _, k := range ks {
		if images[k.ID] != nil {
			order = append(order, k)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Timeout > order[j].Timeout })
	results := make(map[string]*vmResult)
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.o.jobs)
	var rmu sync.Mutex
	for _, k := range order {
		wg.Add(1)
		go func(k kernel) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res := r.boot(k, images[k.ID])
			rmu.Lock()
			results[k.ID] = res
			rmu.Unlock()
			r.mu.Lock()
			res.print(r.stdout)
			r.mu.Unlock()
		}(k)
	}
	wg.Wait()

	var sum strings.Builder
	for _, k := range ks {
		res := results[k.ID]
		if res == nil {
			fmt.Fprintf(&sum, "kernel=%s target=%s pass=0 fail=1 skip=0 status=FAIL (kernel not fetched)\n", k.ID, strings.Join(k.Targets, ","))
			continue
		}
		res.print(&sum)
		if !res.ok() {
			failed = true
		}
	}
	fmt.Fprintf(r.stdout, "\n=== real kernels: summary (%.0fs)\n%s", time.Since(start).Seconds(), sum.String())
	if r.o.summary != "" {
		if err := os.WriteFile(r.o.summary, []byte(sum.String()), 0o644); err != nil {
			r.logf("-summary: %v", err)
			failed = true
		}
	}
	fmt.Fprintf(r.stdout, "\n=== real kernels: behaviours and skipped tests\n")
	shown := map[string]string{}
	for _, k := range ks {
		if res := results[k.ID]; res != nil {
			res.printDetails(r.stdout, shown)
		}
	}
	for _, k := range ks {
		if res := results[k.ID]; res != nil && !res.ok() {
			res.printFailure(r.stdout)
		}
	}
	if failed {
		fmt.Fprintln(r.stdout, "kernels: FAIL")
		return 1
	}
	fmt.Fprintf(r.stdout, "kernels: all %d kernels passed\n", len(ks))
	return 0
}

// build compiles vminit for every GOARCH and the test binaries for every
// target of ks.
func (r *runner) build(ks []kernel) error {
	r.bins = map[string][]testBinary{}
	r.inits = map[string]string{}
	pkgs, err := r.listPackages()
	if err != nil {
		return err
	}
	for _, k := range ks {
		for _, t := range k.Targets {
			goos, goarch := splitTarget(t)
			if _, ok := r.inits[goarch]; !ok {
				p := filepath.Join(r.work, "init-"+goarch)
				if err := r.goBuild("linux", goarch, "build", "-o", p, "./internal/kernels/vminit"); err != nil {
					return err
				}
				r.inits[goarch] = p
			}
			if _, ok := r.bins[t]; ok {
				continue
			}
			r.bins[t] = []testBinary{}
			for _, p := range pkgs {
				out := filepath.Join(r.work, goos+"-"+goarch, strings.Replace(p.rel, "/", "_", -1)+".test")
				if err := r.goBuild(goos, goarch, "test", "-c", "-o", out, "./"+p.rel); err != nil {
					return err
				}
				if _, err := os.Stat(out); err != nil {
					continue // no test files for this target
				}
				r.bins[t] = append(r.bins[t], testBinary{target: t, rel: p.rel, path: out, dir: p.dir})
			}
			if len(r.bins[t]) == 0 {
				return fmt.Errorf("%s: no test binary was built from -pkgs %q", t, r.o.pkgs)
			}
		}
	}
	return nil
}

type pkgDir struct{ rel, dir string }

// listPackages resolves -pkgs to package directories with tests.
func (r *runner) listPackages() ([]pkgDir, error) {
	args := append([]string{"list", "-f", "{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}"}, splitList(r.o.pkgs)...)
	cmd := exec.Command(r.o.goCmd, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		return nil, fmt.Errorf("go list %s: %v\n%s", r.o.pkgs, err, msg)
	}
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var pkgs []pkgDir
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[1] == "0" && f[2] == "0" {
			continue
		}
		rel, err := filepath.Rel(root, f[0])
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("package %s is outside the module root %s (run from the root)", f[0], root)
		}
		pkgs = append(pkgs, pkgDir{filepath.ToSlash(rel), f[0]})
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("-pkgs %q: no package with tests", r.o.pkgs)
	}
	return pkgs, nil
}

func (r *runner) goBuild(goos, goarch string, args ...string) error {
	cmd := exec.Command(r.o.goCmd, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("GOOS=%s GOARCH=%s go %s: %v\n%s", goos, goarch, strings.Join(args, " "), err, out)
	}
	return nil
}

func splitTarget(t string) (goos, goarch string) {
	i := strings.Index(t, "/")
	return t[:i], t[i+1:]
}
