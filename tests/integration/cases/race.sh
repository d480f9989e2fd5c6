# race: compiles that race each other through the daemon, and a daemon
# killed (SIGKILL) while its store thread writes, never give anything but
# the bare compiler's result, and never leave a partial entry under its
# final name. The daemon ACKs a STORE at once, keeps the outputs as hard
# links in tmp/ and records the entry later on its store thread (written to
# a temporary file, renamed into place). These tests count the compiles
# themselves: ZC_NO_QUIESCE=1, and rc_quiesce where they want the
# stores finished.

# rc_random_source SEED N: a C source with one -Wall warning and an array of
# N random 32-bit numbers: an object of 4N bytes that does not compress, so
# zstd at level 19 takes a while over it. Each SEED gives another key.
rc_random_source() {
	"$PYTHON" - "$1" "$2" <<'EOF'
import random, sys
seed, n = int(sys.argv[1]), int(sys.argv[2])
random.seed(seed)
print('int twice(int x) { return 2 * x; }')
print('int main(void)\n{\n\tint unused;\n\treturn twice(%d);\n}' % seed)
print('const unsigned int big_%d[] = {' % seed +
      ','.join(str(random.getrandbits(32)) for _ in range(n)) + '};')
EOF
}

# rc_zero_source SEED MIB: a source with one -Wall warning whose object
# holds a MIB MiB array, zero but for one byte: stored raw (level 0), its
# entry is one long write.
rc_zero_source() {
	printf '%s\n' \
		"const char big_$1[$2 << 20] = { $(($1 % 100 + 1)) };" \
		'int main(void)' \
		'{' \
		'	int unused;' \
		"	return big_$1[1];" \
		'}'
}

# rc_like_ref TAG FILE: the capture TAG has the bare compile's exit code,
# stdout and stderr, and FILE is byte-identical to the bare compile's object
# (ref must have been run with a single output).
rc_like_ref() {
	outputs "$2"
	expect_like_ref "$1"
}

# rc_counts: sets HITS, MISSES, OTHER (every uncacheable reason and error
# counted) and CORRUPT (errors.corrupt_entry) from one "zccache stats
# --json", which must work (it has the daemon flush its counts first). Read
# in the shell: a Python start would cost more than the rest.
rc_counts() {
	local json sect body
	json=$("$ZCCACHE" stats --json 2>&1) || fail "zccache stats --json failed: $json"
	RC_JSON=$json
	[[ $json =~ \"hits\":([0-9]+) ]] || fail "no hits in stats --json: $json"
	HITS=${BASH_REMATCH[1]}
	[[ $json =~ \"misses\":([0-9]+) ]] || fail "no misses in stats --json: $json"
	MISSES=${BASH_REMATCH[1]}
	[[ $json =~ \"corrupt_entry\":([0-9]+) ]] || fail "no corrupt_entry in stats --json: $json"
	CORRUPT=${BASH_REMATCH[1]}
	OTHER=0
	for sect in uncacheable errors; do
		[[ $json =~ \"$sect\":\{([^\}]*)\} ]] || fail "no $sect in stats --json: $json"
		body=${BASH_REMATCH[1]}
		while [[ $body =~ :([0-9]+)(.*) ]]; do
			OTHER=$((OTHER + BASH_REMATCH[1]))
			body=${BASH_REMATCH[2]}
		done
	done
}

# rc_nonzero: the nonzero counters of the last rc_counts, for a message.
rc_nonzero() {
	local body=$RC_JSON out=""
	while [[ $body =~ \"([a-z_]+)\":([1-9][0-9]*)(.*) ]]; do
		out+=" ${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
		body=${BASH_REMATCH[3]}
	done
	echo "nonzero:$out"
}

# rc_outcome LOG: "hit" or "miss", as the compile whose ZCCACHE_LOGFILE is
# LOG logged it: through the daemon (unless ZCCACHE_NODAEMON is set), else
# "none".
rc_outcome() {
	local hit='\] hit \(daemon\)$' miss='\] miss \(daemon\)$'
	[ -z "${ZCCACHE_NODAEMON:-}" ] || hit='\] hit$' miss='\] miss: '
	if grep -qE "$hit" "$1" 2>/dev/null; then
		echo hit
	elif grep -qE "$miss" "$1" 2>/dev/null; then
		echo miss
	else
		echo none
	fi
}

# rc_quiesce: daemon_quiesce despite ZC_NO_QUIESCE: wait for the stores.
rc_quiesce() {
	"$ZCCACHE" status >/dev/null 2>&1 || true
}

# 1. Two identical compiles started together (one direct key: the object's
# name is not in it) both miss and both store, while the build moves their
# objects away at once and a third identical compile comes at once (hit or
# miss: it may find the stores pending). Every one gives the bare compile's
# bytes, exit code and stderr; the key has one manifest and one result;
# once the stores are done a fourth is a hit; every compile is counted as a
# hit or a miss, nothing else. Even rounds: 160 KB that do not compress,
# zstd level 19. Odd rounds: an 8 MiB object stored raw, and another
# compile's slow store holds the store thread when A and B store, as in a
# parallel build: theirs wait behind it, and the build has moved their
# objects long before the store thread reads them.
test_identical_compiles_race() {
	export ZC_NO_QUIESCE=1
	local rounds=8 i pa pb raced=0 blocked blockers=0 n
	local h0=0 m0=0 o0=0
	for i in $(seq $rounds); do
		blocked=$((i % 2))
		if [ $blocked = 1 ]; then
			echo "--- round $i: 8 MiB, raw (blocked: $blocked)"
			rc_zero_source $i 8 >a.c
			export ZCCACHE_COMPRESSION_LEVEL=0
		else
			echo "--- round $i: 160 KB, zstd level 19 (blocked: $blocked)"
			rc_random_source $i 40000 >a.c
			export ZCCACHE_COMPRESSION_LEVEL=19
		fi
		printf 'const char blocker_%d[16 << 20] = { 1 };\n' $i >x.c
		settle
		outputs ref.o
		ref gcc -c a.c -Wall -o ref.o
		[ "$(cat "$T/.cap/ref.rc")" = 0 ] || fail "the bare compile failed"
		rm -f a1.o a2.o a3.o
		if [ $blocked = 1 ]; then
			# 16 MiB at zstd level 19: half a second of store (A's and
			# B's compiles take a fifth of that), a small entry; its
			# object deleted at once
			ZCCACHE_LOGFILE=$T/X$i.log ZCCACHE_COMPRESSION_LEVEL=19 "$ZCCACHE" gcc -c x.c -o x.o ||
				fail "the compile of x.c failed"
			rm x.o
			blockers=$((blockers + 1))
		fi
		ZCCACHE_LOGFILE=$T/A$i.log capture A$i "$ZCCACHE" gcc -c a.c -Wall -o a1.o &
		pa=$!
		ZCCACHE_LOGFILE=$T/B$i.log capture B$i "$ZCCACHE" gcc -c a.c -Wall -o a2.o &
		pb=$!
		wait $pa $pb
		# the build moves both objects the moment the compiles return
		mkdir r$i
		expect_exists a1.o a2.o
		mv a1.o a2.o r$i/
		# and compiles the same again at once, while the daemon stores
		ZCCACHE_LOGFILE=$T/C$i.log capture C$i "$ZCCACHE" gcc -c a.c -Wall -o a3.o
		rc_quiesce
		local oa ob oc
		oa=$(rc_outcome "$T/A$i.log") ob=$(rc_outcome "$T/B$i.log") oc=$(rc_outcome "$T/C$i.log")
		echo "A: $oa, B: $ob, C: $oc"
		[ "$oa" != none ] && [ "$ob" != none ] && [ "$oc" != none ] ||
			fail "round $i: a compile was not served by the daemon (see $T/[ABC]$i.log)"
		[ "$oa $ob" != "miss miss" ] || raced=$((raced + 1))
		rc_like_ref A$i r$i/a1.o
		rc_like_ref B$i r$i/a2.o
		rc_like_ref C$i a3.o
		rm -rf r$i a3.o
		rc_counts
		local h1=$HITS m1=$MISSES
		[ "$OTHER" = "$o0" ] || fail "round $i: compiles counted as neither hit nor miss ($(rc_nonzero))"
		n=$((3 + blocked))
		[ $((h1 - h0 + m1 - m0)) = $n ] ||
			fail "round $i: $n compiles, counted $((h1 - h0)) hits and $((m1 - m0)) misses ($(rc_nonzero))"
		# one direct key, one result: one manifest and one result per
		# round (and one of each per blocker)
		expect_entries m $((i + blockers))
		expect_entries r $((i + blockers))
		[ $((m1 - m0 - blocked)) -ge 1 ] || fail "round $i: a new source, and no compile missed"
		# the stores are done: a hit, the bare compile's bytes again
		outputs a4.o
		zc gcc -c a.c -Wall -o a4.o
		expect_like_ref
		rm -f a4.o
		rc_counts
		[ "$HITS" = $((h1 + 1)) ] || fail "round $i: the compile after the stores was not a hit ($(rc_nonzero))"
		[ "$MISSES" = "$m1" ] || fail "round $i: the compile after the stores missed"
		[ "$CORRUPT" = 0 ] || fail "round $i: corrupt entries met"
		h0=$HITS m0=$MISSES o0=$OTHER
	done
	echo "rounds where A and B both missed: $raced of $rounds"
	# they start together: each asks before the other has stored
	[ "$raced" -ge $((rounds / 2)) ] || fail "A and B both missed in only $raced of $rounds rounds"
	n=$((4 * rounds + blockers))
	expect_stats hits=$h0 misses=$m0 "hits>=$rounds"
	[ $((h0 + m0)) = $n ] || fail "$n compiles, $h0 hits + $m0 misses"
	[ "$(stat_total)" = $n ] || fail "counters beyond hits and misses moved"
	expect_stats corrupt_entry=0 store_failed=0 modified_during_compile=0 missing_output=0
	expect_entries m $((rounds + blockers))
	expect_entries r $((rounds + blockers))
}

# 2. The build rewrites an object in place (same inode) the moment its
# compile returns, while a slow store holds the store thread: the daemon
# kept the object as a hard link, with its stat data, before the client
# exited; the store thread sees the kept file changed and stores nothing.
# The next compile is a miss, never a hit on the rewritten bytes.
test_output_rewritten_after_exit() {
	export ZC_NO_QUIESCE=1
	# 1 MB of random nibbles: zstd at level 19 takes a while (0.4 s here;
	# zeros or random bytes go ten times faster), so the store thread is
	# busy well after a.c's compile returns
	"$PYTHON" -c 'import random; random.seed(4); print("const unsigned char blocker[] = {" +
		",".join(str(random.getrandbits(4)) for _ in range(1000000)) + "};")' >x.c
	echo 'int f(void) { return 42; }' >a.c
	settle
	outputs a.o
	ref gcc -c a.c -o a.o
	ZCCACHE_COMPRESSION_LEVEL=19 "$ZCCACHE" gcc -c x.c -o x.o || fail "the compile of x.c failed"
	ZCCACHE_LOGFILE=$T/a.log "$ZCCACHE" gcc -c a.c -o a.o || fail "the compile of a.c failed"
	local ino; ino=$(stat -c %i a.o)
	printf 'not an object\n' >>a.o # in place: the same inode, other bytes
	[ "$(stat -c %i a.o)" = "$ino" ] || fail "the rewrite made a new file"
	[ "$(rc_outcome "$T/a.log")" = miss ] || fail "a.c did not miss through the daemon"
	rc_quiesce
	expect_stats modified_during_compile=1
	zc gcc -c a.c -o a.o
	expect_like_ref
	# x.c and this one; the first a.c counts as modified, not as a miss
	expect_stats hits=0 misses=2
}

# kl_build_checker: $T/entcheck DIR validates every file in the shard
# directories of the store DIR as store.c would read it (name, header,
# size, checksum, zstd frame, records); it prints the bad ones and exits 1.
# Where it cannot be built (no xxhash or zstd headers), a Python check of
# the header and size stands in.
kl_build_checker() {
	cat >"$T/entcheck.c" <<'EOF'
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

static uint64_t u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static const char *check(const char *path, char kind)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	unsigned char *b = NULL;
	long n;
	const char *bad = NULL;

	if (fd < 0 || fstat(fd, &st) < 0)
		return "cannot open";
	n = st.st_size;
	if (n >= 32 && (b = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return "cannot map";
	}
	close(fd);
	if (n < 32) {
		bad = "shorter than a header";
		goto out;
	}
	uint64_t raw = u64(b + 8), stored = u64(b + 16);
	if (memcmp(b, "ZCE1", 4) || b[4] != kind || b[5] > 1 || b[6] || b[7])
		bad = "bad header";
	else if (stored != (uint64_t)n - 32)
		bad = "its size is not the size its header gives (truncated?)";
	else if (XXH3_64bits_withSeed(b + 32, stored, XXH3_64bits(b, 24)) != u64(b + 24))
		bad = "checksum mismatch";
	else if (raw > ((uint64_t)4 << 30))
		bad = "too large";
	if (bad)
		goto out;
	unsigned char *p = b + 32, *dec = NULL;
	if (b[5] == 0) {
		if (raw != stored)
			bad = "raw entry with two sizes";
	} else {
		dec = malloc(raw ? raw : 1);
		size_t got = ZSTD_decompress(dec, raw, b + 32, stored);
		if (ZSTD_isError(got) || got != raw)
			bad = "zstd frame does not decode to its size";
		p = dec;
	}
	for (uint64_t pos = 0; !bad && pos < raw;) {
		if (raw - pos < 12 || u64(p + pos + 4) > raw - pos - 12)
			bad = "records overrun the payload";
		else
			pos += 12 + u64(p + pos + 4);
	}
	free(dec);
out:
	if (b)
		munmap(b, n);
	return bad;
}

int main(int argc, char **argv)
{
	DIR *top = opendir(argv[1]), *sub;
	struct dirent *d, *e;
	char path[4096];
	int bad = 0, nr = 0;

	if (argc != 2 || !top)
		return 2;
	while ((d = readdir(top))) {
		if (strlen(d->d_name) != 2 || strspn(d->d_name, "0123456789abcdef") != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], d->d_name);
		if (!(sub = opendir(path)))
			continue;
		while ((e = readdir(sub))) {
			const char *n = e->d_name, *why;
			size_t l = strlen(n);
			if (!strcmp(n, ".") || !strcmp(n, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", argv[1], d->d_name, n);
			if (l != 64 || strspn(n, "0123456789abcdef") != 62 || n[62] != '.' ||
			    !strchr("rmx", n[63]))
				why = "not an entry's name";
			else
				why = check(path, n[63]);
			nr++;
			if (why) {
				printf("%s: %s\n", path, why);
				bad = 1;
			}
		}
		closedir(sub);
	}
	closedir(top);
	fprintf(stderr, "%d entries checked\n", nr);
	return bad;
}
EOF
	if ! gcc -O2 -o "$T/entcheck" "$T/entcheck.c" -lxxhash -lzstd 2>"$T/entcheck.err"; then
		echo "entcheck not built ($(head -1 "$T/entcheck.err")): the header and size only"
		cat >"$T/entcheck" <<EOF
#!/bin/sh
exec "$PYTHON" - "\$1" <<'PY'
import os, re, struct, sys
bad = 0
top = sys.argv[1]
for d in os.listdir(top):
    if not re.fullmatch('[0-9a-f]{2}', d) or not os.path.isdir(os.path.join(top, d)):
        continue
    for n in os.listdir(os.path.join(top, d)):
        p = os.path.join(top, d, n)
        b = open(p, 'rb').read()
        why = None
        if not re.fullmatch('[0-9a-f]{62}\\\\.[rmx]', n):
            why = "not an entry's name"
        elif len(b) < 32 or b[:4] != b'ZCE1' or b[4] != ord(n[-1]) or b[5] > 1:
            why = 'bad header'
        elif struct.unpack('<Q', b[16:24])[0] != len(b) - 32:
            why = 'its size is not the size its header gives (truncated?)'
        if why:
            print('%s: %s' % (p, why))
            bad = 1
sys.exit(bad)
PY
EOF
		chmod +x "$T/entcheck"
	fi
}

# kl_check_entries: no partial or foreign file under an entry's name.
kl_check_entries() {
	local out
	out=$("$T/entcheck" "$ZCCACHE_DIR") || fail "bad entries in the store after the kill: $out"
}

# kl_pid: the pid of the running daemon (one is started if none runs).
kl_pid() {
	"$ZCCACHE" start >/dev/null 2>&1 || return 1
	"$ZCCACHE" status 2>/dev/null | awk '$1 == "pid" { print $2; f = 1 } END { exit !f }'
}

# kl_source KIND SEED: k.c of that kind, and its compression level.
#   zero  an 8 MiB object stored raw: the store is mostly one long write
#   rand  a 200 KB object that does not compress, zstd level 19: the store
#         is mostly compressing, then a short write
kl_source() {
	case $1 in
	zero)
		rc_zero_source "$2" 8 >k.c
		export ZCCACHE_COMPRESSION_LEVEL=0
		;;
	rand)
		rc_random_source "$2" 50000 >k.c
		export ZCCACHE_COMPRESSION_LEVEL=19
		;;
	esac
	settle
	outputs ref.o
	ref gcc -c k.c -Wall -o ref.o
	[ "$(cat "$T/.cap/ref.rc")" = 0 ] || fail "the bare compile failed"
}

# kl_names: the names of the files now in the store's tmp dir and of its
# entries, one a line (to tell a new one from a left-over).
kl_names() {
	local f
	for f in "$ZCCACHE_DIR"/tmp/* "$ZCCACHE_DIR"/tmp/.[!.]* "$ZCCACHE_DIR"/??/*.[rm]; do
		[ -e "$f" ] && echo "${f#"$ZCCACHE_DIR"/}"
	done
}

# kl_wait_write OLD: returns as soon as the store writes an entry: a file
# that is not in OLD (kl_names before the compile) appears in tmp/ (a
# temporary file, not the kept outputs or dependency file) or under an
# entry's name. No fork in the loop: it sees the write begin within a small
# fraction of a millisecond. Returns 1 when none begins within 3 s.
kl_wait_write() {
	local -A old=()
	local f n
	while read -r n; do old[$n]=1; done <<<"$1"
	for _ in $(seq 30000); do
		for f in "$ZCCACHE_DIR"/tmp/* "$ZCCACHE_DIR"/tmp/.[!.]* "$ZCCACHE_DIR"/??/*.[rm]; do
			n=${f#"$ZCCACHE_DIR"/}
			case $n in tmp/out.* | tmp/dep.* | 'tmp/*' | 'tmp/.[!.]*' | '??/*.[rm]') continue ;; esac
			[ -z "${old[$n]:-}" ] && return 0
		done
	done
	return 1
}

# kl_sleep_ms N
kl_sleep_ms() {
	[ "$1" -gt 0 ] && sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"
	return 0
}

# kl_round KIND SEED WHEN: a miss of that kind through the daemon, which is
# SIGKILLed at WHEN: N (ms after the client has its answer) or wN (ms after
# the store began writing an entry). Then: nothing partial under an entry's
# name, stats work and count no corrupt entry, the next compile is the bare
# compile's (a hit or a miss) and the one after a hit. Counts the rounds
# whose store the kill interrupted in INTERRUPTED, those of them killed
# once the store had begun writing in WRITING.
kl_round() {
	local kind=$1 seed=$2 when=$3 pid h0 m0 before
	echo "--- $kind $seed: SIGKILL at $when"
	kl_source "$kind" "$seed"
	pid=$(kl_pid) || fail "no daemon runs"
	before=$(kl_names)
	rm -f k.o
	capture K "$ZCCACHE" gcc -c k.c -Wall -o k.o
	local wrote=0
	case $when in
	w*)
		if kl_wait_write "$before"; then wrote=1; else echo "no entry written within 3 s"; fi
		kl_sleep_ms "${when#w}"
		;;
	*) kl_sleep_ms "$when" ;;
	esac
	kill -KILL "$pid" || fail "the daemon $pid was gone before the kill"
	wait_gone "$pid"
	rc_like_ref K k.o
	kl_check_entries
	rc_counts
	[ "$CORRUPT" = 0 ] || fail "corrupt entries met after the kill ($(rc_nonzero))"
	h0=$HITS m0=$MISSES
	# the next compile: a new daemon; the entry is there whole or not at all
	outputs n.o
	zc gcc -c k.c -Wall -o n.o
	expect_like_ref
	rc_quiesce
	# the new daemon swept what the killed one kept for its stores
	local left
	left=$(cd "$ZCCACHE_DIR/tmp" && ls -d out.* grave.* 2>/dev/null | head -3)
	[ -z "$left" ] || fail "left in tmp/ after the restart: $left"
	rc_counts
	[ "$CORRUPT" = 0 ] || fail "the compile after the kill met a corrupt entry ($(rc_nonzero))"
	[ $((HITS - h0 + MISSES - m0)) = 1 ] ||
		fail "the compile after the kill: $((HITS - h0)) hits, $((MISSES - m0)) misses ($(rc_nonzero))"
	if [ "$HITS" = "$h0" ]; then
		INTERRUPTED=$((INTERRUPTED + 1))
		WRITING=$((WRITING + wrote))
		echo "the kill interrupted the store"
	fi
	kl_check_entries
	h0=$HITS
	outputs h.o
	zc gcc -c k.c -Wall -o h.o
	expect_like_ref
	rc_counts
	[ "$HITS" = $((h0 + 1)) ] || fail "the second compile after the kill was not a hit ($(rc_nonzero))"
	[ "$CORRUPT" = 0 ] || fail "the hit met a corrupt entry"
}

# 2. The daemon is SIGKILLed at various moments of a store: soon after the
# ACK (keeping, compressing), as it begins writing the result, within that
# write, between it and the manifest, after the store: see kl_round. A
# partial entry must never be visible under its final name.
test_kill9_during_store() {
	[ -z "${ZCCACHE_NODAEMON:-}" ] || skip "a test of the daemon's stores"
	export ZC_NO_QUIESCE=1
	kl_build_checker
	# the first store asks gcc for its search path and memoises it (an
	# entry of its own): done here, so that the first entry each round's
	# store writes is its result
	warning_c_source >w.c
	settle
	"$ZCCACHE" gcc -c w.c -Wall -o w.o 2>/dev/null || fail "the warm-up compile failed"
	rc_quiesce
	INTERRUPTED=0 WRITING=0
	local kind when seed=0 rounds=0 whens
	for kind in zero rand; do
		seed=$((seed + 100))
		if [ $kind = zero ]; then
			# an 8 MiB write: killed as it begins, within, after
			whens="0 5 20 w0 w0 w1 w3 w8 300"
		else
			# zstd level 19 first, then a short write and the manifest
			whens="0 20 w0"
		fi
		for when in $whens; do
			seed=$((seed + 1))
			rounds=$((rounds + 1))
			kl_round $kind $seed "$when"
		done
	done
	echo "the kill interrupted $INTERRUPTED of $rounds stores, $WRITING of them writing"
	[ "$WRITING" -ge 1 ] || fail "no kill came while a store was writing: the test tested nothing"
	expect_stats corrupt_entry=0 store_failed=0
}

# 4. Parallel compiles of one source with one command line in four
# directories, whose `-Iinc` headers differ: one direct key, one set per
# header content, and the daemon's workers each in another directory at
# once. Every object is its own directory's, round after round, while one
# directory's header changes between rounds (the file memory forgets, and
# the sets' stamps are checked again).
test_parallel_directories_never_mixed() {
	export ZC_NO_QUIESCE=1
	local d r k pids=() bad=0
	printf '%s\n' '#include "h.h"' 'int value(void) { return VALUE; }' >a.c
	for d in 1 2 3 4; do
		mkdir -p "d$d/inc"
		cp a.c "d$d/a.c"
		printf '#define VALUE %d\n' "$d" >"d$d/inc/h.h"
	done
	settle
	for r in $(seq 10); do
		for d in 1 2 3 4; do
			(cd "d$d" && gcc -Iinc -c a.c -o ref.o) || fail "the bare compile in d$d failed"
		done
		pids=()
		for d in 1 2 3 4; do
			for k in 1 2 3; do
				(cd "d$d" && "$ZCCACHE" gcc -Iinc -c a.c -o "o$k.o") &
				pids+=($!)
			done
		done
		for k in "${pids[@]}"; do
			wait "$k" || fail "round $r: a compile failed"
		done
		for d in 1 2 3 4; do
			for k in 1 2 3; do
				cmp -s "d$d/o$k.o" "d$d/ref.o" || { echo "round $r: d$d/o$k.o is not d$d's"; bad=1; }
			done
		done
		[ $bad = 0 ] || fail "round $r: an object of another directory's header"
		# the next round: one directory's header changes
		d=$((r % 4 + 1))
		printf '#define VALUE %d\n' $((d + 10 * r)) >"d$d/inc/h.h"
		settle
	done
	rc_quiesce
	rc_counts
	[ "$CORRUPT" = 0 ] || fail "corrupt entries met"
	[ "$HITS" -gt 0 ] || fail "no compile was a hit ($(rc_nonzero))"
}
