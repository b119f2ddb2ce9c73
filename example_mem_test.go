//go:build linux

package memfile_test

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/memfile-go/memfile"
)

// MapAll maps the whole file; Protect makes the filled mapping read-only,
// and a Mapping is an io.Closer.
func ExampleMemFile_MapAll() {
	file, err := memfile.Create("table", memfile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer file.Close()
	file.Truncate(4096)
	mp, err := file.MapAll(memfile.MapReadWrite)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mp.Close()
	copy(mp.Bytes(), "filled once")
	if err := mp.Protect(memfile.MapReadOnly); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(mp.Bytes()), string(mp.Bytes()[:11]))

	empty, _ := memfile.Create("empty", memfile.Options{})
	defer empty.Close()
	_, err = empty.MapAll(memfile.MapReadOnly)
	fmt.Println(err)
	// Output:
	// 4096 filled once
	// memfile: mmap "empty": invalid argument (the file is empty: there is nothing to map)
}

// A receiver's MapSealed demands a shrink seal and a write seal: a file
// sealed only against resizing can still lose pages to a punched hole.
func ExampleMemFile_MapSealed() {
	file, _ := memfile.CreateSealable("frame")
	defer file.Close()
	file.Truncate(4096)
	file.AddSeals(memfile.SealShrink | memfile.SealGrow)
	_, err := file.MapSealed(0, 4096, 0)
	fmt.Println(errors.Is(err, memfile.ErrMissingSeals))

	file.AddSeals(memfile.SealWrite)
	view, err := file.MapSealed(0, 4096, memfile.SealWrite)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer view.Unmap()
	fmt.Println(view.Len())
	// Output:
	// true
	// 4096
}

// Mapping controls: grow the mapping after the file grows, advise the
// kernel, lock it in memory.
func ExampleMapping_Remap() {
	file, _ := memfile.Create("log", memfile.Options{})
	defer file.Close()
	file.Truncate(4096)
	mp, err := file.Map(0, 4096, memfile.MapReadWrite)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mp.Unmap()
	copy(mp.Bytes(), "entry 1")

	file.Truncate(3 * 4096)
	if err := mp.Remap(3 * 4096); err != nil { // mremap(MREMAP_MAYMOVE)
		fmt.Println(err)
		return
	}
	fmt.Println(mp.Len(), string(mp.Bytes()[:7]))
	fmt.Println(mp.Advise(0, mp.Len(), memfile.AdviseWillNeed))
	fmt.Println(mp.Remap(4 * 4096))
	// Output:
	// 12288 entry 1
	// <nil>
	// memfile: mremap "log": invalid argument (range 0+16384 passes the end of the file (12288 bytes); Truncate first)
}

// Allocate reserves the file's pages, so later faults cannot fail for lack
// of memory; Allocated shows what is really in use.
func ExampleMemFile_Allocate() {
	file, _ := memfile.Create("reserved", memfile.Options{})
	defer file.Close()
	file.Truncate(1 << 20)
	before, _ := file.Allocated()
	if err := file.Allocate(0, 1<<20, true); err != nil {
		fmt.Println(err)
		return
	}
	after, _ := file.Allocated()
	size, _ := file.Size()
	fmt.Println(before, after, size)
	// Output:
	// 0 1048576 1048576
}

// NewSecret gives the best protection that works, down to the level the
// caller accepts, and says which it got.
func ExampleNewSecret() {
	key, err := memfile.NewSecret(32, memfile.SecretLocked)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer key.Close() // wipes and unmaps
	copy(key.Bytes(), "0123456789abcdef0123456789abcdef")
	fmt.Println(len(key.Bytes()), key.Level() == memfile.SecretMemory || key.Level() == memfile.SecretLocked)

	_, err = memfile.NewSecret(0, memfile.SecretMemory)
	fmt.Println(errors.Is(err, syscall.EINVAL))
	// Output:
	// 32 true
	// true
}
