package main

import (
	"fmt"
	"os"
	"strings"
)

// goMinVersion gates comparisons that older Go releases would fail:
// Go 1.20 moved the freebsd syscall package to the FreeBSD 12 (ino64)
// syscalls (golang/go#53280); before that SYS_FSTAT was 189, freebsd11_fstat.
var goMinVersion = map[string]string{
	"freebsd SYS_FSTAT": "go1.20",
}

// genFreebsd renders zsysnum_freebsd.go and the freebsd test tables from
// gen/freebsd.txt after cross-checking it.
func genFreebsd(files map[string][]byte, root, xdir string) error {
	items, err := readFreebsdFacts("gen/freebsd.txt")
	if err != nil {
		return err
	}
	rustChecked, rustPkg, rustOK, err := rustLibcCheck(items)
	if err != nil {
		return err
	}
	if !rustOK {
		fmt.Fprintf(os.Stderr, "gen: note: %s not found (Debian librust-libc-dev); skipping the Rust libc cross-check of gen/freebsd.txt\n", rustLibcDir)
	}
	ours := map[string]int64{}
	var goNames, labels []string
	for _, it := range items {
		ours[it.goName()] = it.value
		goNames = append(goNames, it.goName())
		labels = append(labels, it.name)
	}
	var problems []string
	checkedGo := map[string]bool{}
	tables := &checkTables{goos: "freebsd", arches: freebsdArches}
	for _, goarch := range freebsdArches {
		goVals, err := knownValues(root+"/src/syscall", "freebsd", goarch)
		if err != nil {
			return err
		}
		xVals, err := knownValues(xdir+"/unix", "freebsd", goarch)
		if err != nil {
			return err
		}
		where := "freebsd/" + goarch
		problems = append(problems, compareWith(where, "package syscall", goNames, ours, goVals)...)
		problems = append(problems, compareWith(where, "golang.org/x/sys/unix "+xsysVersion, goNames, ours, xVals)...)
		var checks []checkEntry
		gated := map[string][]checkEntry{}
		for i, n := range goNames {
			_, inGo := goVals[n]
			_, inX := xVals[n]
			if inGo || inX {
				checkedGo[n] = true
			}
			if !inGo {
				continue
			}
			e := checkEntry{label: labels[i], goName: n}
			if v := goMinVersion["freebsd "+n]; v != "" {
				gated[v] = append(gated[v], e)
			} else {
				checks = append(checks, e)
			}
		}
		tables.add(goarch, "", checks)
		for v, es := range gated {
			tables.add(goarch, v, es)
		}
	}
	if err := tables.render(files); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("gen/freebsd.txt disagrees with Go's own tables:\n\t%s", strings.Join(problems, "\n\t"))
	}

	var b strings.Builder
	b.WriteString(genHeader)
	b.WriteString(sourceLines("gen/freebsd.txt, a table of values checked against freebsd/freebsd-src " +
		"sys/kern/syscalls.master, sys/sys/mman.h, sys/sys/fcntl.h, sys/sys/filio.h, sys/sys/ioccom.h and sys/sys/stat.h (per-line citations below)"))
	var xg []string
	for _, n := range goNames {
		if checkedGo[n] {
			xg = append(xg, n)
		}
	}
	b.WriteString("// Cross-checked with package syscall and golang.org/x/sys@" + xsysVersion + " unix for freebsd/" +
		strings.Join(freebsdArches, ", ") + " where they define the name: " + strings.Join(xg, ", ") + "\n")
	if rustOK {
		b.WriteString("// Cross-checked with Debian " + rustPkg + " (Rust libc, src/unix/bsd/mod.rs and src/unix/bsd/freebsdlike/): " +
			strings.Join(rustChecked, ", ") + "\n")
	} else {
		b.WriteString("// Not cross-checked with Rust libc: Debian librust-libc-dev was not installed.\n")
	}
	b.WriteString("\n//go:build freebsd\n\npackage memfile\n\n")
	buf := bytesBuffer(b.String())
	var sys, cs []constEntry
	for _, it := range items {
		e := constEntry{goName: it.goName(), value: it.value, comment: it.source}
		if it.syscall {
			sys = append(sys, e)
		} else {
			cs = append(cs, e)
		}
	}
	writeConstBlock(buf, []string{"FreeBSD syscall numbers, the same on every FreeBSD GOARCH."}, sys)
	buf.WriteString("\n")
	writeConstBlock(buf, []string{"FreeBSD constants, the same on every FreeBSD GOARCH."}, cs)
	files["zsysnum_freebsd.go"], err = gofmt("zsysnum_freebsd.go", buf)
	if err != nil {
		return err
	}
	return genFreebsdHost(files, items)
}

// freebsdHostNames are the constants the pure translation in shmflags.go
// needs on every build host. They are written a second time, as
// _FREEBSD_<NAME>, to zconst_shmflags.go (built on linux and freebsd), so
// that Linux hosts unit-test the flags FreeBSD receives. Constants cost
// nothing in a binary that does not use them.
var freebsdHostNames = []string{"O_RDWR", "O_CLOEXEC", "SHM_ALLOW_SEALING", "SHM_GROW_ON_WRITE", "SHM_LARGEPAGE"}

func genFreebsdHost(files map[string][]byte, items []freebsdItem) error {
	byName := map[string]freebsdItem{}
	for _, it := range items {
		byName[it.name] = it
	}
	var cs []constEntry
	for _, n := range freebsdHostNames {
		it, ok := byName[n]
		if !ok || it.syscall {
			return fmt.Errorf("gen/freebsd.txt has no constant %s (needed by zconst_shmflags.go)", n)
		}
		cs = append(cs, constEntry{goName: "FREEBSD_" + n, value: it.value, comment: it.source})
	}
	var b strings.Builder
	b.WriteString(genHeader)
	b.WriteString(sourceLines("gen/freebsd.txt (the same lines as zsysnum_freebsd.go)"))
	b.WriteString("\n//go:build linux || freebsd\n\npackage memfile\n\n")
	buf := bytesBuffer(b.String())
	writeConstBlock(buf, []string{"FreeBSD's values of the flags shm_open2 gets, on Linux too, so that the host tests shmflags.go."}, cs)
	var err error
	files["zconst_shmflags.go"], err = gofmt("zconst_shmflags.go", buf)
	return err
}
