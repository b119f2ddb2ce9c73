// Command gen writes the memfile package's syscall-number and constant
// files from their upstream sources. Run it from the repository root:
//
//	go run ./gen
//
// See README.md in this directory for the inputs and how to install them.
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	mod, err := os.ReadFile("go.mod")
	if err != nil || !strings.Contains(string(mod), "module github.com/memfile-go/memfile\n") {
		return fmt.Errorf("run this from the repository root: go run ./gen")
	}
	for _, tool := range []string{"cpp", "dpkg-query", "go"} {
		if err := needTool(tool); err != nil {
			return err
		}
	}
	root, err := goroot()
	if err != nil {
		return err
	}
	xdir, err := xsysDir()
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	if err := genLinux(files, root, xdir); err != nil {
		return err
	}
	if err := genFreebsd(files, root, xdir); err != nil {
		return err
	}
	if files["zsysnum_test.go"], err = testFile(); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(name, files[name], 0o644); err != nil {
			return err
		}
	}
	return removeStale(files)
}

// removeStale deletes files that an earlier run generated (they start with
// genHeader) but this run did not, such as the table of a dropped GOARCH.
func removeStale(files map[string][]byte) error {
	for _, pattern := range []string{"zsysnum_*.go", "zconst_*.go"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return err
		}
		for _, m := range matches {
			if _, ok := files[m]; ok {
				continue
			}
			data, err := os.ReadFile(m)
			if err != nil {
				return err
			}
			if strings.HasPrefix(string(data), genHeader) {
				fmt.Fprintf(os.Stderr, "gen: removing stale %s\n", m)
				if err := os.Remove(m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// knownValues reads the integer constants of the generated files of one
// package directory for goos/goarch: zsysnum_*, zerrors_* and ztypes_*
// (missing files are skipped, but at least the zsysnum file must exist).
func knownValues(dir, goos, goarch string, extra ...string) (map[string]int64, error) {
	out := map[string]int64{}
	names := append([]string{
		"zsysnum_" + goos + "_" + goarch + ".go",
		"zerrors_" + goos + "_" + goarch + ".go",
		"ztypes_" + goos + "_" + goarch + ".go",
	}, extra...)
	for i, n := range names {
		p := dir + "/" + n
		if _, err := os.Stat(p); err != nil {
			if i == 0 {
				return nil, fmt.Errorf("missing input %s: %v", p, err)
			}
			continue
		}
		vals, err := goConsts(p)
		if err != nil {
			return nil, err
		}
		for k, v := range vals {
			out[k] = v
		}
	}
	return out, nil
}

// compareWith reports every name in ours that src defines differently.
func compareWith(where, srcLabel string, names []string, ours, src map[string]int64) []string {
	var bad []string
	for _, n := range names {
		v, ok := ours[n]
		if !ok {
			continue
		}
		if sv, ok := src[n]; ok && sv != v {
			bad = append(bad, fmt.Sprintf("%s %s: generated %d (%#x), %s has %d (%#x)", where, n, v, v, srcLabel, sv, sv))
		}
	}
	return bad
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return len(list)
}
