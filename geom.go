package memfile

import (
	"sync/atomic"
	"unsafe"
)

// geomCache remembers what Map learned about a file, so that Map on a file
// sealed against shrinking needs no fstat: such a file's size can only grow,
// so a size it had after the seal was added is a lower bound for ever, and a
// range within it can never pass the end of the file. The page size of a
// file never changes. The cache holds an immutable *fileGeom, replaced with
// compare-and-swap; nothing is allocated once it is filled in.
type geomCache struct{ p unsafe.Pointer }

type fileGeom struct {
	size         int64 // while shrinkSealed: a lower bound of the size (0: unknown)
	page         int64 // the file's page size; 0: not known yet
	shrinkSealed bool  // SealShrink was seen on the file
}

func (c *geomCache) load() *fileGeom { return (*fileGeom)(atomic.LoadPointer(&c.p)) }

// replace installs n if the cache still holds old.
func (c *geomCache) replace(old, n *fileGeom) {
	atomic.CompareAndSwapPointer(&c.p, unsafe.Pointer(old), unsafe.Pointer(n))
}

// noteSeals records that the file has seals s (from F_GET_SEALS or a
// successful F_ADD_SEALS). It is small enough to inline at its callers.
func (c *geomCache) noteSeals(s Seals) {
	if s&SealShrink != 0 {
		c.noteShrink()
	}
}

func (c *geomCache) noteShrink() {
	for {
		g := c.load()
		if g != nil && g.shrinkSealed {
			return
		}
		// A size seen before the seal is no lower bound (the file may
		// have shrunk since), so only the page size carries over.
		n := &fileGeom{shrinkSealed: true}
		if g != nil {
			n.page = g.page
		}
		if atomic.CompareAndSwapPointer(&c.p, unsafe.Pointer(g), unsafe.Pointer(n)) {
			return
		}
	}
}
