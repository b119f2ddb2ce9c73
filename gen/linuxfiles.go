package main

import (
	"fmt"
	"sort"
	"strings"
)

// genLinux reads every GOARCH, cross-checks the values and renders
// zsysnum_linux_<GOARCH>.go, zconst_linux.go and the linux test tables.
func genLinux(files map[string][]byte, root, xdir string) error {
	xsysCommon, err := goConsts(xdir + "/unix/zerrors_linux.go")
	if err != nil {
		return err
	}
	results := make([]linuxResult, len(linuxArches))
	for i, a := range linuxArches {
		if results[i], err = readLinuxArch(a, xsysCommon); err != nil {
			return err
		}
	}

	// Constants that have one value on every GOARCH go to zconst_linux.go,
	// the others to the per-GOARCH files.
	var common, perArch []string
	for _, c := range linuxConsts {
		same := true
		for _, r := range results[1:] {
			if r.consts[c] != results[0].consts[c] {
				same = false
			}
		}
		if same {
			common = append(common, c)
		} else {
			perArch = append(perArch, c)
		}
	}
	fromXsys := map[string]bool{}
	var xsysNames []string
	for _, r := range results {
		for _, c := range r.fromXsys {
			if !fromXsys[c] {
				fromXsys[c] = true
				xsysNames = append(xsysNames, c)
			}
		}
	}
	sort.Slice(xsysNames, func(i, j int) bool { return indexOf(linuxConsts, xsysNames[i]) < indexOf(linuxConsts, xsysNames[j]) })
	xsysSource := fmt.Sprintf("golang.org/x/sys@%s unix/zerrors_linux.go (Go module proxy, go mod download) for %s, which the Linux 6.1 UAPI headers lack (%s)",
		xsysVersion, strings.Join(xsysNames, ", "), xsysReasons(xsysNames))
	xsysComment := func(c string) string {
		if fromXsys[c] {
			return "golang.org/x/sys " + xsysVersion + "; " + xsysWhy(c)
		}
		return ""
	}

	var problems []string
	var linuxGoarches []string
	for _, a := range linuxArches {
		linuxGoarches = append(linuxGoarches, a.goarch)
	}
	tables := &checkTables{goos: "linux", arches: linuxGoarches}
	for _, r := range results {
		goarch := r.arch.goarch
		ours := map[string]int64{}
		var goNames []string
		var labels []string
		for _, n := range linuxSyscalls {
			if v, ok := r.sysnums[n]; ok {
				ours[sysGoName(n)] = v
				goNames = append(goNames, sysGoName(n))
				labels = append(labels, n)
			}
		}
		for _, c := range append(append([]string(nil), linuxConsts...), linuxTestConsts...) {
			ours[c] = r.consts[c]
			goNames = append(goNames, c)
			labels = append(labels, c)
		}
		goVals, err := knownValues(root+"/src/syscall", "linux", goarch)
		if err != nil {
			return err
		}
		xVals, err := knownValues(xdir+"/unix", "linux", goarch, "zerrors_linux.go")
		if err != nil {
			return err
		}
		where := "linux/" + goarch
		problems = append(problems, compareWith(where, "package syscall", goNames, ours, goVals)...)
		problems = append(problems, compareWith(where, "golang.org/x/sys/unix "+xsysVersion, goNames, ours, xVals)...)

		var checks []checkEntry
		for i, n := range goNames {
			if _, ok := goVals[n]; ok {
				checks = append(checks, checkEntry{label: labels[i], goName: n})
			}
		}
		tables.add(goarch, "", checks)

		var sys []constEntry
		var missing []string
		for _, n := range linuxSyscalls {
			if v, ok := r.sysnums[n]; ok {
				sys = append(sys, constEntry{goName: sysGoName(n), value: v})
			} else {
				missing = append(missing, n)
			}
		}
		var b strings.Builder
		b.WriteString(genHeader)
		b.WriteString(sourceLines(r.sysSource))
		if len(perArch) > 0 {
			b.WriteString(sourceLines(r.constSrc))
		}
		b.WriteString("// Read with: " + r.cppLine + "\n\n//go:build linux && " + goarch + "\n\npackage memfile\n\n")
		buf := bytesBuffer(b.String())
		doc := []string{fmt.Sprintf("Syscall numbers (__NR_*) for linux/%s, also used for android/%s.", goarch, goarch)}
		if len(missing) > 0 {
			doc = append(doc, "Not defined for this GOARCH: "+strings.Join(missing, ", ")+".")
		}
		writeConstBlock(buf, doc, sys)
		facts, err := abiFacts(r)
		if err != nil {
			return err
		}
		buf.WriteString("\n" + facts)
		if len(perArch) > 0 {
			var cs []constEntry
			for _, c := range perArch {
				cs = append(cs, constEntry{goName: c, value: r.consts[c], comment: xsysComment(c)})
			}
			buf.WriteString("\n")
			writeConstBlock(buf, []string{"Constants whose value differs between GOARCHes."}, cs)
		}
		name := "zsysnum_linux_" + goarch + ".go"
		if files[name], err = gofmt(name, buf); err != nil {
			return err
		}
	}
	if err := tables.render(files); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("the headers disagree with Go's own tables:\n\t%s", strings.Join(problems, "\n\t"))
	}

	var b strings.Builder
	b.WriteString(genHeader)
	var srcs []string
	for _, r := range results {
		srcs = append(srcs, "linux/"+r.arch.goarch+": "+r.constSrc)
	}
	srcs = append(srcs, xsysSource)
	b.WriteString(sourceLines(srcs...))
	b.WriteString("// Each header set was read with cpp as noted in zsysnum_linux_<GOARCH>.go.\n\n//go:build linux\n\npackage memfile\n\n")
	head := b.String()
	buf := bytesBuffer(head)
	var cs []constEntry
	for _, c := range common {
		cs = append(cs, constEntry{goName: c, value: results[0].consts[c], comment: xsysComment(c)})
	}
	writeConstBlock(buf, []string{"Linux UAPI constants that are the same on every GOARCH (and on android)."}, cs)
	if files["zconst_linux.go"], err = gofmt("zconst_linux.go", buf); err != nil {
		return err
	}

	buf = bytesBuffer(head)
	cs = nil
	for _, c := range linuxTestConsts {
		for _, r := range results[1:] {
			if r.consts[c] != results[0].consts[c] {
				return fmt.Errorf("test-only constant %s differs between GOARCHes", c)
			}
		}
		cs = append(cs, constEntry{goName: c, value: results[0].consts[c], comment: xsysComment(c)})
	}
	writeConstBlock(buf, []string{"Linux UAPI constants that only the tests use, the same on every GOARCH."}, cs)
	files["zconst_linux_test.go"], err = gofmt("zconst_linux_test.go", buf)
	return err
}

// xsysWhy says why a constant is read from golang.org/x/sys rather than from
// the Linux 6.1 UAPI headers.
func xsysWhy(c string) string {
	if strings.HasPrefix(c, "SPLICE_F_") {
		return "kernel-internal include/linux/splice.h, not UAPI"
	}
	return "Linux 6.3+"
}

// xsysReasons lists the distinct reasons of xsysWhy for names, in order.
func xsysReasons(names []string) string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if w := xsysWhy(n); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, "; ")
}
