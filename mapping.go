package memfile

import (
	"strconv"
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
	// and process. Refused with EPERM once SealWrite or SealFutureWrite is
	// set, and EACCES if the descriptor is read-only.
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

// Mapping is a memory mapping of a MemFile, made by Map. It stays valid after
// the MemFile is closed, until Unmap. There is no finalizer: a Mapping that
// is never unmapped stays mapped until the process exits.
type Mapping struct {
	data     []byte
	unmapped uint32 // set atomically by the first Unmap
}

// Bytes returns the mapped memory, or nil after Unmap. The slice must not be
// used after Unmap: the memory is gone and access would fault.
func (mp *Mapping) Bytes() []byte {
	if atomic.LoadUint32(&mp.unmapped) != 0 {
		return nil
	}
	return mp.data
}

// Len returns the length of the mapping in bytes, or 0 after Unmap.
func (mp *Mapping) Len() int { return len(mp.Bytes()) }

// Unmap removes the mapping with munmap(2). It is safe to call more than once
// and from several goroutines: only the first call unmaps, later calls
// return nil. No other goroutine may still be using Bytes.
func (mp *Mapping) Unmap() error {
	if !atomic.CompareAndSwapUint32(&mp.unmapped, 0, 1) {
		return nil
	}
	if err := sysMunmap(uintptr(unsafe.Pointer(&mp.data[0])), uintptr(len(mp.data))); err != nil {
		return opError("munmap", "", err, "")
	}
	return nil
}
