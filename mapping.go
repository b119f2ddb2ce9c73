package memfile

import (
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

// MapMode selects the kind of mapping Map makes.
type MapMode uint8

const (
	// MapReadOnly maps the file shared and read-only (PROT_READ,
	// MAP_SHARED): later changes to the file show through. For a
	// write-sealed file on kernels that refuse a shared mapping of it (before
	// 6.7, and some stable kernels), Map falls back to a private read-only
	// mapping, which shows the same, unchangeable contents.
	MapReadOnly MapMode = iota
	// MapReadWrite maps the file shared and writable (PROT_READ|PROT_WRITE,
	// MAP_SHARED): writes go to the file and are seen by every other mapping
	// and process. Refused once SealWrite or SealFutureWrite is set (EPERM
	// on Linux, EACCES on FreeBSD), and with EACCES if the descriptor is
	// read-only.
	MapReadWrite
	// MapCopyOnWrite maps the file private and writable (PROT_READ|
	// PROT_WRITE, MAP_PRIVATE): writes stay in this process. Allowed on
	// write-sealed files.
	MapCopyOnWrite
)

// String returns "read-only", "read-write" or "copy-on-write".
func (m MapMode) String() string {
	switch m {
	case MapReadOnly:
		return "read-only"
	case MapReadWrite:
		return "read-write"
	case MapCopyOnWrite:
		return "copy-on-write"
	}
	return "MapMode(" + strconv.Itoa(int(m)) + ")"
}

// Mapping is a memory mapping of a MemFile, made by Map, MapAll or
// MapSealed. It stays valid after the MemFile is closed, until Unmap (or
// Close, which is the same). There is no finalizer: a Mapping that is never
// unmapped stays mapped until the process exits.
//
// The mapping covers whole pages of the file's own page size (the huge page
// size for a huge-page file), though Bytes shows only the length asked for;
// Unmap always removes the whole extent. A Mapping is safe for concurrent
// use, but no goroutine may use the memory from Bytes after Unmap or while
// Remap moves it.
//
// The zero Mapping and a nil *Mapping behave as an unmapped one: Bytes is
// nil, Len is 0, Unmap and Close return nil, and every other method returns
// an error matching syscall.EINVAL. None of them panics.
type Mapping struct {
	mu     sync.Mutex // held by every method that uses addr
	data   []byte     // what Bytes shows: the requested length
	addr   uintptr    // start of the kernel mapping (its length is size()); 0 when unmapped
	page   uintptr    // the file's page size (a huge page size for hugetlbfs)
	file   *MemFile   // the file it maps, for Remap and for Protect's seal check; nil for Secret
	offset int64      // its offset in the file
	prot   uintptr    // current protection (PROT_*)
	shared bool       // MAP_SHARED (else MAP_PRIVATE)
}

// size is the length of the kernel mapping: Len rounded up to whole pages.
func (mp *Mapping) size() uintptr { return roundUp(uintptr(len(mp.data)), mp.page) }

// Bytes returns the mapped memory, or nil after Unmap. The slice must not be
// used after Unmap or Remap: the memory is gone or moved and access would
// fault.
func (mp *Mapping) Bytes() []byte {
	if mp == nil {
		return nil
	}
	mp.mu.Lock()
	b := mp.data
	mp.mu.Unlock()
	return b
}

// Len returns the length of the mapping in bytes, or 0 after Unmap.
func (mp *Mapping) Len() int { return len(mp.Bytes()) }

// Unmap removes the whole mapping with munmap(2). It is safe to call more
// than once and from several goroutines: once the mapping is gone, later
// calls return nil. If munmap fails the mapping stays as it was (Bytes still
// works) and Unmap can be called again: it never forgets memory that is
// still mapped. No other goroutine may still be using Bytes.
func (mp *Mapping) Unmap() error {
	if mp == nil {
		return nil
	}
	mp.mu.Lock()
	var err error
	if mp.addr != 0 {
		if err = sysMunmap(mp.addr, mp.size()); err == nil {
			mp.data, mp.addr = nil, 0
		} else {
			err = opError("munmap", mp.name(), err, "")
		}
	}
	mp.mu.Unlock()
	return err
}

// Close is Unmap, so that a Mapping is an io.Closer.
func (mp *Mapping) Close() error { return mp.Unmap() }

// name is the file's name for errors.
func (mp *Mapping) name() string {
	if mp.file == nil {
		return ""
	}
	return mp.file.name
}

// lockMapped locks mp and checks that it is mapped; on success the caller
// must unlock mp.mu.
func (mp *Mapping) lockMapped(op string) error {
	if mp == nil {
		return opError(op, "", errInvalid, "nil *Mapping")
	}
	mp.mu.Lock()
	if mp.addr == 0 {
		mp.mu.Unlock()
		return opError(op, mp.name(), errInvalid, "the mapping is not mapped (unmapped, or a zero Mapping)")
	}
	return nil
}

// setData points data at length bytes from addr. The memory is outside the
// Go heap, so turning the address into a pointer is safe; reading it through
// *unsafe.Pointer says so to vet.
func (mp *Mapping) setData(addr uintptr, length int) {
	base := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	mp.data = unsafe.Slice((*byte)(base), length)
	mp.addr = addr
}

// roundUp rounds n up to a multiple of the power of two page. For an n from
// a positive int and a page size far below half the address space it
// cannot overflow.
func roundUp(n, page uintptr) uintptr { return (n + page - 1) &^ (page - 1) }

// geomCache remembers what Map learned about a file, so that Map on a file
// sealed against shrinking needs no fstat: such a file's size can only grow,
// so a size it had after the seal was added is a lower bound for ever, and a
// range within it can never pass the end of the file. The page size of a
// file never changes. It is the first field of MemFile, so its 64-bit words
// are 64-bit aligned on 32-bit platforms too, as sync/atomic requires.
type geomCache struct {
	size int64 // a size seen after SealShrink was seen (a lower bound); 0: unknown
	info int64 // the file's page size (0: not known yet), | geomShrink once SealShrink was seen
}

const geomShrink = 1 // page sizes are powers of two of at least 4096: bit 0 is free

// noteSeals records that the file has seals s (from F_GET_SEALS or a
// successful F_ADD_SEALS). It is small enough to inline at its callers.
func (c *geomCache) noteSeals(s Seals) {
	if s&SealShrink != 0 && atomic.LoadInt64(&c.info)&geomShrink == 0 {
		c.noteShrink()
	}
}

func (c *geomCache) noteShrink() {
	// A size seen before the seal is no lower bound (the file may have
	// shrunk since): forget it before the flag is set. Only Map calls that
	// saw the flag store sizes, so every size stored later was read after
	// the seal.
	atomic.StoreInt64(&c.size, 0)
	for {
		old := atomic.LoadInt64(&c.info)
		if old&geomShrink != 0 || atomic.CompareAndSwapInt64(&c.info, old, old|geomShrink) {
			return
		}
	}
}
