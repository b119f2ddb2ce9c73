package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// vmResult is what one boot gave.
type vmResult struct {
	k       kernel
	img     *kernelImage
	err     string        // why the VM failed as a whole (timeout, no end marker, ...)
	boot    time.Duration // qemu start to init's "up" marker
	total   time.Duration
	release string
	pagesz  string
	huge    string
	runs    []*runResult
	tailLog []string // last console lines
	logPath string
}

// runResult is one test binary's run inside the VM.
type runResult struct {
	name    string // goos/goarch:pkg
	target  string
	status  int
	seconds float64
	ended   bool
	report  goTestReport
}

func (v *vmResult) ok() bool {
	if v.err != "" || len(v.runs) == 0 {
		return false
	}
	for _, r := range v.runs {
		if !r.ended || r.status != 0 || r.report.fail > 0 || r.report.pass+r.report.skip == 0 {
			return false
		}
	}
	return true
}

// targetTotals sums the runs of each target, in the kernel's target order.
func (v *vmResult) targetTotals() []runResult {
	var out []runResult
	for _, t := range v.k.Targets {
		sum := runResult{target: t, ended: true}
		n := 0
		for _, r := range v.runs {
			if r.target != t {
				continue
			}
			n++
			sum.seconds += r.seconds
			sum.report.pass += r.report.pass
			sum.report.fail += r.report.fail
			sum.report.skip += r.report.skip
			if r.status != 0 && sum.status == 0 {
				sum.status = r.status
			}
			sum.ended = sum.ended && r.ended
		}
		if n == 0 {
			sum.ended = false
		}
		out = append(out, sum)
	}
	return out
}

// print writes one line per target.
func (v *vmResult) print(w io.Writer) {
	for _, t := range v.targetTotals() {
		status := "ok"
		if v.err != "" || !t.ended || t.status != 0 || t.report.fail > 0 || t.report.pass+t.report.skip == 0 {
			status = "FAIL"
		}
		fmt.Fprintf(w, "kernel=%s target=%s release=%s pagesize=%s boot=%.1fs test=%.1fs pass=%d fail=%d skip=%d status=%s\n",
			v.k.ID, t.target, orDash(v.release), orDash(v.pagesz), v.boot.Seconds(), t.seconds, t.report.pass, t.report.fail, t.report.skip, status)
	}
	if v.err != "" {
		fmt.Fprintf(w, "  %s: %s\n", v.k.ID, v.err)
	}
}

// printDetails writes the behaviours the kernel tests logged and the
// skipped tests with their reasons; a skip list that is the same as an
// earlier kernel's (up to the GOARCH and release named in it) is not
// repeated. shown maps a normalized skip list to the kernel that showed it.
func (v *vmResult) printDetails(w io.Writer, shown map[string]string) {
	for _, r := range v.runs {
		for _, b := range r.report.behaviours {
			fmt.Fprintf(w, "  %s %s behaviour: %s\n", v.k.ID, r.name, b)
		}
	}
	var skips []string
	for _, r := range v.runs {
		for _, s := range r.report.skips {
			skips = append(skips, r.name+" "+s)
		}
	}
	if len(skips) == 0 {
		return
	}
	key := strings.Join(skips, "\n")
	for _, t := range v.k.Targets {
		_, goarch := splitTarget(t)
		key = strings.Replace(strings.Replace(key, t, "@T", -1), " "+goarch, " @A", -1)
	}
	if v.release != "" {
		key = strings.Replace(key, v.release, "@R", -1)
	}
	if prev, ok := shown[key]; ok {
		fmt.Fprintf(w, "  %s: %d skipped, the same as on %s\n", v.k.ID, len(skips), prev)
		return
	}
	shown[key] = v.k.ID
	for _, s := range skips {
		fmt.Fprintf(w, "  %s %s\n", v.k.ID, strings.Replace(s, ": ", " skip: ", 1))
	}
}

func (v *vmResult) printFailure(w io.Writer) {
	fmt.Fprintf(w, "\n--- %s FAILED (%s %s; console log %s)\n", v.k.ID, v.img.Package, v.img.Version, v.logPath)
	if v.err != "" {
		fmt.Fprintf(w, "%s\n", v.err)
	}
	shown := false
	for _, r := range v.runs {
		for _, f := range r.report.failures {
			fmt.Fprintf(w, "%s: %s\n", r.name, f)
			shown = true
		}
		if r.ended && r.status != 0 && len(r.report.failures) == 0 {
			fmt.Fprintf(w, "%s: exit status %d\n", r.name, r.status)
		}
	}
	if !shown || v.err != "" {
		fmt.Fprintf(w, "[last %d console lines]\n", len(v.tailLog))
		for _, l := range v.tailLog {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// guestDir is where a test binary and its testdata live in the guest.
func guestDir(b testBinary) string {
	goos, goarch := splitTarget(b.target)
	return path.Join("/t", goos+"-"+goarch, b.rel)
}

// initramfsFor writes the initramfs of kernel k to p.
func (r *runner) initramfsFor(k kernel, p string) error {
	var fs initramfs
	_, goarch := splitTarget(k.Targets[0])
	fs.hostFile("init", 0o755, r.inits[goarch])
	for _, d := range []string{"dev", "proc", "sys", "tmp", "root"} {
		fs.dir(d)
	}
	fs.charDev("dev/console", 0o600, 5, 1)
	fs.charDev("dev/null", 0o666, 1, 3)
	var conf strings.Builder
	conf.WriteString("hugepages-mb\t64\n")
	for _, e := range []string{"PATH=/bin:/sbin", "HOME=/root", "TMPDIR=/tmp", "LANG=C"} {
		fmt.Fprintf(&conf, "env\t%s\n", e)
	}
	timeout := int(float64(k.Timeout)*r.o.timeoutScale) - 30
	if timeout < 60 {
		timeout = 60
	}
	for _, t := range k.Targets {
		if strings.HasPrefix(t, "android/") {
			if _, err := os.Stat(r.o.linker64); err != nil {
				return fmt.Errorf("%s: the android build needs an aarch64 ELF loader as /system/bin/linker64: %v (apt-get install libc6-arm64-cross, or pass -android-linker)", k.ID, err)
			}
			fs.hostFile("system/bin/linker64", 0o755, r.o.linker64)
		}
		for _, b := range r.bins[t] {
			gd := guestDir(b)
			if td := filepath.Join(b.dir, "testdata"); isDir(td) {
				if err := fs.tree(path.Join(gd, "testdata"), td); err != nil {
					return err
				}
			}
			exe := path.Join(gd, path.Base(b.path))
			fs.hostFile(strings.TrimPrefix(exe, "/"), 0o755, b.path)
			args := []string{"-test.v", fmt.Sprintf("-test.timeout=%ds", timeout)}
			args = append(args, strings.Fields(r.o.testflags)...)
			fmt.Fprintf(&conf, "run\t%s:%s\t%s\t%s\t%s\n", t, b.rel, gd, exe, strings.Join(args, "\t"))
		}
	}
	fs.file("vm.conf", 0o644, []byte(conf.String()))
	return fs.writeFile(p)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// qemuCommand is the qemu-system command line for k. The kernel logs its
// boot in full (the tail of a VM that hangs while booting says where);
// vminit then lowers the console log level so that kernel messages do not
// interleave with the tests' output.
func (r *runner) qemuCommand(k kernel, image, initrd string) []string {
	bin := k.QEMU
	if r.o.qemuPrefix != "" {
		bin = filepath.Join(r.o.qemuPrefix, bin)
	}
	args := []string{bin}
	args = append(args, k.Args...)
	args = append(args, "-smp", "1", "-accel", "tcg", "-display", "none", "-monitor", "none", "-serial", "stdio",
		"-no-reboot", "-net", "none", "-kernel", image, "-initrd", initrd,
		"-append", strings.TrimSpace("console="+k.Console+" panic=-1 "+r.o.appendArgs))
	return args
}

var (
	upRE   = regexp.MustCompile(`memfile-vm: up release=(\S+) goarch=\S+ pagesize=(\d+) hugepages=(\S+)`)
	runRE  = regexp.MustCompile(`memfile-vm: run (\S+)$`)
	exitRE = regexp.MustCompile(`memfile-vm: exit (\S+) status=(-?\d+) seconds=([0-9.]+)`)
	doneRE = regexp.MustCompile(`memfile-vm: done status=(-?\d+)`)
)

// boot runs one VM.
func (r *runner) boot(k kernel, img *kernelImage) *vmResult {
	res := &vmResult{k: k, img: img}
	initrd := filepath.Join(r.work, k.ID+".cpio")
	if err := r.initramfsFor(k, initrd); err != nil {
		res.err = "writing the initramfs: " + err.Error()
		return res
	}
	res.logPath = filepath.Join(r.o.logdir, k.ID+".console.log")
	logf, err := os.Create(res.logPath)
	if err != nil {
		res.err = err.Error()
		return res
	}
	defer logf.Close()
	argv := r.qemuCommand(k, img.Path, initrd)
	fmt.Fprintf(logf, "# %s\n", strings.Join(argv, " "))
	if _, err := exec.LookPath(argv[0]); err != nil {
		res.err = fmt.Sprintf("%s not found (apt-get install the qemu-system package that has it): %v", argv[0], err)
		return res
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	stdin, _ := os.Open(os.DevNull)
	if stdin != nil {
		defer stdin.Close()
		cmd.Stdin = stdin
	}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	start := time.Now()
	if err := cmd.Start(); err != nil {
		res.err = "starting qemu: " + err.Error()
		return res
	}
	limit := time.Duration(float64(k.Timeout)*r.o.timeoutScale) * time.Second
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()

	var (
		mu      sync.Mutex
		cur     *runResult
		lines   []string
		done    = make(chan struct{})
		doneSet bool
	)
	tail := make([]string, 0, 60)
	parsed := make(chan struct{})
	go func() {
		defer close(parsed)
		// Read to the end whatever comes (a line of any length), so that
		// qemu never blocks on its output.
		br := bufio.NewReaderSize(pr, 64<<10)
		for {
			text, err := br.ReadString('\n')
			if text == "" && err != nil {
				break
			}
			line := strings.TrimRight(text, "\r\n")
			fmt.Fprintln(logf, line)
			if r.o.verbose {
				r.mu.Lock()
				fmt.Fprintf(r.stdout, "[%s] %s\n", k.ID, line)
				r.mu.Unlock()
			}
			mu.Lock()
			if len(tail) == cap(tail) {
				tail = append(tail[:0], tail[1:]...)
			}
			tail = append(tail, line)
			switch {
			case upRE.MatchString(line):
				m := upRE.FindStringSubmatch(line)
				res.boot = time.Since(start)
				res.release, res.pagesz, res.huge = m[1], m[2], m[3]
			case runRE.MatchString(line):
				name := runRE.FindStringSubmatch(line)[1]
				cur = &runResult{name: name, target: strings.SplitN(name, ":", 2)[0]}
				res.runs = append(res.runs, cur)
				lines = nil
			case exitRE.MatchString(line) && cur != nil:
				m := exitRE.FindStringSubmatch(line)
				cur.status, _ = strconv.Atoi(m[2])
				cur.seconds, _ = strconv.ParseFloat(m[3], 64)
				cur.ended = true
				cur.report = parseGoTest(lines)
				cur, lines = nil, nil
			case doneRE.MatchString(line):
				if !doneSet {
					doneSet = true
					close(done)
				}
			default:
				if cur != nil {
					lines = append(lines, line)
				}
			}
			mu.Unlock()
		}
	}()

	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-exited:
	case <-done:
		// Init powers off; give qemu a moment to exit.
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	case <-timer.C:
		cmd.Process.Kill()
		<-exited
		mu.Lock()
		res.err = fmt.Sprintf("TIMEOUT: the VM did not finish within %s", limit)
		if cur != nil {
			res.err += fmt.Sprintf(" (running %s)", cur.name)
			cur.report = parseGoTest(lines)
		}
		mu.Unlock()
	}
	<-parsed
	res.total = time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	res.tailLog = append([]string(nil), tail...)
	if res.err == "" && !doneSet {
		if res.release == "" {
			res.err = "the VM ended before init started (kernel panic or no console output?)"
		} else {
			res.err = "the VM ended before init's end marker"
		}
		if cur != nil {
			cur.report = parseGoTest(lines)
		}
	}
	return res
}

// goTestReport is what a go test -test.v output says.
type goTestReport struct {
	pass, fail, skip int
	skips            []string // "TestX: reason"
	failures         []string // "--- FAIL: TestX (0.1s)" and the test's output
	behaviours       []string // lines logged as "behaviour: ..."
}

var (
	resultRE = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+)`)
	startRE  = regexp.MustCompile(`^=== (RUN|CONT|NAME|PAUSE)\s+(\S+)`)
	logRE    = regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)
	behavRE  = regexp.MustCompile(`^\s+\S+\.go:\d+: behaviour: (.*)$`)
)

// parseGoTest counts the results of a -test.v run and collects each
// skipped test's reason, each failed test's output and the behaviours.
// With -test.v a test's log lines stream after its "=== RUN" (or CONT)
// line, so lines are credited to the test named by the last such line.
func parseGoTest(lines []string) goTestReport {
	var rep goTestReport
	out := map[string][]string{}
	cur := ""
	for i, line := range lines {
		if m := startRE.FindStringSubmatch(line); m != nil {
			cur = m[2]
			continue
		}
		if m := resultRE.FindStringSubmatch(line); m != nil {
			name := m[2]
			switch m[1] {
			case "PASS":
				rep.pass++
			case "SKIP":
				rep.skip++
				reason := "(no reason logged)"
				if o := out[name]; len(o) > 0 {
					reason = strings.TrimSpace(o[len(o)-1])
					if lm := logRE.FindStringSubmatch(o[len(o)-1]); lm != nil {
						reason = lm[1]
					}
				}
				rep.skips = append(rep.skips, name+": "+reason)
			case "FAIL":
				rep.fail++
				o := out[name]
				if len(o) > 40 {
					o = append(o[:20:20], append([]string{"        [...]"}, o[len(o)-20:]...)...)
				}
				rep.failures = append(rep.failures, strings.TrimSpace(line)+"\n"+strings.Join(o, "\n"))
			}
			delete(out, name)
			continue
		}
		if m := behavRE.FindStringSubmatch(line); m != nil {
			rep.behaviours = append(rep.behaviours, m[1])
		}
		if strings.HasPrefix(line, "panic: ") {
			// A panic (a test timeout among them) ends the binary: keep
			// what it says about the running tests and the first stacks.
			end := i + 40
			if end > len(lines) {
				end = len(lines)
			}
			rep.failures = append(rep.failures, strings.Join(lines[i:end], "\n"))
			break
		}
		if strings.HasPrefix(line, "FAIL") && !strings.HasPrefix(line, "FAIL:") {
			continue
		}
		if cur != "" && strings.HasPrefix(line, " ") {
			out[cur] = append(out[cur], line)
		}
	}
	return rep
}
