#!/bin/sh
# footprint.sh: what package memfile adds to a program's size.
#
# Builds three static, stripped programs that each create a sealable memory
# file, write a message, seal it, map it, check and print what they read back
# and close it:
#   memfile  footprint/memfile  with this library (and package syscall, no os)
#   raw      footprint/raw      bare syscall.Syscall calls only: the floor
#   x/sys+os footprint/xsys     golang.org/x/sys/unix and os, the usual way
#                               (a module of its own; its go.sum pins x/sys)
# all with CGO_ENABLED=0 go build -trimpath -ldflags='-s -w', and prints
# their sizes and the differences memfile - raw and x/sys+os - raw. Then it
# builds the library's program and the floor again without -s -w and lists
# what the library adds, by package and by symbol (go tool nm -size).
#
# Usage: scripts/footprint.sh
# Environment:
#   GO        go command (default: go)
#   GOOS, GOARCH  as for go build (default: the host); the programs are run
#             (and their output checked) only when they are for the host
#   TOP       how many of the largest added symbols to list (default 25; 0: none)
#   KEEP      directory to keep the binaries in (default: a temporary one, removed)
#
# footprint/xsys needs golang.org/x/sys at the version in its go.sum: from the
# module cache, or downloaded once through GOPROXY.

set -eu

GO=${GO:-go}
TOP=${TOP:-25}

die() { echo "footprint.sh: $*" >&2; exit 2; }

cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ -n "${KEEP:-}" ]; then
	mkdir -p "$KEEP"
	OUTDIR=$(cd "$KEEP" && pwd)
else
	OUTDIR=$(mktemp -d "${TMPDIR:-/tmp}/memfile-footprint.XXXXXX")
	trap 'rm -rf "$OUTDIR"' EXIT
fi

# build DIR OUT PKG [FLAGS]: a static, trimmed build of PKG inside module DIR.
build() {
	(cd "$1" && CGO_ENABLED=0 "$GO" build -trimpath ${4:+-ldflags="$4"} -o "$2" "$3") ||
		die "building $3 in $1 failed"
}

build "$ROOT" "$OUTDIR/memfile" ./footprint/memfile '-s -w'
build "$ROOT" "$OUTDIR/raw" ./footprint/raw '-s -w'
build "$ROOT/footprint/xsys" "$OUTDIR/xsys" . '-s -w'

# Run them when they are for this machine: each must print the message.
if [ "$("$GO" env GOOS)/$("$GO" env GOARCH)" = "$("$GO" env GOHOSTOS)/$("$GO" env GOHOSTARCH)" ]; then
	for p in memfile raw xsys; do
		out=$("$OUTDIR/$p") || die "$p failed: $out"
		[ "$out" = "hello from a sealed memfile" ] || die "$p printed: $out"
	done
	ran="all three ran and read back their message"
else
	ran="cross build, not run"
fi

size() { wc -c <"$1" | tr -d ' '; }
m=$(size "$OUTDIR/memfile")
r=$(size "$OUTDIR/raw")
x=$(size "$OUTDIR/xsys")

echo "go:      $("$GO" version)"
echo "target:  $("$GO" env GOOS)/$("$GO" env GOARCH), CGO_ENABLED=0, -trimpath -ldflags='-s -w' ($ran)"
echo
awk -v m="$m" -v r="$r" -v x="$x" 'BEGIN {
	printf "| %-20s | %10s | %9s | %15s |\n", "program", "bytes", "KiB", "over raw"
	printf "|%s|%s|%s|%s|\n", "----------------------", "-----------:", "----------:", "-----------------:"
	printf "| %-20s | %10d | %9.1f | %15s |\n", "raw syscall (floor)", r, r / 1024, "-"
	printf "| %-20s | %10d | %9.1f | %+8d (%+.1f KiB) |\n", "memfile", m, m / 1024, m - r, (m - r) / 1024
	printf "| %-20s | %10d | %9.1f | %+8d (%+.1f KiB) |\n", "x/sys/unix + os", x, x / 1024, x - r, (x - r) / 1024
	printf "\nmemfile - raw = %d bytes (%.1f KiB); targets: <= 64 KiB (issue 2) %s, <= 32 KiB (issue 6) %s\n",
		m - r, (m - r) / 1024, (m - r <= 65536 ? "met" : "MISSED"), (m - r <= 32768 ? "met" : "missed")
	printf "x/sys+os - raw = %d bytes (%.1f KiB)\n", x - r, (x - r) / 1024
}'

[ "$TOP" -gt 0 ] 2>/dev/null || exit 0

# What the library adds: symbols of the unstripped memfile program that the
# unstripped floor does not have. Sizes are those of the symbols (code and
# data); the stripped file also carries each function's pclntab entry.
build "$ROOT" "$OUTDIR/memfile.full" ./footprint/memfile
build "$ROOT" "$OUTDIR/raw.full" ./footprint/raw
"$GO" tool nm -size -sort size "$OUTDIR/raw.full" >"$OUTDIR/raw.nm"
"$GO" tool nm -size -sort size "$OUTDIR/memfile.full" >"$OUTDIR/memfile.nm"
echo
awk -v top="$TOP" '
	NR == FNR { if (NF >= 4) have[$4] = 1; next }
	NF >= 4 && !($4 in have) && $2 > 0 {
		sym = $4
		for (i = 5; i <= NF; i++) sym = sym " " $i
		pkg = sym
		if (pkg ~ /^(type:|go:)/) pkg = "(type data, itabs)"
		else {
			sub(/^type:\.eq\./, "", pkg)
			# package path: up to the first "." after the last "/"
			n = split(pkg, parts, "/")
			last = parts[n]; sub(/\..*$/, "", last)
			pkg = (n > 1 ? substr(pkg, 1, length(pkg) - length(parts[n])) : "") last
		}
		bypkg[pkg] += $2; total += $2
		if (++nsym <= top) lines[nsym] = sprintf("  %7d %s %s", $2, $3, sym)
	}
	END {
		printf "added symbols (unstripped build, go tool nm -size): %d bytes in total\n", total
		for (p in bypkg) printf "  %7d %s\n", bypkg[p], p | "sort -rn"
		close("sort -rn")
		printf "\nlargest %d added symbols:\n", top
		for (i = 1; i <= nsym && i <= top; i++) print lines[i]
	}' "$OUTDIR/raw.nm" "$OUTDIR/memfile.nm"
