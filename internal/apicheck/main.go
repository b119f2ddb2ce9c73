// Command apicheck is the Go API floor check for package memfile.
//
// Usage:
//
//	go run ./internal/apicheck [flags] [dir]
//
// It type-checks the non-test .go files of the package in dir (default ".")
// once per GOOS/GOARCH target, with files selected by go/build exactly as a
// CGO_ENABLED=0 build selects them (GOOS=android also matches _linux files)
// and with the standard library type-checked from $GOROOT/src for that same
// target, so e.g. syscall is the target's syscall. It records every
// standard-library symbol the package uses (package-level consts, vars,
// funcs and types, and methods and fields of std types such as
// sync.Mutex.Lock or atomic.Value.Load) and fails if any of them appears in
// $GOROOT/api/go1.N.txt for N greater than the floor (default 1.17), taking
// the "(goos-goarch)" qualifiers of those files into account. The package is
// also type-checked with types.Config.GoVersion set to the floor, so
// language features newer than the floor (generics, any, min/max, ...) fail
// too. Finally it fails if a non-test file imports a package outside the
// allowed set.
//
// Flags:
//
//	-floor 1.17            oldest Go release the package must build with
//	-targets list          goos/goarch pairs, comma or space separated
//	-goos list -goarch list  alternative: the cross product of both lists
//	-allow list            allowed imports for non-test files
//	-goroot dir            GOROOT whose src/ and api/ are used
//	-q                     do not print the list of std symbols used
//	-v                     also print the files selected per target
//
// Exit status: 0 if the package passes, 1 if it fails, 2 on a usage or setup
// error.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/build"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

const defaultAllow = "errors io runtime strconv sync sync/atomic syscall unsafe"

// defaultTargets are all the ports package memfile supports, plus a few
// ports that only get portable stub files.
var defaultTargets = []string{
	"linux/386", "linux/amd64", "linux/arm", "linux/arm64", "linux/loong64",
	"linux/mips", "linux/mipsle", "linux/mips64", "linux/mips64le",
	"linux/ppc64", "linux/ppc64le", "linux/riscv64", "linux/s390x",
	"android/386", "android/amd64", "android/arm", "android/arm64",
	"freebsd/386", "freebsd/amd64", "freebsd/arm", "freebsd/arm64", "freebsd/riscv64",
	"windows/amd64", "darwin/arm64", "js/wasm", "plan9/amd64",
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// parseFloor accepts "1.17", "go1.17" or "17" and returns the minor version.
func parseFloor(s string) (int, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "go")
	s = strings.TrimPrefix(s, "1.")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad -floor %q: want e.g. 1.17", s)
	}
	return n, nil
}

func parseTargets(list, goosList, goarchList string) ([]target, error) {
	var specs []string
	switch {
	case list != "":
		specs = splitList(list)
	case goosList != "" || goarchList != "":
		oses, arches := splitList(goosList), splitList(goarchList)
		if len(oses) == 0 {
			oses = []string{runtime.GOOS}
		}
		if len(arches) == 0 {
			arches = []string{runtime.GOARCH}
		}
		for _, o := range oses {
			for _, a := range arches {
				specs = append(specs, o+"/"+a)
			}
		}
	default:
		specs = defaultTargets
	}
	var ts []target
	seen := map[string]bool{}
	for _, s := range specs {
		i := strings.Index(s, "/")
		if i <= 0 || i == len(s)-1 {
			return nil, fmt.Errorf("bad target %q: want goos/goarch", s)
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		ts = append(ts, target{s[:i], s[i+1:]})
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("no targets")
	}
	return ts, nil
}

// findGOROOT returns a GOROOT that has both src/ and api/.
func findGOROOT(flagValue string) (string, error) {
	var candidates []string
	if flagValue != "" {
		candidates = append(candidates, flagValue)
	} else {
		candidates = append(candidates, build.Default.GOROOT)
		if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
			candidates = append(candidates, strings.TrimSpace(string(out)))
		}
	}
	for _, g := range candidates {
		if g == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(g, "api", "go1.txt")); err == nil && !fi.IsDir() {
			if fi, err := os.Stat(filepath.Join(g, "src", "runtime")); err == nil && fi.IsDir() {
				return g, nil
			}
		}
	}
	return "", fmt.Errorf("no GOROOT with api/go1.txt and src/runtime among %q (use -goroot)", candidates)
}

// knownPorts returns the goos/goarch pairs the toolchain in goroot
// supports, or nil if that cannot be determined.
// Ports marked broken (e.g. freebsd/riscv64 in Go 1.26) still build and
// are included; "-broken" is tried first and is unknown to older releases.
func knownPorts(goroot string) map[string]bool {
	var out []byte
	var err error
	for _, args := range [][]string{{"tool", "dist", "list", "-broken"}, {"tool", "dist", "list"}} {
		cmd := exec.Command(filepath.Join(goroot, "bin", "go"), args...)
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
		if out, err = cmd.Output(); err == nil {
			break
		}
	}
	if err != nil {
		return nil
	}
	ports := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		ports[p] = true
	}
	if len(ports) == 0 {
		return nil
	}
	return ports
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apicheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	floorFlag := fs.String("floor", "1.17", "oldest supported Go release")
	targetsFlag := fs.String("targets", "", "goos/goarch list (default: all supported ports)")
	goosFlag := fs.String("goos", "", "GOOS list (cross product with -goarch)")
	goarchFlag := fs.String("goarch", "", "GOARCH list (cross product with -goos)")
	allowFlag := fs.String("allow", defaultAllow, "imports allowed in non-test files")
	gorootFlag := fs.String("goroot", "", "GOROOT to use (default: the running toolchain's)")
	quiet := fs.Bool("q", false, "do not list the std symbols used")
	verbose := fs.Bool("v", false, "list the files selected for each target")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "apicheck: at most one directory argument")
		return 2
	}
	dir := "."
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	floor, err := parseFloor(*floorFlag)
	if err != nil {
		fmt.Fprintln(stderr, "apicheck:", err)
		return 2
	}
	targets, err := parseTargets(*targetsFlag, *goosFlag, *goarchFlag)
	if err != nil {
		fmt.Fprintln(stderr, "apicheck:", err)
		return 2
	}
	allowed := map[string]bool{}
	for _, p := range splitList(*allowFlag) {
		allowed[p] = true
	}
	goroot, err := findGOROOT(*gorootFlag)
	if err != nil {
		fmt.Fprintln(stderr, "apicheck:", err)
		return 2
	}
	db, err := loadAPI(filepath.Join(goroot, "api"))
	if err != nil {
		fmt.Fprintln(stderr, "apicheck:", err)
		return 2
	}
	if floor > db.latest {
		fmt.Fprintf(stderr, "apicheck: floor go1.%d is newer than this toolchain's API data (go1.%d)\n", floor, db.latest)
		return 2
	}

	base := build.Default
	base.GOROOT = goroot
	base.CgoEnabled = false

	// Ports this toolchain does not know (e.g. freebsd/riscv64 before
	// Go 1.20) cannot be type-checked: its runtime does not build for them.
	var notes []string
	if ports := knownPorts(goroot); ports != nil {
		var keep []target
		for _, t := range targets {
			if ports[t.String()] {
				keep = append(keep, t)
			} else {
				notes = append(notes, fmt.Sprintf("note: %s: not a port of this toolchain (go tool dist list); skipped", t))
			}
		}
		targets = keep
		if len(targets) == 0 {
			fmt.Fprintln(stderr, "apicheck: none of the targets is a port of this toolchain")
			return 2
		}
	}

	// Check every target; a few at a time.
	fset := token.NewFileSet()
	results := make([]*targetResult, len(targets))
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range targets {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = checkTarget(base, dir, targets[i], floor, fset)
		}(i)
	}
	wg.Wait()

	var out bytes.Buffer
	var failures []string
	fail := func(format string, a ...interface{}) {
		failures = append(failures, fmt.Sprintf(format, a...))
	}
	fmt.Fprintf(&out, "apicheck: dir=%s floor=go1.%d goroot=%s api=go1..go1.%d\n", dir, floor, goroot, db.latest)
	for _, n := range notes {
		fmt.Fprintln(&out, n)
	}

	// Merge per-target results.
	uses := map[apiKey]*symUse{}
	fileImports := map[string][]importUse{}
	filesSeen := map[string]bool{}
	checked := 0
	typeErrs := map[string]map[string]bool{} // message -> targets
	var typeErrOrder []string
	for i, r := range results {
		t := targets[i]
		if errs[i] != nil {
			fail("%s: %v", t, errs[i])
			continue
		}
		if r.noGo {
			fmt.Fprintf(&out, "note: %s: no Go files selected (package does not build for this target)\n", t)
			continue
		}
		checked++
		if *verbose {
			fmt.Fprintf(&out, "target %s: %s\n", t, strings.Join(r.files, " "))
		}
		for _, e := range r.errs {
			if typeErrs[e] == nil {
				typeErrs[e] = map[string]bool{}
				typeErrOrder = append(typeErrOrder, e)
			}
			typeErrs[e][t.String()] = true
		}
		for _, f := range r.files {
			filesSeen[f] = true
		}
		for f, imps := range r.imports {
			if _, ok := fileImports[f]; !ok {
				fileImports[f] = imps
			}
		}
		for k, u := range r.uses {
			m := uses[k]
			if m == nil {
				m = &symUse{key: k, kind: u.kind, targets: map[string]bool{}, pos: map[string]string{}}
				uses[k] = m
			}
			for ts := range u.targets {
				m.targets[ts] = true
				m.pos[ts] = u.pos[ts]
			}
		}
	}
	for _, e := range typeErrOrder {
		fail("%s (on %s)", e, targetsString(typeErrs[e], nil))
	}
	if checked == 0 && len(failures) == 0 {
		fail("no Go files selected for any target in %s", dir)
	}

	// Import policy.
	var fnames []string
	for f := range fileImports {
		fnames = append(fnames, f)
	}
	sort.Strings(fnames)
	for _, f := range fnames {
		for _, imp := range fileImports[f] {
			if !allowed[imp.path] {
				fail("%s: imports %q, which is not in the allowed set {%s}", imp.pos, imp.path, strings.Join(sortedKeys(allowed), " "))
			}
		}
	}

	// Files in dir that no target selected (excluding tests).
	if all, err := filepath.Glob(filepath.Join(dir, "*.go")); err == nil {
		var unselected []string
		for _, p := range all {
			b := filepath.Base(p)
			if strings.HasSuffix(b, "_test.go") || filesSeen[b] {
				continue
			}
			unselected = append(unselected, b)
		}
		if len(unselected) > 0 {
			fmt.Fprintf(&out, "note: not selected for any target (build constraints, or gated by a release tag newer than go1.%d): %s\n", floor, strings.Join(unselected, " "))
		}
	}

	// Context notes, once per target.
	matchers := map[string]ctxMatcher{}
	for _, t := range targets {
		m := newCtxMatcher(db, t.goos, t.goarch, floor)
		matchers[t.String()] = m
		if *verbose && m.note != "" {
			fmt.Fprintf(&out, "note: %s: %s\n", t, m.note)
		}
	}

	// API floor.
	keys := make([]apiKey, 0, len(uses))
	for k := range uses {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].pkg != keys[j].pkg {
			return keys[i].pkg < keys[j].pkg
		}
		return keys[i].name < keys[j].name
	})
	allTargets := make([]string, 0, checked)
	for i, r := range results {
		if errs[i] == nil && r != nil && !r.noGo {
			allTargets = append(allTargets, targets[i].String())
		}
	}
	newer := 0
	if !*quiet {
		fmt.Fprintf(&out, "std symbols used (%d):\n", len(keys))
	}
	for _, k := range keys {
		u := uses[k]
		where := targetsString(u.targets, allTargets)
		if !*quiet {
			fmt.Fprintf(&out, "  %-40s %-7s %s\n", k.String(), u.kind, where)
		}
		// Group the targets on which the symbol is newer by the api line.
		type finding struct {
			e        apiEntry
			inferred bool
			targets  map[string]bool
			pos      string
		}
		var found []*finding
		for _, ts := range sortedKeys(u.targets) {
			e, inferred, ok := matchers[ts].newerThanFloor(k)
			if !ok {
				continue
			}
			var f *finding
			for _, g := range found {
				if g.e.line == e.line && g.inferred == inferred {
					f = g
				}
			}
			if f == nil {
				f = &finding{e: e, inferred: inferred, targets: map[string]bool{}, pos: u.pos[ts]}
				found = append(found, f)
			}
			f.targets[ts] = true
		}
		if len(found) > 0 {
			newer++
		}
		for _, f := range found {
			how := ""
			if f.inferred {
				how = " (inferred from a sibling port's API line)"
			}
			fail("%s (%s) is %s API, newer than go1.%d%s: %q; used at %s on %s",
				k, u.kind, versionName(f.e.minor), floor, how, f.e.line, f.pos, targetsString(f.targets, allTargets))
		}
	}

	for _, f := range failures {
		fmt.Fprintf(&out, "FAIL: %s\n", f)
	}
	fmt.Fprintf(&out, "apicheck: %d targets, %d std symbols used, %d newer than go1.%d\n", len(targets), len(keys), newer, floor)
	stdout.Write(out.Bytes())
	if len(failures) > 0 {
		return 1
	}
	return 0
}

// targetsString lists the targets in set, as "all" or "all except ..."
// when that is shorter.
func targetsString(set map[string]bool, all []string) string {
	var missing []string
	for _, t := range all {
		if !set[t] {
			missing = append(missing, t)
		}
	}
	switch {
	case len(all) > 1 && len(missing) == 0 && len(set) == len(all):
		return "all"
	case len(all) > 1 && len(missing) < len(set)/2 && len(missing)+len(set) == len(all):
		return "all except " + strings.Join(missing, " ")
	}
	return strings.Join(sortedKeys(set), " ")
}

func sortedKeys(m map[string]bool) []string {
	s := make([]string, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
