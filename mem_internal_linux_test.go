//go:build linux

package memfile

import "testing"

// parseRelease reads the major.minor that MapSealed's hugetlbfs rule and
// nothing else depends on; anything unreadable counts as 0.0 (old).
func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		in           string
		major, minor uint32
	}{
		{"6.18.44-fc-v1045", 6, 18},
		{"5.10.0-32-amd64", 5, 10},
		{"5.13", 5, 13},
		{"4.4.302+", 4, 4},
		{"6.1\x00\x00\x00", 6, 1},
		{"", 0, 0},
		{"x.y", 0, 0},
		{"6", 0, 0},
		{"6.", 0, 0},
		{"300.1", 0, 0},
		{"5.999", 0, 0},
	} {
		if maj, min := parseRelease([]byte(tc.in)); maj != tc.major || min != tc.minor {
			t.Errorf("parseRelease(%q) = %d.%d, want %d.%d", tc.in, maj, min, tc.major, tc.minor)
		}
	}
	// memfd_create, which these tests use, needs 3.17.
	if !kernelAtLeast(3, 17) || kernelAtLeast(1000, 0) {
		t.Errorf("kernelAtLeast(3, 17) = %v, kernelAtLeast(1000, 0) = %v", kernelAtLeast(3, 17), kernelAtLeast(1000, 0))
	}
}
