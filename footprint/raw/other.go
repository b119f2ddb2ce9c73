//go:build !linux || !(386 || amd64 || arm || arm64 || loong64 || mips || mipsle || mips64 || mips64le || ppc64 || ppc64le || riscv64)

// Command raw is the footprint floor for scripts/footprint.sh; it is only
// written for Linux on the architectures listed in main.go.
package main

func main() { panic("footprint/raw: not written for this platform") }
