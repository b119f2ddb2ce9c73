package memfile

// pageSizeOp names the step that finds a file's page size: on Linux it
// comes with fstat (st_blksize is the huge page size of a hugetlbfs file).
const pageSizeOp = fstatOp

// sysPageSize returns the page size mappings of the file must follow.
func sysPageSize(fd int, st fileStat) (int64, error) { return validPage(st.blksize), nil }

// eaccesMaySeal says whether mmap's EACCES can mean a write seal: Linux answers EPERM for a write-sealed file, EACCES only for a read-only descriptor.
const eaccesMaySeal = false
