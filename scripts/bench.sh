#!/bin/sh
# bench.sh: run the package's benchmarks several times and print medians.
#
# Usage:
#   scripts/bench.sh                 build the test binary, run it RUNS times, print the tables
#   scripts/bench.sh -f FILE...      only print the tables for saved `go test -bench` output
#
# Environment:
#   RUNS       how many times the whole set runs (default 6). Each run is one
#              pass with -count=1, so a wrapper and its baseline always run
#              back to back and see the same machine state; the tables show
#              the median over the runs.
#   BENCH      -bench regexp (default "."; e.g. BENCH='Seals|FromFd')
#   BENCHTIME  -benchtime per benchmark and run (default 1s)
#   PAIRED     rounds of TestPairedOverhead, the interleaved measurement of
#              the same pairs, and of bench/xsys's TestInterleaved (default
#              400; 0: skip them)
#   XSYS       1 (default): also run bench/xsys, the module that makes the
#              same calls through golang.org/x/sys/unix (it needs x/sys at the
#              version in bench/xsys/go.sum: from the module cache, or
#              downloaded once through GOPROXY); 0: skip it
#   OUT        file that keeps the raw `go test` output (default: a temporary file, removed)
#   GO         go command (default: go)
#   RESERVE_HUGEPAGES  if set (e.g. 160) and running as root, reserve that many
#              default-size huge pages for BenchmarkHugePages256M (it needs 128
#              free 2 MiB pages and skips otherwise) and restore the old
#              vm.nr_hugepages on exit
#
# Output: the machine (CPU model from /proc/cpuinfo, online CPUs, kernel) and
# the Go version, then
#   1. every "<name>/memfile" benchmark against its "<name>/syscall" baseline,
#      which makes the same system calls straight through syscall.Syscall:
#      median ns/op of each, the median of the per-run ratio memfile/syscall,
#      allocs/op of each, and the ratio TestPairedOverhead measures by
#      alternating short batches of both (less sensitive to other load);
#   2. the handoff to a child process, memfd against pipe (handoff_bench_test.go);
#   3. 256 MiB mapped and touched with 2 MiB huge pages against regular pages;
#   4. (bench/xsys) each hot path through memfile, through golang.org/x/sys/unix
#      and through syscall.Syscall, making the same system calls: median ns/op,
#      the median per-run ratios memfile/x-sys and memfile/syscall, the
#      target for memfile/x-sys (issue 9), and the same ratio from
#      interleaved batches (TestInterleaved), with its quartiles.
# Needs only sh and awk besides Go (no benchstat); shares its setup with
# scripts/handoff.sh through scripts/common.sh. On a noisy machine use
# RUNS>=5: a median ignores a minority of disturbed runs.

set -eu

GO=${GO:-go}
RUNS=${RUNS:-6}
BENCH=${BENCH:-.}
BENCHTIME=${BENCHTIME:-1s}
PAIRED=${PAIRED:-400}
XSYS=${XSYS:-1}

NAME=bench
. "$(dirname "$0")/common.sh"

# table FILE...: the tables from `go test -bench` output.
table() {
	awk '
	# median of the n values in a[1..n] (insertion sort; n is small)
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
	function fmt(x) {
		if (x < 0) return "-"
		if (x >= 1e6) return sprintf("%.2f ms", x / 1e6)
		if (x >= 1e4) return sprintf("%.1f µs", x / 1e3)
		return sprintf("%.1f ns", x)
	}
	# pratio(num, den): the median over the runs of the ratio num/den
	# within each run. The k-th result of a benchmark comes from run k, so a
	# wrapper and its baseline are compared only with each other as they
	# ran back to back; a disturbance that lasts a run moves both.
	function pratio(num, den,    n, k, v) {
		n = 0
		for (k = 1; k <= maxrun; k++)
			if (((num, k) in byrun) && ((den, k) in byrun) && byrun[den, k] > 0)
				v[++n] = byrun[num, k] / byrun[den, k]
		if (n == 0) return "-"
		return sprintf("%.3f", median(v, n))
	}
	# scripts/bench.sh writes "memfile-bench-run N" before each run, so a
	# result is filed under its run even if another benchmark of that run failed.
	/^memfile-bench-run [0-9]+$/ { run = $2; marked = 1; next }
	/^Benchmark/ && / ns\/op/ {
		name = $1
		sub(/^Benchmark/, "", name)
		sub(/-[0-9]+$/, "", name)      # the GOMAXPROCS suffix
		v = ""; al = "-"
		for (i = 2; i < NF; i++) {
			if ($(i+1) == "ns/op") v = $i
			if ($(i+1) == "allocs/op") al = $i
		}
		if (v == "") next
		if (!(name in cnt)) order[++nnames] = name
		cnt[name]++
		k = marked ? run : cnt[name]
		ns[name, cnt[name]] = v
		byrun[name, k] = v
		if (k > maxrun) maxrun = k
		allocs[name] = al
		g = name; sub(/\/[^\/]*$/, "", g)
		leaf = name; sub(/^.*\//, "", leaf)
		if (!(g in seen)) { seen[g] = 1; groups[++ngroups] = g }
	}
	# bench/xsys TestInterleaved: "interleaved NAME memfile=NS xsys=NS syscall=NS m/x=R q1x=R q3x=R m/s=R ..."
	/ interleaved [A-Za-z0-9]+ memfile=/ {
		for (i = 1; i <= NF; i++) if ($i == "interleaved") break
		pn = "X." $(i+1)
		for (j = i + 2; j <= NF; j++) {
			split($j, kv, "=")
			xv[pn, kv[1]] = kv[2]
		}
		next
	}
	# TestPairedOverhead: "paired NAME memfile=NS syscall=NS ratio=R q1=R q3=R rounds=N"
	/ paired [A-Za-z0-9]+ memfile=/ {
		for (i = 1; i <= NF; i++) if ($i == "paired") break
		pn = $(i+1)
		for (j = i + 2; j <= NF; j++) {
			split($j, kv, "=")
			pv[pn, kv[1]] = kv[2]
		}
		haspaired = 1
	}
	END {
		if (nnames == 0) { print "no benchmark results"; exit 1 }
		runs = 0
		for (i = 1; i <= nnames; i++) if (cnt[order[i]] > runs) runs = cnt[order[i]]
		printf "\n1. wrapper vs raw syscall baseline (median ns/op of %d runs; ratio: median of the per-run memfile/syscall)\n\n", runs
		printf "| %-24s | %12s | %12s | %6s | %-13s | %-22s |\n", "benchmark", "memfile", "syscall", "ratio", "allocs m/s", "interleaved (q1-q3)"
		printf "|%s|%s|%s|%s|%s|%s|\n", "--------------------------", "-------------:", "-------------:", "-------:", "---------------", "------------------------"
		for (i = 1; i <= ngroups; i++) {
			g = groups[i]
			if (g ~ /^X\./) continue
			if (!((g "/memfile") in cnt) && !((g "/syscall") in cnt)) continue
			a = med(g "/memfile"); b = med(g "/syscall")
			am = ((g "/memfile") in allocs) ? allocs[g "/memfile"] : "-"
			as = ((g "/syscall") in allocs) ? allocs[g "/syscall"] : "-"
			il = "-"
			if ((g, "ratio") in pv) il = pv[g, "ratio"] " (" pv[g, "q1"] "-" pv[g, "q3"] ")"
			printf "| %-24s | %12s | %12s | %6s | %-13s | %-22s |\n", g, fmt(a), fmt(b), pratio(g "/memfile", g "/syscall"), am " / " as, il
		}
		if (haspaired)
			print "\ninterleaved: TestPairedOverhead, which alternates short batches of wrapper and\nbaseline and gives the median and quartiles of the per-batch ratio (robust on a busy machine)"
		hdr = 0
		for (i = 1; i <= ngroups; i++) {
			g = groups[i]
			if (!((g "/memfd") in cnt) && !((g "/pipe") in cnt)) continue
			if (!hdr++) {
				printf "\n2. handoff to a child process (median of %d runs; ratio: median per-run pipe/memfd, >1: memfd faster)\n\n", runs
				printf "| %-24s | %12s | %12s | %6s |\n", "benchmark", "memfd", "pipe", "ratio"
				printf "|%s|%s|%s|%s|\n", "--------------------------", "-------------:", "-------------:", "-------:"
			}
			a = med(g "/memfd"); b = med(g "/pipe")
			printf "| %-24s | %12s | %12s | %6s |\n", g, fmt(a), fmt(b), pratio(g "/pipe", g "/memfd")
		}
		hdr = 0
		for (i = 1; i <= ngroups; i++) {
			g = groups[i]
			if (!((g "/huge") in cnt) && !((g "/regular") in cnt)) continue
			if (!hdr++) {
				printf "\n3. huge pages (median of %d runs; ratio: median per-run regular/huge, >1: huge pages faster)\n\n", runs
				printf "| %-24s | %12s | %12s | %6s |\n", "benchmark", "2 MiB pages", "4 KiB pages", "ratio"
				printf "|%s|%s|%s|%s|\n", "--------------------------", "-------------:", "-------------:", "-------:"
			}
			a = med(g "/huge"); b = med(g "/regular")
			printf "| %-24s | %12s | %12s | %6s |\n", g, fmt(a), fmt(b), pratio(g "/regular", g "/huge")
			if (a < 0) printf "(%s/huge skipped: needs 128 free 2 MiB huge pages; see RESERVE_HUGEPAGES)\n", g
		}
		hdr = 0
		for (i = 1; i <= ngroups; i++) {
			g = groups[i]
			if (g !~ /^X\./ || !((g "/xsys") in cnt)) continue
			if (!hdr++) {
				printf "\n4. memfile vs golang.org/x/sys/unix vs syscall.Syscall, the same system calls (bench/xsys; median ns/op of %d runs;\n   m/x, m/s: median of the per-run ratios memfile/x-sys and memfile/syscall)\n\n", runs
				printf "| %-12s | %10s | %10s | %10s | %6s | %6s | %6s | %-13s | %-22s |\n", "benchmark", "memfile", "x/sys", "syscall", "m/x", "target", "m/s", "allocs m/x/s", "interleaved m/x (q1-q3)"
				printf "|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "--------------", "-----------:", "-----------:", "-----------:", "-------:", "-------:", "-------:", "---------------", "------------------------"
			}
			n = substr(g, 3)
			tg = (n ~ /^(Seals|AddSeals|ReadAt4K|Write4K)$/) ? "1.03" : (n ~ /^(CreateClose|MapUnmap1M)$/) ? "1.05" : (n == "FromFd") ? "1.10" : "-"
			il = "-"
			if ((g, "m/x") in xv) il = xv[g, "m/x"] " (" xv[g, "q1x"] "-" xv[g, "q3x"] ")"
			printf "| %-12s | %10s | %10s | %10s | %6s | %6s | %6s | %-13s | %-22s |\n", n, fmt(med(g "/memfile")), fmt(med(g "/xsys")), fmt(med(g "/syscall")),
				pratio(g "/memfile", g "/xsys"), tg, pratio(g "/memfile", g "/syscall"),
				allocs[g "/memfile"] "/" allocs[g "/xsys"] "/" allocs[g "/syscall"], il
		}
		# Anything else that ran, unpaired.
		hdr = 0
		for (i = 1; i <= nnames; i++) {
			n = order[i]; leaf = n; sub(/^.*\//, "", leaf)
			if (leaf ~ /^(memfile|syscall|xsys|memfd|pipe|huge|regular)$/) continue
			if (!hdr++) printf "\nother benchmarks (median of %d runs)\n\n", runs
			printf "  %-40s %12s  %s allocs/op\n", n, fmt(med(n)), allocs[n]
		}
	}' "$@"
}

if [ "${1:-}" = "-f" ]; then
	shift
	[ $# -gt 0 ] || die "-f needs a file"
	table "$@"
	exit
fi
[ $# -eq 0 ] || die "usage: scripts/bench.sh [-f FILE...]"

if [ -n "${RESERVE_HUGEPAGES:-}" ]; then
	if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
		OLD_HUGE=$(cat /proc/sys/vm/nr_hugepages)
		echo "$RESERVE_HUGEPAGES" >/proc/sys/vm/nr_hugepages
		echo "reserved huge pages: $(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo) free (vm.nr_hugepages was $OLD_HUGE; restored on exit)"
	else
		echo "bench.sh: RESERVE_HUGEPAGES needs root; the huge-page benchmark will skip" >&2
	fi
fi

"$GO" test -c -o "$TMP/memfile.test" . || die "building the test binary failed"
if [ "$XSYS" != 0 ]; then
	(cd bench/xsys && "$GO" test -c -o "$TMP/xsys.test" .) || die "building bench/xsys failed (XSYS=0 skips it)"
fi
RAW=${OUT:-$TMP/bench.out}
: >"$RAW"
failed=0
i=1
while [ "$i" -le "$RUNS" ]; do
	echo "run $i/$RUNS ..." >&2
	echo "memfile-bench-run $i" >>"$RAW"
	"$TMP/memfile.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem \
		-test.benchtime "$BENCHTIME" -test.count 1 -test.timeout 30m >"$TMP/run.out" 2>&1 || {
		echo "bench.sh: run $i failed (its other results are kept):" >&2
		grep -E -A3 '^(--- FAIL|FAIL|panic)' "$TMP/run.out" >&2 || tail -20 "$TMP/run.out" >&2
		failed=1
	}
	cat "$TMP/run.out" >>"$RAW"
	if [ "$XSYS" != 0 ]; then
		"$TMP/xsys.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem \
			-test.benchtime "$BENCHTIME" -test.count 1 -test.timeout 30m >"$TMP/run.out" 2>&1 || {
			echo "bench.sh: bench/xsys run $i failed (its other results are kept):" >&2
			grep -E -A3 '^(--- FAIL|FAIL|panic)' "$TMP/run.out" >&2 || tail -20 "$TMP/run.out" >&2
			failed=1
		}
		sed 's/^Benchmark/BenchmarkX./' "$TMP/run.out" >>"$RAW"
	fi
	i=$((i + 1))
done
if [ "$PAIRED" != 0 ]; then
	echo "interleaved measurement ($PAIRED rounds) ..." >&2
	MEMFILE_BENCH_PAIRED=$PAIRED "$TMP/memfile.test" -test.run '^TestPairedOverhead$' -test.v \
		-test.count 1 >"$TMP/run.out" 2>&1 || {
		echo "bench.sh: TestPairedOverhead failed:" >&2
		tail -20 "$TMP/run.out" >&2
		failed=1
	}
	cat "$TMP/run.out" >>"$RAW"
	if [ "$XSYS" != 0 ]; then
		MEMFILE_BENCH_PAIRED=$PAIRED "$TMP/xsys.test" -test.run '^TestInterleaved$' -test.v \
			-test.count 1 >"$TMP/run.out" 2>&1 || {
			echo "bench.sh: bench/xsys TestInterleaved failed:" >&2
			tail -20 "$TMP/run.out" >&2
			failed=1
		}
		cat "$TMP/run.out" >>"$RAW"
	fi
fi
echo "machine: $(machine)"
table "$RAW"
[ "$failed" = 0 ] || die "some runs failed; see above"
