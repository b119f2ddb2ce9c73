package main

import (
	"fmt"
	"path"
	"strings"
)

// A kernel is one entry of the matrix: a Debian kernel package booted under
// one qemu-system machine, running the test binaries of one or more Go
// targets (the android/arm64 build shares the arm64 6.1 boot).
type kernel struct {
	ID      string   // e.g. "amd64-6.1"
	Suite   string   // Debian suite: bullseye, bookworm, bookworm-backports, trixie
	DebArch string   // Debian architecture of the package
	Package string   // metapackage (linux-image-<flavour>), resolved to the versioned image
	Targets []string // GOOS/GOARCH of the test binaries run in this VM
	QEMU    string   // qemu-system binary
	Args    []string // machine, cpu, memory
	Console string   // console= device
	Timeout int      // seconds for the whole VM (boot and tests)
	Note    string   // what this entry is for
}

// matrix is issue 10's list. Timeouts are about three times the measured
// run (see the README's "Real kernels" paragraph).
var matrix = []kernel{
	{ID: "amd64-5.10", Suite: "bullseye", DebArch: "amd64", Package: "linux-image-amd64",
		Targets: []string{"linux/amd64"}, QEMU: "qemu-system-x86_64", Args: []string{"-m", "1024"},
		Console: "ttyS0", Timeout: 600, Note: "pre-5.14: no memfd_secret by default; pre-6.3 exec fallback"},
	{ID: "amd64-6.1", Suite: "bookworm", DebArch: "amd64", Package: "linux-image-amd64",
		Targets: []string{"linux/amd64"}, QEMU: "qemu-system-x86_64", Args: []string{"-m", "1024"},
		Console: "ttyS0", Timeout: 600, Note: "pre-6.3: MFD_NOEXEC_SEAL/F_SEAL_EXEC rejected"},
	{ID: "amd64-6.12", Suite: "bookworm-backports", DebArch: "amd64", Package: "linux-image-amd64",
		Targets: []string{"linux/amd64"}, QEMU: "qemu-system-x86_64", Args: []string{"-m", "1024"},
		Console: "ttyS0", Timeout: 600, Note: "exec flags passed"},
	{ID: "386-6.1", Suite: "bookworm", DebArch: "i386", Package: "linux-image-686",
		Targets: []string{"linux/386"}, QEMU: "qemu-system-i386", Args: []string{"-m", "1024", "-cpu", "qemu64"},
		Console: "ttyS0", Timeout: 900, Note: "32-bit x86: mmap2, socketcall"},
	{ID: "arm64-6.1", Suite: "bookworm", DebArch: "arm64", Package: "linux-image-arm64",
		Targets: []string{"linux/arm64", "android/arm64"}, QEMU: "qemu-system-aarch64",
		Args:    []string{"-M", "virt", "-cpu", "cortex-a57", "-m", "1024"},
		Console: "ttyAMA0", Timeout: 1500, Note: "also the android/arm64 build: real seccomp, MSG_CTRUNC"},
	{ID: "arm64-16k-6.12", Suite: "bookworm-backports", DebArch: "arm64", Package: "linux-image-arm64-16k",
		Targets: []string{"linux/arm64"}, QEMU: "qemu-system-aarch64",
		Args:    []string{"-M", "virt", "-cpu", "max,pauth-impdef=on", "-m", "1024"},
		Console: "ttyAMA0", Timeout: 1200, Note: "16 KiB pages (cortex-a57 has no 16K granule: -cpu max)"},
	{ID: "ppc64le-6.1", Suite: "bookworm", DebArch: "ppc64el", Package: "linux-image-powerpc64le",
		Targets: []string{"linux/ppc64le"}, QEMU: "qemu-system-ppc64",
		Args:    []string{"-M", "pseries", "-cpu", "power9", "-m", "1024"},
		Console: "hvc0", Timeout: 1500, Note: "64 KiB pages"},
	{ID: "s390x-6.1", Suite: "bookworm", DebArch: "s390x", Package: "linux-image-s390x",
		Targets: []string{"linux/s390x"}, QEMU: "qemu-system-s390x",
		Args:    []string{"-M", "s390-ccw-virtio", "-m", "1024"},
		Console: "ttysclp0", Timeout: 1200, Note: "big-endian, old_mmap"},
	{ID: "arm-6.1", Suite: "bookworm", DebArch: "armhf", Package: "linux-image-armmp",
		Targets: []string{"linux/arm"}, QEMU: "qemu-system-arm",
		Args:    []string{"-M", "virt,highmem=off", "-cpu", "cortex-a15", "-m", "1024"},
		Console: "ttyAMA0", Timeout: 1200, Note: "32-bit ARM: register-pair offsets"},
	{ID: "arm-lpae-6.1", Suite: "bookworm", DebArch: "armhf", Package: "linux-image-armmp-lpae",
		Targets: []string{"linux/arm"}, QEMU: "qemu-system-arm",
		Args:    []string{"-M", "virt", "-cpu", "cortex-a15", "-m", "1024"},
		Console: "ttyAMA0", Timeout: 1200, Note: "32-bit ARM with LPAE: hugetlbfs (2 MiB pages) on a 32-bit kernel"},
	{ID: "mips64le-6.1", Suite: "bookworm", DebArch: "mips64el", Package: "linux-image-5kc-malta",
		Targets: []string{"linux/mips64le"}, QEMU: "qemu-system-mips64el",
		Args:    []string{"-M", "malta", "-cpu", "5KEf", "-m", "512"},
		Console: "ttyS0", Timeout: 1500, Note: "n64 ABI"},
	{ID: "riscv64-6.12", Suite: "trixie", DebArch: "riscv64", Package: "linux-image-riscv64",
		Targets: []string{"linux/riscv64"}, QEMU: "qemu-system-riscv64",
		Args:    []string{"-M", "virt", "-m", "1024"},
		Console: "ttyS0", Timeout: 1200},
	{ID: "mipsle-6.1", Suite: "bookworm", DebArch: "mipsel", Package: "linux-image-4kc-malta",
		Targets: []string{"linux/mipsle"}, QEMU: "qemu-system-mipsel",
		Args:    []string{"-M", "malta", "-cpu", "24Kf", "-m", "256"},
		Console: "ttyS0", Timeout: 1500, Note: "o32 ABI"},
}

// selectKernels returns the entries whose ID matches one of the
// comma-separated patterns (path.Match globs; "all" or "" means all).
func selectKernels(list string) ([]kernel, error) {
	pats := splitList(list)
	if len(pats) == 0 || len(pats) == 1 && pats[0] == "all" {
		return append([]kernel(nil), matrix...), nil
	}
	var out []kernel
	for _, p := range pats {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("bad -kernels pattern %q: %v", p, err)
		}
		n := 0
		for _, k := range matrix {
			if ok, _ := path.Match(p, k.ID); ok && !containsKernel(out, k.ID) {
				out = append(out, k)
				n++
			} else if ok {
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("-kernels %q matches no entry (known: %s)", p, strings.Join(kernelIDs(), " "))
		}
	}
	return out, nil
}

func containsKernel(ks []kernel, id string) bool {
	for _, k := range ks {
		if k.ID == id {
			return true
		}
	}
	return false
}

func kernelIDs() []string {
	var ids []string
	for _, k := range matrix {
		ids = append(ids, k.ID)
	}
	return ids
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}
