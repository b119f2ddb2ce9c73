package memfile

import "sync/atomic"

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
