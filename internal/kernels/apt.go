package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kernels come from Debian's archive through a private apt configuration:
// its own sources list, state and cache directories under the cache
// directory, one per (suite, architecture), so that neither the machine's
// sources nor its dpkg architectures change.

// fetcher downloads and unpacks kernel packages.
type fetcher struct {
	cache   string // root of the cache
	mirror  string // Debian archive URI
	keyring string // signed-by keyring
	aptGet  string // apt-get command (tests substitute a fake)
	aptCach string // apt-cache command
	refresh bool   // run apt-get update even when lists are cached
	log     func(format string, args ...interface{})

	mu    sync.Mutex
	locks map[string]*sync.Mutex // one per apt directory: kernels that share one fetch in turn
}

// lock serializes the fetches that use the apt directory dir.
func (f *fetcher) lock(dir string) func() {
	f.mu.Lock()
	if f.locks == nil {
		f.locks = map[string]*sync.Mutex{}
	}
	l := f.locks[dir]
	if l == nil {
		l = new(sync.Mutex)
		f.locks[dir] = l
	}
	f.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// kernelImage is an unpacked kernel.
type kernelImage struct {
	Package string // versioned package, e.g. linux-image-6.1.0-50-amd64
	Version string
	Path    string // the kernel image (boot/vmlinuz-* or boot/vmlinux-*)
	Fetch   time.Duration
	Cached  bool
}

// aptOptions are the -o options of the private configuration for dir.
func (f *fetcher) aptOptions(dir, debArch string) []string {
	return []string{
		"-o", "Dir::Etc::sourcelist=" + filepath.Join(dir, "sources.list"),
		"-o", "Dir::Etc::sourceparts=-",
		"-o", "Dir::State=" + filepath.Join(dir, "state"),
		"-o", "Dir::State::status=" + filepath.Join(dir, "state", "status"),
		"-o", "Dir::Cache=" + filepath.Join(dir, "cache"),
		// The machine's apt.conf.d may turn the binary caches off (Docker
		// images do); without them every apt-cache call re-reads the lists.
		"-o", "Dir::Cache::pkgcache=pkgcache.bin",
		"-o", "Dir::Cache::srcpkgcache=srcpkgcache.bin",
		"-o", "APT::Architectures=" + debArch,
		"-o", "APT::Architecture=" + debArch,
		"-o", "Acquire::Languages=none",
		"-o", "APT::Sandbox::User=root",
		"-o", "Debug::NoLocking=1",
		"-q",
	}
}

// aptDir prepares the private configuration for suite/debArch.
func (f *fetcher) aptDir(suite, debArch string) (string, error) {
	dir := filepath.Join(f.cache, "apt", suite+"_"+debArch)
	for _, d := range []string{"state/lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	src := fmt.Sprintf("deb [arch=%s target=Packages signed-by=%s] %s %s main\n", debArch, f.keyring, f.mirror, suite)
	if err := os.WriteFile(filepath.Join(dir, "sources.list"), []byte(src), 0o644); err != nil {
		return "", err
	}
	status := filepath.Join(dir, "state", "status")
	if _, err := os.Stat(status); err != nil {
		if err := os.WriteFile(status, nil, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// listsMaxAge is how long cached package lists are used before apt-get
// update runs again (a kernel already in the cache is used all the same).
const listsMaxAge = 7 * 24 * time.Hour

// haveLists reports whether dir has package lists from an apt-get update
// less than listsMaxAge ago (the "updated" stamp says when).
func (f *fetcher) haveLists(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "state", "lists", "*_Packages*"))
	fi, err := os.Stat(filepath.Join(dir, "updated"))
	return len(m) > 0 && err == nil && time.Since(fi.ModTime()) < listsMaxAge
}

func (f *fetcher) run(name string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	err := cmd.Run()
	return out.Bytes(), err
}

func (f *fetcher) update(k kernel, dir string) error {
	out, err := f.run(f.aptGet, append(f.aptOptions(dir, k.DebArch), "update")...)
	if err == nil && bytes.Contains(out, []byte("\nW: Failed to fetch")) {
		err = errors.New("a list could not be fetched")
	}
	if err != nil {
		return fmt.Errorf("%s: apt-get update for %s/%s from %s failed (%v):\n%s", k.Package, k.Suite, k.DebArch, f.mirror, err, tail(out, 10))
	}
	return os.WriteFile(filepath.Join(dir, "updated"), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
}

var dependsImage = regexp.MustCompile(`(?m)^(?:Pre-)?Depends:.*?\b(linux-image-[^ ,()|]+)(?: \(= ([^)]+)\))?`)

// resolve finds the versioned image package the metapackage depends on.
func (f *fetcher) resolve(k kernel, dir string) (pkg, version string, err error) {
	out, err := f.run(f.aptCach, append(f.aptOptions(dir, k.DebArch), "show", "--no-all-versions", k.Package)...)
	if err != nil || len(bytes.TrimSpace(out)) == 0 || bytes.HasPrefix(bytes.TrimSpace(out), []byte("E:")) {
		return "", "", fmt.Errorf("package %s is not in Debian %s for %s (apt-cache show: %v):\n%s", k.Package, k.Suite, k.DebArch, err, tail(out, 5))
	}
	m := dependsImage.FindSubmatch(out)
	if m == nil {
		return "", "", fmt.Errorf("package %s (%s/%s) depends on no linux-image package:\n%s", k.Package, k.Suite, k.DebArch, tail(out, 20))
	}
	pkg, version = string(m[1]), string(m[2])
	if version == "" {
		out, err := f.run(f.aptCach, append(f.aptOptions(dir, k.DebArch), "show", "--no-all-versions", pkg)...)
		v := regexp.MustCompile(`(?m)^Version: (\S+)`).FindSubmatch(out)
		if err != nil || v == nil {
			return "", "", fmt.Errorf("package %s (needed by %s) is not in Debian %s for %s:\n%s", pkg, k.Package, k.Suite, k.DebArch, tail(out, 5))
		}
		version = string(v[1])
	}
	return pkg, version, nil
}

// fetch returns the kernel image of k, downloading and unpacking it into the
// cache if it is not there yet.
func (f *fetcher) fetch(k kernel) (*kernelImage, error) {
	t0 := time.Now()
	unlock := f.lock(k.Suite + "_" + k.DebArch)
	defer unlock()
	dir, err := f.aptDir(k.Suite, k.DebArch)
	if err != nil {
		return nil, fmt.Errorf("%s: cache directory: %v", k.Package, err)
	}
	updated := false
	if f.refresh || !f.haveLists(dir) {
		if err := f.update(k, dir); err != nil {
			return nil, err
		}
		updated = true
	}
	for {
		pkg, version, err := f.resolve(k, dir)
		if err != nil && !updated {
			// Perhaps the cached lists are stale: refresh once.
			if uerr := f.update(k, dir); uerr != nil {
				return nil, uerr
			}
			updated = true
			continue
		}
		if err != nil {
			return nil, err
		}
		img := &kernelImage{Package: pkg, Version: version}
		kdir := filepath.Join(f.cache, "kernels", pkg+"_"+strings.Replace(version, ":", "%3a", -1)+"_"+k.DebArch)
		if p := findImage(kdir); p != "" {
			img.Path, img.Cached, img.Fetch = p, true, time.Since(t0)
			return img, nil
		}
		err = f.download(k, dir, kdir, pkg, version)
		if err != nil && !updated {
			if uerr := f.update(k, dir); uerr != nil {
				return nil, uerr
			}
			updated = true
			continue
		}
		if err != nil {
			return nil, err
		}
		img.Path, img.Fetch = findImage(kdir), time.Since(t0)
		if img.Path == "" {
			return nil, fmt.Errorf("%s %s: no boot/vmlinu* in the package", pkg, version)
		}
		return img, nil
	}
}

// download fetches pkg=version with apt-get download and keeps only its
// boot/ directory (the kernel image and its config) in kdir.
func (f *fetcher) download(k kernel, dir, kdir, pkg, version string) error {
	tmp, err := os.MkdirTemp(filepath.Join(f.cache, "apt"), "download-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	f.log("%s: downloading %s %s (%s/%s)", k.ID, pkg, version, k.Suite, k.DebArch)
	cmd := exec.Command(f.aptGet, append(f.aptOptions(dir, k.DebArch), "download", pkg+"="+version)...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if err != nil || len(debs) != 1 {
		return fmt.Errorf("downloading %s %s (%s/%s) failed (%v):\n%s", pkg, version, k.Suite, k.DebArch, err, tail(out, 10))
	}
	x := filepath.Join(tmp, "x")
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], x).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb -x %s: %v\n%s", filepath.Base(debs[0]), err, tail(out, 10))
	}
	if findImage(filepath.Join(x, "boot")) == "" {
		return fmt.Errorf("%s %s: the package has no boot/vmlinu* file", pkg, version)
	}
	if err := os.MkdirAll(filepath.Dir(kdir), 0o755); err != nil {
		return err
	}
	os.RemoveAll(kdir)
	return os.Rename(filepath.Join(x, "boot"), kdir)
}

// findImage returns the kernel image in dir, or "".
func findImage(dir string) string {
	for _, pat := range []string{"vmlinuz-*", "vmlinux-*"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		if len(m) > 0 {
			return m[0]
		}
	}
	return ""
}

// machineMirror finds the Debian archive the machine's own apt sources use
// (the URI that serves a Debian suite with main), so the private
// configuration reaches the same mirror or proxy.
func machineMirror() string {
	var files []string
	files = append(files, "/etc/apt/sources.list")
	m, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append(files, m...)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if u := mirrorIn(string(b)); u != "" {
			return u
		}
	}
	return ""
}

var debianSuite = regexp.MustCompile(`^(bullseye|bookworm|trixie|forky|sid|stable|oldstable|testing)(-updates|-backports)?$`)

// mirrorIn returns the first URI of a sources file (one-line or deb822
// format) that serves a Debian suite's main component, not a security one.
func mirrorIn(text string) string {
	sc := bufio.NewScanner(strings.NewReader(text))
	var uris, suites []string
	comps := false
	flush := func() string {
		defer func() { uris, suites, comps = nil, nil, false }()
		if !comps {
			return ""
		}
		for _, s := range suites {
			if debianSuite.MatchString(s) {
				for _, u := range uris {
					if !strings.Contains(u, "security") {
						return strings.TrimRight(u, "/")
					}
				}
			}
		}
		return ""
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			if u := flush(); u != "" {
				return u
			}
			continue
		}
		if strings.HasPrefix(line, "deb ") {
			f := strings.Fields(line[4:])
			if len(f) > 0 && strings.HasPrefix(f[0], "[") {
				for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
					f = f[1:]
				}
				if len(f) > 0 {
					f = f[1:]
				}
			}
			if len(f) >= 3 {
				uris, suites, comps = []string{f[0]}, []string{f[1]}, contains(f[2:], "main")
				if u := flush(); u != "" {
					return u
				}
			}
			continue
		}
		kv := strings.SplitN(line, ":", 2)
		if len(kv) != 2 {
			continue
		}
		v := strings.Fields(kv[1])
		switch strings.ToLower(strings.TrimSpace(kv[0])) {
		case "uris":
			uris = v
		case "suites":
			suites = v
		case "components":
			comps = contains(v, "main")
		}
	}
	return flush()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// tail returns the last n lines of out, indented.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}
