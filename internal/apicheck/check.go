package main

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

type target struct{ goos, goarch string }

func (t target) String() string { return t.goos + "/" + t.goarch }

// symUse is one standard-library symbol used by the checked package.
type symUse struct {
	key     apiKey
	kind    string            // const, var, func, type, method, field
	targets map[string]bool   // target.String() set
	pos     map[string]string // target -> first position
}

// importUse is one import of one non-test file.
type importUse struct {
	path string
	pos  string
}

// targetResult is what checking one target produced.
type targetResult struct {
	t       target
	files   []string // base names of the non-test Go files selected
	noGo    bool     // no buildable Go files for this target
	errs    []string // parse/type errors in the checked package
	uses    map[apiKey]*symUse
	imports map[string][]importUse // file -> imports
}

// contextFor returns a build.Context selecting files for t, as a
// CGO_ENABLED=0 build would. GOOS=android implies the linux tag (go/build
// handles that itself).
func contextFor(base build.Context, t target) build.Context {
	ctx := base
	ctx.GOOS = t.goos
	ctx.GOARCH = t.goarch
	ctx.CgoEnabled = false
	ctx.ToolTags = toolTags(base, t)
	return ctx
}

var (
	toolTagsMu    sync.Mutex
	toolTagsCache = map[string][]string{}
)

// toolTags returns the toolchain tags (goexperiment.*, GOARCH feature
// levels) the go command would use for t. They differ per GOARCH (e.g. the
// register ABI experiments are on only for some ports, and internal/abi
// does not type-check for 386 with amd64's tags), so they are asked of
// "go list" in base.GOROOT, with a fallback derived from the host's tags.
func toolTags(base build.Context, t target) []string {
	toolTagsMu.Lock()
	defer toolTagsMu.Unlock()
	if tags, ok := toolTagsCache[t.String()]; ok {
		return tags
	}
	var tags []string
	goCmd := filepath.Join(base.GOROOT, "bin", "go")
	cmd := exec.Command(goCmd, "list", "-e", "-f", "{{join context.ToolTags \" \"}}", "unsafe")
	cmd.Dir = base.GOROOT
	cmd.Env = append(os.Environ(), "GOOS="+t.goos, "GOARCH="+t.goarch, "CGO_ENABLED=0", "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off")
	if out, err := cmd.Output(); err == nil {
		tags = strings.Fields(string(out))
	} else {
		tags = fallbackToolTags(base.ToolTags, t.goarch)
	}
	toolTagsCache[t.String()] = tags
	return tags
}

// fallbackToolTags adapts the host toolchain's tags to goarch: it keeps the
// goexperiment tags, except the register-ABI ones on ports without the
// register ABI, and drops the host's GOARCH feature-level tags.
func fallbackToolTags(host []string, goarch string) []string {
	regabi := map[string]bool{"amd64": true, "arm64": true, "loong64": true, "ppc64": true, "ppc64le": true, "riscv64": true, "s390x": true}
	var tags []string
	for _, tag := range host {
		if !strings.HasPrefix(tag, "goexperiment.") {
			continue // e.g. "amd64.v1": a feature level of the host GOARCH
		}
		if strings.HasPrefix(tag, "goexperiment.regabi") && !regabi[goarch] {
			continue
		}
		tags = append(tags, tag)
	}
	return tags
}

// releaseTagsUpTo returns go1.1 ... go1.<minor>.
func releaseTagsUpTo(minor int) []string {
	var tags []string
	for i := 1; i <= minor; i++ {
		tags = append(tags, "go1."+strconv.Itoa(i))
	}
	return tags
}

// srcImporter type-checks imported packages from $GOROOT/src using the
// target's build.Context (so that e.g. syscall is the target's syscall),
// like go/internal/srcimporter does for build.Default.
type srcImporter struct {
	ctx   *build.Context
	fset  *token.FileSet
	sizes types.Sizes
	pkgs  map[string]*types.Package
	busy  map[string]bool
}

func newSrcImporter(ctx *build.Context, fset *token.FileSet) *srcImporter {
	sizes := types.SizesFor("gc", ctx.GOARCH)
	if sizes == nil {
		sizes = types.SizesFor("gc", "amd64")
	}
	return &srcImporter{ctx: ctx, fset: fset, sizes: sizes, pkgs: map[string]*types.Package{}, busy: map[string]bool{}}
}

func (im *srcImporter) Import(path string) (*types.Package, error) {
	return im.ImportFrom(path, ".", 0)
}

func (im *srcImporter) ImportFrom(path, dir string, _ types.ImportMode) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if path == "C" {
		return nil, fmt.Errorf("cgo import \"C\" not supported (CGO_ENABLED=0)")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	bp, err := im.ctx.Import(path, dir, 0)
	if err != nil {
		return nil, err
	}
	if !bp.Goroot {
		return nil, fmt.Errorf("%s is not a standard-library package", path)
	}
	if p, ok := im.pkgs[bp.ImportPath]; ok {
		return p, nil
	}
	if im.busy[bp.ImportPath] {
		return nil, fmt.Errorf("import cycle through %s", bp.ImportPath)
	}
	im.busy[bp.ImportPath] = true
	defer delete(im.busy, bp.ImportPath)

	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(im.fset, filepath.Join(bp.Dir, name), nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	var firstHard error
	conf := types.Config{
		IgnoreFuncBodies: true,
		Importer:         im,
		Sizes:            im.sizes,
		Error: func(err error) {
			if te, ok := err.(types.Error); ok && te.Soft {
				return
			}
			if firstHard == nil {
				firstHard = err
			}
		},
	}
	pkg, _ := conf.Check(bp.ImportPath, im.fset, files, nil)
	if firstHard != nil {
		return pkg, fmt.Errorf("type-checking %s for %s/%s: %v", bp.ImportPath, im.ctx.GOOS, im.ctx.GOARCH, firstHard)
	}
	im.pkgs[bp.ImportPath] = pkg
	return pkg, nil
}

// checkTarget selects, parses and type-checks the non-test files of dir
// for t and records every standard-library symbol they use.
func checkTarget(base build.Context, dir string, t target, floor int, fset *token.FileSet) (*targetResult, error) {
	res := &targetResult{t: t, uses: map[apiKey]*symUse{}, imports: map[string][]importUse{}}

	// Files are selected as the floor release would select them: a file
	// constrained by //go:build go1.N with N > floor is not compiled by
	// the floor toolchain, so it is not part of the floor API surface.
	sel := contextFor(base, t)
	sel.ReleaseTags = releaseTagsUpTo(floor)
	bp, err := sel.ImportDir(dir, 0)
	if err != nil {
		if _, ok := err.(*build.NoGoError); ok {
			res.noGo = true
			return res, nil
		}
		if _, ok := err.(*build.MultiplePackageError); ok {
			return nil, err
		}
		// Other errors (e.g. import comment mismatch) still leave GoFiles.
		if bp == nil || len(bp.GoFiles)+len(bp.CgoFiles) == 0 {
			return nil, err
		}
	}
	names := append(append([]string{}, bp.GoFiles...), bp.CgoFiles...)
	sort.Strings(names)
	res.files = names

	var files []*ast.File
	for _, name := range names {
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.ParseComments)
		if err != nil {
			res.errs = append(res.errs, err.Error())
			continue
		}
		files = append(files, f)
		for _, is := range f.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			res.imports[name] = append(res.imports[name], importUse{path: p, pos: fset.Position(is.Pos()).String()})
		}
	}
	if len(res.errs) > 0 {
		return res, nil
	}

	// The importer uses the target's context with the toolchain's own
	// release tags (GOROOT sources are the running toolchain's).
	impCtx := contextFor(base, t)
	im := newSrcImporter(&impCtx, fset)
	info := &types.Info{
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := types.Config{
		Importer:  im,
		Sizes:     im.sizes,
		GoVersion: "go1." + strconv.Itoa(floor), // also rejects language features newer than the floor
		Error: func(err error) {
			res.errs = append(res.errs, err.Error())
		},
	}
	pkg, _ := conf.Check("apicheck.invalid/"+bp.Name, fset, files, info)

	record := func(obj types.Object, at token.Pos) {
		key, kind, ok := stdKey(obj, pkg)
		if !ok {
			return
		}
		u := res.uses[key]
		if u == nil {
			u = &symUse{key: key, kind: kind, targets: map[string]bool{}, pos: map[string]string{}}
			res.uses[key] = u
		}
		ts := t.String()
		u.targets[ts] = true
		if _, ok := u.pos[ts]; !ok {
			u.pos[ts] = fset.Position(at).String()
		}
	}
	// Deterministic order: sort identifiers by position.
	idents := make([]*ast.Ident, 0, len(info.Uses))
	for id := range info.Uses {
		idents = append(idents, id)
	}
	sort.Slice(idents, func(i, j int) bool { return idents[i].Pos() < idents[j].Pos() })
	for _, id := range idents {
		record(info.Uses[id], id.Pos())
	}
	// Selections name the same objects as Uses[sel.Sel]; walking them as
	// well records the std struct fields traversed implicitly when a
	// selector goes through embedded fields.
	sels := make([]*ast.SelectorExpr, 0, len(info.Selections))
	for se := range info.Selections {
		sels = append(sels, se)
	}
	sort.Slice(sels, func(i, j int) bool { return sels[i].Pos() < sels[j].Pos() })
	for _, se := range sels {
		s := info.Selections[se]
		record(s.Obj(), se.Sel.Pos())
		// Fields traversed implicitly through embedding.
		typ := s.Recv()
		idx := s.Index()
		for i := 0; i < len(idx)-1; i++ {
			st, ok := derefStruct(typ)
			if !ok || idx[i] >= st.NumFields() {
				break
			}
			f := st.Field(idx[i])
			record(f, se.Sel.Pos())
			typ = f.Type()
		}
	}
	return res, nil
}

func derefStruct(t types.Type) (*types.Struct, bool) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	return st, ok
}

// isStd reports whether path is a standard-library import path.
func isStd(path string) bool {
	first := path
	if i := strings.Index(path, "/"); i >= 0 {
		first = path[:i]
	}
	return !strings.Contains(first, ".")
}

// stdKey maps a used object to its API key if it is an exported
// standard-library symbol: a package-level const/var/func/type, a method
// (concrete or interface) of a named std type, or a field of a named std
// struct type.
func stdKey(obj types.Object, self *types.Package) (apiKey, string, bool) {
	if obj == nil || obj.Pkg() == nil || obj.Pkg() == self || !obj.Exported() {
		return apiKey{}, "", false
	}
	pkg := obj.Pkg()
	if !isStd(pkg.Path()) {
		return apiKey{}, "", false
	}
	switch o := obj.(type) {
	case *types.PkgName, *types.Label:
		return apiKey{}, "", false
	case *types.Builtin: // unsafe.Add etc.; not in the api files, version-checked by go/types
		return apiKey{pkg.Path(), o.Name()}, "builtin", true
	case *types.Func:
		sig, _ := o.Type().(*types.Signature)
		if sig != nil && sig.Recv() != nil {
			recv := namedName(sig.Recv().Type())
			if recv == "" {
				return apiKey{}, "", false
			}
			return apiKey{pkg.Path(), recv + "." + o.Name()}, "method", true
		}
		if o.Parent() != pkg.Scope() {
			return apiKey{}, "", false
		}
		return apiKey{pkg.Path(), o.Name()}, "func", true
	case *types.Var:
		if o.IsField() {
			owner := fieldOwner(o)
			if owner == "" {
				return apiKey{}, "", false
			}
			return apiKey{pkg.Path(), owner + "." + o.Name()}, "field", true
		}
		if o.Parent() != pkg.Scope() {
			return apiKey{}, "", false
		}
		return apiKey{pkg.Path(), o.Name()}, "var", true
	case *types.Const:
		if o.Parent() != pkg.Scope() {
			return apiKey{}, "", false
		}
		return apiKey{pkg.Path(), o.Name()}, "const", true
	case *types.TypeName:
		if o.Parent() != pkg.Scope() {
			return apiKey{}, "", false
		}
		return apiKey{pkg.Path(), o.Name()}, "type", true
	}
	return apiKey{}, "", false
}

// namedName returns the name of the named type (or pointer to named type) t.
func namedName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Name()
	}
	return ""
}

// fieldOwner finds the package-level named struct type declaring field v.
func fieldOwner(v *types.Var) string {
	scope := v.Pkg().Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok {
			continue
		}
		st, ok := tn.Type().Underlying().(*types.Struct)
		if !ok {
			continue
		}
		for i := 0; i < st.NumFields(); i++ {
			f := st.Field(i)
			if f == v || f.Pos() == v.Pos() && f.Name() == v.Name() && v.Pos().IsValid() {
				return name
			}
		}
	}
	return ""
}
