#!/usr/bin/env bash
# qemu-test.sh: build the package's test binary for every Linux GOARCH and run
# it natively (amd64, 386 on an x86_64 host) or under qemu-user-static.
#
# Usage:
#   scripts/qemu-test.sh [linux] [ARCH...]  test on Linux GOARCHes (default: all 13)
#   scripts/qemu-test.sh android            vet + build android/{386,amd64,arm,arm64};
#                                           build the android/arm64 test binary and run
#                                           it under qemu-aarch64-static, with a glibc
#                                           aarch64 ld.so standing in for Android's
#                                           /system/bin/linker64 (libc6-arm64-cross)
#   scripts/qemu-test.sh freebsd            vet + build freebsd/{386,amd64,arm,arm64,riscv64}
#
# Environment:
#   ARCHES      GOARCH list for the linux mode (arguments win over ARCHES)
#   TESTFLAGS   extra flags for the test binary, e.g. "-test.run=TestSeal -test.short"
#   LOGDIR      where per-arch logs go (default: a new mktemp -d directory)
#   PKGDIR      package directory to test (default: .)
#   GO          go command (default: go)
#   JOBS        arches built and run at the same time (default: 1, so the
#               times measured are those of one arch alone)
#   QEMU_SUFFIX suffix of the qemu binaries (default: -static)
#   ANDROID_LINKER64  aarch64 ELF loader used as /system/bin/linker64 in the
#               android mode (default: /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1)
#   MEMFILE_TEST_EXEC  set by this script for the test binary: the emulator
#               command ("" when native) with which tests that re-exec the test
#               binary as a child process must run it (there is no binfmt_misc)
#   RUN_TIMEOUT hard limit in seconds for one arch's test run (default: 900;
#               the test binary itself gets -test.timeout=10m)
#
# Output: one line per arch
#   arch=<a> runner=<native|qemu-xxx> pass=<n> fail=<n> skip=<n> time=<s>s build=<s>s
# (counts are "--- PASS/FAIL/SKIP" lines, subtests included; time is the test
# run, build is go test -c), then each skipped test with its reason, and the
# log tail of every arch that failed. Exit status is non-zero if any arch
# failed to build, failed a test, exited non-zero or ran no tests at all.
#
# On an amd64 host 386 runs natively: Go's 386 runtime crashes under qemu-i386 7.2
# ("bad g in signal handler"); an x86_64 kernel with IA32 emulation runs it.

set -uo pipefail

GO=${GO:-go}
PKGDIR=${PKGDIR:-.}
QEMU_SUFFIX=${QEMU_SUFFIX--static}
JOBS=${JOBS:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
TESTFLAGS=${TESTFLAGS:-}
ALL_LINUX_ARCHES="386 amd64 arm arm64 loong64 mips mipsle mips64 mips64le ppc64 ppc64le riscv64 s390x"

die() { echo "qemu-test.sh: $*" >&2; exit 2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

qemu_arch() {
	case $1 in
	386) echo i386 ;;
	amd64) echo x86_64 ;;
	arm) echo arm ;;
	arm64) echo aarch64 ;;
	loong64) echo loongarch64 ;;
	mips) echo mips ;;
	mipsle) echo mipsel ;;
	mips64) echo mips64 ;;
	mips64le) echo mips64el ;;
	ppc64) echo ppc64 ;;
	ppc64le) echo ppc64le ;;
	riscv64) echo riscv64 ;;
	s390x) echo s390x ;;
	*) return 1 ;;
	esac
}

HOSTARCH=$("$GO" env GOHOSTARCH 2>/dev/null) || die "cannot run '$GO env' (is Go installed and in PATH?)"
HOSTOS=$("$GO" env GOHOSTOS)
[ "$HOSTOS" = linux ] || die "host must be Linux (GOHOSTOS=$HOSTOS)"

# runner_for ARCH: prints "native" or the qemu binary name.
runner_for() {
	if [ "$1" = "$HOSTARCH" ] || { [ "$HOSTARCH" = amd64 ] && [ "$1" = 386 ]; }; then
		echo native
	else
		echo "qemu-$(qemu_arch "$1")$QEMU_SUFFIX"
	fi
}

# need_qemu QEMU ARCH: fail fast if the emulator is missing.
need_qemu() {
	command -v "$1" >/dev/null 2>&1 && return 0
	die "$1 not found in PATH (needed to run GOARCH=$2); install it with: apt-get install qemu-user-static"
}

[ -d "$PKGDIR" ] || die "PKGDIR $PKGDIR is not a directory"
PKGDIR=$(cd "$PKGDIR" && pwd)
if [ -z "${LOGDIR:-}" ]; then
	LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/qemu-test.XXXXXX")
else
	mkdir -p "$LOGDIR" || die "cannot create LOGDIR $LOGDIR"
	LOGDIR=$(cd "$LOGDIR" && pwd)
fi
BINDIR=$(mktemp -d "${TMPDIR:-/tmp}/qemu-test-bin.XXXXXX")
trap 'rm -rf "$BINDIR"' EXIT

# counts LOG: prints "pass fail skip".
counts() {
	awk '
		/^[ \t]*--- PASS: / { p++ }
		/^[ \t]*--- FAIL: / { f++ }
		/^[ \t]*--- SKIP: / { s++ }
		END { printf "%d %d %d\n", p, f, s }
	' "$1"
}

# skips LOG: prints every "--- SKIP" line with its reason. With -test.v the
# reason (the t.Skip message) is streamed before the "--- SKIP" line, and a
# subtest's "--- SKIP" line only comes when its parent ends, so the last log
# line of each test is remembered by the test name of the "=== RUN/CONT/NAME"
# line in front of it. Without streaming the reason is the line after.
skips() {
	awk '
		function flush() {
			if (pending != "") { print pending; print "        (no reason logged)"; pending = "" }
		}
		/^=== (RUN|CONT|NAME) / { flush(); cur = $3; next }
		/^=== / { flush(); next }
		/^[ \t]*--- (PASS|FAIL|SKIP): / {
			flush()
			if ($2 == "SKIP:") {
				line = $0; sub(/^[ \t]+/, "", line)
				if ($3 in last) { print "  " line; print "        " last[$3] }
				else pending = "  " line
			}
			next
		}
		{
			if (pending != "" && $0 ~ /^[ \t]+[^ \t]/) {
				reason = $0; sub(/^[ \t]+/, "", reason)
				print pending; print "        " reason; pending = ""
				next
			}
			flush()
			if (cur != "" && $0 ~ /^[ \t]+[^ \t]+\.go:[0-9]+: /) {
				reason = $0; sub(/^[ \t]+/, "", reason); last[cur] = reason
			}
		}
		END { flush() }
	' "$1"
}

# failures LOG: prints each "--- FAIL" line with the output of that test
# (the lines logged while it was the current test, at most 30).
failures() {
	awk '
		/^=== (RUN|CONT|NAME) / { cur = $3; next }
		/^=== / { next }
		/^[ \t]*--- (PASS|FAIL|SKIP): / {
			if ($2 == "FAIL:") {
				line = $0; sub(/^[ \t]+/, "", line)
				print "failed: " line
				printf "%s", out[$3]
			}
			delete out[$3]; delete n[$3]
			next
		}
		cur != "" && /^[ \t]/ {
			if (n[cur]++ < 30) out[cur] = out[cur] "        " $0 "\n"
		}
	' "$1"
}

# test_arch ARCH: builds and runs one arch; writes $LOGDIR/ARCH.summary
# (summary line), $LOGDIR/ARCH.status (ok|fail) and the logs.
test_arch() {
	local a=$1 runner bin blog tlog t0 t1 t2 rc pass fail skip status build_s run_s
	runner=$(runner_for "$a")
	bin=$BINDIR/memfile.$a.test
	blog=$LOGDIR/$a.build.log
	tlog=$LOGDIR/$a.test.log
	: >"$tlog"
	t0=$(now)
	(cd "$PKGDIR" && CGO_ENABLED=0 GOOS=linux GOARCH=$a "$GO" test -c -o "$bin" .) >"$blog" 2>&1
	rc=$?
	t1=$(now)
	build_s=$(elapsed "$t0" "$t1")
	if [ $rc -ne 0 ]; then
		echo "arch=$a runner=$runner pass=0 fail=0 skip=0 time=0s build=${build_s}s BUILD-FAILED" >"$LOGDIR/$a.summary"
		echo fail >"$LOGDIR/$a.status"
		cp "$blog" "$LOGDIR/$a.tail"
		return
	fi
	if [ ! -e "$bin" ]; then
		# go test -c writes nothing for a package without test files.
		echo "arch=$a runner=$runner pass=0 fail=0 skip=0 time=0s build=${build_s}s NO-TEST-BINARY" >"$LOGDIR/$a.summary"
		echo fail >"$LOGDIR/$a.status"
		cp "$blog" "$LOGDIR/$a.tail"
		return
	fi
	local cmd=() wrapper=""
	if [ "$runner" != native ]; then
		wrapper=$(command -v "$runner")
		cmd=("$wrapper")
	fi
	# MEMFILE_TEST_EXEC tells tests that re-exec the test binary in a child
	# process to run it with the same emulator (no binfmt_misc here); the
	# guest's execve of the host's qemu binary goes straight to the kernel.
	# shellcheck disable=SC2086 # TESTFLAGS is split on purpose
	(cd "$PKGDIR" && MEMFILE_TEST_EXEC=$wrapper timeout -k 30 "$RUN_TIMEOUT" "${cmd[@]}" "$bin" -test.v -test.count=1 -test.timeout=10m $TESTFLAGS) >"$tlog" 2>&1
	rc=$?
	t2=$(now)
	run_s=$(elapsed "$t1" "$t2")
	read -r pass fail skip < <(counts "$tlog")
	status=ok
	local why=""
	if [ $rc -ne 0 ]; then status=fail; why=" EXIT=$rc"; fi
	[ $rc -eq 124 ] && why=" TIMEOUT(${RUN_TIMEOUT}s)"
	if [ "$fail" -gt 0 ]; then status=fail; fi
	if [ $((pass + fail + skip)) -eq 0 ]; then status=fail; why="$why NO-TESTS-RAN"; fi
	echo "arch=$a runner=$runner pass=$pass fail=$fail skip=$skip time=${run_s}s build=${build_s}s$why" >"$LOGDIR/$a.summary"
	echo "$status" >"$LOGDIR/$a.status"
	skips "$tlog" >"$LOGDIR/$a.skips"
	if [ "$status" != ok ]; then
		{
			failures "$tlog"
			echo "[last 25 lines of $a.test.log]"
			tail -n 25 "$tlog"
		} >"$LOGDIR/$a.tail"
	fi
}

mode_linux() {
	local arches a r
	if [ $# -gt 0 ]; then arches="$*"; else arches=${ARCHES:-$ALL_LINUX_ARCHES}; fi
	# Validate everything before building anything.
	for a in $arches; do
		qemu_arch "$a" >/dev/null || die "unknown GOARCH '$a' (known: $ALL_LINUX_ARCHES)"
		r=$(runner_for "$a")
		if [ "$r" != native ]; then
			[ "$a" = 386 ] && echo "qemu-test.sh: warning: 386 under qemu-i386 is known not to work for Go binaries" >&2
			need_qemu "$r" "$a"
		fi
	done
	echo "qemu-test.sh: package $PKGDIR, logs in $LOGDIR, $("$GO" version)"
	for a in $arches; do
		rm -f "$LOGDIR/$a".{summary,status,skips,tail}
		if [ "$JOBS" -le 1 ]; then
			test_arch "$a"
		else
			while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
			test_arch "$a" &
		fi
	done
	wait

	local failed=0 failed_list=""
	for a in $arches; do
		cat "$LOGDIR/$a.summary"
		if [ "$(cat "$LOGDIR/$a.status")" != ok ]; then
			failed=1
			failed_list="$failed_list $a"
		fi
	done
	local b prev shown=""
	for a in $arches; do
		[ -s "$LOGDIR/$a.skips" ] || continue
		prev=""
		for b in $shown; do
			if sed -E "s/\b$a\b/@ARCH@/g; s/ \([0-9.]+s\)$//" "$LOGDIR/$a.skips" |
				cmp -s - <(sed -E "s/\b$b\b/@ARCH@/g; s/ \([0-9.]+s\)$//" "$LOGDIR/$b.skips"); then
				prev=$b
				break
			fi
		done
		if [ -n "$prev" ]; then
			echo "--- skipped tests on $a: same as on $prev"
		else
			echo "--- skipped tests on $a:"
			cat "$LOGDIR/$a.skips"
			shown="$shown $a"
		fi
	done
	for a in $arches; do
		if [ -s "$LOGDIR/$a.tail" ]; then
			echo "--- $a FAILED; tail of its log ($LOGDIR/$a.test.log, $LOGDIR/$a.build.log):"
			cat "$LOGDIR/$a.tail"
		fi
	done
	if [ $failed -ne 0 ]; then
		echo "qemu-test.sh: FAIL:$failed_list"
		return 1
	fi
	echo "qemu-test.sh: all arches passed ($arches)"
	return 0
}

# step NAME CMD...: runs CMD in PKGDIR, logs it, prints ok/FAIL with timing.
step() {
	local name=$1 log t0 rc
	shift
	log=$LOGDIR/$name.log
	t0=$(now)
	(cd "$PKGDIR" && "$@") >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok   $name ($(elapsed "$t0" "$(now)")s)"
	else
		echo "FAIL $name (exit $rc); $log:"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
	return $rc
}

# vet_build GOOS ARCH...: go vet + go build with CGO_ENABLED=0.
# Go 1.26's "go vet" refuses android/{386,amd64,arm} with CGO_ENABLED=0
# ("requires external (cgo) linking, but cgo is not enabled", although vet
# links nothing; Go 1.19 does not), and with CGO_ENABLED=1 it builds
# runtime/cgo, whose gcc_android.c needs the NDK's headers. Then the same
# file set is vetted as GOOS=linux with the android build tag (which selects
# exactly the files GOOS=android does: checked with go list).
vet_build() {
	local goos=$1 a failed=0
	shift
	for a in "$@"; do
		if ! step "$goos-$a.vet" env CGO_ENABLED=0 GOOS="$goos" GOARCH="$a" "$GO" vet . >"$LOGDIR/$goos-$a.vet.step"; then
			if grep -q 'requires external (cgo) linking' "$LOGDIR/$goos-$a.vet.log"; then
				echo "note $goos-$a.vet: cmd/go refuses vet with CGO_ENABLED=0 on $goos/$a (requires external linking); vetting its files as GOOS=linux -tags $goos"
				files='{{join .GoFiles " "}} | {{join .TestGoFiles " "}} | {{join .XTestGoFiles " "}}'
				if [ "$(CGO_ENABLED=0 GOOS=linux GOARCH="$a" "$GO" list -tags "$goos" -f "$files" .)" != \
					"$(CGO_ENABLED=0 GOOS="$goos" GOARCH="$a" "$GO" list -f "$files" . 2>/dev/null)" ]; then
					echo "FAIL $goos-$a.vet-tags: GOOS=linux -tags $goos selects other files than GOOS=$goos"
					failed=1
				fi
				step "$goos-$a.vet-tags" env CGO_ENABLED=0 GOOS=linux GOARCH="$a" "$GO" vet -tags "$goos" . || failed=1
			else
				cat "$LOGDIR/$goos-$a.vet.step"
				failed=1
			fi
		else
			cat "$LOGDIR/$goos-$a.vet.step"
		fi
		step "$goos-$a.build" env CGO_ENABLED=0 GOOS="$goos" GOARCH="$a" "$GO" build . || failed=1
	done
	return $failed
}

mode_freebsd() {
	echo "qemu-test.sh freebsd: package $PKGDIR, logs in $LOGDIR, $("$GO" version)"
	if vet_build freebsd 386 amd64 arm arm64 riscv64; then
		echo "qemu-test.sh freebsd: vet and build passed (tests are not run: no FreeBSD emulation here)"
		return 0
	fi
	echo "qemu-test.sh freebsd: FAIL"
	return 1
}

mode_android() {
	local failed=0 qemu bin interp t0 rc pass fail skip
	qemu=qemu-aarch64$QEMU_SUFFIX
	need_qemu "$qemu" "arm64 (android)"
	echo "qemu-test.sh android: package $PKGDIR, logs in $LOGDIR, $("$GO" version)"
	vet_build android 386 amd64 arm arm64 || failed=1

	bin=$BINDIR/memfile.android-arm64.test
	if ! step android-arm64.test-c env CGO_ENABLED=0 GOOS=android GOARCH=arm64 "$GO" test -c -o "$bin" .; then
		echo "qemu-test.sh android: FAIL"
		return 1
	fi
	if [ ! -e "$bin" ]; then
		echo "android/arm64: go test -c wrote no binary (no test files?)"
		echo "qemu-test.sh android: FAIL"
		return 1
	fi
	interp=$(readelf -l "$bin" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	echo "android/arm64 test binary: $(file -b "$bin" 2>/dev/null | cut -c1-120)"
	echo "android/arm64 ELF interpreter: ${interp:-<none: static>}; DT_NEEDED: $(readelf -d "$bin" 2>/dev/null | grep -c NEEDED) libraries"
	local tlog=$LOGDIR/android-arm64.test.log runner=$qemu qargs=() loader=""
	# Go's android/arm64 binaries are PIEs whose ELF interpreter is Android's
	# /system/bin/linker64, but they need no shared library (no DT_NEEDED):
	# the loader only applies the relocations and jumps to the entry point.
	# qemu-user opens the interpreter on the host (under its -L prefix), so
	# a glibc aarch64 loader placed at <prefix>/system/bin/linker64 stands in
	# for Android's. The kernel is still the host's (no Android seccomp
	# policy, no SELinux, no /dev/ashmem unless the host has it).
	if [ -n "$interp" ] && [ ! -e "$interp" ]; then
		for loader in "${ANDROID_LINKER64:-}" /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1; do
			[ -n "$loader" ] && [ -e "$loader" ] && break
			loader=""
		done
		if [ -n "$loader" ]; then
			mkdir -p "$BINDIR/androot$(dirname "$interp")"
			cp "$loader" "$BINDIR/androot$interp"
			qargs=(-L "$BINDIR/androot")
			runner="$qemu -L <prefix>/system/bin/linker64=$loader"
			echo "android/arm64: $interp is not on this host; using $loader in its place (qemu -L)"
		else
			echo "android/arm64: $interp is not on this host and no stand-in loader was found"
			echo "    (apt-get install libc6-arm64-cross provides /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1,"
			echo "    or set ANDROID_LINKER64=/path/to/an/aarch64/ld.so); trying without one"
		fi
	fi
	t0=$(now)
	# shellcheck disable=SC2086
	local wrapper
	wrapper="$(command -v "$qemu") ${qargs[*]}"
	# Go's os.TempDir is /data/local/tmp on android unless TMPDIR is set; that
	# directory exists on a device, not on this host.
	(cd "$PKGDIR" && TMPDIR=${TMPDIR:-/tmp} MEMFILE_TEST_EXEC=$wrapper timeout -k 30 "$RUN_TIMEOUT" "$qemu" "${qargs[@]}" "$bin" -test.v -test.count=1 -test.timeout=10m $TESTFLAGS) >"$tlog" 2>&1
	rc=$?
	read -r pass fail skip < <(counts "$tlog")
	if [ $((pass + fail + skip)) -eq 0 ]; then
		# It did not get as far as the testing package.
		echo "android/arm64 under $runner: NOT RUN (exit $rc). Reason, from $tlog:"
		head -n 5 "$tlog" | sed 's/^/    /'
		if [ -n "$interp" ] && [ ! -e "$interp" ] && [ -z "$loader" ]; then
			echo "    The binary is dynamically linked against Android's loader $interp, which this host"
			echo "    does not have; qemu-user loads the interpreter from the host file system (or -L prefix)."
		fi
		echo "qemu-test.sh android: vet/build $( [ $failed -eq 0 ] && echo passed || echo FAILED ); tests NOT run"
		[ -n "$loader" ] && failed=1 # with a loader it should have run
		return $failed
	fi
	echo "arch=android/arm64 runner=$runner pass=$pass fail=$fail skip=$skip time=$(elapsed "$t0" "$(now)")s exit=$rc"
	skips "$tlog"
	if [ $rc -ne 0 ] || [ "$fail" -gt 0 ]; then
		tail -n 40 "$tlog"
		failed=1
	fi
	echo "qemu-test.sh android: $( [ $failed -eq 0 ] && echo passed || echo FAIL )"
	return $failed
}

mode=linux
case ${1:-} in
linux) shift ;;
android | freebsd) mode=$1; shift ;;
-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac
case $mode in
linux) mode_linux "$@" ;;
android) [ $# -eq 0 ] || die "android mode takes no arguments"; mode_android ;;
freebsd) [ $# -eq 0 ] || die "freebsd mode takes no arguments"; mode_freebsd ;;
esac
