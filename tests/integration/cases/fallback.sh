# fallback: every way the daemon can fail still gives the bare compiler's
# result (stdout, stderr, exit code, identical object), and the cache keeps
# working in-process where the daemon cannot serve. run.sh gives each test its
# own socket directory ($XDG_RUNTIME_DIR) and stops its real daemons; the fake
# daemons here are stopped by their pid.

# fb_source: a.c (one -Wall warning) and the reference compile of it.
fb_source() {
	warning_c_source >a.c
	settle
	outputs a.o
	ref gcc -c a.c -Wall
}

# fb_status FIELD: one field of "zccache status" (pid, socket, hits, misses);
# nonzero when no daemon answers.
fb_status() {
	"$ZCCACHE" status 2>/dev/null |
		awk -v f="$1" '$1 == f { print $2; found = 1 } END { exit !found }'
}

# fb_spawned: how many daemons were spawned for this cache (each one logs
# "listening on" to daemon.log once it listens).
fb_spawned() {
	if [ -e "$ZCCACHE_DIR/daemon.log" ]; then
		grep -c 'listening on' "$ZCCACHE_DIR/daemon.log"
	else
		echo 0
	fi
}

# fb_timed_zc ARGS...: zc, and fail if it took 1.5 s or more (the compile
# itself takes a tenth of that; waiting for a daemon that does not come
# costs 2 s: SPAWN_WAIT_MS).
fb_timed_zc() {
	local t0=$EPOCHREALTIME t1 ms
	zc "$@"
	t1=$EPOCHREALTIME
	ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
	[ "$ms" -lt 1500 ] || fail "the compile took $ms ms: zccache waited for a daemon"
}

# fb_done: stop this test's daemon now; the suite's sweep at the end of the
# test then has nothing to wait for (pid 1 may be slow to reap a daemon).
fb_done() {
	"$ZCCACHE" stop >/dev/null || fail "zccache stop failed"
}

# fb_socket_path: sets SOCK to where this cache's daemon listens, by starting
# a real daemon and asking it; the daemon is stopped again (and gone).
fb_socket_path() {
	"$ZCCACHE" start >/dev/null || fail "zccache start failed"
	SOCK=$(fb_status socket) || fail "the daemon names no socket"
	local pid; pid=$(fb_status pid)
	"$ZCCACHE" stop >/dev/null || fail "zccache stop failed"
	wait_gone "$pid"
	[ ! -e "$SOCK" ] || fail "the stopped daemon left $SOCK"
}

# fb_fake MODE...: a fake daemon listening on $SOCK. Connection number i is
# answered as MODE number i (the last one repeats) and its mode appended to
# $T/fake.log. It writes $T/fake.log.term from its SIGTERM handler and exits.
# It is a child of the test's shell, which reaps it as soon as it ends (a
# daemon's parent is pid 1, which need not be as quick); with FB_REAP_LATE=1
# its parent is a python process that never reaps it: once it exits it stays
# a zombie until the test ends. Sets FAKE_PID (the pid SO_PEERCRED names);
# the fake (and that parent) are killed by their pids when the test ends.
#   garbage      not a frame at all
#   close        closes the connection without reading or answering
#   huge         a header claiming a payload larger than the protocol allows
#   truncated    a header claiming 60 MiB, 10 bytes, then end of file
#   badhit       a HIT frame whose payload does not decode
#   badmiss      a MISS frame whose payload does not decode
#   ack          a valid frame of a type that does not answer a compile
#   unknowntype  a frame of type 77
#   old          an ERROR frame of protocol version 99 (an old daemon)
fb_fake() {
	cat >"$T/fake.py" <<'PY'
import os, signal, socket, struct, sys
sock_path, pidfile, log, modes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

V = int(os.environ["PROTO_VERSION"])

def frame(version, type_, length):
    return b"ZCP1" + struct.pack("<III", version, type_, length)

REPLIES = {
    "garbage": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" + bytes(range(256)),
    "huge": frame(V, 2, 0xffffffff),
    "truncated": frame(V, 2, 60 << 20) + b"\0" * 10,
    "badhit": frame(V, 2, 3) + b"abc",
    "badmiss": frame(V, 3, 8) + b"\xff" * 8,
    "ack": frame(V, 6, 0),
    "unknowntype": frame(V, 77, 0),
    "old": frame(99, 10, 0),
}
for m in modes:
    assert m == "close" or m in REPLIES, m

def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        b = c.recv(min(n - len(buf), 1 << 20))
        if not b:
            break
        buf += b
    return buf

if os.environ.get("FB_HOLD_LOCK"):
    import fcntl  # as a daemon holds its cache directory's lock
    lock_fd = os.open(os.environ["FB_HOLD_LOCK"], os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock_fd, fcntl.LOCK_EX)
if os.environ.get("FB_REAP_LATE") == "1" and os.fork():
    while True:
        signal.pause()  # the parent: never waits for its child
def on_term(sig, frm):
    with open(log + ".term", "w") as f:
        f.write("TERM\n")
    os._exit(0)
signal.signal(signal.SIGTERM, on_term)
try:
    os.unlink(sock_path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock_path)
os.chmod(sock_path, 0o600)
s.listen(16)
with open(pidfile + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(pidfile + ".tmp", pidfile)
n = 0
while True:
    c, _ = s.accept()
    mode = modes[min(n, len(modes) - 1)]
    n += 1
    with open(log, "a") as f:
        f.write(mode + "\n")
    try:
        if mode != "close":
            h = recv_exact(c, 16)
            if len(h) == 16:
                recv_exact(c, struct.unpack("<I", h[12:16])[0])
            c.sendall(REPLIES[mode])
    except OSError:
        pass
    c.close()
PY
	rm -f "$T/fake.log" "$T/fake.log.term" "$T/fake.pid"
	"$PYTHON" "$T/fake.py" "$SOCK" "$T/fake.pid" "$T/fake.log" "$@" &
	local first=$!
	on_cleanup "fb_stop_fake $first"
	for _ in $(seq 250); do
		[ -e "$T/fake.pid" ] && break
		kill -0 "$first" 2>/dev/null || fail "the fake daemon did not start"
		sleep 0.02
	done
	FAKE_PID=$(cat "$T/fake.pid" 2>/dev/null) || fail "the fake daemon did not start"
	[ "$FAKE_PID" = "$first" ] || on_cleanup "fb_stop_fake $FAKE_PID"
	[ -S "$SOCK" ] || fail "the fake daemon does not listen on $SOCK"
}

# fb_stop_fake PID: SIGKILL the fake (or its parent) if that pid is still it.
fb_stop_fake() {
	grep -qF fake.py "/proc/$1/cmdline" 2>/dev/null && kill -KILL "$1"
}

# 1. ZCCACHE_NODAEMON=1: in-process, and no daemon is ever contacted or
# started.
test_nodaemon_in_process() {
	export ZCCACHE_NODAEMON=1
	fb_source
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	if [ -d "$XDG_RUNTIME_DIR/zccache" ]; then
		local f
		f=$(find "$XDG_RUNTIME_DIR/zccache" -mindepth 1 | head -1)
		[ -z "$f" ] || fail "something was created in the socket directory: $f"
	fi
	expect_missing "$ZCCACHE_DIR/daemon.log"
	expect_exit 1 "$ZCCACHE" status
	expect_contains "$T/.cap/last.out" "not running"
}

# 2. The daemon cannot be started (the socket directory is not private):
# in-process at once, counted, and no waiting.
test_daemon_cannot_start() {
	mkdir -m 777 "$XDG_RUNTIME_DIR/zccache"
	fb_source
	fb_timed_zc gcc -c a.c -Wall
	expect_like_ref
	fb_timed_zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
	[ -z "$(ls -A "$XDG_RUNTIME_DIR/zccache")" ] || fail "a socket appeared in the shared directory"
	expect_exit 1 "$ZCCACHE" status
	[ "$(fb_spawned)" = 0 ] || fail "a daemon was started"
}

# 2b. A daemon still runs (it holds the lock) but its socket is gone, as
# after the runtime directory was cleaned at logout: a new daemon cannot
# start, and the compile must not wait for one.
test_daemon_without_socket_no_wait() {
	"$ZCCACHE" start >/dev/null || fail "zccache start failed"
	local sock; sock=$(fb_status socket) || fail "no socket"
	rm -f "$sock"
	fb_source
	fb_timed_zc gcc -c a.c -Wall
	expect_like_ref
	fb_timed_zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 1 1
}

# 3. A stale socket file (its daemon died by SIGKILL): a new daemon is
# started and serves the compile.
test_stale_socket() {
	"$ZCCACHE" start >/dev/null || fail "zccache start failed"
	local old sock
	old=$(fb_status pid) || fail "no daemon"
	sock=$(fb_status socket)
	kill -KILL "$old"
	wait_gone "$old"
	[ -S "$sock" ] || fail "no stale socket at $sock after SIGKILL"
	fb_source
	zc gcc -c a.c -Wall
	expect_like_ref
	local new; new=$(fb_status pid) || fail "no daemon runs after the compile"
	[ "$new" != "$old" ] || fail "the killed daemon $old answers"
	[ "$(fb_status misses)" = 1 ] || fail "the new daemon did not serve the miss"
	zc gcc -c a.c -Wall
	expect_like_ref
	[ "$(fb_status hits)" = 1 ] || fail "the new daemon did not serve the hit"
	[ "$(fb_status pid)" = "$new" ] || fail "yet another daemon was started"
	expect_counts 1 1
	fb_done
}

# 4. Something that is not a working daemon listens on the socket: each
# answer below is refused, the compile runs in-process (counted there),
# and no real daemon is started in its place.
test_garbage_daemon() {
	local modes=(garbage close huge truncated badhit badmiss ack unknowntype) m i=0 ino
	export ZC_NO_QUIESCE=1 # a status request would be one more connection
	fb_socket_path
	fb_fake "${modes[@]}"
	ino=$(stat -c %i "$SOCK")
	fb_source
	for m in "${modes[@]}"; do
		i=$((i + 1))
		echo "--- the fake answers '$m'"
		fb_timed_zc gcc -c a.c -Wall
		expect_like_ref
		[ "$(wc -l <"$T/fake.log")" = $i ] ||
			fail "answer '$m': the client did not ask the fake exactly once ($(cat "$T/fake.log" | tr '\n' ' '))"
	done
	# the first compile missed and stored in-process, every later one hit
	expect_counts $((${#modes[@]} - 1)) 1
	[ "$(fb_spawned)" = 1 ] || fail "a real daemon was started besides the one that named the socket"
	kill -0 "$FAKE_PID" || fail "the fake daemon was stopped"
	[ "$(stat -c %i "$SOCK")" = "$ino" ] || fail "the fake's socket was replaced"
	expect_missing "$T/fake.log.term"
}

# 5. A daemon of another protocol version (an old one after an upgrade) is
# stopped with SIGTERM and replaced; the compile is served by the new one.
test_version_mismatch_replaced() {
	fb_socket_path
	fb_fake old
	fb_source
	zc gcc -c a.c -Wall
	expect_like_ref
	[ -s "$T/fake.log" ] || fail "the client never asked the old daemon"
	[ -e "$T/fake.log.term" ] || fail "the old daemon got no SIGTERM"
	expect_contains "$T/fake.log.term" TERM
	wait_gone "$FAKE_PID"
	local pid; pid=$(fb_status pid) || fail "no new daemon runs"
	[ "$pid" != "$FAKE_PID" ] || fail "the old daemon still answers"
	[ "$(fb_status misses)" = 1 ] || fail "the new daemon did not serve the compile"
	zc gcc -c a.c -Wall
	expect_like_ref
	[ "$(fb_status hits)" = 1 ] || fail "the second compile was not a daemon hit"
	expect_counts 1 1
	fb_done
}

# 5b. The same when the old daemon's exit is reaped late (its parent, pid 1
# for a real daemon, has not called wait yet): a zombie has stopped too, and
# the new daemon serves the compile at once.
test_version_mismatch_zombie() {
	fb_socket_path
	FB_REAP_LATE=1 fb_fake old
	fb_source
	zc gcc -c a.c -Wall
	expect_like_ref
	[ -e "$T/fake.log.term" ] || fail "the old daemon got no SIGTERM"
	fb_status pid >/dev/null ||
		fail "no new daemon runs: the client took the old daemon, a zombie now, for running"
	[ "$(fb_status misses)" = 1 ] || fail "the new daemon did not serve the compile"
	fb_done
}

# 5c. A daemon of the build before the socket was named with xxhash holds
# the lock and listens under the old name (BLAKE2b of the cache directory),
# where no client looks: it is stopped, and a new daemon serves the compile.
test_old_socket_name_replaced() {
	fb_socket_path
	local old_name
	old_name=$("$PYTHON" -c 'import hashlib, sys
print(hashlib.blake2b(sys.argv[1].encode(), digest_size=32).hexdigest()[:16])' "$ZCCACHE_DIR")
	SOCK=$(dirname "$SOCK")/$old_name.sock
	FB_HOLD_LOCK=$ZCCACHE_DIR/daemon.lock fb_fake old
	fb_source
	zc gcc -c a.c -Wall
	expect_like_ref
	[ -e "$T/fake.log.term" ] || fail "the daemon under the old name got no SIGTERM"
	wait_gone "$FAKE_PID"
	[ "$(fb_status misses)" = 1 ] || fail "no new daemon served the compile"
	zc gcc -c a.c -Wall
	expect_like_ref
	[ "$(fb_status hits)" = 1 ] || fail "the second compile was not a daemon hit"
	expect_counts 1 1
	fb_done
}

# 6. The daemon is killed (SIGKILL) between a miss and the next compile,
# then while the client compiles a miss (between MISS and STORE): every
# compile gives the compiler's result, and the cache keeps working.
test_daemon_killed() {
	# a wrapper in front of gcc that kills the daemon named in $T/killme
	mkdir bin
	cat >bin/gcc <<EOF
#!/bin/sh
if [ -f "$T/killme" ]; then kill -KILL "\$(cat "$T/killme")"; rm -f "$T/killme"; fi
exec /usr/bin/gcc "\$@"
EOF
	chmod +x bin/gcc
	export PATH=$T/bin:$PATH
	fb_source
	zc gcc -c a.c -Wall
	expect_like_ref
	local pid; pid=$(fb_status pid) || fail "the compile started no daemon"
	kill -KILL "$pid"
	wait_gone "$pid"
	zc gcc -c a.c -Wall # a new daemon: a hit
	expect_like_ref
	local new; new=$(fb_status pid) || fail "no daemon runs after the compile"
	[ "$new" != "$pid" ] || fail "the killed daemon answers"
	[ "$(fb_status hits)" = 1 ] || fail "the new daemon did not serve a hit"
	# now a miss whose daemon dies while the client compiles
	echo 'int later(void) { return 1; }' >>a.c
	settle
	ref gcc -c a.c -Wall
	echo "$new" >"$T/killme"
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_missing "$T/killme" # the compile ran the wrapper, which killed it
	wait_gone "$new"
	zc gcc -c a.c -Wall # nothing was stored: a miss, through a new daemon
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_counts 2 2
	fb_done
}

# A compiler that cannot be run: the exit code a shell gives (126), never a
# success (the daemon's miss once reported 0 and left no object).
test_compiler_not_executable() {
	warning_c_source >a.c
	mkdir bin
	cp /usr/bin/gcc bin/gcc
	chmod 644 bin/gcc
	settle
	local rc=0
	"$ZCCACHE" ./bin/gcc -c a.c -o a.o 2>err.txt || rc=$?
	[ "$rc" = 126 ] || fail "exit code $rc, not 126"
	[ ! -e a.o ] || fail "an object appeared"
	[ "$(grep -c 'cannot run' err.txt)" = 1 ] || fail "the error was not said once: $(cat err.txt)"
	rc=0
	ZCCACHE_NODAEMON=1 "$ZCCACHE" ./bin/gcc -c a.c -o a.o 2>/dev/null || rc=$?
	[ "$rc" = 126 ] || fail "in-process: exit code $rc, not 126"
}

# A daemon that accepts nobody (stopped) with its backlog full: connecting
# gives up after a while, and the compile runs in-process. (It blocked
# for ever once 65 clients waited.)
test_daemon_backlog_full() {
	"$ZCCACHE" start >/dev/null || fail "zccache start failed"
	local pid sock; pid=$(fb_status pid) || fail "no daemon"
	sock=$(fb_status socket)
	kill -STOP "$pid"
	on_cleanup "kill -CONT $pid"
	# Fill the backlog: connect without a word until the kernel says wait.
	"$PYTHON" - "$sock" <<'PY' &
import socket, sys, time
held = []
while True:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        break
    held.append(s)
time.sleep(30)
PY
	local filler=$!
	on_cleanup "kill $filler"
	sleep 0.5
	fb_source
	local t0=$EPOCHREALTIME t1 ms
	zc gcc -c a.c -Wall
	t1=$EPOCHREALTIME
	ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
	expect_like_ref
	[ "$ms" -lt 8000 ] || fail "the compile took $ms ms"
	kill "$filler"
	kill -CONT "$pid"
}

# A cache directory of another user's (sudo make with HOME kept): no daemon
# is started for it, and nothing is written through links placed in it.
test_foreign_cache_dir_not_followed() {
	[ "$(id -u)" = 0 ] || skip "needs root to own a directory as another user"
	fb_source
	echo precious >victim.txt
	mkdir victimdir
	touch victimdir/out.1 victimdir/grave.2
	mkdir shared
	ln -s "$T/victim.txt" shared/daemon.log
	ln -s "$T/victimdir" shared/tmp
	ln -s "$T/victim.txt" shared/daemon.lock
	chown -h 65534:65534 shared shared/daemon.log shared/tmp shared/daemon.lock
	ZCCACHE_DIR=$T/shared zc gcc -c a.c -Wall
	expect_like_ref
	[ "$(cat victim.txt)" = precious ] || fail "victim.txt was written: $(cat victim.txt)"
	[ -e victimdir/out.1 ] && [ -e victimdir/grave.2 ] || fail "files in victimdir were deleted"
	ZCCACHE_DIR=$T/shared expect_exit 1 "$ZCCACHE" status
}

# A daemon started while its user was in a group serves no client of that
# user without the group: a hit would write where the client may not.
test_daemon_other_groups_refused() {
	[ "$(id -u)" = 0 ] || skip "needs root to run as another user"
	warning_c_source >a.c
	mkdir out cache run
	chown 0:100 out
	chmod 775 out
	chmod 700 run
	chown 65534:65534 cache run a.c .
	settle
	local as_nobody=(setpriv --reuid=65534 --regid=65534)
	local env=(env ZCCACHE_DIR=$T/cache HOME=$T XDG_RUNTIME_DIR=$T/run)
	"${as_nobody[@]}" --groups=100 "${env[@]}" "$ZCCACHE" gcc -c a.c -o out/w.o 2>/dev/null ||
		fail "the compile in group 100 failed"
	"${as_nobody[@]}" --groups=100 "${env[@]}" "$ZCCACHE" gcc -c a.c -o out/w.o 2>/dev/null
	local rc=0
	"${as_nobody[@]}" --clear-groups "${env[@]}" "$ZCCACHE" gcc -c a.c -o out/a.o 2>err.txt || rc=$?
	[ "$rc" = 1 ] || fail "exit code $rc without the group, not 1 as gcc's"
	[ ! -e out/a.o ] || fail "an object was written where the client may not write"
	grep -q 'Permission denied' err.txt || fail "not gcc's error: $(cat err.txt)"
	grep -q 'listening on' cache/daemon.log || fail "no daemon served the compiles"
	"${as_nobody[@]}" --groups=100 "${env[@]}" "$ZCCACHE" stop >/dev/null
}

# ulimit -f: the compiler fails on it, so must the compile through zccache.
test_file_size_limit() {
	"$PYTHON" -c "print('int big[] = {' + ','.join(str(i) for i in range(20000)) + '};')" >big.c
	settle
	outputs
	zc gcc -c big.c -o warm.o
	zc gcc -c big.c -o warm.o
	expect_counts 1 1
	(ulimit -f 10; ref gcc -c big.c -o z.o)
	(ulimit -f 10; zc gcc -c big.c -o z.o)
	expect_like_ref
}
