# unusable: a cache that cannot be used never changes a compile's outcome;
# the log says why nothing is stored.

NOBODY=65534

# as_nobody CMD...: run CMD as uid/gid 65534 with the current environment.
as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"
}

# A work directory the other user can write, with a good and a bad source.
nobody_workdir() {
	require_root
	require_cmd setpriv
	as_nobody true 2>/dev/null || skip "setpriv cannot switch to uid $NOBODY here"
	mkdir -p work
	chown $NOBODY:$NOBODY work
	chmod 755 "$T"
	cd work || fail cd
	warning_c_source >a.c
	echo 'int main(void) { return nope; }' >bad.c
	chown $NOBODY:$NOBODY a.c bad.c
	settle
}

# outcome_like_bare RUNNER...: for a good and a failing compile, RUNNER
# zccache gives the bare compiler's outputs and exit codes (ran with RUNNER
# too), twice each.
outcome_like_bare() {
	outputs a.o
	ref "$@" gcc -c a.c -Wall
	run_cap "$@" "$ZCCACHE" gcc -c a.c -Wall
	expect_like_ref
	run_cap "$@" "$ZCCACHE" gcc -c a.c -Wall
	expect_like_ref
	outputs bad.o
	ref "$@" gcc -c bad.c
	[ "$(cat "$T/.cap/ref.rc")" != 0 ] || fail "the bad compile succeeded"
	run_cap "$@" "$ZCCACHE" gcc -c bad.c
	expect_like_ref
}

# expect_log_explains FILE: the log exists and says why the cache is not used.
expect_log_explains() {
	[ -s "$1" ] || fail "no log at $1"
	if ! grep -qiE 'unusable|cannot|can.t|read-only|owned|owner|permission|denied|not stor|no space|full|HOME|not writable|unwritable' "$1"; then
		cat "$1" >&2
		fail "the log does not say why the cache is unusable"
	fi
}

test_cache_dir_read_only() {
	nobody_workdir
	mkdir -p "$ZCCACHE_DIR"
	chown $NOBODY:$NOBODY "$ZCCACHE_DIR"
	chmod 555 "$ZCCACHE_DIR"
	export ZCCACHE_LOGFILE=$T/work/zc.log
	outcome_like_bare as_nobody
	expect_entries r 0
	expect_log_explains zc.log
}

test_cache_dir_of_another_user() {
	nobody_workdir
	# writable by everyone, but owned by root: nobody must not trust it
	mkdir -p "$ZCCACHE_DIR"
	chmod 777 "$ZCCACHE_DIR"
	export ZCCACHE_LOGFILE=$T/work/zc.log
	outcome_like_bare as_nobody
	expect_entries r 0
	expect_log_explains zc.log
}

test_cache_dir_owned_by_root_0755() {
	nobody_workdir
	mkdir -p "$ZCCACHE_DIR"
	chmod 755 "$ZCCACHE_DIR"
	export ZCCACHE_LOGFILE=$T/work/zc.log
	outcome_like_bare as_nobody
	expect_entries r 0
	expect_log_explains zc.log
}

# Root using a cache directory owned by another user.
test_root_with_cache_dir_of_another_user() {
	require_root
	mkdir -p "$ZCCACHE_DIR"
	chown $NOBODY:$NOBODY "$ZCCACHE_DIR"
	chmod 700 "$ZCCACHE_DIR"
	warning_c_source >a.c
	echo 'int main(void) { return nope; }' >bad.c
	settle
	export ZCCACHE_LOGFILE=$T/zc.log
	outcome_like_bare env
	expect_entries r 0
	expect_log_explains zc.log
}

# The cache dir cannot even be created (its parent is a regular file).
test_cache_dir_cannot_be_created() {
	warning_c_source >a.c
	echo 'int main(void) { return nope; }' >bad.c
	touch afile
	settle
	export ZCCACHE_DIR=$T/afile/cache ZCCACHE_LOGFILE=$T/zc.log
	outcome_like_bare env
	expect_log_explains zc.log
}

test_no_home_no_cache_dir() {
	warning_c_source >a.c
	echo 'int main(void) { return nope; }' >bad.c
	settle
	export ZCCACHE_LOGFILE=$T/zc.log
	outcome_like_bare env -u HOME -u ZCCACHE_DIR -u XDG_CACHE_HOME
	expect_log_explains zc.log
}

# mount_tmpfs DIR SIZE: a small tmpfs, unmounted when the test ends.
mount_tmpfs() {
	require_root
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" 2>/dev/null ||
		skip "cannot mount a tmpfs here (not privileged)"
	on_cleanup "umount '$1'"
}

# fill DIR: fill the file system of DIR (the filler is DIR/.fill).
fill() {
	dd if=/dev/zero of="$1/.fill" bs=4k >/dev/null 2>&1
	dd if=/dev/zero of="$1/.fill2" bs=1 >/dev/null 2>&1
	[ "$(df --output=avail "$1" | tail -1)" -le 4 ] || fail "could not fill $1"
}

test_disk_full() {
	mount_tmpfs "$T/small" 512k
	export ZCCACHE_DIR=$T/small/cache ZCCACHE_LOGFILE=$T/zc.log
	warning_c_source >a.c
	echo 'int main(void) { return nope; }' >bad.c
	settle
	mkdir -p "$ZCCACHE_DIR"
	chmod 700 "$ZCCACHE_DIR"
	fill "$T/small"
	outcome_like_bare env
	expect_entries r 0
	expect_log_explains zc.log
	# space again: a miss (no half-written entry is served), then a hit
	rm -f "$T/small/.fill" "$T/small/.fill2"
	outputs a.o
	ref gcc -c a.c -Wall
	zc gcc -c a.c -Wall
	expect_like_ref
	zc gcc -c a.c -Wall
	expect_like_ref
	expect_stat_ge hits 1
}

# The disk fills up part way through writing an entry: a big object that
# does not fit in the space left.
test_disk_full_mid_store() {
	mount_tmpfs "$T/small" 256k
	export ZCCACHE_DIR=$T/small/cache ZCCACHE_LOGFILE=$T/zc.log ZCCACHE_COMPRESSION_LEVEL=0
	"$PYTHON" -c "
import random
random.seed(1)
print('const unsigned int big[] = {' + ','.join(str(random.getrandbits(32)) for _ in range(80000)) + '};')
" >big.c
	settle
	outputs big.o
	ref gcc -c big.c
	zc gcc -c big.c
	expect_like_ref
	zc gcc -c big.c
	expect_like_ref
	expect_stat hits 0
	# nothing partial left behind as an entry
	local f
	for f in $(find "$ZCCACHE_DIR" -name '*.r'); do
		fail "entry $f stored on a full disk"
	done
	expect_log_explains zc.log
}
