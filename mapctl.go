package memfile

import "strconv"

// Mapping controls: advice, populating, locking, protection and resizing.
// The system calls are in sys_unix.go, sys_linux.go and sys_freebsd.go;
// elsewhere (sys_other.go) every control returns an error matching
// ErrNotSupported.

// Advice is a hint for Advise about how a mapping will be used.
type Advice uint8

const (
	AdviseNormal     Advice = iota // no special treatment (MADV_NORMAL)
	AdviseRandom                   // expect random access: read ahead less (MADV_RANDOM)
	AdviseSequential               // expect sequential access: read ahead more (MADV_SEQUENTIAL)
	AdviseWillNeed                 // read the pages in soon (MADV_WILLNEED)
	// AdviseDontNeed drops this mapping's page table entries
	// (MADV_DONTNEED). For a shared mapping the data stays in the file and
	// is read back on the next access; for a MapCopyOnWrite mapping the
	// private changes are discarded and the file's contents show again.
	AdviseDontNeed
	AdviseHugePage   // back the range with transparent huge pages where the kernel can (MADV_HUGEPAGE; Linux only)
	AdviseNoHugePage // do not use transparent huge pages (MADV_NOHUGEPAGE; Linux only)
	AdviseDontDump   // leave the range out of core dumps (MADV_DONTDUMP on Linux 3.4+, MADV_NOCORE on FreeBSD)
	AdviseDoDump     // undo AdviseDontDump (MADV_DODUMP, MADV_CORE)
)

var adviceNames = [...]string{"normal", "random", "sequential", "will-need", "dont-need", "huge-page", "no-huge-page", "dont-dump", "do-dump"}

// String returns the advice's name, such as "will-need".
func (a Advice) String() string {
	if int(a) < len(adviceNames) {
		return adviceNames[a]
	}
	return "Advice(" + strconv.Itoa(int(a)) + ")"
}

// Populated says how Populate filled a mapping.
type Populated uint8

const (
	// PopulatedByKernel: madvise(MADV_POPULATE_READ or _WRITE), Linux
	// 5.14+, which reports a page it cannot fill as an error.
	PopulatedByKernel Populated = iota + 1
	// PopulatedByTouching: the kernel lacks MADV_POPULATE_*, so Populate
	// read (or, for write, atomically added zero to) one word of every
	// page. It does so only where that cannot fault: the file is sealed as
	// MapSealed demands.
	PopulatedByTouching
)

// String returns "kernel" or "touching".
func (p Populated) String() string {
	switch p {
	case PopulatedByKernel:
		return "kernel"
	case PopulatedByTouching:
		return "touching"
	}
	return "Populated(" + strconv.Itoa(int(p)) + ")"
}
