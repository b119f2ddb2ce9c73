package main

import "testing"

func TestEvalInt(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"319", 319},
		{"(4000 + 354)", 4354},
		{"(0 + 385)", 385},
		{"(34U << 26)", 0x88000000},
		{"0x0001U", 1},
		{"00170000", 0xf000},
		{"-100", -100},
		{"(1024 + 9)", 1033},
		{"0x00100000", 0x100000},
		{"0x0010_0000", 0x100000},
		{"1 | 2 << 1", 5},
		{"~0 & 0x3f", 0x3f},
	} {
		got, err := evalInt(c.in)
		if err != nil || got != c.want {
			t.Errorf("evalInt(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "__NR_Linux + 1", "(1", "1 +", "sizeof(int)"} {
		if _, err := evalInt(bad); err == nil {
			t.Errorf("evalInt(%q) succeeded, want an error", bad)
		}
	}
}
