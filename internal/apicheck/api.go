package main

// Reading $GOROOT/api/go1.N.txt.
//
// Each line names one exported API feature, for example
//
//	pkg sync/atomic, type Int64 struct #50860
//	pkg sync/atomic, method (*Pointer[$0]) Load() *$0 #50860
//	pkg syscall (linux-386), const SYS_MMAP2 = 192
//	pkg syscall (linux-386-cgo), type SysProcAttr struct, CgroupFD int #51246
//	pkg io, type StringWriter interface, WriteString(string) (int, error)
//	pkg runtime, type BlockProfileRecord struct, embedded StackRecord
//
// A line without a "(goos-goarch[-cgo])" qualifier applies to every
// context that cmd/api checks. A line with a qualifier applies only to that
// context. Lines ending in "//deprecated" only mark an existing symbol as
// deprecated and are ignored.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// apiKey identifies a symbol independently of its signature.
// name is "F" for a package-level const/var/func/type, and "T.M" for a
// method, interface method or struct field (embedded fields use the
// embedded type's name).
type apiKey struct {
	pkg  string
	name string
}

func (k apiKey) String() string { return k.pkg + "." + k.name }

type apiEntry struct {
	minor int    // N of go1.N; 0 for go1.txt; nextMinor for api/next
	ctx   string // "" (all contexts) or "goos-goarch" (a "-cgo" suffix is dropped)
	line  string
}

const nextMinor = 1 << 20

func versionName(minor int) string {
	if minor == nextMinor {
		return "next"
	}
	if minor == 0 {
		return "go1"
	}
	return "go1." + strconv.Itoa(minor)
}

// apiDB holds every entry of every api file.
type apiDB struct {
	entries  map[apiKey][]apiEntry
	ctxFirst map[string]int // context -> first minor version that mentions it
	files    []string       // files read, in order
	latest   int            // highest N of go1.N.txt found
}

// parseAPILine parses one line of an api file. ok is false for comments,
// blank lines, deprecation markers and anything not understood.
func parseAPILine(line string) (key apiKey, ctx string, ok bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "pkg ") || strings.HasSuffix(line, "//deprecated") {
		return apiKey{}, "", false
	}
	// Drop a trailing issue reference such as " #50860".
	if i := strings.LastIndex(line, " #"); i >= 0 && isDigits(line[i+2:]) {
		line = line[:i]
	}
	line = line[len("pkg "):]
	comma := strings.Index(line, ", ")
	if comma < 0 {
		return apiKey{}, "", false
	}
	head, rest := line[:comma], line[comma+2:]
	pkg := head
	if i := strings.Index(head, " ("); i >= 0 && strings.HasSuffix(head, ")") {
		pkg = head[:i]
		ctx = strings.TrimSuffix(head[i+2:len(head)-1], "-cgo")
	}
	key.pkg = pkg
	switch {
	case strings.HasPrefix(rest, "func "):
		key.name = identPrefix(rest[len("func "):])
	case strings.HasPrefix(rest, "const "):
		key.name = identPrefix(rest[len("const "):])
	case strings.HasPrefix(rest, "var "):
		key.name = identPrefix(rest[len("var "):])
	case strings.HasPrefix(rest, "method ("):
		s := rest[len("method ("):]
		end := strings.Index(s, ") ")
		if end < 0 {
			return apiKey{}, "", false
		}
		recv := strings.TrimPrefix(s[:end], "*")
		recv = identPrefix(recv)
		key.name = recv + "." + identPrefix(s[end+2:])
	case strings.HasPrefix(rest, "type "):
		s := rest[len("type "):]
		name := identPrefix(s)
		s = s[len(name):]
		if strings.HasPrefix(s, "[") { // type parameters
			s = s[matchBracket(s):]
		}
		s = strings.TrimPrefix(s, " ")
		switch {
		case strings.HasPrefix(s, "struct, embedded "):
			emb := strings.TrimPrefix(s[len("struct, embedded "):], "*")
			if i := strings.LastIndex(emb, "."); i >= 0 {
				emb = emb[i+1:]
			}
			key.name = name + "." + identPrefix(emb)
		case strings.HasPrefix(s, "struct, "):
			key.name = name + "." + identPrefix(s[len("struct, "):])
		case strings.HasPrefix(s, "interface, "):
			key.name = name + "." + identPrefix(s[len("interface, "):])
		default:
			key.name = name
		}
	default:
		return apiKey{}, "", false
	}
	if key.name == "" || strings.HasSuffix(key.name, ".") || strings.HasPrefix(key.name, ".") {
		return apiKey{}, "", false
	}
	return key, ctx, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// identPrefix returns the leading Go identifier of s.
func identPrefix(s string) string {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 0x7f) {
			return s[:i]
		}
	}
	return s
}

// matchBracket returns the index just past the ']' matching s[0]=='['.
func matchBracket(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// loadAPI reads go1.txt, go1.N.txt and next/*.txt from dir.
func loadAPI(dir string) (*apiDB, error) {
	db := &apiDB{entries: map[apiKey][]apiEntry{}, ctxFirst: map[string]int{}}
	names, err := filepath.Glob(filepath.Join(dir, "go1*.txt"))
	if err != nil {
		return nil, err
	}
	type vfile struct {
		minor int
		path  string
	}
	var files []vfile
	for _, p := range names {
		base := filepath.Base(p)
		if base == "go1.txt" {
			files = append(files, vfile{0, p})
			continue
		}
		v := strings.TrimSuffix(strings.TrimPrefix(base, "go1."), ".txt")
		n, err := strconv.Atoi(v)
		if err != nil {
			continue // e.g. go1.21rc?.txt; not expected
		}
		files = append(files, vfile{n, p})
		if n > db.latest {
			db.latest = n
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no go1*.txt files in %s", dir)
	}
	next, _ := filepath.Glob(filepath.Join(dir, "next", "*.txt"))
	for _, p := range next {
		files = append(files, vfile{nextMinor, p})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].minor < files[j].minor })
	for _, f := range files {
		fh, err := os.Open(f.path)
		if err != nil {
			return nil, err
		}
		err = db.read(fh, f.minor)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.path, err)
		}
		db.files = append(db.files, f.path)
	}
	return db, nil
}

func (db *apiDB) read(r io.Reader, minor int) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		key, ctx, ok := parseAPILine(line)
		if !ok {
			continue
		}
		if ctx != "" {
			if first, seen := db.ctxFirst[ctx]; !seen || minor < first {
				db.ctxFirst[ctx] = minor
			}
		}
		db.entries[key] = append(db.entries[key], apiEntry{minor: minor, ctx: ctx, line: strings.TrimSpace(line)})
	}
	return sc.Err()
}

// ctxMatcher decides which qualified api lines apply to one target.
type ctxMatcher struct {
	exact     string // "goos-goarch" usable as-is, or ""
	inferGOOS string // when exact is "", qualified lines of any usable context of this GOOS apply
	floor     int
	db        *apiDB
	note      string
}

func newCtxMatcher(db *apiDB, goos, goarch string, floor int) ctxMatcher {
	apiGOOS := goos
	if goos == "android" {
		apiGOOS = "linux" // android builds linux files; cmd/api has no android contexts
	}
	m := ctxMatcher{floor: floor, db: db}
	ctx := apiGOOS + "-" + goarch
	first, known := db.ctxFirst[ctx]
	switch {
	case known && first <= floor:
		m.exact = ctx
	case known:
		m.inferGOOS = apiGOOS
		m.note = fmt.Sprintf("port %s/%s first appears in %s API (after the floor); per-port symbols inferred from other %s contexts", goos, goarch, versionName(first), apiGOOS)
	default:
		m.inferGOOS = apiGOOS
		m.note = fmt.Sprintf("cmd/api has no %s context; per-port symbols inferred from other %s contexts", ctx, apiGOOS)
	}
	return m
}

// applies reports whether e applies to the target, and whether the match
// is only inferred from a sibling context.
func (m ctxMatcher) applies(e apiEntry) (ok, inferred bool) {
	if e.ctx == "" {
		return true, false
	}
	if m.exact != "" {
		return e.ctx == m.exact, false
	}
	if !strings.HasPrefix(e.ctx, m.inferGOOS+"-") {
		return false, false
	}
	if first := m.db.ctxFirst[e.ctx]; first > m.floor {
		return false, false // a sibling port that is itself newer than the floor
	}
	return true, true
}

// newerThanFloor returns the api entry proving key is newer than the floor
// on this target, or ok=false if the symbol is at most floor-old (or not
// listed at all, e.g. unexported-package or unsafe builtins).
func (m ctxMatcher) newerThanFloor(key apiKey) (e apiEntry, inferred, ok bool) {
	entries := m.db.entries[key]
	for _, old := range entries {
		if old.minor <= m.floor {
			if a, _ := m.applies(old); a {
				return apiEntry{}, false, false // already present at the floor
			}
		}
	}
	// entries are sorted by minor version; report the oldest applicable
	// one, preferring an exact or unqualified line, then a non-cgo line.
	best, bestInf, found := apiEntry{}, false, false
	for _, nw := range entries {
		if nw.minor <= m.floor {
			continue
		}
		a, inf := m.applies(nw)
		if !a {
			continue
		}
		if !found || nw.minor < best.minor ||
			nw.minor == best.minor && (bestInf && !inf ||
				bestInf == inf && strings.Contains(best.line, "-cgo)") && !strings.Contains(nw.line, "-cgo)")) {
			best, bestInf, found = nw, inf, true
		}
	}
	return best, bestInf, found
}
