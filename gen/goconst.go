package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"os"
)

// goConsts parses a Go source file and returns its integer constants whose
// values are literal expressions (as in the syscall package's and
// golang.org/x/sys/unix's generated z*.go files). Constants written in any
// other way (Errno(0x1), iota, ...) are skipped.
func goConsts(path string) (map[string]int64, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if vs.Type != nil || len(vs.Names) != len(vs.Values) {
				continue
			}
			for i, name := range vs.Names {
				v, ok := goConstValue(vs.Values[i])
				if !ok {
					continue
				}
				if old, dup := out[name.Name]; dup && old != v {
					return nil, fmt.Errorf("%s: %s defined twice (%d and %d)", path, name.Name, old, v)
				}
				out[name.Name] = v
			}
		}
	}
	return out, nil
}

func goConstValue(e ast.Expr) (int64, bool) {
	c := goConstExpr(e)
	if c == nil || c.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(c)
}

func goConstExpr(e ast.Expr) constant.Value {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.INT {
			return nil
		}
		return constant.MakeFromLiteral(e.Value, e.Kind, 0)
	case *ast.ParenExpr:
		return goConstExpr(e.X)
	case *ast.UnaryExpr:
		x := goConstExpr(e.X)
		if x == nil || (e.Op != token.SUB && e.Op != token.ADD && e.Op != token.XOR) {
			return nil
		}
		return constant.UnaryOp(e.Op, x, 0)
	case *ast.BinaryExpr:
		x, y := goConstExpr(e.X), goConstExpr(e.Y)
		if x == nil || y == nil {
			return nil
		}
		switch e.Op {
		case token.SHL, token.SHR:
			s, ok := constant.Uint64Val(y)
			if !ok {
				return nil
			}
			return constant.Shift(x, e.Op, uint(s))
		case token.OR, token.AND, token.ADD, token.SUB, token.MUL, token.XOR:
			return constant.BinaryOp(x, e.Op, y)
		}
	}
	return nil
}
