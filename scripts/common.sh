# common.sh: what scripts/bench.sh and scripts/handoff.sh share. Source it
# after setting NAME (the script's name, for messages); it moves to the
# repository root, makes $TMP (removed on exit) and restores
# vm.nr_hugepages on exit once the script has saved the old value in
# OLD_HUGE. machine prints "CPU model, N CPUs online, kernel arch, Go".

die() { echo "$NAME: $*" >&2; exit 2; }

cd "$(dirname "$0")/.."

TMP=$(mktemp -d "${TMPDIR:-/tmp}/memfile-$NAME.XXXXXX")
OLD_HUGE=
cleanup() {
	if [ -n "$OLD_HUGE" ]; then
		echo "$OLD_HUGE" >/proc/sys/vm/nr_hugepages || echo "$NAME: could not restore vm.nr_hugepages=$OLD_HUGE" >&2
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine() {
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
	[ -n "$cpu" ] || cpu=$(awk -F': *' '/^(cpu model|Processor|uarch|cpu)[ \t]*:/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
	[ -n "$cpu" ] || cpu=unknown
	cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
	echo "$cpu, $cores CPUs online, $(uname -s) $(uname -r) $(uname -m), $("$GO" env GOVERSION 2>/dev/null || echo go)"
}
