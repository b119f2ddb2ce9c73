#!/bin/sh
# handoff.sh: measure handing data to another process, six ways, and chart it.
#
# Usage:
#   scripts/handoff.sh               build the test binary, run BenchmarkHandoff RUNS times,
#                                    print the table, check the targets, write the chart
#   scripts/handoff.sh -f FILE...    only print the table (and write the chart) for saved output
#
# BenchmarkHandoff (handoff_bench_test.go) measures, end to end (the producer's
# bytes in its buffer → the consumer, another process, has read every byte):
#   pipe        write(2) through a pipe into the consumer's buffer
#   memfd       a fresh file per message, 4 KiB pages, sealed and sent over a Unix socket
#   memfd-huge  the same with 2 MiB huge pages
#   reused      one file, sent once, reused for every message (examples/stream)
#   reused-pieces  the same, the consumer reading each piece while the producer writes the next
#   floor       in-process: the same copy into the same pages, and read every byte
# Each run is one pass over every size, the six ways back to back, so that
# they see the same machine state; the table shows medians over the runs and
# the median of the per-run ratios.
#
# Environment:
#   RUNS       passes (default 5)
#   SIZES      payload sizes in MiB (default "1 16 256")
#   BENCHTIME  -benchtime per benchmark and pass (default 0.5s)
#   HUGEPAGES  2 MiB huge pages to have free for memfd-huge (default: enough for
#              the largest size, plus 8). As root, vm.nr_hugepages is raised if
#              fewer are free and restored on exit; otherwise (or HUGEPAGES=0)
#              memfd-huge skips where there are too few.
#   RT         if 1 (root only), run the benchmarks under SCHED_FIFO (chrt -f 1;
#              the children inherit it), so that other load on the machine
#              cannot preempt them: steadier figures on a busy machine, at the
#              others' expense (the kernel's RT throttling leaves them 5 %).
#              Say so when quoting figures.
#   SVG        chart to write (default docs/handoff.svg; empty: none)
#   OUT        file that keeps the raw `go test` output (default: a temporary file, removed)
#   GO         go command (default: go)
#
# Needs only sh and awk besides Go (the chart is internal/handoffchart). Exit
# status: 0 when every run passed, even if a target was missed (the table says
# which); 2 if a run failed.

set -eu

GO=${GO:-go}
RUNS=${RUNS:-5}
SIZES=${SIZES:-1 16 256}
BENCHTIME=${BENCHTIME:-0.5s}
RT=${RT:-0}
SCHED=
SVG=${SVG-docs/handoff.svg}

NAME=handoff
. "$(dirname "$0")/common.sh"

# table FILE...: the table from `go test -bench` output; writes the medians
# ("MiB way ns") to $TMP/medians for the chart.
table() {
	awk -v medians="$TMP/medians" '
	function median(a, n,    i, j, t) {
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]
			a[j+1] = t
		}
		if (n % 2) return a[(n+1)/2]
		return (a[n/2] + a[n/2+1]) / 2
	}
	function med(key,    n, i, v) {
		n = cnt[key]
		if (n == 0) return -1
		for (i = 1; i <= n; i++) v[i] = ns[key, i]
		return median(v, n)
	}
	# pratio(num, den): median over the runs of num/den within each run.
	function pratio(num, den,    n, k, v) {
		n = 0
		for (k = 1; k <= maxrun; k++)
			if (((num, k) in byrun) && ((den, k) in byrun) && byrun[den, k] > 0)
				v[++n] = byrun[num, k] / byrun[den, k]
		if (n == 0) return -1
		return median(v, n)
	}
	function fmt(x) {
		if (x < 0) return "-"
		if (x >= 1e6) return sprintf("%.2f ms", x / 1e6)
		return sprintf("%.1f µs", x / 1e3)
	}
	function fr(x) { return x < 0 ? "-" : sprintf("%.2f×", x) }
	/^memfile-handoff-run [0-9]+$/ { run = $2; marked = 1; next }
	/^BenchmarkHandoff\/[0-9]+MiB\/[a-z-]+(-[0-9]+)? / && / ns\/op/ {
		split($1, p, "/")
		size = p[2]; sub(/MiB$/, "", size)
		way = p[3]; sub(/-[0-9]+$/, "", way)
		key = size SUBSEP way
		if (!(size in seen)) { seen[size] = 1; sizes[++nsizes] = size }
		cnt[key]++
		k = marked ? run : cnt[key]
		ns[key, cnt[key]] = $3
		byrun[key, k] = $3
		if (k > maxrun) maxrun = k
	}
	END {
		if (nsizes == 0) { print "no BenchmarkHandoff results"; exit 1 }
		nw = split("pipe memfd memfd-huge reused reused-pieces floor", w, " ")
		label["pipe"] = "pipe"; label["memfd"] = "fresh file, 4 KiB pages"
		label["memfd-huge"] = "fresh file, 2 MiB pages"; label["reused"] = "reused file"; label["reused-pieces"] = "reused file, in pieces"
		label["floor"] = "in-process floor"
		printf "\nhandoff to another process, end to end (median of %d runs; ratios: median of the per-run ratios)\n\n", maxrun
		printf "| %7s | %-26s | %10s | %9s | %14s | %9s |\n", "size", "way", "time", "GB/s", "vs pipe", "vs floor"
		printf "|--------:|----------------------------|-----------:|----------:|---------------:|----------:|\n"
		for (i = 1; i <= nsizes; i++) {
			s = sizes[i]
			for (j = 1; j <= nw; j++) {
				key = s SUBSEP w[j]
				m = med(key)
				print s, w[j], (m < 0 ? "-" : m) > medians
				if (m < 0) {
					printf "| %3d MiB | %-26s | %10s | %9s | %14s | %9s |\n", s, label[w[j]], "skipped", "", "", ""
					continue
				}
				vp = pratio(s SUBSEP "pipe", key)   # >1: faster than the pipe
				vf = pratio(key, s SUBSEP "floor")  # >1: slower than the floor
				if (w[j] == "floor") vf = -1
				sp[s, w[j]] = vp; sf[s, w[j]] = vf
				vps = vp < 0 ? "-" : (w[j] == "pipe" ? "" : (vp >= 1 ? sprintf("%.2f× faster", vp) : sprintf("%.2f× slower", 1 / vp)))
				printf "| %3d MiB | %-26s | %10s | %9.2f | %14s | %9s |\n", s, label[w[j]], fmt(m), s * 1048576 / m, vps, fr(vf)
			}
		}
		print "\ntargets (issue 12):"
		for (i = 1; i <= nsizes; i++) {
			s = sizes[i]
			big = (s >= 16)
			need = big ? 4 : 3
			for (r = 1; r <= 2; r++) {
				rw = r == 1 ? "reused" : "reused-pieces"
				if ((s, rw) in sp) target(sprintf("%s at %d MiB: >= %d× faster than the pipe", label[rw], s, need), sp[s, rw], need, 1)
				if (big && ((s, rw) in sf)) target(sprintf("%s at %d MiB: within 1.2× of the floor", label[rw], s), sf[s, rw], 1.2, 0)
			}
			if (big && ((s, "memfd-huge") in sp)) target(sprintf("fresh file, 2 MiB pages, at %d MiB: >= 3× faster than the pipe", s), sp[s, "memfd-huge"], 3, 1)
			if ((s, "memfd") in sp && sp[s, "memfd"] < 1) printf "  note: a fresh 4 KiB-page file loses to the pipe at %d MiB: %.2f× the pipe'"'"'s time\n", s, 1 / sp[s, "memfd"]
		}
	}
	function target(what, v, lim, atleast) {
		ok = atleast ? (v >= lim) : (v <= lim)
		printf "  %-4s %-72s %.2f×\n", ok ? "met" : "MISS", what, v
	}' "$@"
}

chart() {
	[ -n "$SVG" ] || return 0
	"$GO" run ./internal/handoffchart \
		-title "Handing N bytes to another process, end to end" \
		-note "median of $1 runs; $(machine)${SCHED:+; SCHED_FIFO}" <"$TMP/medians" >"$TMP/chart.svg" || die "drawing the chart failed"
	mkdir -p "$(dirname "$SVG")"
	mv "$TMP/chart.svg" "$SVG"
	echo "chart: $SVG"
}

if [ "${1:-}" = "-f" ]; then
	shift
	[ $# -gt 0 ] || die "-f needs a file"
	table "$@"
	chart "$(grep -c '^memfile-handoff-run ' "$@" | awk -F: '{ n += $NF } END { print n }')"
	exit
fi
[ $# -eq 0 ] || die "usage: scripts/handoff.sh [-f FILE...]"

max=0
for s in $SIZES; do
	case $s in *[!0-9]* | '') die "SIZES: $s is not a size in MiB" ;; esac
	[ "$s" -gt "$max" ] && max=$s
done
HUGEPAGES=${HUGEPAGES:-$(((max + 1) / 2 + 8))}
POOL=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
# reserve: have HUGEPAGES free 2 MiB pages if possible. Called before every
# run, since another program on the machine may have changed the pool.
reserve() {
	free=$(cat "$POOL" 2>/dev/null || echo -1)
	[ "$HUGEPAGES" -gt 0 ] && [ "$free" -ge 0 ] && [ "$free" -lt "$HUGEPAGES" ] || return 0
	if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/nr_hugepages ] &&
		[ "$(awk '/^Hugepagesize/ { print $2 }' /proc/meminfo)" = 2048 ]; then
		now=$(cat /proc/sys/vm/nr_hugepages)
		[ -n "$OLD_HUGE" ] || OLD_HUGE=$now
		echo $((now + HUGEPAGES - free)) >/proc/sys/vm/nr_hugepages
		echo "huge pages: $(cat "$POOL") free (vm.nr_hugepages was $now; $OLD_HUGE restored on exit)" >&2
	elif [ -z "${warned:-}" ]; then
		warned=1
		echo "handoff.sh: $free free 2 MiB huge pages, $HUGEPAGES wanted; memfd-huge skips where too few (reserving needs root)" >&2
	fi
}

"$GO" test -c -o "$TMP/memfile.test" . || die "building the test binary failed"
if [ "$RT" = 1 ]; then
	command -v chrt >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || die "RT=1 needs root and chrt (util-linux)"
	SCHED="chrt -f 1"
fi
RAW=${OUT:-$TMP/bench.out}
: >"$RAW"
failed=0
i=1
while [ "$i" -le "$RUNS" ]; do
	echo "run $i/$RUNS ..." >&2
	echo "memfile-handoff-run $i" >>"$RAW"
	reserve
	MEMFILE_HANDOFF_MIB="$SIZES" $SCHED "$TMP/memfile.test" -test.run '^$' -test.bench '^BenchmarkHandoff$' -test.v \
		-test.benchmem -test.benchtime "$BENCHTIME" -test.count 1 -test.timeout 10m >"$TMP/run.out" 2>&1 || {
		echo "handoff.sh: run $i failed (its other results are kept):" >&2
		grep -E -A3 '^(--- FAIL|FAIL|panic)' "$TMP/run.out" >&2 || tail -20 "$TMP/run.out" >&2
		failed=1
	}
	cat "$TMP/run.out" >>"$RAW"
	i=$((i + 1))
done
grep -E -A1 '^ *--- SKIP' "$RAW" | grep -v -e '^--$' -e 'SKIP:' | sed 's/^ */skipped: /' | sort | uniq -c >&2 || true
echo "machine: $(machine)${SCHED:+ (under $SCHED)}"
table "$RAW"
chart "$RUNS"
[ "$failed" = 0 ] || die "some runs failed; see above"
