package main

import (
	"sort"
	"strings"
)

// checkTables collects the test tables (comparisons with package syscall) of
// each GOARCH of one GOOS, and of each Go release gate, and writes one file
// per distinct table: the tables name constants, not values, so GOARCHes
// whose syscall package defines the same names share a file.
type checkTables struct {
	goos   string
	arches []string // every GOARCH of goos, in order
	groups []checkTable
}

type checkTable struct {
	gate    string // "" or a release tag such as "go1.20"
	arches  []string
	entries []checkEntry
}

func (t *checkTables) add(goarch, gate string, entries []checkEntry) {
	for i := range t.groups {
		g := &t.groups[i]
		if g.gate == gate && sameEntries(g.entries, entries) {
			g.arches = append(g.arches, goarch)
			return
		}
	}
	t.groups = append(t.groups, checkTable{gate: gate, arches: []string{goarch}, entries: entries})
}

func sameEntries(a, b []checkEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// render writes zsysnum_check_<goos>[_<arches>][_<gate>]_test.go for each
// table. A table for every GOARCH has no arch part; one GOARCH keeps its own
// name (which is also a file-name build constraint); several are named as the
// standard library names shared files (mips and mipsle: mipsx), and never end
// in a bare GOARCH, which would restrict the file to that GOARCH alone.
func (t *checkTables) render(files map[string][]byte) error {
	for _, g := range t.groups {
		name := "zsysnum_check_" + t.goos
		constraint := t.goos
		if len(g.arches) < len(t.arches) {
			name += "_" + groupName(g.arches)
			constraint += " && (" + strings.Join(g.arches, " || ") + ")"
		}
		src := "names that $GOROOT/src/syscall/z*_" + t.goos + "_{" + strings.Join(g.arches, ",") + "}.go define"
		if len(g.arches) == 1 {
			src = "names that $GOROOT/src/syscall/z*_" + t.goos + "_" + g.arches[0] + ".go defines"
		}
		if g.gate != "" {
			name += "_" + strings.ReplaceAll(g.gate, ".", "")
			constraint += " && " + g.gate
			src += "; needs " + g.gate
		}
		name += "_test.go"
		var err error
		if files[name], err = checkFile(name, constraint, src, g.entries); err != nil {
			return err
		}
	}
	return nil
}

// groupName names a set of GOARCHes for a file name: a big- and
// little-endian pair X, Xle becomes Xx, the pairs go last, and a name made
// of bare GOARCHes only gets "_shared" so that its last element is not one.
func groupName(arches []string) string {
	if len(arches) == 1 {
		return arches[0]
	}
	has := map[string]bool{}
	for _, a := range arches {
		has[a] = true
	}
	var plain, pairs []string
	for _, a := range arches {
		switch {
		case has[a+"le"]:
			pairs = append(pairs, a+"x")
		case strings.HasSuffix(a, "le") && has[strings.TrimSuffix(a, "le")]:
			// named with its big-endian twin
		default:
			plain = append(plain, a)
		}
	}
	sort.Strings(plain)
	sort.Strings(pairs)
	parts := append(plain, pairs...)
	if len(pairs) == 0 {
		parts = append(parts, "shared")
	}
	return strings.Join(parts, "_")
}
