# daemon: the resident daemon's life cycle (issue 4). run.sh gives each test
# its own socket directory (XDG_RUNTIME_DIR) and stops its daemons by pid.

# daemon_pid: the pid the running daemon reports, or fail.
daemon_pid() {
	"$ZCCACHE" status 2>/dev/null | awk '$1 == "pid" { print $2; found = 1 } END { exit !found }'
}

socket_file() {
	"$ZCCACHE" status | awk '$1 == "socket" { print $2 }'
}

test_start_status_stop() {
	expect_exit 0 "$ZCCACHE" start
	local pid sock
	pid=$(daemon_pid) || fail "status after start does not answer"
	kill -0 "$pid" || fail "no process $pid"
	sock=$(socket_file)
	[ -S "$sock" ] || fail "no socket at $sock"
	expect_mode "$XDG_RUNTIME_DIR/zccache" 700
	capture st "$ZCCACHE" status
	expect_contains "$T/.cap/st.out" uptime
	expect_exit 0 "$ZCCACHE" stop
	wait_gone "$pid"
	expect_exit 1 "$ZCCACHE" status
	[ ! -e "$sock" ] || fail "the socket was left behind"
	# stopping what is not running is fine
	expect_exit 0 "$ZCCACHE" stop
}

test_start_twice_one_daemon() {
	expect_exit 0 "$ZCCACHE" start
	local pid; pid=$(daemon_pid)
	capture again "$ZCCACHE" start
	expect_contains "$T/.cap/again.out" "already running (pid $pid)"
	[ "$(daemon_pid)" = "$pid" ] || fail "a second daemon answers"
}

# Racing starts: one daemon holds the lock, the others exit with 3.
test_racing_daemons_one_wins() {
	local pids=() codes="" p
	for _ in 1 2 3 4; do
		"$ZCCACHE" daemon 2>>"$T/race.log" &
		pids+=($!)
	done
	sleep 0.5
	local pid; pid=$(daemon_pid) || fail "no daemon answers"
	for p in "${pids[@]}"; do
		[ "$p" = "$pid" ] && continue
		wait "$p"
		codes+=" $?"
	done
	[ "$codes" = " 3 3 3" ] || fail "losers exited with:$codes"
	expect_contains "$T/race.log" "already runs"
}

test_idle_exit() {
	ZCCACHE_IDLE_TIMEOUT=1 "$ZCCACHE" start >/dev/null || fail "start failed"
	local pid; pid=$(daemon_pid)
	# no request for a second: it goes by itself
	wait_gone "$pid"
	expect_contains "$ZCCACHE_DIR/daemon.log" "idle for 1 s"
}

test_sigterm_stops_cleanly() {
	"$ZCCACHE" start >/dev/null || fail "start failed"
	local pid sock; pid=$(daemon_pid); sock=$(socket_file)
	kill -TERM "$pid"
	wait_gone "$pid"
	[ ! -e "$sock" ] || fail "the socket was left behind"
	expect_contains "$ZCCACHE_DIR/daemon.log" "signal received"
}

# raw_request SOCKET VERSION TYPE: sends one frame, prints the reply header
# as "version type" or "eof". The script is a file so another user can run it.
raw_request() {
	[ -f "$T/raw.py" ] || cat >"$T/raw.py" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
h = b""
try:
    s.sendall(b"ZCP1" + struct.pack("<III", int(sys.argv[2]), int(sys.argv[3]), 0))
    while len(h) < 16:
        b = s.recv(16 - len(h))
        if not b:
            break
        h += b
except (ConnectionResetError, BrokenPipeError):
    pass
print("eof" if len(h) < 16 else "%d %d" % struct.unpack("<II", h[4:12]))
PY
	chmod 644 "$T/raw.py"
	"${RAW_AS[@]}" "$PYTHON" "$T/raw.py" "$@"
}
RAW_AS=()

# Another user's connection is refused (SO_PEERCRED), and logged.
test_foreign_uid_refused() {
	require_root
	command -v setpriv >/dev/null || skip "no setpriv"
	"$ZCCACHE" start >/dev/null || fail "start failed"
	local sock; sock=$(socket_file)
	[ "$(raw_request "$sock" "$PROTO_VERSION" 7)" = "$PROTO_VERSION 8" ] ||
		fail "the owner's status request failed"
	# open the way so that the kernel lets nobody connect at all
	chmod 711 "$T" "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/zccache"
	chmod 666 "$sock"
	local got
	RAW_AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	got=$(raw_request "$sock" "$PROTO_VERSION" 7 2>&1) || true
	RAW_AS=()
	[ "$got" = eof ] || fail "a foreign uid got an answer: $got"
	expect_contains "$ZCCACHE_DIR/daemon.log" "refused a connection from uid 65534"
}

# An old client (another protocol version) learns the daemon's version.
test_version_mismatch_answered() {
	"$ZCCACHE" start >/dev/null || fail "start failed"
	[ "$(raw_request "$(socket_file)" 99 7)" = "$PROTO_VERSION 10" ] ||
		fail "expected an error frame of version $PROTO_VERSION"
}

# The first compile starts a daemon, which serves the miss's store and the
# next hit.
test_compiles_through_daemon() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	local pid; pid=$(daemon_pid) || fail "the compile did not start a daemon"
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	capture st "$ZCCACHE" status
	expect_contains "$T/.cap/st.out" "hits       1"
	# entries: the files the cache holds, as `zccache stats` counts them
	local files
	files=$("$ZCCACHE" stats | sed -n 's/.*(\([0-9]*\) files)$/\1/p')
	[ "${files:-0}" -gt 0 ] || fail "stats counts no files after a stored miss"
	expect_contains "$T/.cap/st.out" "entries    $files"
	# uncacheable: the client runs the compiler itself
	outputs prog
	ref gcc a.c -o prog
	zc gcc a.c -o prog
	expect_like_ref
	expect_stat uncacheable.linking 1
}

# A daemon that cannot be started (no private socket directory) costs the
# compile nothing: it runs in-process.
test_daemon_unavailable_falls_back() {
	export XDG_RUNTIME_DIR=$T/run
	mkdir -m 755 "$XDG_RUNTIME_DIR"
	mkdir -m 777 "$XDG_RUNTIME_DIR/zccache"   # not private: refused
	export ZCCACHE_DAEMON=1
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
}

# A client in another mount namespace sees other files at the same paths:
# the daemon must not answer for it (its memory and its lookups would use
# its own view); the client works in-process and gets the right object.
test_other_mount_namespace() {
	require_root
	require_cmd unshare
	mkdir inc
	echo 'int value(void) { return 1; }' >inc/h.h
	printf '#include "h.h"\nint f(void) { return value(); }\n' >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Iinc
	zc gcc -c a.c -Iinc
	expect_counts 1 1
	# the same path, another header, in a namespace of its own
	cat >"$T/in_ns.sh" <<'SH'
set -e
mount -t tmpfs none inc
echo 'int value(void) { return 2; }' >inc/h.h
sleep 0.1
gcc -c a.c -Iinc -o bare.o
ZCCACHE_LOGFILE=$T/ns.log "$ZCCACHE" gcc -c a.c -Iinc
SH
	T=$T unshare --mount --propagation private sh "$T/in_ns.sh" ||
		fail "the compile in another mount namespace failed"
	cmp bare.o a.o || fail "a.o is not the object of the namespace's header (a wrong hit)"
	expect_contains "$T/ns.log" "another file system"
}

# A runtime directory too deep for a socket name: the daemon listens in
# /tmp/zccache-UID instead, and still serves the compiles.
test_long_runtime_dir() {
	local deep=$T/run/$(printf 'd%.0s' $(seq 90))
	mkdir -p -m 700 "$deep"
	export XDG_RUNTIME_DIR=$deep
	on_cleanup '"$ZCCACHE" stop' # run.sh finds daemons by XDG_RUNTIME_DIR=$T/run
	printf 'int f(void) { return 1; }\n' >a.c
	settle
	outputs a.o
	ref gcc -c a.c
	zc gcc -c a.c
	expect_like_ref
	zc gcc -c a.c
	expect_like_ref
	expect_counts 1 1
	local sock; sock=$("$ZCCACHE" status | awk '$1 == "socket" { print $2 }') ||
		fail "no daemon answers"
	case $sock in "/tmp/zccache-$(id -u)/"*) ;; *) fail "the daemon listens on '$sock'" ;; esac
}

# A client of a daemon that was replaced hands its result to the new one:
# it must not be taken for another compile's (tokens were the start second
# and a counter, so two daemons of one second gave the same ones).
test_result_of_old_daemon_not_taken() {
	mkfile bin/gcc <<'SH'
#!/bin/bash
case " $* " in *" -c "*) [ -n "${SLOWPRE:-}" ] && sleep "$SLOWPRE";; esac
/usr/bin/gcc "$@"; rc=$?
case " $* " in *" -c "*) [ -n "${SLOWEXIT:-}" ] && sleep "$SLOWEXIT";; esac
exit $rc
SH
	chmod +x bin/gcc
	printf '#warning this warning belongs to y.c\nint y(void){return 1;}\n' >y.c
	printf 'int x(void){return 2;}\n' >x.c
	settle
	local gcc=$T/bin/gcc
	# Both daemons start in the first half of one second.
	while [ "$(date +%N | cut -c1-2)" -gt 20 ]; do sleep 0.01; done
	"$ZCCACHE" start >/dev/null
	SLOWPRE=1.2 "$ZCCACHE" "$gcc" -c y.c -o y.o 2>y.err &
	local y=$!
	sleep 0.15
	"$ZCCACHE" stop >/dev/null
	"$ZCCACHE" start >/dev/null
	SLOWEXIT=2.5 "$ZCCACHE" "$gcc" -c x.c -o x.o 2>x.err &
	local x=$!
	wait $y
	wait $x
	"$ZCCACHE" status >/dev/null # waits for the stores
	outputs x2.o
	ref "$gcc" -c x.c -o x2.o
	zc "$gcc" -c x.c -o x2.o
	expect_like_ref
}

# A compile still running keeps the daemon from exiting idle: its result is
# stored and counted. (With an idle time shorter than a compile, nothing
# was ever stored.)
test_idle_exit_waits_for_running_compile() {
	mkfile bin/gcc <<'SH'
#!/bin/bash
/usr/bin/gcc "$@"; rc=$?
case " $* " in *" -c "*) sleep 2.5;; esac
exit $rc
SH
	chmod +x bin/gcc
	warning_c_source >a.c
	settle
	outputs a.o
	ZCCACHE_IDLE_TIMEOUT=1 zc "$T/bin/gcc" -c a.c -Wall
	expect_counts 0 1
	expect_entries r 1
}

# "zccache stop" returns once the daemon is gone, its stores finished.
test_stop_returns_when_gone() {
	warning_c_source >a.c
	settle
	outputs a.o
	zc gcc -c a.c -Wall
	local pid; pid=$(daemon_pid) || fail "no daemon"
	expect_exit 0 "$ZCCACHE" stop
	if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
		fail "daemon $pid still runs after stop returned"
	fi
}

# A bad line in the config file does not keep a running daemon from being
# asked or stopped.
test_stop_with_bad_config_file() {
	expect_exit 0 "$ZCCACHE" start
	local pid; pid=$(daemon_pid) || fail "no daemon"
	echo bogus >"$ZCCACHE_DIR/zccache.conf"
	"$ZCCACHE" status >/dev/null 2>&1 || fail "status failed with a bad config file"
	"$ZCCACHE" stop >/dev/null 2>&1 || fail "stop failed with a bad config file"
	wait_gone "$pid"
}

# A daemon started under a file size limit (ulimit -f) lives on through a
# hit larger than it (it died of SIGXFSZ and left a temporary file).
test_daemon_started_under_file_size_limit() {
	(ulimit -f 16; "$ZCCACHE" start >/dev/null) || fail "start failed"
	local pid; pid=$(daemon_pid) || fail "no daemon"
	printf 'char big[200000] = {1};\n' >big.c
	settle
	outputs big.o
	zc gcc -c big.c
	ref gcc -c big.c
	zc gcc -c big.c
	expect_like_ref
	kill -0 "$pid" || fail "the daemon died"
	[ -z "$(ls -A . | grep '^\.zccache\.')" ] || fail "a temporary file was left"
}

# raw_client SOCK TAG [BYTES]: in the background, a client that connects,
# sends BYTES (Python bytes syntax; none by default) and waits for the
# daemon to drop it: $T/TAG.dropped then, or a failure after 30 s. Returns
# once it is connected, its pid in RAW_CLIENT.
raw_client() {
	"$PYTHON" - "$1" "$T/$2" "${3:-}" <<'PY' &
import ast, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
if sys.argv[3]:
    s.sendall(ast.literal_eval(sys.argv[3]))
open(sys.argv[2] + ".connected", "w").close()
s.settimeout(30)
s.recv(1)  # returns when the daemon gives up on us
open(sys.argv[2] + ".dropped", "w").close()
PY
	RAW_CLIENT=$!
	on_cleanup "kill $RAW_CLIENT"
	local i
	for i in $(seq 100); do
		[ -e "$T/$2.connected" ] && break
		sleep 0.02
	done
	[ -e "$T/$2.connected" ] || fail "the client $2 did not connect"
	sleep 0.1 # accepted by a worker by now
}

# A client that connects and says nothing holds one worker for up to the
# daemon's request timeout (2 s); meanwhile the others serve compiles.
# (Served one at a time, the hit below came only after the silent client
# was dropped.)
test_silent_client_does_not_hold_others() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	local sock; sock=$(socket_file)
	[ -S "$sock" ] || fail "no daemon socket"
	raw_client "$sock" silent
	zc gcc -c a.c -Wall
	[ ! -e "$T/silent.dropped" ] || fail "the hit waited for the silent client to be dropped"
	expect_like_ref
	capture st "$ZCCACHE" status
	expect_contains "$T/.cap/st.out" "hits       1"
	wait "$RAW_CLIENT" || fail "the silent client was never dropped"
}

# A client that sent half a request and went quiet neither holds its
# worker past the request timeout nor keeps the daemon from stopping (its
# connection is cut short).
test_half_sent_request() {
	expect_exit 0 "$ZCCACHE" start
	local pid sock; pid=$(daemon_pid) || fail "no daemon"
	sock=$(socket_file)
	# the start of a header, and nothing more: dropped after 2 s, not 30
	raw_client "$sock" half 'b"ZCP1"'
	wait "$RAW_CLIENT" || fail "the half-sent client was never dropped"
	raw_client "$sock" again 'b"ZCP1"'
	expect_exit 0 "$ZCCACHE" stop
	wait_gone "$pid"
	wait "$RAW_CLIENT" || fail "the half-sent client was never dropped"
}

# SIGTERM after SIGTERM while the daemon ends: it ends once, cleanly. (A
# handler run on a worker thread wrote the signal pipe while the main thread
# closed it, or a descriptor that had taken its number: ThreadSanitizer
# saw it in about half the runs.)
test_sigterm_storm_while_exiting() {
	expect_exit 0 "$ZCCACHE" start
	local pid sock; pid=$(daemon_pid) || fail "no daemon"
	sock=$(socket_file)
	local sent=0
	while kill -TERM "$pid" 2>/dev/null && [ "$sent" -lt 100000 ]; do
		sent=$((sent + 1))
	done
	wait_gone "$pid"
	[ "$sent" -gt 1 ] || fail "only $sent signal reached the daemon"
	[ ! -e "$sock" ] || fail "the socket was left behind"
	[ "$(grep -c 'signal received' "$ZCCACHE_DIR/daemon.log")" = 1 ] ||
		fail "expected one 'signal received' in the daemon's log"
}

# A compiler the daemon runs (its queries of the compiler) starts with no
# signal blocked or ignored, not with what the daemon's threads have or what
# the client that started the daemon had ignored.
test_compiler_run_by_daemon_has_default_signals() {
	mkdir -p "$T/bin"
	printf '#!/bin/sh\necho "$PPID $(grep -E "^Sig(Blk|Ign)" /proc/$$/status | tr -s "\\t\\n" "  ")" >>"%s/signals"\nexec /usr/bin/gcc "$@"\n' \
		"$T" >"$T/bin/gcc"
	chmod +x "$T/bin/gcc"
	export PATH="$T/bin:$ORIG_PATH"
	expect_exit 0 "$ZCCACHE" start
	local pid; pid=$(daemon_pid) || fail "no daemon"
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	# started by a client that ignores SIGQUIT and SIGPIPE, as nohup'd or
	# backgrounded builds can
	(trap '' QUIT PIPE; "$ZCCACHE" stop >/dev/null && "$ZCCACHE" start >/dev/null) ||
		fail "restart failed"
	pid=$(daemon_pid) || fail "no daemon"
	: >"$T/signals"
	zc gcc -c a.c -Wall
	expect_like_ref
	local by_daemon; by_daemon=$(awk -v p="$pid" '$1 == p' "$T/signals")
	[ -n "$by_daemon" ] || fail "the daemon ran no compiler: $(cat "$T/signals")"
	local _ blk ign
	while read -r _ _ blk _ ign; do
		# glibc's posix_spawn leaves its own two (32 and 33) ignored
		[ $((16#$blk)) = 0 ] && [ $((16#$ign & ~0x180000000)) = 0 ] ||
			fail "the daemon's compiler inherited signal state: $by_daemon"
	done <<<"$by_daemon"
}

# zc_no_drain CMD...: a compile through zccache, without waiting for the
# daemon's records (zc waits).
zc_no_drain() {
	clean_outputs
	capture zc "$ZCCACHE" "$@"
}

# busy_daemon_first_miss: a daemon that sees every CPU busy, and a first
# compile of a.c through it, whose record waits.
busy_daemon_first_miss() {
	export ZCCACHE_TEST_CPUS_BUSY=1
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
	expect_exit 0 "$ZCCACHE" start
	zc_no_drain gcc -c a.c -Wall
	expect_like_ref
}

# While the compiles keep every CPU busy, a miss's record waits (the build
# first); asking for the stats records it at once.
test_record_waits_while_cpus_busy() {
	busy_daemon_first_miss
	sleep 0.3
	[ -z "$(find "$ZCCACHE_DIR" -name '*.m')" ] || fail "recorded while every CPU was busy"
	[ -n "$(find "$ZCCACHE_DIR/tmp" -name 'out.*')" ] || fail "the miss's object was not kept"
	capture st "$ZCCACHE" stats
	[ -n "$(find "$ZCCACHE_DIR" -name '*.m')" ] || fail "asking for the stats did not record the miss"
	zc_no_drain gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
}

# A lookup of a miss whose record still waits for a free CPU records it
# itself, and hits (waiting for the store thread, it would compile again).
test_lookup_takes_queued_record() {
	busy_daemon_first_miss
	zc_no_drain gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	# with a log: each compile's and each record's own, none left open
	export ZCCACHE_LOGFILE=$T/zc.log
	local pid fds_before fds_after i
	pid=$(daemon_pid) || fail "no daemon"
	zc_no_drain gcc -c a.c -Wall -DWARMUP=1
	zc_no_drain gcc -c a.c -Wall -DWARMUP=1
	fds_before=$(ls "/proc/$pid/fd" | wc -l)
	for i in 1 2 3 4 5; do
		zc_no_drain gcc -c a.c -Wall -DROUND=$i
		zc_no_drain gcc -c a.c -Wall -DROUND=$i
	done
	expect_counts 7 7
	fds_after=$(ls "/proc/$pid/fd" | wc -l)
	[ "$fds_after" -le "$fds_before" ] ||
		fail "the daemon went from $fds_before to $fds_after descriptors"
	[ "$(grep -c 'recorded' "$ZCCACHE_LOGFILE")" -ge 6 ] || fail "the records did not log"
}

# An object rewritten in place after the compile, its size and mtime put
# back, while its record waits: the rewritten bytes are never stored (the
# contents are checked against what the client handed over).
test_output_rewritten_in_place_while_record_waits() {
	busy_daemon_first_miss
	"$PYTHON" - a.o <<'PY' || fail "cannot rewrite a.o"
import os, sys
st = os.stat(sys.argv[1])
with open(sys.argv[1], "r+b") as f:
    data = bytearray(f.read())
    data[-1] ^= 0xff
    f.seek(0)
    f.write(data)
os.utime(sys.argv[1], ns=(st.st_atime_ns, st.st_mtime_ns))
PY
	capture st "$ZCCACHE" stats # records it now
	zc_no_drain gcc -c a.c -Wall
	expect_like_ref
	expect_stats hits=0 misses=1 uncacheable.modified_during_compile=1
}
