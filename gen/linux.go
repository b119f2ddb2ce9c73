package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// linuxResult is everything read for one GOARCH.
type linuxResult struct {
	arch      linuxArch
	sysnums   map[string]int64 // kernel syscall name -> number
	sysSource string           // Source line text for the syscall numbers
	cppLine   string           // how cpp was run
	consts    map[string]int64 // linuxConsts name -> value
	constSrc  string           // Source line text for the constants
	fromXsys  []string         // linuxConsts missing from the headers, taken from x/sys
	// bitsPerLong is asm/bitsperlong.h's __BITS_PER_LONG.
	bitsPerLong int64
}

func readLinuxArch(a linuxArch, xsysCommon map[string]int64) (linuxResult, error) {
	res := linuxResult{arch: a}
	if err := needFile(filepath.Join(a.incDir, "asm-generic", "unistd.h")); err != nil {
		return res, err
	}
	incDirs := []string{a.incDir}
	shimDir := ""
	if a.shim != nil {
		dir, err := os.MkdirTemp("", "memfile-gen-shim")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
		names := sortedKeys(a.shim)
		for _, name := range names {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return res, err
			}
			if err := os.WriteFile(p, []byte(a.shim[name]), 0o644); err != nil {
				return res, err
			}
		}
		shimDir = dir
		incDirs = []string{dir, a.incDir}
	} else if err := needFile(filepath.Join(a.incDir, "asm", "unistd.h")); err != nil {
		return res, err
	}
	res.cppLine = "cpp -undef -nostdinc"
	if shimDir != "" {
		res.cppLine += " -I<shim>"
	}
	res.cppLine += " -I" + a.incDir
	for _, d := range a.defines {
		res.cppLine += " -D" + d
	}

	// Syscall numbers.
	var macros []string
	for _, n := range linuxSyscalls {
		macros = append(macros, "__NR_"+n)
	}
	macros = append(macros, "__BITS_PER_LONG")
	r, err := runCPP(macroProbe([]string{"asm/unistd.h", "asm/bitsperlong.h"}, macros), incDirs, a.defines)
	if err != nil {
		return res, fmt.Errorf("linux/%s syscall numbers: %v", a.goarch, err)
	}
	if err := checkNoHostAsm(a, r.headers); err != nil {
		return res, err
	}
	vals, err := r.evalAll()
	if err != nil {
		return res, fmt.Errorf("linux/%s: %v", a.goarch, err)
	}
	res.bitsPerLong = vals["__BITS_PER_LONG"]
	res.sysnums = map[string]int64{}
	for _, n := range linuxSyscalls {
		if v, ok := vals["__NR_"+n]; ok {
			res.sysnums[n] = v
		}
	}
	for _, must := range []string{"memfd_create", "fcntl", "munmap", "close"} {
		if _, ok := res.sysnums[must]; !ok {
			return res, fmt.Errorf("linux/%s: __NR_%s not defined by %s/asm/unistd.h: wrong headers or defines?", a.goarch, must, a.incDir)
		}
	}
	res.sysSource, err = describeHeaders(r.headers, shimDir, nil, "")
	if err != nil {
		return res, err
	}
	if a.shimNote != "" {
		res.sysSource += " " + a.shimNote
	}

	// Constants.
	var probe []string
	allConsts := append(append([]string(nil), linuxConsts...), linuxTestConsts...)
	for _, c := range allConsts {
		probe = append(probe, headerMacro(c))
	}
	r, err = runCPP(macroProbe(linuxConstHeaders, probe), incDirs, a.defines)
	if err != nil {
		return res, fmt.Errorf("linux/%s constants: %v", a.goarch, err)
	}
	if err := checkNoHostAsm(a, r.headers); err != nil {
		return res, err
	}
	macroVals, err := r.evalAll()
	if err != nil {
		return res, fmt.Errorf("linux/%s: %v", a.goarch, err)
	}
	res.consts = map[string]int64{}
	for _, c := range allConsts {
		if v, ok := macroVals[headerMacro(c)]; ok {
			res.consts[c] = v
			continue
		}
		v, ok := xsysCommon[c]
		if !ok {
			return res, fmt.Errorf("linux/%s: %s is neither in the headers nor in golang.org/x/sys@%s unix/zerrors_linux.go", a.goarch, c, xsysVersion)
		}
		res.consts[c] = v
		res.fromXsys = append(res.fromXsys, c)
	}
	var keep []string
	for _, rel := range linuxConstSources {
		keep = append(keep, filepath.Join(a.incDir, rel))
	}
	res.constSrc, err = describeHeaders(r.headers, shimDir, keep, a.incDir)
	if err != nil {
		return res, err
	}
	if a.shimNote != "" {
		res.constSrc += " with the loong64 asm/ stand-ins described in zsysnum_linux_loong64.go"
	}
	return res, nil
}

// checkNoHostAsm makes sure that, for a GOARCH read through stand-ins, no
// asm/ header of the host (another architecture) was used.
func checkNoHostAsm(a linuxArch, headers []string) error {
	if a.shim == nil {
		return nil
	}
	for _, h := range headers {
		if strings.HasPrefix(h, filepath.Join(a.incDir, "asm")+string(filepath.Separator)) {
			return fmt.Errorf("linux/%s: cpp read the host's %s; add a stand-in for it to the shim in gen/linuxarch.go", a.goarch, h)
		}
	}
	return nil
}

// describeHeaders turns the headers cpp opened into Source text: the paths,
// grouped by the Debian package that owns them, with its version. Headers
// under shimDir (generated, not an input) are left out, and if keep is not
// nil only the headers listed in it are named. A group whose files are all
// under compactDir is written as compactDir/{a, b, ...}.
func describeHeaders(headers []string, shimDir string, keep []string, compactDir string) (string, error) {
	keepSet := map[string]bool{}
	for _, k := range keep {
		keepSet[k] = true
	}
	var groups []string
	var cur []string
	curPkg := ""
	flush := func() {
		if len(cur) == 0 {
			return
		}
		list := strings.Join(cur, ", ")
		if compactDir != "" {
			var rel []string
			for _, h := range cur {
				if strings.HasPrefix(h, compactDir+"/") {
					rel = append(rel, strings.TrimPrefix(h, compactDir+"/"))
				}
			}
			if len(rel) == len(cur) {
				list = compactDir + "/{" + strings.Join(rel, ", ") + "}"
			}
		}
		groups = append(groups, list+" (Debian package "+curPkg+")")
		cur = nil
	}
	for _, h := range headers {
		if shimDir != "" && strings.HasPrefix(h, shimDir+string(filepath.Separator)) {
			continue
		}
		if keep != nil && !keepSet[h] {
			continue
		}
		pkg, err := debPackage(h)
		if err != nil {
			return "", err
		}
		if pkg != curPkg {
			flush()
			curPkg = pkg
		}
		cur = append(cur, h)
	}
	flush()
	if len(groups) == 0 {
		return "", fmt.Errorf("cpp read none of the expected headers")
	}
	return strings.Join(groups, "; "), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
