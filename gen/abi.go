package main

import (
	"fmt"
	"strings"
)

// The ABI facts of one Linux GOARCH: how the package's calls take their
// arguments there. Each becomes a constant of zsysnum_linux_<GOARCH>.go, so
// that sys_linux.go makes every call in one place and switches on them (the
// conditions are constants, so the compiler keeps only the arm that applies).
// A fact comes from the headers where they say it, else from a rule stated
// here with its source.

// abiRule is what the headers cannot say about one GOARCH.
type abiRule struct {
	// pairAligned: a 64-bit argument passed in two 32-bit registers starts
	// at an even argument slot, so one before it at an odd slot leaves a
	// pad register. ARM EABI (Procedure Call Standard for the Arm
	// Architecture, 64-bit arguments in an even/odd register pair; the
	// kernel's arch/arm/kernel/sys_oabi-compat.c exists because the old ABI
	// did not do so) and MIPS o32 (System V ABI MIPS supplement: doubleword
	// arguments are aligned to an even slot; arch/mips/kernel/linux32.c
	// declares the pad argument of pread64/pwrite64/ftruncate64 for it).
	// i386 passes every argument in the next free slot.
	pairAligned bool
	// highFirst: the pair holds the high word first. MIPS o32 big-endian
	// keeps a doubleword in memory order in the pair (arch/mips/kernel/
	// linux32.c merge_64 takes the high word from the first register under
	// __MIPSEB__); the little-endian ABIs put the low word first.
	highFirst bool
	// oldMmap: __NR_mmap is old_mmap, which takes one pointer to its six
	// arguments (arch/s390/kernel/syscalls/syscall.tbl: "90 common mmap
	// sys_old_mmap").
	oldMmap bool
	// socketcallUntil: the direct __NR_sendmsg/__NR_recvmsg the headers
	// define arrived only in this Linux version, after memfd_create (3.17),
	// so the calls go through socketcall(2), which every version has:
	// x86-32 and s390 got direct socket calls in Linux 4.3
	// (arch/x86/entry/syscalls/syscall_32.tbl 359-373,
	// arch/s390/kernel/syscalls/syscall.tbl 359-373, both added for 4.3).
	socketcallUntil string
	// statx: make statx(2) rather than fstat, because package syscall's
	// Stat_t is not the kernel's struct stat here: Go's
	// syscall/syscall_linux_mips64x.go has fstat fill a private stat_t and
	// converts it (fillStat_t).
	statx bool
}

var abiRules = map[string]abiRule{
	"386":      {socketcallUntil: "4.3"},
	"arm":      {pairAligned: true},
	"mips":     {pairAligned: true, highFirst: true},
	"mipsle":   {pairAligned: true},
	"mips64":   {statx: true},
	"mips64le": {statx: true},
	"s390x":    {oldMmap: true, socketcallUntil: "4.3"},
}

// abiFacts renders the ABI constant block of one GOARCH.
func abiFacts(r linuxResult) (string, error) {
	goarch := r.arch.goarch
	rule := abiRules[goarch]
	has := func(n string) bool { _, ok := r.sysnums[n]; return ok }
	bits := r.bitsPerLong
	if bits != 32 && bits != 64 {
		return "", fmt.Errorf("linux/%s: __BITS_PER_LONG is %d", goarch, bits)
	}
	var b strings.Builder
	line := func(name, value, why string) {
		fmt.Fprintf(&b, "\t%s = %s // %s\n", name, value, why)
	}
	pick := func(name string, want bool, yes, no string) (string, error) {
		n := yes
		if !want {
			n = no
		}
		if !has(n) {
			return "", fmt.Errorf("linux/%s: %s needs __NR_%s, which the headers do not define", goarch, name, n)
		}
		return "_" + sysGoName(n), nil
	}
	fmt.Fprintf(&b, "// ABI facts for linux/%s: how the calls of sys_linux.go take their\n", goarch)
	b.WriteString("// arguments here (gen/abi.go says where each comes from).\nconst (\n")
	line("abiWord64", fmt.Sprint(bits == 64), fmt.Sprintf("__BITS_PER_LONG is %d (asm/bitsperlong.h)", bits))

	line("abiPairPad", fmt.Sprint(bits == 32 && rule.pairAligned), "a 64-bit argument in two registers starts at an even slot (gen/abi.go)")
	line("abiPairHighFirst", fmt.Sprint(bits == 32 && rule.highFirst), "the high word comes first in the pair (gen/abi.go)")

	var mmapKind, mmapWhy string
	var mmapNr string
	var err error
	switch {
	case has("mmap2"):
		mmapKind, mmapWhy = "abiMmap2", "__NR_mmap2 is defined: the offset in 4096-byte units"
		mmapNr, err = pick("mmap", true, "mmap2", "")
	case rule.oldMmap:
		mmapKind, mmapWhy = "abiMmapOld", "__NR_mmap is old_mmap: one pointer to the six arguments (gen/abi.go)"
		mmapNr, err = pick("mmap", true, "mmap", "")
	default:
		mmapKind, mmapWhy = "abiMmapPlain", "__NR_mmap takes six registers, the offset in bytes"
		mmapNr, err = pick("mmap", true, "mmap", "")
	}
	if err != nil {
		return "", err
	}
	line("abiMmap", mmapKind, mmapWhy)
	line("sysMmapNr", mmapNr, "")

	var statKind, statWhy, statNr, statOp string
	switch {
	case rule.statx && has("statx"):
		statKind, statWhy, statNr, statOp = "abiStatx", "syscall.Stat_t is not the kernel's struct stat (gen/abi.go)", "_SYS_STATX", "statx"
	case has("fstat64"):
		statKind, statWhy, statNr, statOp = "abiFstat64", "__NR_fstat64 is defined: struct stat64", "_SYS_FSTAT64", "fstat"
	case has("fstat"):
		statKind, statWhy, statNr, statOp = "abiFstat", "__NR_fstat is defined, __NR_fstat64 is not", "_SYS_FSTAT", "fstat"
	case has("statx"):
		statKind, statWhy, statNr, statOp = "abiStatx", "neither __NR_fstat nor __NR_fstat64 is defined", "_SYS_STATX", "statx"
	default:
		return "", fmt.Errorf("linux/%s: no fstat, fstat64 or statx", goarch)
	}
	line("abiStat", statKind, statWhy)
	line("sysFstatNr", statNr, "")
	line("fstatOp", fmt.Sprintf("%q", statOp), "the call Error.Op names for sysFstat")

	for _, p := range []struct{ name, long, short string }{
		{"sysFtruncateNr", "ftruncate64", "ftruncate"},
		{"sysSeekNr", "_llseek", "lseek"},
		{"sysSendfileNr", "sendfile64", "sendfile"},
	} {
		nr, err := pick(p.name, bits == 32 && has(p.long), p.long, p.short)
		if err != nil {
			return "", err
		}
		why := fmt.Sprintf("__BITS_PER_LONG is 64: __NR_%s takes a 64-bit offset", p.short)
		if bits == 32 {
			why = fmt.Sprintf("__NR_%s: the 64-bit offset form", p.long)
		}
		line(p.name, nr, why)
	}

	socketcall := has("socketcall") && (!has("sendmsg") || rule.socketcallUntil != "")
	why := "__NR_sendmsg and __NR_recvmsg are defined"
	switch {
	case socketcall && !has("sendmsg"):
		why = "__NR_socketcall is defined, __NR_sendmsg is not"
	case socketcall:
		why = "direct __NR_sendmsg only since Linux " + rule.socketcallUntil + " (gen/abi.go)"
	}
	line("abiSocketcall", fmt.Sprint(socketcall), why)
	for _, p := range [][2]string{{"sysSendmsgNr", "sendmsg"}, {"sysRecvmsgNr", "recvmsg"}} {
		nr, err := pick(p[0], !socketcall, p[1], "socketcall")
		if err != nil {
			return "", err
		}
		line(p[0], nr, "")
	}

	if has("memfd_secret") {
		line("abiMemfdSecret", "true", "__NR_memfd_secret is defined")
		line("sysMemfdSecretNr", "_SYS_MEMFD_SECRET", "")
	} else {
		line("abiMemfdSecret", "false", "__NR_memfd_secret is not defined")
		line("sysMemfdSecretNr", "noSyscall", "never made")
	}
	b.WriteString(")\n")
	return strings.ReplaceAll(b.String(), " // \n", "\n"), nil
}
