package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// xsysVersion pins the golang.org/x/sys release read for the constants that
// the Linux 6.1 headers lack and for cross-checking. It comes from the Go
// module proxy through `go mod download`; go.mod does not require it.
const xsysVersion = "v0.50.0"

const aptHint = "install the inputs with: apt-get install -y cpp dpkg " +
	"linux-libc-dev linux-libc-dev-amd64-cross linux-libc-dev-i386-cross " +
	"linux-libc-dev-armhf-cross linux-libc-dev-arm64-cross linux-libc-dev-mips-cross " +
	"linux-libc-dev-mipsel-cross linux-libc-dev-mips64-cross linux-libc-dev-mips64el-cross " +
	"linux-libc-dev-ppc64-cross linux-libc-dev-ppc64el-cross linux-libc-dev-riscv64-cross " +
	"linux-libc-dev-s390x-cross librust-libc-dev (see gen/README.md)"

// needFile fails with a clear message when an input file is missing.
func needFile(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("missing input %s: %v; %s", path, err, aptHint)
	}
	return nil
}

func needTool(name string) error {
	if _, err := exec.LookPath(name); err != nil {
		return fmt.Errorf("missing tool %q in PATH; %s", name, aptHint)
	}
	return nil
}

func output(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

var debCache = map[string]string{}

// debPackage returns "<package> <version>" of the Debian package that owns path.
func debPackage(path string) (string, error) {
	if pv, ok := debCache[path]; ok {
		return pv, nil
	}
	pv, err := debPackageUncached(path)
	if err != nil {
		return "", err
	}
	debCache[path] = pv
	return pv, nil
}

var debVersionCache = map[string]string{}

func debPackageUncached(path string) (string, error) {
	out, err := output("dpkg-query", "-S", path)
	if err != nil {
		return "", fmt.Errorf("no Debian package owns %s: %v", path, err)
	}
	// "linux-libc-dev:amd64: /usr/include/asm-generic/unistd.h"
	line := strings.SplitN(out, "\n", 2)[0]
	i := strings.Index(line, ": ")
	if i < 0 {
		return "", fmt.Errorf("dpkg-query -S %s: unexpected output %q", path, out)
	}
	pkg := strings.Split(line[:i], ",")[0]
	pkg = strings.TrimSpace(pkg)
	if pv, ok := debVersionCache[pkg]; ok {
		return pv, nil
	}
	pv, err := output("dpkg-query", "-W", "-f=${Package} ${Version}", pkg)
	if err != nil {
		return "", err
	}
	debVersionCache[pkg] = pv
	return pv, nil
}

// goroot returns the GOROOT of the go command in PATH.
func goroot() (string, error) {
	dir, err := output("go", "env", "GOROOT")
	if err != nil {
		return "", err
	}
	if dir == "" {
		return "", fmt.Errorf("go env GOROOT is empty")
	}
	return dir, nil
}

// xsysDir downloads golang.org/x/sys@xsysVersion into the module cache (or
// finds it there) and returns its directory. It runs in an empty temporary
// directory so that the repository's go.mod is neither read nor changed.
func xsysDir() (string, error) {
	tmp, err := os.MkdirTemp("", "memfile-gen-xsys")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", "golang.org/x/sys@"+xsysVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GO111MODULE=on")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Error != "" || runErr != nil {
		return "", fmt.Errorf("go mod download golang.org/x/sys@%s failed (needs the Go module proxy or a filled module cache): %v %s\n%s",
			xsysVersion, runErr, info.Error, stderr.String())
	}
	if err := needFile(filepath.Join(info.Dir, "unix", "zerrors_linux.go")); err != nil {
		return "", err
	}
	return info.Dir, nil
}
