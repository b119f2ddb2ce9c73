package memfile

import "strconv"

// MaxNameLen is the longest name Create accepts, in bytes: the kernel's
// NAME_MAX (255) less the 6 bytes of the "memfd:" prefix it adds. FreeBSD's
// libc applies the same limit.
const MaxNameLen = 249

// Options control Create. The zero value gives a file that is not sealable,
// not executable (where the kernel can enforce it), uses normal pages and is
// closed on exec.
type Options struct {
	// AllowSealing lets AddSeals add seals later (MFD_ALLOW_SEALING). Without
	// it the file starts with SealSeal on every kernel, even where
	// MFD_NOEXEC_SEAL would otherwise leave sealing open.
	AllowSealing bool

	// HugePages backs the file with huge pages (MFD_HUGETLB; Linux 4.14+,
	// with AllowSealing 4.16+; FreeBSD 13+ via SHM_LARGEPAGE). Zero means
	// normal pages. On Linux, Create fails with ENODEV for a size the
	// machine does not have (/sys/kernel/mm/hugepages lists them). Create
	// and Truncate succeed without any page of that size free (ftruncate
	// reserves nothing); Map is where the pages are reserved, and it fails
	// with ENOMEM unless enough are free (reserve them in
	// /proc/sys/vm/nr_hugepages, per size in
	// /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages). Huge-page files
	// cannot be written with Write or WriteAt on Linux (EINVAL: hugetlbfs
	// has no write(2)): Truncate to a multiple of the page size, Map, and
	// copy into the mapping.
	//
	// On FreeBSD only amd64 and arm64 have large pages (elsewhere
	// ErrNotSupported); the size must be one hw.pagesizes lists (2 MiB, or
	// 1 GiB where the CPU has it), and HugeDefault and other sizes give
	// ErrNotSupported. No reserved pool is needed: contiguous wired pages
	// are allocated as the file grows (ENOMEM when none is free). In
	// Capsicum capability mode a huge-page Create fails with op
	// sysctl(hw.pagesizes) and EPERM. See docs/freebsd.md.
	HugePages HugePageSize

	// Exec chooses whether the file may be executed (Linux 6.3+ enforces it;
	// see ExecPolicy). The zero value is NoExec.
	Exec ExecPolicy

	// InheritOnExec leaves close-on-exec off (no MFD_CLOEXEC / O_CLOEXEC), so
	// the descriptor is inherited by programs this process executes.
	// Prefer the default and pass the file explicitly (exec.Cmd.ExtraFiles,
	// syscall.ProcAttr.Files), which is race-free.
	InheritOnExec bool
}

// HugePageSize selects huge pages for Options.HugePages. Its value is the
// base-2 logarithm of the page size, as the kernel encodes it in the
// MFD_HUGE_* flags; HugeDefault asks for the kernel's default huge page size.
type HugePageSize uint8

// Huge page sizes: each value is the MFD_HUGE_* flag of the same name shifted
// right by MFD_HUGE_SHIFT (a test checks every one against the generated
// kernel constants). Which exist depends on the processor and kernel: x86-64
// has 2MB and 1GB, arm64 with 4 KiB base pages 64KB, 2MB, 32MB and 1GB.
const (
	NoHugePages HugePageSize = 0
	HugeDefault HugePageSize = 1 // the kernel's default huge page size (MFD_HUGETLB without a size; Linux only)
	Huge64KB    HugePageSize = 16
	Huge512KB   HugePageSize = 19
	Huge1MB     HugePageSize = 20
	Huge2MB     HugePageSize = 21
	Huge8MB     HugePageSize = 23
	Huge16MB    HugePageSize = 24
	Huge32MB    HugePageSize = 25
	Huge256MB   HugePageSize = 28
	Huge512MB   HugePageSize = 29
	Huge1GB     HugePageSize = 30
	Huge2GB     HugePageSize = 31
	Huge16GB    HugePageSize = 34
)

// maxHugeShift is the largest value the kernel's 6-bit huge page size field
// (MFD_HUGE_MASK) can hold.
const maxHugeShift = 63

// Bytes returns the page size in bytes, or 0 for NoHugePages and
// HugeDefault.
func (h HugePageSize) Bytes() uint64 {
	if h < 2 || h > maxHugeShift {
		return 0
	}
	return 1 << h
}

// String returns "2MB", "1GB", "default" or "none".
func (h HugePageSize) String() string {
	switch {
	case h == NoHugePages:
		return "none"
	case h == HugeDefault:
		return "default"
	case h >= 10 && h < 64:
		shift := h / 10 * 10 // 10, 20, 30, 40, 50 or 60
		if shift > 30 {
			shift = 30
		}
		return strconv.FormatUint(h.Bytes()>>shift, 10) + "KMG"[shift/10-1:shift/10] + "B"
	}
	return "HugePageSize(" + strconv.Itoa(int(h)) + ")"
}

// ExecPolicy says whether a new file may be executed (with execveat or
// fexecve). Linux 6.3 added the MFD_NOEXEC_SEAL and MFD_EXEC flags; older
// kernels reject them with EINVAL, and Create then retries without them once
// and remembers the answer for the life of the process.
type ExecPolicy uint8

const (
	// NoExec (the default) passes MFD_NOEXEC_SEAL: the file's execute bits
	// are cleared and SealExec is set, so they can never be turned on. On
	// kernels before 6.3 Create clears the execute bits with fchmod(2)
	// instead (nothing then stops a later chmod). FreeBSD has no exec seal:
	// its files are created with mode 0.
	NoExec ExecPolicy = iota
	// Executable passes MFD_EXEC: the file keeps mode 0777 so it can be
	// executed. Under vm.memfd_noexec=2 the kernel refuses with EACCES.
	Executable
	// KernelDefault passes neither flag and leaves the choice to the
	// kernel's vm.memfd_noexec setting (Linux 6.3+ logs a warning for it).
	KernelDefault
)

// String returns "noexec", "exec" or "kernel-default".
func (p ExecPolicy) String() string {
	switch p {
	case NoExec:
		return "noexec"
	case Executable:
		return "exec"
	case KernelDefault:
		return "kernel-default"
	}
	return "ExecPolicy(" + strconv.Itoa(int(p)) + ")"
}

// Create creates an anonymous memory file of size 0 with memfd_create(2)
// (Linux 3.17+ and Android; huge pages 4.14+, exec policies 6.3+) or, on
// FreeBSD 13+, with shm_open2(2) and SHM_ANON as FreeBSD's libc does. The name
// is for debugging only (it shows in /proc/self/fd as "memfd:<name>"), need
// not be unique, and is checked before any system call.
//
// Errors: EINVAL for a name longer than MaxNameLen bytes or containing a NUL
// byte, for an unknown HugePageSize or ExecPolicy, and from kernels without
// huge-page memory files (before 4.14; with sealing, before 4.16); ENODEV
// (Linux) for a huge page size the machine does not have, such as Huge64KB
// or Huge16GB on x86-64; an error matching ErrNotSupported where memfd_create is missing
// (ENOSYS: Linux before 3.17, FreeBSD before 13) and on other operating
// systems; EPERM when a seccomp filter or container policy forbids the call;
// EACCES for Executable under vm.memfd_noexec=2; EMFILE/ENFILE when out of
// descriptors; ENOMEM.
func Create(name string, opts Options) (*MemFile, error) {
	if !platformSupported {
		return nil, unsupportedError("memfd_create", name, ErrNotSupported, "")
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkOptions(name, &opts); err != nil {
		return nil, err
	}
	fd, err := sysCreate(name, &opts)
	if err != nil {
		return nil, err
	}
	return newMemFile(fd, name), nil
}

// CreateSealable is Create(name, Options{AllowSealing: true}).
func CreateSealable(name string) (*MemFile, error) {
	return Create(name, Options{AllowSealing: true})
}

// checkName enforces the kernel's name rules before any system call.
func checkName(name string) error {
	if len(name) > MaxNameLen {
		return opError("memfd_create", "", errInvalid, "name is "+strconv.Itoa(len(name))+" bytes; the limit is "+strconv.Itoa(MaxNameLen))
	}
	for i := 0; i < len(name); i++ {
		if name[i] == 0 {
			return opError("memfd_create", "", errInvalid, "name contains a NUL byte at index "+strconv.Itoa(i))
		}
	}
	return nil
}

// checkOptions rejects values the kernel would reject for reasons a caller
// cannot see.
func checkOptions(name string, o *Options) error {
	if o.Exec > KernelDefault {
		return opError("memfd_create", name, errInvalid, "unknown ExecPolicy("+strconv.Itoa(int(o.Exec))+")") // as Exec.String would say
	}
	if o.HugePages > maxHugeShift {
		return opError("memfd_create", name, errInvalid, "unknown HugePageSize "+o.HugePages.String())
	}
	return nil
}

// cName copies name into buf as a NUL-terminated C string; checkName has
// already bounded its length.
func cName(buf *[MaxNameLen + 8]byte, prefix, name string) *byte {
	n := copy(buf[:], prefix)
	n += copy(buf[n:], name)
	buf[n] = 0
	return &buf[0]
}
