package memfile_test

import (
	"fmt"
	"os"
	"testing"
)

// childModes are the roles a re-executed test binary can play: a test starts
// one with helperCommand(t, mode), and TestMain runs it instead of the tests.
// Test files register theirs in init.
var childModes = map[string]func() int{}

func TestMain(m *testing.M) {
	if mode := os.Getenv("MEMFILE_TEST_CHILD"); mode != "" {
		run, ok := childModes[mode]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown child mode %q\n", mode)
			os.Exit(3)
		}
		os.Exit(run())
	}
	// The Go runtime opens its network poller (an epoll and an eventfd
	// descriptor) the first time a pipe is used, and keeps them. Start it
	// now so that the descriptor-leak checks see only the tests' own.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	os.Exit(m.Run())
}
