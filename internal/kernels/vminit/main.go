//go:build linux

// Command vminit is the /init of the initramfs that internal/kernels boots
// under qemu-system. It is built for the guest's GOARCH (static, no cgo),
// mounts what the tests need, reserves huge pages, brings up the loopback
// interface, runs each test binary listed in /vm.conf with its output on the
// console, prints end markers with each exit status, and powers the machine
// off with reboot(2) so that qemu exits.
//
// /vm.conf, written by the runner, has one directive per line, fields
// separated by tabs:
//
//	hugepages-mb	N               reserve at least N MiB of default-size huge pages
//	env	NAME=VALUE              add to the tests' environment
//	run	NAME	DIR	EXE	ARG...  run EXE in DIR; NAME labels its markers
//
// Console markers (the runner parses them; each on a line of its own):
//
//	memfile-vm: up release=R goarch=A pagesize=P hugepages=N*SkB
//	memfile-vm: run NAME
//	memfile-vm: exit NAME status=S seconds=T
//	memfile-vm: done status=S
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const marker = "memfile-vm:"

func main() {
	status := run()
	fmt.Printf("\n%s done status=%d\n", marker, status)
	powerOff()
}

func logf(format string, args ...interface{}) {
	fmt.Printf(marker+" "+format+"\n", args...)
}

type mountSpec struct {
	source, target, fstype string
	flags                  uintptr
	data                   string
	optional               bool
}

func run() int {
	// The kernel opens /dev/console from the cpio (the runner puts the
	// node there) as descriptors 0-2 before starting /init.
	mounts := []mountSpec{
		{"proc", "/proc", "proc", syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC, "", false},
		{"sysfs", "/sys", "sysfs", syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC, "", false},
		{"devtmpfs", "/dev", "devtmpfs", syscall.MS_NOSUID, "mode=0755", false},
		{"tmpfs", "/dev/shm", "tmpfs", syscall.MS_NOSUID | syscall.MS_NODEV, "mode=1777", false},
		{"tmpfs", "/tmp", "tmpfs", syscall.MS_NOSUID | syscall.MS_NODEV, "mode=1777", false},
		{"hugetlbfs", "/dev/hugepages", "hugetlbfs", 0, "", true},
		{"cgroup2", "/sys/fs/cgroup", "cgroup2", syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC, "", true},
	}
	for _, m := range mounts {
		if err := os.MkdirAll(m.target, 0o755); err != nil && !m.optional {
			logf("error mkdir %s: %v", m.target, err)
			return 100
		}
		if err := syscall.Mount(m.source, m.target, m.fstype, m.flags, m.data); err != nil {
			if m.optional {
				logf("note: mount %s on %s: %v", m.fstype, m.target, err)
				continue
			}
			logf("error mount %s on %s: %v", m.fstype, m.target, err)
			return 100
		}
	}
	// From here on only errors reach the console, so that kernel
	// messages do not break up the tests' output lines.
	if err := os.WriteFile("/proc/sys/kernel/printk", []byte("4"), 0); err != nil {
		logf("note: console log level: %v", err)
	}
	conf, err := readConf("/vm.conf")
	if err != nil {
		logf("error %v", err)
		return 100
	}
	huge := reserveHugePages(conf.hugeMB)
	if err := loopbackUp(); err != nil {
		logf("note: bringing up lo: %v", err)
	}
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	logf("up release=%s goarch=%s pagesize=%d hugepages=%s", strings.TrimSpace(string(release)), runtime.GOARCH, os.Getpagesize(), huge)

	status := 0
	for _, r := range conf.runs {
		logf("run %s", r.name)
		t0 := time.Now()
		cmd := exec.Command(r.exe, r.args...)
		cmd.Dir = r.dir
		cmd.Env = conf.env
		cmd.Stdin = nil
		cmd.Stdout = os.Stdout
		cmd.Stderr = os.Stdout
		s := 0
		if err := cmd.Run(); err != nil {
			s = 1
			if ee, ok := err.(*exec.ExitError); ok {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Exited() {
					s = ws.ExitStatus()
				} else {
					s = 128
				}
			}
			fmt.Printf("\n%s %s: %v\n", marker, r.name, err)
		}
		if s != 0 && status == 0 {
			status = s
		}
		logf("exit %s status=%d seconds=%.1f", r.name, s, time.Since(t0).Seconds())
	}
	return status
}

type runSpec struct {
	name, dir, exe string
	args           []string
}

type config struct {
	hugeMB int
	env    []string
	runs   []runSpec
}

func readConf(path string) (*config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &config{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Split(line, "\t")
		switch {
		case fields[0] == "hugepages-mb" && len(fields) == 2:
			c.hugeMB, err = strconv.Atoi(fields[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", path, n, err)
			}
		case fields[0] == "env" && len(fields) == 2:
			c.env = append(c.env, fields[1])
		case fields[0] == "run" && len(fields) >= 4:
			c.runs = append(c.runs, runSpec{fields[1], fields[2], fields[3], fields[4:]})
		default:
			return nil, fmt.Errorf("%s:%d: cannot parse %q", path, n, line)
		}
	}
	return c, sc.Err()
}

// reserveHugePages reserves at least mb MiB, and at least 4 pages, of the
// default huge page size, and returns "N*SIZEkB" as /proc/meminfo then
// reports it (or "none").
func reserveHugePages(mb int) string {
	sizeKB := meminfo("Hugepagesize")
	if sizeKB <= 0 || mb <= 0 {
		return "none"
	}
	n := (mb*1024 + sizeKB - 1) / sizeKB
	if n < 4 {
		n = 4
	}
	if err := os.WriteFile("/proc/sys/vm/nr_hugepages", []byte(strconv.Itoa(n)), 0); err != nil {
		logf("note: reserving %d huge pages: %v", n, err)
	}
	return fmt.Sprintf("%d*%dkB", meminfo("HugePages_Free"), sizeKB)
}

func meminfo(name string) int {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == name+":" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return -1
}

// loopbackUp sets IFF_UP on "lo" (SIOCGIFFLAGS/SIOCSIFFLAGS), so tests can
// listen on 127.0.0.1.
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var ifr [40]byte // struct ifreq: name[16], then a union (flags: short)
	copy(ifr[:], "lo")
	flags := (*int16)(unsafe.Pointer(&ifr[16]))
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	*flags |= syscall.IFF_UP
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	return nil
}

func powerOff() {
	syscall.Sync()
	err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF)
	// Where power-off is not wired up, a restart makes qemu -no-reboot exit.
	fmt.Printf("%s power off: %v; restarting\n", marker, err)
	syscall.Reboot(syscall.LINUX_REBOOT_CMD_RESTART)
	for {
		time.Sleep(time.Hour)
	}
}
