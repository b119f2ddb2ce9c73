package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// freebsdArches are the GOARCHes Go supports on FreeBSD.
var freebsdArches = []string{"386", "amd64", "arm", "arm64", "riscv64"}

// freebsdItem is one line of gen/freebsd.txt.
type freebsdItem struct {
	name    string // "shm_open2" or "SHM_ANON"
	value   int64
	source  string
	syscall bool
}

// goName is the Go-style name: SYS_SHM_OPEN2 or SHM_ANON.
func (it freebsdItem) goName() string {
	if it.syscall {
		return "SYS_" + strings.ToUpper(it.name)
	}
	return it.name
}

func readFreebsdFacts(path string) ([]freebsdItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("missing input %s: %v", path, err)
	}
	defer f.Close()
	var items []freebsdItem
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want NAME VALUE SOURCE", path, n)
		}
		v, err := evalInt(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		name := fields[0]
		if seen[name] {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, n, name)
		}
		seen[name] = true
		items = append(items, freebsdItem{
			name:    name,
			value:   v,
			source:  strings.Join(fields[2:], " "),
			syscall: strings.ToLower(name) == name,
		})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

// rustLibcDir is where Debian's librust-libc-dev puts the libc crate.
const rustLibcDir = "/usr/share/cargo/registry/libc-0.2.139/src/unix/bsd"

var rustConstRE = regexp.MustCompile(`^\s*pub const ([A-Za-z0-9_]+)\s*:\s*[^=]+=\s*([^;]+);`)
var rustSuffixRE = regexp.MustCompile(`(?:[iu](?:8|16|32|64|128|size))$`)

// rustLibcCheck compares the constants of items with their definitions in
// the Rust libc crate's FreeBSD sources (src/unix/bsd/mod.rs and
// src/unix/bsd/freebsdlike, without dragonfly). It returns the names that
// were compared and the package that provided them, or ok=false when the
// crate is not installed.
func rustLibcCheck(items []freebsdItem) (checked []string, pkg string, ok bool, err error) {
	if _, err := os.Stat(filepath.Join(rustLibcDir, "freebsdlike")); err != nil {
		return nil, "", false, nil
	}
	want := map[string]int64{}
	for _, it := range items {
		if !it.syscall {
			want[it.name] = it.value
		}
	}
	files := []string{filepath.Join(rustLibcDir, "mod.rs")}
	err = filepath.Walk(filepath.Join(rustLibcDir, "freebsdlike"), func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && info.Name() == "dragonfly" {
			return filepath.SkipDir
		}
		if !info.IsDir() && strings.HasSuffix(p, ".rs") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, "", false, err
	}
	sort.Strings(files)
	found := map[string]bool{}
	var bad []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, "", false, err
		}
		for i, line := range strings.Split(string(data), "\n") {
			m := rustConstRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			w, wanted := want[m[1]]
			if !wanted {
				continue
			}
			expr := m[2]
			if j := strings.Index(expr, " as "); j >= 0 {
				expr = expr[:j]
			}
			expr = rustSuffixRE.ReplaceAllString(strings.TrimSpace(expr), "")
			v, err := evalInt(expr)
			if err != nil {
				return nil, "", false, fmt.Errorf("%s:%d: %s: %v", file, i+1, m[1], err)
			}
			if v != w {
				bad = append(bad, fmt.Sprintf("%s:%d: %s = %#x, gen/freebsd.txt has %#x", file, i+1, m[1], v, w))
			}
			found[m[1]] = true
		}
	}
	if len(bad) > 0 {
		return nil, "", false, fmt.Errorf("Rust libc disagrees with gen/freebsd.txt:\n\t%s", strings.Join(bad, "\n\t"))
	}
	for _, it := range items {
		if found[it.name] {
			checked = append(checked, it.name)
		}
	}
	pkg, err = debPackage(filepath.Join(rustLibcDir, "mod.rs"))
	if err != nil {
		return nil, "", false, err
	}
	return checked, pkg, true, nil
}
