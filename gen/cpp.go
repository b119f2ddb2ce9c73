package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The C snippets fed to cpp mark each wanted macro with this token, followed
// by the macro's name as a string literal (never macro-expanded) and then the
// macro itself (expanded).
const cppMarker = "GOGEN_VALUE"

// cppResult is what one cpp run yields.
type cppResult struct {
	exprs   map[string]string // macro name -> expanded expression text
	headers []string          // every header cpp opened, in order, without repeats
}

// macroProbe returns C source that includes the given headers and, for each
// macro that is defined after them, emits one marker line.
func macroProbe(includes []string, macros []string) string {
	var b strings.Builder
	for _, h := range includes {
		fmt.Fprintf(&b, "#include <%s>\n", h)
	}
	for _, m := range macros {
		fmt.Fprintf(&b, "#ifdef %s\n%s %q %s\n#endif\n", m, cppMarker, m, m)
	}
	return b.String()
}

// runCPP preprocesses src with the host cpp in a clean environment: -undef
// drops the host compiler's predefined macros (the caller passes the target
// compiler's ones in defines) and -nostdinc keeps the host's own headers,
// including its amd64 asm/ directory, out of the search path.
func runCPP(src string, includeDirs, defines []string) (cppResult, error) {
	dir, err := os.MkdirTemp("", "memfile-gen-cpp")
	if err != nil {
		return cppResult{}, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "probe.c")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		return cppResult{}, err
	}
	args := []string{"-undef", "-nostdinc", "-P", "-H"}
	for _, d := range includeDirs {
		args = append(args, "-I"+d)
	}
	for _, d := range defines {
		args = append(args, "-D"+d)
	}
	args = append(args, in)
	cmd := exec.Command("cpp", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return cppResult{}, fmt.Errorf("cpp %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	res := cppResult{exprs: map[string]string{}}
	seen := map[string]bool{}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		line := sc.Text()
		// -H prints one line per opened header: dots for the depth, a space, the path.
		trimmed := strings.TrimLeft(line, ".")
		if len(trimmed) == len(line) || !strings.HasPrefix(trimmed, " ") {
			continue
		}
		h := filepath.Clean(strings.TrimSpace(trimmed))
		if !seen[h] {
			seen[h] = true
			res.headers = append(res.headers, h)
		}
	}
	sc = bufio.NewScanner(&stdout)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, cppMarker+" ") {
			continue
		}
		rest := strings.TrimSpace(line[len(cppMarker):])
		name, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return cppResult{}, fmt.Errorf("cpp output %q: %v", line, err)
		}
		expr := strings.TrimSpace(rest[len(name):])
		name, _ = strconv.Unquote(name)
		res.exprs[name] = expr
	}
	return res, nil
}

// evalAll evaluates every expression of a cpp run.
func (r cppResult) evalAll() (map[string]int64, error) {
	vals := map[string]int64{}
	for name, expr := range r.exprs {
		v, err := evalInt(expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		vals[name] = v
	}
	return vals, nil
}
