//go:build linux

package memfile_test

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/memfile-go/memfile"
)

// The seed example: create a sealable file, write, seal; from then on every
// write, and every attempt to create a shared writable mapping, fails.
func Example() {
	file, err := memfile.Create("foo", memfile.Options{AllowSealing: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer file.Close()
	file.Write([]byte("Hello world!"))
	if err := file.AddSeals(memfile.SealWrite | memfile.SealShrink | memfile.SealGrow); err != nil {
		fmt.Println(err)
		return
	}

	_, err = file.Write([]byte("more"))
	fmt.Println(err)
	fmt.Println("EPERM:", errors.Is(err, syscall.EPERM))
	_, err = file.Map(0, 12, memfile.MapReadWrite)
	fmt.Println(err)
	// Output:
	// memfile: write "foo": operation not permitted (the file is sealed against writing or growing)
	// EPERM: true
	// memfile: mmap "foo": operation not permitted (the file is sealed against writing; map it MapReadOnly or MapCopyOnWrite)
}

// A receiver that demands the immutable seals can map the file without any
// risk of SIGBUS and knows the bytes will never change.
func ExampleFromFdWithSeals() {
	sender, _ := memfile.CreateSealable("payload")
	defer sender.Close()
	sender.Write([]byte("sealed bytes"))
	sender.AddSeals(memfile.SealImmutable)

	// In real use the descriptor arrives over a Unix socket or is inherited.
	dup, _ := sender.Dup()
	fd, _ := dup.Release()

	file, err := memfile.FromFdWithSeals(int(fd), memfile.SealShrink|memfile.SealWrite)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer file.Close()
	size, _ := file.Size()
	m, _ := file.Map(0, int(size), memfile.MapReadOnly)
	defer m.Unmap()
	fmt.Printf("%s\n", m.Bytes())
	// Output: sealed bytes
}

// FromFdWithSeals names the seals a file lacks.
func ExampleFromFdWithSeals_missing() {
	unsealed, _ := memfile.CreateSealable("unsealed")
	defer unsealed.Close()
	dup, _ := unsealed.Dup()
	fd, _ := dup.Release()
	defer syscall.Close(int(fd))

	_, err := memfile.FromFdWithSeals(int(fd), memfile.SealShrink|memfile.SealWrite)
	fmt.Println(errors.Is(err, memfile.ErrMissingSeals))
	// Output: true
}

func ExampleMemFile_Map() {
	file, _ := memfile.Create("shared", memfile.Options{})
	defer file.Close()
	file.Truncate(4096)
	m, err := file.Map(0, 4096, memfile.MapReadWrite)
	if err != nil {
		fmt.Println(err)
		return
	}
	copy(m.Bytes(), "written through the mapping")
	m.Unmap()

	buf := make([]byte, 27)
	file.ReadAt(buf, 0)
	fmt.Printf("%s\n", buf)
	// Output: written through the mapping
}

func ExampleSeals_String() {
	fmt.Println(memfile.SealShrink | memfile.SealGrow | memfile.SealWrite)
	fmt.Println(memfile.SealImmutable.Missing(memfile.SealWrite | memfile.SealExec))
	// Output:
	// shrink|grow|write
	// exec
}
