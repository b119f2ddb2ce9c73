package memfile

// writeSeals names the seal that forbids deallocating pages (fspacectl's
// SPACECTL_DEALLOC, refused with EPERM by shm_fspacectl in
// sys/kern/uipc_shm.c), for MapSealed's error. FreeBSD has no future-write
// seal.
const writeSeals = "write"

// checkFaultProof has nothing to add on FreeBSD: an object with SealShrink
// and SealWrite can neither shrink nor lose pages, and a large-page object
// allocates all its pages when it is sized.
func (m *MemFile) checkFaultProof(have Seals) (populate bool, err error) { return false, nil }

func (mp *Mapping) populateRead() error { return nil }
