package main

import (
	"fmt"
	"strconv"
	"strings"
)

// evalInt evaluates a preprocessed C (or Rust) integer constant expression:
// decimal, hex and octal literals with optional u/l suffixes, parentheses,
// unary + - ~ and the binary operators * / % + - << >> & ^ |.
// Anything else, such as an identifier left over from a macro that did not
// expand, is an error.
func evalInt(s string) (int64, error) {
	p := &exprParser{src: s}
	if err := p.lex(); err != nil {
		return 0, err
	}
	v, err := p.parseBinary(0)
	if err != nil {
		return 0, err
	}
	if p.pos != len(p.toks) {
		return 0, fmt.Errorf("expression %q: unexpected %q", s, p.toks[p.pos])
	}
	return v, nil
}

type exprParser struct {
	src  string
	toks []string
	pos  int
}

func (p *exprParser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (isAlnum(s[j]) || s[j] == '_') {
				j++
			}
			p.toks = append(p.toks, s[i:j])
			i = j
		case strings.HasPrefix(s[i:], "<<") || strings.HasPrefix(s[i:], ">>"):
			p.toks = append(p.toks, s[i:i+2])
			i += 2
		case strings.IndexByte("()+-~*/%&^|", c) >= 0:
			p.toks = append(p.toks, s[i:i+1])
			i++
		default:
			return fmt.Errorf("expression %q: cannot evaluate %q (not an integer constant expression)", s, s[i:])
		}
	}
	if len(p.toks) == 0 {
		return fmt.Errorf("empty expression")
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

var binPrec = map[string]int{
	"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) parseBinary(minPrec int) (int64, error) {
	x, err := p.parseUnary()
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		prec, ok := binPrec[op]
		if !ok || prec <= minPrec {
			return x, nil
		}
		p.pos++
		y, err := p.parseBinary(prec)
		if err != nil {
			return 0, err
		}
		switch op {
		case "|":
			x |= y
		case "^":
			x ^= y
		case "&":
			x &= y
		case "<<":
			if y < 0 || y > 62 {
				return 0, fmt.Errorf("expression %q: bad shift %d", p.src, y)
			}
			x <<= uint(y)
		case ">>":
			if y < 0 || y > 62 {
				return 0, fmt.Errorf("expression %q: bad shift %d", p.src, y)
			}
			x >>= uint(y)
		case "+":
			x += y
		case "-":
			x -= y
		case "*":
			x *= y
		case "/", "%":
			if y == 0 {
				return 0, fmt.Errorf("expression %q: division by zero", p.src)
			}
			if op == "/" {
				x /= y
			} else {
				x %= y
			}
		}
	}
}

func (p *exprParser) parseUnary() (int64, error) {
	switch t := p.peek(); t {
	case "":
		return 0, fmt.Errorf("expression %q: unexpected end", p.src)
	case "+", "-", "~":
		p.pos++
		v, err := p.parseUnary()
		if err != nil {
			return 0, err
		}
		switch t {
		case "-":
			return -v, nil
		case "~":
			return ^v, nil
		}
		return v, nil
	case "(":
		p.pos++
		v, err := p.parseBinary(0)
		if err != nil {
			return 0, err
		}
		if p.peek() != ")" {
			return 0, fmt.Errorf("expression %q: missing )", p.src)
		}
		p.pos++
		return v, nil
	default:
		p.pos++
		return parseLiteral(t, p.src)
	}
}

// parseLiteral reads one integer literal: C's 0x1fU, 0170000, 26UL, or
// Rust's 0x0010_0000.
func parseLiteral(t, src string) (int64, error) {
	lit := strings.ReplaceAll(t, "_", "")
	lit = strings.TrimRight(lit, "uUlL")
	base := 10
	switch {
	case strings.HasPrefix(lit, "0x") || strings.HasPrefix(lit, "0X"):
		base, lit = 16, lit[2:]
	case len(lit) > 1 && lit[0] == '0':
		base, lit = 8, lit[1:]
	}
	v, err := strconv.ParseInt(lit, base, 64)
	if err != nil {
		return 0, fmt.Errorf("expression %q: bad integer literal %q", src, t)
	}
	return v, nil
}
