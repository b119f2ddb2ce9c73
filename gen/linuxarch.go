package main

// linuxArch says where the kernel UAPI headers of one GOARCH live and which
// macros the target's C compiler predefines that those headers test.
type linuxArch struct {
	goarch string
	// incDir is the include directory of the Debian cross package
	// (/usr/<gnu-triple>/include). loong64 has none in bookworm: it reads the
	// architecture-independent headers (linux/, asm-generic/) of the riscv64
	// cross package, which are the same files as in every other 6.1 package
	// and, unlike the native linux-libc-dev, do not change version with each
	// bookworm kernel update (that would make the generated Source lines, and
	// so CI's regeneration check, depend on the day).
	incDir string
	// defines are passed to cpp as -D; they mirror the GCC predefined
	// macros of the target (cpp runs with -undef).
	defines []string
	// shim, if set, holds asm/ headers written to a private directory that
	// is searched before incDir (loong64: bookworm has no loong64 package).
	shim map[string]string
	// shimNote describes the shim in the generated Source line.
	shimNote string
}

// loong64Shim stands in for arch/loongarch/include/uapi/asm in Linux 6.1,
// whose unistd.h is only
//
//	#define __ARCH_WANT_SYS_CLONE
//	#define __ARCH_WANT_SYS_CLONE3
//	#include <asm-generic/unistd.h>
//
// (no __ARCH_WANT_NEW_STAT: LoongArch got fstat/newfstatat back in 6.11),
// whose bitsperlong.h sets __BITS_PER_LONG to 64 for LP64, and whose other
// headers used here are the asm-generic ones (Kbuild generic-y).
var loong64Shim = map[string]string{
	"asm/unistd.h":      "#define __ARCH_WANT_SYS_CLONE\n#define __ARCH_WANT_SYS_CLONE3\n#include <asm-generic/unistd.h>\n",
	"asm/bitsperlong.h": "#define __BITS_PER_LONG 64\n#include <asm-generic/bitsperlong.h>\n",
	"asm/fcntl.h":       "#include <asm-generic/fcntl.h>\n",
	"asm/mman.h":        "#include <asm-generic/mman.h>\n",
	"asm/types.h":       "#include <asm-generic/types.h>\n",
	"asm/posix_types.h": "#include <asm-generic/posix_types.h>\n",
	"asm/socket.h":      "#include <asm-generic/socket.h>\n",
	"asm/sockios.h":     "#include <asm-generic/sockios.h>\n",
	"asm/ioctl.h":       "#include <asm-generic/ioctl.h>\n",
}

const loong64ShimNote = "with the asm/ headers of Linux 6.1 arch/loongarch/include/uapi/asm (torvalds/linux) " +
	"restated in the generator: unistd.h defines only __ARCH_WANT_SYS_CLONE and __ARCH_WANT_SYS_CLONE3 " +
	"(no __ARCH_WANT_NEW_STAT, so no fstat/newfstatat before Linux 6.11), __BITS_PER_LONG is 64, " +
	"fcntl.h/mman.h/types.h/posix_types.h/socket.h/sockios.h/ioctl.h are the asm-generic ones; bookworm has no loong64 cross package, " +
	"so linux/ and asm-generic/ come from the riscv64 cross package (no riscv64 asm/ header is read)"

var linuxArches = []linuxArch{
	{goarch: "386", incDir: "/usr/i686-linux-gnu/include",
		defines: []string{"__i386__=1", "__ILP32__=1"}},
	{goarch: "amd64", incDir: "/usr/x86_64-linux-gnu/include",
		defines: []string{"__x86_64__=1", "__LP64__=1"}},
	{goarch: "arm", incDir: "/usr/arm-linux-gnueabihf/include",
		defines: []string{"__arm__=1", "__ARM_EABI__=1"}},
	{goarch: "arm64", incDir: "/usr/aarch64-linux-gnu/include",
		defines: []string{"__aarch64__=1", "__LP64__=1"}},
	{goarch: "loong64", incDir: "/usr/riscv64-linux-gnu/include",
		defines:  []string{"__loongarch__=1", "__loongarch64=1", "__LP64__=1"},
		shim:     loong64Shim,
		shimNote: loong64ShimNote},
	{goarch: "mips", incDir: "/usr/mips-linux-gnu/include",
		defines: []string{"__mips__=1", "__MIPSEB__=1", "_ABIO32=1", "_MIPS_SIM=_ABIO32", "_MIPS_SZLONG=32"}},
	{goarch: "mipsle", incDir: "/usr/mipsel-linux-gnu/include",
		defines: []string{"__mips__=1", "__MIPSEL__=1", "_ABIO32=1", "_MIPS_SIM=_ABIO32", "_MIPS_SZLONG=32"}},
	{goarch: "mips64", incDir: "/usr/mips64-linux-gnuabi64/include",
		defines: []string{"__mips__=1", "__mips64=1", "__MIPSEB__=1", "_ABI64=3", "_MIPS_SIM=_ABI64", "_MIPS_SZLONG=64"}},
	{goarch: "mips64le", incDir: "/usr/mips64el-linux-gnuabi64/include",
		defines: []string{"__mips__=1", "__mips64=1", "__MIPSEL__=1", "_ABI64=3", "_MIPS_SIM=_ABI64", "_MIPS_SZLONG=64"}},
	{goarch: "ppc64", incDir: "/usr/powerpc64-linux-gnu/include",
		defines: []string{"__powerpc__=1", "__powerpc64__=1", "__LP64__=1"}},
	{goarch: "ppc64le", incDir: "/usr/powerpc64le-linux-gnu/include",
		defines: []string{"__powerpc__=1", "__powerpc64__=1", "__LP64__=1"}},
	{goarch: "riscv64", incDir: "/usr/riscv64-linux-gnu/include",
		defines: []string{"__riscv=1", "__riscv_xlen=64", "__LP64__=1", "__SIZEOF_POINTER__=8", "__SIZEOF_LONG__=8"}},
	{goarch: "s390x", incDir: "/usr/s390x-linux-gnu/include",
		defines: []string{"__s390__=1", "__s390x__=1", "__LP64__=1"}},
}

// linuxSyscalls are the kernel names (without __NR_) of the syscalls whose
// numbers are generated; each becomes _SYS_<UPPERCASE name> where defined.
var linuxSyscalls = []string{
	"memfd_create", "fcntl", "mmap", "mmap2", "munmap", "mprotect",
	"madvise", "ftruncate", "ftruncate64", "pread64", "pwrite64",
	"read", "write", "lseek", "_llseek", "close", "fchmod", "fstat", "fstat64",
	"statx", "sendmsg", "recvmsg", "socketcall",
	"sendfile", "sendfile64", "splice", "copy_file_range", "execveat", "openat",
	"fallocate", "mlock", "mlock2", "munlock", "mremap", "memfd_secret", "fstatfs",
}

// linuxConsts are the UAPI macros generated as _<NAME>.
var linuxConsts = []string{
	"MFD_CLOEXEC", "MFD_ALLOW_SEALING", "MFD_HUGETLB", "MFD_NOEXEC_SEAL", "MFD_EXEC",
	"MFD_HUGE_SHIFT",
	"F_ADD_SEALS", "F_GET_SEALS", "F_SEAL_SEAL", "F_SEAL_SHRINK", "F_SEAL_GROW",
	"F_SEAL_WRITE", "F_SEAL_FUTURE_WRITE", "F_SEAL_EXEC",
	"F_DUPFD_CLOEXEC", "F_GETFD", "F_SETFD", "FD_CLOEXEC", "F_GETFL",
	"O_ACCMODE", "O_RDONLY", "O_RDWR",
	"AT_FDCWD", "AT_EMPTY_PATH", "STATX_TYPE", "STATX_MODE", "STATX_SIZE",
	"PROT_READ", "PROT_WRITE", "MAP_SHARED", "MAP_PRIVATE", "S_IFMT", "S_IFREG",
	"SOCKETCALL_SENDMSG", "SOCKETCALL_RECVMSG",
	"O_CLOEXEC", "O_PATH",
	"MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL", "MADV_WILLNEED", "MADV_DONTNEED",
	"MADV_HUGEPAGE", "MADV_NOHUGEPAGE", "MADV_DONTDUMP", "MADV_DODUMP",
	"MADV_POPULATE_READ", "MADV_POPULATE_WRITE",
	"MREMAP_MAYMOVE", "MLOCK_ONFAULT",
	"FALLOC_FL_KEEP_SIZE",
	"STATX_BLOCKS", "STATX_INO", "SEEK_HOLE",
	"HUGETLBFS_MAGIC", "TMPFS_MAGIC",
}

// linuxTestConsts are UAPI macros only the tests use; they are generated
// into zconst_linux_test.go (each must have one value on every GOARCH).
var linuxTestConsts = []string{
	"MFD_HUGE_MASK", "MFD_HUGE_64KB", "MFD_HUGE_512KB",
	"MFD_HUGE_1MB", "MFD_HUGE_2MB", "MFD_HUGE_8MB", "MFD_HUGE_16MB",
	"MFD_HUGE_32MB", "MFD_HUGE_256MB", "MFD_HUGE_512MB", "MFD_HUGE_1GB",
	"MFD_HUGE_2GB", "MFD_HUGE_16GB",
}

// linuxRenamed maps generated names to the UAPI macros they are read from,
// where the macro's own name would collide with a syscall number:
// linux/net.h's socketcall(2) call numbers SYS_SENDMSG and SYS_RECVMSG are
// not __NR_sendmsg and __NR_recvmsg (_SYS_SENDMSG, _SYS_RECVMSG).
var linuxRenamed = map[string]string{
	"SOCKETCALL_SENDMSG": "SYS_SENDMSG",
	"SOCKETCALL_RECVMSG": "SYS_RECVMSG",
}

// headerMacro returns the macro a linuxConsts name is read from.
func headerMacro(name string) string {
	if m, ok := linuxRenamed[name]; ok {
		return m
	}
	return name
}

// linuxConstHeaders are included to read linuxConsts.
var linuxConstHeaders = []string{"linux/memfd.h", "linux/fcntl.h", "linux/stat.h", "linux/mman.h", "linux/net.h", "linux/falloc.h", "linux/magic.h", "linux/fs.h"}

// linuxConstSources are the headers (relative to the include directory)
// that hold the definitions of linuxConsts; the Source lines name those of
// them that cpp actually opened.
var linuxConstSources = []string{
	"linux/memfd.h", "asm-generic/hugetlb_encode.h", "linux/fcntl.h",
	"asm/fcntl.h", "asm-generic/fcntl.h", "linux/stat.h", "linux/mman.h",
	"asm/mman.h", "asm-generic/mman.h", "asm-generic/mman-common.h", "linux/net.h",
	"linux/falloc.h", "linux/magic.h", "linux/fs.h",
}
