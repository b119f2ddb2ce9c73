package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// An initramfs is the content of a newc ("070701") cpio archive, the format
// the kernel unpacks into its rootfs (Documentation/driver-api/early-userspace/
// buffer-format.rst). Entries are written in the order they were added;
// parent directories are added automatically.
type initramfs struct {
	entries []cpioEntry
	seen    map[string]bool
}

type cpioEntry struct {
	name         string // without a leading slash
	mode         uint32 // file type and permission bits
	data         []byte // contents of a regular file or a symlink target
	hostPath     string // or: copy the contents from this host file
	rmajor, rmin uint32 // device numbers of a device node
}

const (
	cpioDir  = 0o040000
	cpioReg  = 0o100000
	cpioLink = 0o120000
	cpioChr  = 0o020000
)

func (r *initramfs) add(e cpioEntry) {
	e.name = strings.TrimPrefix(path.Clean("/"+e.name), "/")
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if dir := path.Dir(e.name); dir != "." {
		r.dir(dir)
	}
	if r.seen[e.name] {
		return
	}
	r.seen[e.name] = true
	r.entries = append(r.entries, e)
}

// dir adds a directory (mode 0755) and its parents.
func (r *initramfs) dir(name string) { r.add(cpioEntry{name: name, mode: cpioDir | 0o755}) }

// file adds a regular file with the given contents.
func (r *initramfs) file(name string, mode uint32, data []byte) {
	r.add(cpioEntry{name: name, mode: cpioReg | mode, data: data})
}

// hostFile adds a regular file whose contents are read from hostPath when
// the archive is written.
func (r *initramfs) hostFile(name string, mode uint32, hostPath string) {
	r.add(cpioEntry{name: name, mode: cpioReg | mode, hostPath: hostPath})
}

// charDev adds a character device node.
func (r *initramfs) charDev(name string, mode, major, minor uint32) {
	r.add(cpioEntry{name: name, mode: cpioChr | mode, rmajor: major, rmin: minor})
}

// tree adds every directory and regular file under hostDir as guestDir.
func (r *initramfs) tree(guestDir, hostDir string) error {
	var names []string
	err := filepath.Walk(hostDir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() || fi.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, p := range names {
		rel, _ := filepath.Rel(hostDir, p)
		g := path.Join(guestDir, filepath.ToSlash(rel))
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			r.dir(g)
		} else {
			r.hostFile(g, uint32(fi.Mode().Perm()), p)
		}
	}
	return nil
}

// writeTo writes the archive, with the trailer, to w.
func (r *initramfs) writeTo(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var off int64
	pad := func() error {
		if n := (4 - off%4) % 4; n > 0 {
			_, err := bw.Write(make([]byte, n))
			off += n
			return err
		}
		return nil
	}
	write := func(ino int, e cpioEntry) error {
		data := e.data
		if e.hostPath != "" {
			b, err := os.ReadFile(e.hostPath)
			if err != nil {
				return err
			}
			data = b
		}
		nlink := 1
		if e.mode&0o170000 == cpioDir {
			nlink = 2
		}
		hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			ino, e.mode, 0, 0, nlink, 0, len(data), 0, 0, e.rmajor, e.rmin, len(e.name)+1, 0)
		n, err := bw.WriteString(hdr + e.name + "\x00")
		off += int64(n)
		if err != nil {
			return err
		}
		if err := pad(); err != nil {
			return err
		}
		n, err = bw.Write(data)
		off += int64(n)
		if err != nil {
			return err
		}
		return pad()
	}
	for i, e := range r.entries {
		if err := write(i+1, e); err != nil {
			return fmt.Errorf("cpio entry %s: %v", e.name, err)
		}
	}
	if err := write(0, cpioEntry{name: "TRAILER!!!"}); err != nil {
		return err
	}
	return bw.Flush()
}

// writeFile writes the archive to a new file at p.
func (r *initramfs) writeFile(p string) error {
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := r.writeTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
